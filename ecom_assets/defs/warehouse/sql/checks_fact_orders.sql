-- Checks of fact_orders over the window [%(start)s, %(end)s): one row of counts.
-- One pass over the window's facts, each joined once to its items' totals and to its customer
-- version (customer_sk is dim_customers' primary key, so the join never repeats a fact row), and
-- one over the staged rows: a CTE read by ten subqueries was materialized and re-scanned ten times.
WITH items AS (
    SELECT order_id, order_date, sum(net_revenue) AS net_revenue, sum(total_price) AS total_price
    FROM warehouse.fact_order_items
    WHERE order_date >= %(start)s AND order_date < %(end)s
    GROUP BY order_id, order_date
), facts AS (
    SELECT
        count(*) AS fact_rows,
        count(*) FILTER (WHERE c.customer_sk IS NULL) AS unresolved_customer_sk,
        count(*) FILTER (WHERE f.customer_sk = -1) AS unknown_customers,
        count(*) FILTER (WHERE i.order_id IS NOT NULL AND i.net_revenue <> f.net_revenue)
            AS net_revenue_mismatches,
        count(*) FILTER (WHERE i.order_id IS NULL) AS orders_without_items,
        count(*) FILTER (WHERE f.is_recognized AND i.order_id IS NULL) AS recognized_orders_without_items,
        count(*) FILTER (
            WHERE abs(f.total_amount - (f.subtotal - f.discount_amount + f.shipping_cost + f.tax_amount)) > 0.01
        ) AS total_amount_violations,
        count(*) FILTER (WHERE i.order_id IS NOT NULL AND abs(f.subtotal - i.total_price) > 0.01)
            AS subtotal_violations,
        count(*) FILTER (
            WHERE f.subtotal < 0 OR f.discount_amount < 0 OR f.shipping_cost < 0 OR f.tax_amount < 0
               OR f.total_amount < 0 OR f.units < 0 OR f.item_count < 0
        ) AS negative_values,
        count(*) FILTER (WHERE f.order_date < c.registration_date) AS orders_before_registration
    FROM warehouse.fact_orders f
    LEFT JOIN items i ON i.order_id = f.order_id AND i.order_date = f.order_date
    LEFT JOIN warehouse.dim_customers c ON c.customer_sk = f.customer_sk
    WHERE f.order_date >= %(start)s AND f.order_date < %(end)s
), staged AS (
    SELECT count(*) AS staged_rows, count(DISTINCT order_id) AS staged_keys
    FROM staging.orders
    WHERE _day >= %(start)s AND _day < %(end)s
)
SELECT facts.fact_rows, staged.staged_rows, staged.staged_keys, facts.unresolved_customer_sk,
       facts.unknown_customers, facts.net_revenue_mismatches, facts.orders_without_items,
       facts.recognized_orders_without_items, facts.total_amount_violations,
       facts.subtotal_violations, facts.negative_values, facts.orders_before_registration
FROM facts, staged;
