-- The 10 products with the lowest average stock on hand; ties by product_id.
SELECT product_id, product_name, category, avg_on_hand_units, units_sold, days_of_supply, inventory_turnover
FROM analytics.product_metrics
ORDER BY avg_on_hand_units, product_id
LIMIT 10;
