-- Data problems the report flags: facts pointing at the unknown dimension member, customers
-- whose first order predates their registration, orders without items and items without order.

SELECT
    (SELECT count(*) FROM warehouse.fact_orders WHERE customer_sk = -1)      AS orders_unknown_customer,
    (SELECT count(*) FROM warehouse.fact_order_items WHERE product_sk = -1)  AS items_unknown_product,
    (SELECT count(*) FROM warehouse.fact_clickstream WHERE customer_sk = -1) AS events_unknown_customer,
    (SELECT count(*) FROM warehouse.fact_clickstream WHERE product_sk = -1)  AS events_unknown_product,
    (SELECT count(*) FROM warehouse.fact_inventory WHERE product_sk = -1)    AS snapshots_unknown_product,
    (SELECT count(*) FROM analytics.customer_metrics
      WHERE acquisition_bucket = 'Before registration')                      AS customers_before_registration,
    (SELECT count(*) FROM warehouse.fact_orders o
      WHERE o.is_recognized AND NOT EXISTS (
          SELECT 1 FROM warehouse.fact_order_items i
          WHERE i.order_id = o.order_id AND i.order_date = o.order_date))   AS recognized_orders_without_items,
    (SELECT count(*) FROM warehouse.fact_order_items i
      WHERE NOT EXISTS (
          SELECT 1 FROM warehouse.fact_orders o
          WHERE o.order_id = i.order_id AND o.order_date = i.order_date))   AS items_without_their_order;
