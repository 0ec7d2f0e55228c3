-- analytics.customer_metrics: one row per customer (current version), buyers or not.
-- Orders are matched on the natural key, so every version of a customer counts; orders whose
-- customer has no dimension row (unknown member) are left out and reported by the checks.

CREATE TABLE IF NOT EXISTS analytics.customer_metrics (
    customer_id             text          PRIMARY KEY,
    total_orders            bigint        NOT NULL,
    total_spent             numeric(14,2) NOT NULL,
    avg_order_value         numeric(14,2),
    lifetime_value          numeric(14,2) NOT NULL,
    gross_profit            numeric(14,2) NOT NULL,
    first_order_date        date,
    last_order_date         date,
    first_order_value       numeric(14,2),
    days_since_last_order   integer,
    customer_segment        text          NOT NULL,
    registration_date       date,
    days_to_first_purchase  integer,
    acquisition_bucket      text          NOT NULL,
    churn_risk              text          NOT NULL,
    churn_risk_score        numeric(3,1)
);

TRUNCATE analytics.customer_metrics;

INSERT INTO analytics.customer_metrics
WITH customers AS (
    SELECT customer_id, coalesce(customer_segment, 'Unknown') AS customer_segment, registration_date
    FROM warehouse.dim_customers
    WHERE is_current AND customer_id <> 'UNKNOWN'
),
orders AS (
    SELECT customer_id,
           count(*)          AS total_orders,
           sum(net_revenue)  AS total_spent,
           sum(gross_profit) AS gross_profit,
           min(order_date)   AS first_order_date,
           max(order_date)   AS last_order_date
    FROM warehouse.fact_orders
    WHERE is_recognized
    GROUP BY customer_id
),
first_order AS (
    SELECT DISTINCT ON (customer_id) customer_id, net_revenue AS first_order_value
    FROM warehouse.fact_orders
    WHERE is_recognized
    ORDER BY customer_id, order_date, order_id
),
joined AS (
    SELECT c.customer_id,
           coalesce(o.total_orders, 0)  AS total_orders,
           coalesce(o.total_spent, 0)   AS total_spent,
           coalesce(o.gross_profit, 0)  AS gross_profit,
           o.first_order_date,
           o.last_order_date,
           f.first_order_value,
           (SELECT as_of FROM ops.run_context) - o.last_order_date AS days_since_last_order,
           c.customer_segment,
           c.registration_date,
           o.first_order_date - c.registration_date AS days_to_first_purchase
    FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.customer_id
    LEFT JOIN first_order f ON f.customer_id = c.customer_id
)
SELECT customer_id,
       total_orders,
       round(total_spent, 2),
       CASE WHEN total_orders > 0 THEN round(total_spent / total_orders, 2) END,
       round(total_spent, 2),
       round(gross_profit, 2),
       first_order_date,
       last_order_date,
       round(first_order_value, 2),
       days_since_last_order,
       customer_segment,
       registration_date,
       days_to_first_purchase,
       CASE WHEN total_orders = 0 THEN 'No purchase'
            WHEN days_to_first_purchase IS NULL THEN 'After month'
            WHEN days_to_first_purchase < 0 THEN 'Before registration'
            WHEN days_to_first_purchase = 0 THEN 'Same day'
            WHEN days_to_first_purchase <= 7 THEN 'Within week'
            WHEN days_to_first_purchase <= 30 THEN 'Within month'
            ELSE 'After month' END,
       CASE WHEN total_orders = 0 THEN 'No purchase'
            WHEN days_since_last_order > 180 THEN 'High'
            WHEN days_since_last_order > 90 THEN 'Medium'
            ELSE 'Low' END,
       CASE WHEN total_orders = 0 THEN NULL
            WHEN days_since_last_order > 365 THEN 0.9
            WHEN days_since_last_order > 180 THEN 0.7
            WHEN days_since_last_order > 90 THEN 0.4
            ELSE 0.1 END
FROM joined
ORDER BY customer_id;
