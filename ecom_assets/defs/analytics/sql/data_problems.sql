-- Data problems the report flags: facts pointing at the unknown dimension member, and
-- customers whose first order predates their registration.

SELECT
    (SELECT count(*) FROM warehouse.fact_orders WHERE customer_sk = -1)      AS orders_unknown_customer,
    (SELECT count(*) FROM warehouse.fact_order_items WHERE product_sk = -1)  AS items_unknown_product,
    (SELECT count(*) FROM warehouse.fact_clickstream WHERE customer_sk = -1) AS events_unknown_customer,
    (SELECT count(*) FROM warehouse.fact_clickstream WHERE product_sk = -1)  AS events_unknown_product,
    (SELECT count(*) FROM warehouse.fact_inventory WHERE product_sk = -1)    AS snapshots_unknown_product,
    (SELECT count(*) FROM analytics.customer_metrics
      WHERE acquisition_bucket = 'Before registration')                      AS customers_before_registration;
