-- The staging layer's state in schema ops (docs/DESIGN.md "The ops tables"): created here and
-- nowhere else, idempotently, by ddl.ensure_staging_tables before the layer loads anything.

-- The staging load ledger: per table and landed day, the fingerprint the day was loaded from and
-- what the load read, staged, rejected and normalized; a day with an unchanged fingerprint is
-- skipped. Written by load.py; read by the accounting check, the fact and dimension planners,
-- the run summary and the report.
CREATE TABLE IF NOT EXISTS ops.staging_loads (
    table_name   text   NOT NULL,
    day          date   NOT NULL,
    fingerprint  text   NOT NULL,
    rows_read    bigint NOT NULL,
    rows_staged  bigint NOT NULL,
    rows_rejected bigint NOT NULL,
    normalized   jsonb,
    PRIMARY KEY (table_name, day)
);
ALTER TABLE ops.staging_loads ADD COLUMN IF NOT EXISTS normalized jsonb;

-- The as-of date of the loaded data (one row), written by each staging load from the run's
-- as-of value; what the warehouse and analytics builds, the BI view bi.as_of and the dashboards
-- compute against.
CREATE TABLE IF NOT EXISTS ops.run_context (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    as_of     date NOT NULL
);

-- Each staging check's last outcome: a check that passed last time checks only the days loaded
-- since; one that failed checks its whole scope until it passes (checks.py).
CREATE TABLE IF NOT EXISTS ops.staging_checks (
    table_name text        NOT NULL,
    check_name text        NOT NULL,
    passed     boolean     NOT NULL,
    checked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, check_name)
);
