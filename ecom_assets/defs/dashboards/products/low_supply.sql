-- The 10 products with the fewest days of supply among those that sold at least %(min_units)s
-- units: where stock runs out first at the period's sales rate (ties by product_id).
SELECT product_id, product_name, category, avg_on_hand_units, units_sold, days_of_supply, inventory_turnover
FROM analytics.product_metrics
WHERE units_sold >= %(min_units)s AND days_of_supply IS NOT NULL
ORDER BY days_of_supply, product_id
LIMIT 10;
