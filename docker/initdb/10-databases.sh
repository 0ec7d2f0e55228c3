#!/bin/sh
# First start of the PostgreSQL container: one server, two databases with their own owners.
#   $ECOM_DB_NAME     the warehouse (staging, warehouse, analytics schemas), owned by $ECOM_DB_USER
#   $DAGSTER_DB_NAME  Dagster's runs, event log and schedules, owned by $DAGSTER_DB_USER
# Kept apart so a warehouse restore or rebuild never touches run history, and the other way
# round. Passwords arrive as psql variables (never in the SQL text); the script is also run by
# the test suite against a real server, with throwaway names.
set -eu
psql -v ON_ERROR_STOP=1 \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v wh_db="${ECOM_DB_NAME:-ecom}" -v wh_user="${ECOM_DB_USER:-ecom}" -v wh_pw="${ECOM_DB_PASSWORD:?ECOM_DB_PASSWORD is not set}" \
  -v dg_db="${DAGSTER_DB_NAME:-dagster}" -v dg_user="${DAGSTER_DB_USER:-dagster}" -v dg_pw="${DAGSTER_DB_PASSWORD:?DAGSTER_DB_PASSWORD is not set}" \
  <<'SQL'
CREATE ROLE :"wh_user" LOGIN PASSWORD :'wh_pw';
CREATE DATABASE :"wh_db" OWNER :"wh_user";
REVOKE ALL ON DATABASE :"wh_db" FROM PUBLIC;
CREATE ROLE :"dg_user" LOGIN PASSWORD :'dg_pw';
CREATE DATABASE :"dg_db" OWNER :"dg_user";
REVOKE ALL ON DATABASE :"dg_db" FROM PUBLIC;
SQL
