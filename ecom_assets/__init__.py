"""E-commerce analytics warehouse on PostgreSQL, as a Dagster asset graph."""
