-- Checks of fact_orders over the window [%(start)s, %(end)s): one row of counts.
WITH f AS (
    SELECT * FROM warehouse.fact_orders WHERE order_date >= %(start)s AND order_date < %(end)s
), items AS (
    SELECT order_id, order_date, sum(net_revenue) AS net_revenue, sum(total_price) AS total_price
    FROM warehouse.fact_order_items
    WHERE order_date >= %(start)s AND order_date < %(end)s
    GROUP BY order_id, order_date
)
SELECT
    (SELECT count(*) FROM f) AS fact_rows,
    (SELECT count(*) FROM staging.orders WHERE _day >= %(start)s AND _day < %(end)s) AS staged_rows,
    (SELECT count(DISTINCT order_id) FROM staging.orders
      WHERE _day >= %(start)s AND _day < %(end)s) AS staged_keys,
    (SELECT count(*) FROM f
      WHERE NOT EXISTS (SELECT 1 FROM warehouse.dim_customers c
                        WHERE c.customer_sk = f.customer_sk)) AS unresolved_customer_sk,
    (SELECT count(*) FROM f WHERE customer_sk = -1) AS unknown_customers,
    (SELECT count(*) FROM f JOIN items i USING (order_id, order_date)
      WHERE i.net_revenue <> f.net_revenue) AS net_revenue_mismatches,
    (SELECT count(*) FROM f
      WHERE NOT EXISTS (SELECT 1 FROM items i
                        WHERE i.order_id = f.order_id AND i.order_date = f.order_date))
        AS orders_without_items,
    (SELECT count(*) FROM f
      WHERE f.is_recognized
        AND NOT EXISTS (SELECT 1 FROM items i
                        WHERE i.order_id = f.order_id AND i.order_date = f.order_date))
        AS recognized_orders_without_items,
    (SELECT count(*) FROM f
      WHERE abs(total_amount - (subtotal - discount_amount + shipping_cost + tax_amount)) > 0.01)
        AS total_amount_violations,
    (SELECT count(*) FROM f JOIN items i USING (order_id, order_date)
      WHERE abs(f.subtotal - i.total_price) > 0.01) AS subtotal_violations,
    (SELECT count(*) FROM f
      WHERE subtotal < 0 OR discount_amount < 0 OR shipping_cost < 0 OR tax_amount < 0
         OR total_amount < 0 OR units < 0 OR item_count < 0) AS negative_values,
    (SELECT count(*) FROM f
      JOIN warehouse.dim_customers c ON c.customer_sk = f.customer_sk
      WHERE f.order_date < c.registration_date) AS orders_before_registration;
