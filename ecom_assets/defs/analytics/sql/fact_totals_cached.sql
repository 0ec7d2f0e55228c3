-- fact_totals.sql's totals as the sums of the per-day cache (ops.fact_day_totals), same columns.
SELECT coalesce(sum(order_net_revenue), 0)            AS order_net_revenue,
       coalesce(sum(recognized_orders), 0)::bigint    AS recognized_orders,
       coalesce(sum(unknown_customer_net_revenue), 0) AS unknown_customer_net_revenue,
       coalesce(sum(unknown_customer_orders), 0)::bigint AS unknown_customer_orders,
       coalesce(sum(item_net_revenue), 0)             AS item_net_revenue,
       coalesce(sum(unknown_product_net_revenue), 0)  AS unknown_product_net_revenue,
       coalesce(sum(unknown_product_items), 0)::bigint AS unknown_product_items
FROM ops.fact_day_totals;
