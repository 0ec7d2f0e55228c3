-- dim_customers, SCD Type 2, rebuilt whole from every staged version (DATA_CONTRACT "Versions").
-- Day grain: the last version of a day stands; a version equal to the one before it (same
-- attribute hash) is dropped, so a re-exported unchanged row changes nothing; the first version is
-- back-dated to 1900-01-01; valid_to is exclusive, the open end is 9999-12-31.
-- Runs inside the asset's transaction after _dim_old captured the previous rows.
DELETE FROM warehouse.dim_customers;

INSERT INTO warehouse.dim_customers (
    customer_sk, customer_id, first_name, last_name, email, phone, date_of_birth, gender, address,
    city, state, country, postal_code, registration_date, customer_segment, preferred_category,
    marketing_consent, valid_from, valid_to, is_current, attr_hash)
WITH day_last AS (
    SELECT DISTINCT ON (customer_id, updated_at::date)
           customer_id, updated_at::date AS version_day, first_name, last_name, email, phone,
           date_of_birth, gender, address, city, state, country, postal_code, registration_date,
           customer_segment, preferred_category, marketing_consent
    FROM staging.customers
    ORDER BY customer_id, updated_at::date, updated_at DESC, _source_file DESC, _source_line DESC
), hashed AS (
    SELECT d.*,
           md5(ROW(first_name, last_name, email, phone, date_of_birth, gender, address, city, state,
                   country, postal_code, registration_date, customer_segment, preferred_category,
                   marketing_consent)::text) AS attr_hash
    FROM day_last d
), changes AS (
    SELECT h.*, lag(attr_hash) OVER (PARTITION BY customer_id ORDER BY version_day) AS prev_hash
    FROM hashed h
), versions AS (
    SELECT c.*,
           row_number() OVER w AS version_no,
           lead(version_day) OVER w AS next_day
    FROM changes c
    WHERE prev_hash IS DISTINCT FROM attr_hash
    WINDOW w AS (PARTITION BY customer_id ORDER BY version_day)
), dated AS (
    SELECT v.*,
           CASE WHEN version_no = 1 THEN DATE '1900-01-01' ELSE version_day END AS valid_from,
           coalesce(next_day, DATE '9999-12-31') AS valid_to
    FROM versions v
)
SELECT warehouse.version_sk(customer_id, valid_from), customer_id, first_name, last_name, email,
       phone, date_of_birth, gender, address, city, state, country, postal_code, registration_date,
       customer_segment, preferred_category, marketing_consent, valid_from, valid_to,
       next_day IS NULL, attr_hash
FROM dated
UNION ALL
SELECT -1, 'UNKNOWN', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, DATE '1900-01-01', DATE '9999-12-31', true,
       md5(ROW(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL)::text);
