-- The warehouse layer's state in schema ops (docs/DESIGN.md "The ops tables"): created here and
-- nowhere else, by common.ensure_warehouse (lib/sql_files.apply_state: applied when this file
-- changed or one of its tables is missing).

-- The fact build ledger: per fact table and day, the fingerprint of the staged input it was built
-- from (ops.staging_loads), the last dimension change it has seen and a build id (so a fact built
-- from another fact notices a rebuild). A day whose fingerprint is unchanged is skipped.
CREATE TABLE IF NOT EXISTS ops.fact_builds (
    table_name         text   NOT NULL,
    day                date   NOT NULL,
    source_fingerprint text   NOT NULL,
    dim_change_id      bigint NOT NULL,
    build_id           bigint NOT NULL,
    rows_built         bigint NOT NULL,
    PRIMARY KEY (table_name, day)
);
CREATE SEQUENCE IF NOT EXISTS ops.fact_build_seq;

-- What each dimension rebuild changed: a natural key and the dates on which its version in effect
-- (valid_from, attributes) differs from before. Facts rebuild the days that reference such a key.
CREATE TABLE IF NOT EXISTS ops.dim_changes (
    change_id    bigserial PRIMARY KEY,
    dim_name     text NOT NULL,
    natural_key  text NOT NULL,
    changed_from date NOT NULL,
    changed_to   date NOT NULL
);
CREATE INDEX IF NOT EXISTS dim_changes_dim_idx ON ops.dim_changes (dim_name, change_id);

-- The dimension build ledger: the staging fingerprints a dimension was last built from. A run
-- whose source ledger (ops.staging_loads) is unchanged skips the rebuild.
CREATE TABLE IF NOT EXISTS ops.dim_builds (
    table_name         text PRIMARY KEY,
    source_fingerprint text NOT NULL
);
-- The SCD2 check counts of that build (dim_checks.sql): a run that skips the rebuild reports them
-- again instead of re-reading the unchanged dimension (1.3 s for dim_customers at scale 100).
ALTER TABLE ops.dim_builds ADD COLUMN IF NOT EXISTS check_counts jsonb;
