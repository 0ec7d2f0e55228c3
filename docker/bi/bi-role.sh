#!/bin/sh
# The BI role, made by the stack itself (docker compose's one-shot `bi-role` service, on every
# `up`): the warehouse owner may not create roles, so the superuser does it here, once per start,
# idempotently.
#   $ECOM_BI_USER      the role BI tools log in as (default ecom_bi)
#   $ECOM_BI_PASSWORD  its password; empty: the role exists NOLOGIN (no BI logins)
#   $ECOM_DB_NAME / $ECOM_DB_USER   the warehouse and its owner (who creates the bi views)
# Its sessions default to read-only transactions and no JIT (as bi_role.ROLE_SETTINGS).
# The role gets CONNECT on the warehouse, USAGE on schema bi (made here, owned by the warehouse
# owner, so a BI tool connects before the first run) and SELECT on what the owner creates in bi.
# analytics/bi_access grants the views again on every run and revokes anything else; this
# script never grants more. A name that is a superuser or the warehouse owner is refused.
# Values reach psql as variables (never in the SQL text); the password is not printed.
set -eu
bi_user="${ECOM_BI_USER:-ecom_bi}"
bi_pw="${ECOM_BI_PASSWORD:-}"
if [ -n "$bi_pw" ]; then login=on; else login=off; fi
psql -v ON_ERROR_STOP=1 -X -q \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v bi_user="$bi_user" -v bi_pw="$bi_pw" -v login="$login" \
  -v wh_db="${ECOM_DB_NAME:-ecom}" -v wh_user="${ECOM_DB_USER:-ecom}" \
  <<'SQL'
SET client_min_messages = warning;
SELECT coalesce((SELECT rolsuper OR rolname = :'wh_user' FROM pg_roles WHERE rolname = :'bi_user'), false)
    AS refused \gset
\if :refused
DO $$ BEGIN RAISE EXCEPTION 'ECOM_BI_USER names a superuser or the warehouse owner: pick a dedicated role (nothing was changed)'; END $$;
\endif
SELECT format('CREATE ROLE %I NOLOGIN NOINHERIT', :'bi_user')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'bi_user') \gexec
\if :login
ALTER ROLE :"bi_user" LOGIN PASSWORD :'bi_pw' NOINHERIT NOCREATEDB NOCREATEROLE;
\else
ALTER ROLE :"bi_user" NOLOGIN NOINHERIT NOCREATEDB NOCREATEROLE;
\endif
ALTER ROLE :"bi_user" SET default_transaction_read_only = on;
ALTER ROLE :"bi_user" SET jit = off;
GRANT CONNECT ON DATABASE :"wh_db" TO :"bi_user";
\connect :"wh_db"
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bi AUTHORIZATION :"wh_user";
GRANT USAGE ON SCHEMA bi TO :"bi_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"wh_user" IN SCHEMA bi GRANT SELECT ON TABLES TO :"bi_user";
SQL
echo "bi-role: $bi_user ready (login $login) for database ${ECOM_DB_NAME:-ecom}"
