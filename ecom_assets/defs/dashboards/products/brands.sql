-- The %(max_brands)s brands with the most net revenue; brands_total counts every brand.
SELECT brand, units_sold, orders, net_revenue, gross_profit, margin_pct, products,
       count(*) OVER () AS brands_total
FROM analytics.brand_metrics
ORDER BY net_revenue DESC, brand
LIMIT %(max_brands)s;
