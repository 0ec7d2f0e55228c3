-- fact_orders for the days %(days)s (staging _day), after those days were deleted; reads the
-- same days of fact_order_items (built first) for cogs, item count and units.
-- net_revenue = subtotal - discount_amount (tax and shipping are pass-through);
-- is_recognized = status not Cancelled/Returned, case-insensitive (METRICS.md).
INSERT INTO {target} (
    order_id, order_date, customer_sk, customer_id, order_status, payment_method, is_recognized,
    subtotal, discount_amount, shipping_cost, tax_amount, total_amount, net_revenue, cogs,
    gross_profit, item_count, units, delivery_date)
WITH orders AS (
    SELECT DISTINCT ON (order_id)
           order_id, order_date, customer_id, order_status, payment_method, subtotal,
           discount_amount, shipping_cost, tax_amount, total_amount, delivery_date
    FROM staging.orders
    WHERE _day = ANY(%(days)s)
    ORDER BY order_id, _day DESC, _source_file DESC, _source_line DESC
), items AS (
    SELECT order_id, order_date, count(*) AS item_count, sum(quantity) AS units, sum(cogs) AS cogs
    FROM warehouse.fact_order_items
    WHERE order_date = ANY(%(days)s)
    GROUP BY order_id, order_date
)
SELECT o.order_id, o.order_date, coalesce(c.customer_sk, -1), o.customer_id, o.order_status,
       o.payment_method, lower(o.order_status) NOT IN ('cancelled', 'returned'),
       o.subtotal, o.discount_amount, o.shipping_cost, o.tax_amount, o.total_amount,
       o.subtotal - o.discount_amount,
       coalesce(i.cogs, 0),
       o.subtotal - o.discount_amount - coalesce(i.cogs, 0),
       coalesce(i.item_count, 0), coalesce(i.units, 0), o.delivery_date
FROM orders o
LEFT JOIN items i ON i.order_id = o.order_id AND i.order_date = o.order_date
LEFT JOIN warehouse.dim_customers c
  ON c.customer_id = o.customer_id AND o.order_date >= c.valid_from AND o.order_date < c.valid_to;
