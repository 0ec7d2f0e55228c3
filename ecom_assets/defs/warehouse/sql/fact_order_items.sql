-- fact_order_items for the days %(days)s (staging _day), after those days were deleted.
-- Point in time: the customer and product versions in effect on the order date; a key with no
-- version lands on the unknown member -1. Measures (METRICS.md): discount share =
-- round(discount_amount * total_price / subtotal, 2) (0 when subtotal is 0), then the rounding
-- remainder goes to the order's largest item (ties: lowest order_item_id) so the items' net
-- revenues add up exactly to the order's net revenue; unit_cost = cost_price of the product
-- version in effect; cogs = quantity * unit_cost; gross_profit = net_revenue - cogs.
-- An item whose order is not staged on its day gets no discount, customer -1 and is not recognized.
INSERT INTO {target} (
    order_item_id, order_id, order_date, customer_sk, product_sk, product_id, quantity, unit_price,
    total_price, discount_share, net_revenue, unit_cost, cogs, gross_profit, is_recognized,
    customer_id)
WITH items AS (
    SELECT DISTINCT ON (order_item_id)
           order_item_id, order_id, product_id, quantity, unit_price, total_price, _day
    FROM staging.order_items
    WHERE _day = ANY(%(days)s)
    ORDER BY order_item_id, _day DESC, _source_file DESC, _source_line DESC
), orders AS (
    SELECT DISTINCT ON (order_id)
           order_id, customer_id, order_date, order_status, subtotal, discount_amount
    FROM staging.orders
    WHERE _day = ANY(%(days)s)
    ORDER BY order_id, _day DESC, _source_file DESC, _source_line DESC
), shared AS (
    SELECT i.*, o.customer_id, coalesce(o.order_date, i._day) AS order_date, o.order_status,
           o.subtotal - o.discount_amount AS order_net_revenue,
           CASE WHEN o.subtotal IS NULL OR o.subtotal = 0 THEN 0
                ELSE round(o.discount_amount * i.total_price / o.subtotal, 2) END AS raw_share,
           row_number() OVER (PARTITION BY i.order_id
                              ORDER BY i.total_price DESC, i.order_item_id) AS size_rank
    FROM items i
    LEFT JOIN orders o ON o.order_id = i.order_id
), balanced AS (
    SELECT s.*,
           CASE WHEN s.size_rank = 1 AND s.order_net_revenue IS NOT NULL
                THEN s.raw_share + sum(s.total_price - s.raw_share) OVER (PARTITION BY s.order_id)
                     - s.order_net_revenue
                ELSE s.raw_share END AS discount_share
    FROM shared s
)
SELECT b.order_item_id, b.order_id, b.order_date,
       coalesce(c.customer_sk, -1), coalesce(p.product_sk, -1), b.product_id,
       b.quantity, b.unit_price, b.total_price, b.discount_share,
       b.total_price - b.discount_share,
       p.cost_price,
       coalesce(b.quantity * p.cost_price, 0),
       b.total_price - b.discount_share - coalesce(b.quantity * p.cost_price, 0),
       coalesce(lower(b.order_status) NOT IN ('cancelled', 'returned'), false),
       b.customer_id
FROM balanced b
LEFT JOIN warehouse.dim_customers c
  ON c.customer_id = b.customer_id AND b.order_date >= c.valid_from AND b.order_date < c.valid_to
LEFT JOIN warehouse.dim_products p
  ON p.product_id = b.product_id AND b.order_date >= p.valid_from AND b.order_date < p.valid_to;
