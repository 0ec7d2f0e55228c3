-- The set of current customer and product keys, which decides what is an unknown member (a
-- fact row's key outside it): its size and an order-free sum of 64-bit key hashes. One pass
-- over the current rows without a sort (0.07 s for 250,000 customers); it changes with any key
-- that appears, disappears or is duplicated, and not with other attributes.
SELECT 'c:' || (SELECT count(*) || ':' || coalesce(sum(hashtextextended(customer_id, 0)), 0)
                FROM warehouse.dim_customers WHERE is_current AND customer_id <> 'UNKNOWN')
       || '|p:' || (SELECT count(*) || ':' || coalesce(sum(hashtextextended(product_id, 0)), 0)
                    FROM warehouse.dim_products WHERE is_current AND product_id <> 'UNKNOWN')
