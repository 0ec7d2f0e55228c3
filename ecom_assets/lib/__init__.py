"""Plain Python with no Dagster in it: settings, PostgreSQL access, contracts, generator."""
