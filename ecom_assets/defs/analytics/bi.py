"""The ``bi`` schema: what BI tools (Metabase, Superset, Looker Studio) see, documented.

A star schema beside the aggregates, so a BI user can drill from a metric to the rows behind it
and join on documented keys:

- facts (``fact_orders``, ``fact_order_items``, ``fact_clickstream``, ``fact_inventory``) and
  ``fact_campaign_orders`` (the orders behind ``campaign_attribution``);
- each dimension twice: as it is now (``dim_customers``, one row per key) and its full SCD2
  history (``dim_customers_history``, joined by the facts' surrogate keys); ``dim_date``;
- ``as_of``: the date every "days since" figure is computed against;
- a view per analytics table (``daily_sales`` ... ``campaign_attribution``).

Every view and column carries a ``COMMENT`` from ``lib/descriptions`` (the texts the contracts
and the Dagster column schema show), which is where Metabase and Superset read descriptions.

Views, not tables: each reads the table it mirrors, so it is as current as that table the moment
a rebuild commits (a fact day replaced, a month partition attached, a dimension rebuilt whole,
``analytics.customer_metrics`` being itself a view) and costs no copy. The views are owned by the
pipeline's user and read the private schemas with its rights, which the BI role lacks (see
``bi_role.py``). They are made again by every run of this asset, in one transaction.

To publish more views (for instance the report's shared queries), write a function returning
``BiView`` objects (``query_view(...)`` for a ``.sql`` file) and add it to ``views()``; describe
the view and its columns in ``lib/descriptions/bi.yaml``.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psycopg
from psycopg import errors, sql

from ecom_assets.defs.analytics import answers
from ecom_assets.defs.analytics import assets as tables
from ecom_assets.defs.analytics.bi_role import (
    BI_SCHEMA,
    DEFAULT_BI_USER,
    ENV_BI_PASSWORD,
    ENV_BI_USER,
    ROLE_NAME,
    bi_user,
    can_manage_roles,
    ensure_role,
    grant_read_only,
    privileges,
)
from ecom_assets.defs.catalog import OWNERS
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.defs.warehouse import specs as warehouse
from ecom_assets.lib import descriptions
from ecom_assets.lib.sql_files import SqlFiles

__all__ = ["BI_SCHEMA", "DEFAULT_BI_USER", "ENV_BI_PASSWORD", "ENV_BI_USER", "BiView", "bi_access"]

SQL_DIR = Path(__file__).parent / "sql" / "bi"
# Contact details stay in the warehouse: Looker Studio reads from Google's servers, and no
# dashboard needs a name or an address to count customers.
CONTACT_COLUMNS = ("first_name", "last_name", "email", "phone", "address", "postal_code", "date_of_birth")
INTERNAL_COLUMNS = ("attr_hash",)
UNDESCRIBED_CHECK = "every_bi_column_described"


@dataclass(frozen=True)
class BiView:
    """One view ``bi.<name>``: either a mirror of ``source`` (its columns less ``exclude``, only
    the current rows with ``current``) or the SELECT in ``query``. Column descriptions come from
    ``bi.<name>`` in the descriptions files, then from ``source``'s."""

    name: str
    deps: tuple[dg.AssetKey, ...]
    source: str | None = None
    query: Path | None = None
    # placeholders of ``query`` filled with identifiers: (placeholder, "name" or "schema.name")
    identifiers: tuple[tuple[str, str], ...] = ()
    current: bool = False
    exclude: tuple[str, ...] = ()
    description: str | None = None

    def describe(self) -> str | None:
        return descriptions.table(f"{BI_SCHEMA}.{self.name}") or self.description

    def describe_column(self, column: str) -> str | None:
        text = descriptions.column(f"{BI_SCHEMA}.{self.name}", column)
        if text is None and self.source:
            text = descriptions.column(self.source, column)
        return text

    def select(self, conn: psycopg.Connection) -> sql.Composable | None:
        """The view's SELECT; None when what it mirrors does not exist (yet)."""
        if self.query is not None:
            idents = {k: sql.Identifier(*v.split(".")) for k, v in self.identifiers}
            return SqlFiles(self.query.parent).statement(self.query.name, **idents)
        assert self.source is not None
        schema, table = self.source.split(".", 1)
        columns = [c for c in _columns(conn, self.source) if c not in self.exclude]
        if not columns:
            return None
        return sql.SQL("SELECT {} FROM {}{}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.Identifier(schema, table),
            sql.SQL(" WHERE {}").format(sql.Identifier("is_current")) if self.current else sql.SQL(""),
        )


def mirror(
    name: str,
    source: str,
    deps: Sequence[dg.AssetKey],
    *,
    current: bool = False,
    exclude: Sequence[str] = (),
    description: str | None = None,
) -> BiView:
    """A view of ``source``'s columns (less ``exclude``; only ``is_current`` rows with ``current``)."""
    return BiView(
        name, tuple(deps), source=source, current=current, exclude=tuple(exclude), description=description
    )


def query_view(
    name: str,
    path: Path,
    deps: Sequence[dg.AssetKey],
    description: str | None = None,
    source: str | None = None,
) -> BiView:
    """A view whose SELECT is the file at ``path`` (``source``: a table whose column descriptions
    apply to the view's columns of the same name)."""
    return BiView(name, tuple(deps), source=source, query=path, description=description)


def star_schema() -> list[BiView]:
    """Facts, dimensions (now and history), the calendar and the as-of date."""
    wh = tables.wh
    out = [
        query_view("as_of", SQL_DIR / "as_of.sql", [tables.an("daily_sales")]),
        mirror("dim_date", "warehouse.dim_date", [wh("dim_date")]),
    ]
    for spec in warehouse.DIMENSIONS.values():
        hidden = INTERNAL_COLUMNS + (CONTACT_COLUMNS if spec.name == "dim_customers" else ())
        source = f"warehouse.{spec.name}"
        out.append(
            mirror(
                spec.name, source, [wh(spec.name)], current=True, exclude=(*hidden, "valid_to", "is_current")
            )
        )
        out.append(mirror(f"{spec.name}_history", source, [wh(spec.name)], exclude=hidden))
    for spec in warehouse.FACTS.values():
        out.append(mirror(spec.name, f"warehouse.{spec.name}", [wh(spec.name)], description=spec.description))
    out.append(
        query_view(
            "fact_campaign_orders",
            SQL_DIR / "fact_campaign_orders.sql",
            [tables.an("campaign_attribution")],
        )
    )
    return out


def summaries() -> list[BiView]:
    """Small tables a dashboard tool sums in milliseconds where the facts take hundreds
    (docs/BENCHMARKS.md): sales by month and category, brand or product, by day and product
    (from the state the analytics tables keep), customers by segment and churn risk."""
    an = tables.an
    out = [
        BiView(
            f"monthly_{group}_sales",
            (an(f"{group}_metrics"),),
            query=SQL_DIR / "monthly_group_sales.sql",
            identifiers=(("group", group), ("state", f"ops.{group}_month")),
        )
        for group in ("category", "brand")
    ]
    out += [
        query_view("monthly_product_sales", SQL_DIR / "monthly_product_sales.sql", [an("product_metrics")]),
        query_view("daily_product_sales", SQL_DIR / "daily_product_sales.sql", [an("product_metrics")]),
        query_view(
            "segment_churn",
            SQL_DIR / "segment_churn.sql",
            [an("segment_metrics")],
            source="analytics.segment_metrics",
        ),
        query_view(
            "customer_counts",
            SQL_DIR / "customer_counts.sql",
            [an("customer_metrics")],
            source="analytics.customer_metrics",
        ),
    ]
    return out


def aggregates() -> list[BiView]:
    """One view per analytics table (docs/METRICS.md)."""
    return [
        mirror(spec.name, f"analytics.{spec.name}", [tables.an(spec.name)], description=spec.description)
        for spec in tables.TABLES
    ]


# The analytics table each answer reads: its column descriptions apply to the answer's columns.
ANSWER_SOURCES = {
    "campaign_roi_ranking": "campaign_attribution",
    "top_margin_products": "product_metrics",
    "segment_shares": "segment_metrics",
}


def answer_views() -> list[BiView]:
    """The report's and the dashboards' own answers (``defs/analytics/answers``), one query each."""
    return [
        query_view(
            a.name,
            answers.SQL_DIR / f"{a.name}.sql",
            [tables.an(ANSWER_SOURCES[a.name])],
            description=f"{a.question} The same query as the report and the dashboards.",
            source=f"analytics.{ANSWER_SOURCES[a.name]}",
        )
        for a in answers.ANSWERS.values()
    ]


def views() -> list[BiView]:
    """Every ``bi`` view, in creation order (a view may read those before it)."""
    return [*star_schema(), *aggregates(), *summaries(), *answer_views()]


def _columns(conn: psycopg.Connection, relation: str) -> list[str]:
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        (relation,),
    ).fetchall()
    return [r[0] for r in rows]


def _replace_view(conn: psycopg.Connection, view: sql.Composable, select: sql.Composable) -> bool:
    """CREATE OR REPLACE (keeps grants and whatever reads the view); when the columns changed in
    a way PostgreSQL cannot replace (one dropped, renamed or retyped), drop and create. False
    when the SELECT reads a relation that does not exist (yet)."""
    try:
        with conn.transaction():
            conn.execute(sql.SQL("CREATE OR REPLACE VIEW {} AS {}").format(view, select))
        return True
    except (errors.InvalidTableDefinition, errors.DatatypeMismatch, errors.FeatureNotSupported):
        pass
    except errors.UndefinedTable:
        return False
    conn.execute(sql.SQL("DROP VIEW {}").format(view))
    conn.execute(sql.SQL("CREATE VIEW {} AS {}").format(view, select))
    return True


def publish(conn: psycopg.Connection, wanted: Sequence[BiView]) -> tuple[list[BiView], list[str]]:
    """Create or replace the views and their comments; returns the views made and the
    ``view.column`` names that have no description (left without a comment)."""
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(BI_SCHEMA)))
    made, undescribed = [], []
    for view in wanted:
        select = view.select(conn)
        ident = sql.Identifier(BI_SCHEMA, view.name)
        if select is None or not _replace_view(conn, ident, select):
            continue
        made.append(view)
        text = view.describe()
        conn.execute(
            sql.SQL("COMMENT ON VIEW {} IS {}").format(ident, sql.Literal(text) if text else sql.NULL)
        )
        undescribed += [view.name] if not text else []
        for column in _columns(conn, f"{BI_SCHEMA}.{view.name}"):
            text = view.describe_column(column)
            target = sql.Identifier(BI_SCHEMA, view.name, column)
            conn.execute(
                sql.SQL("COMMENT ON COLUMN {} IS {}").format(target, sql.Literal(text) if text else sql.NULL)
            )
            undescribed += [] if text else [f"{view.name}.{column}"]
    return made, undescribed


def _dictionary(made: Sequence[BiView]) -> str:
    rows = [f"| `bi.{v.name}` | {(v.describe() or '').replace('|', '/')} |" for v in made]
    return "\n".join(["| view | what it holds |", "|---|---|", *rows]) if rows else "(none)"


def _deps() -> list[dg.AssetKey]:
    return sorted({k for v in views() for k in v.deps}, key=lambda k: k.to_user_string())


@dg.asset(
    key=["analytics", "bi_access"],
    description="The `bi` schema for BI tools: a documented star schema (facts, dimensions now and "
    "in history, dim_date, as_of) beside a view per analytics table, every view and column "
    "commented, and a role (ECOM_BI_USER, default ecom_bi; password from ECOM_BI_PASSWORD) that "
    "can read them and nothing else. See docs/BI.md for connecting Metabase, Superset or Looker Studio.",
    group_name=tables.GROUP,
    kinds={"postgres"},
    owners=OWNERS,
    deps=_deps(),
    check_specs=[dg.AssetCheckSpec(UNDESCRIBED_CHECK, asset=["analytics", "bi_access"])],
)
def bi_access(context: dg.AssetExecutionContext, warehouse: PostgresResource) -> dg.MaterializeResult:
    role = bi_user()
    if not ROLE_NAME.fullmatch(role):  # quoted by psycopg.sql anyway; refuse what no admin means
        raise dg.Failure(
            f"{ENV_BI_USER}={role!r} is not a plain role name (a letter or _, then letters, digits "
            "or _, at most 63); nothing was changed."
        )
    password = os.environ.get(ENV_BI_PASSWORD) or None
    wanted = views()
    with warehouse.get_connection() as conn:
        made, undescribed = publish(conn, wanted)
        can_manage = can_manage_roles(conn)
        role_exists = (
            conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None
        )
        unsafe = conn.execute(
            "SELECT rolsuper OR rolname = current_user FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()
        if unsafe and unsafe[0]:
            raise dg.Failure(
                f"{ENV_BI_USER}={role!r} names a superuser or the connected user; pick a dedicated role."
            )
        if can_manage:
            role_state = ensure_role(conn, role, password)
            role_exists = True
        elif role_exists:
            role_state = "exists; not updated: the connected user may not manage roles"
        else:
            role_state = "not created: the connected user may not create roles (ask an administrator)"
            context.log.warning(f"BI role {role!r} {role_state}")
        granted = {}
        if role_exists:
            grant_read_only(conn, role)
            granted = privileges(conn, role)
    missing = sorted({v.name for v in wanted} - {v.name for v in made})
    return dg.MaterializeResult(
        metadata={
            "views": dg.MetadataValue.md(_dictionary(made)),
            "view_count": len(made),
            "missing_views": ", ".join(missing) or "none",
            "undescribed_columns": ", ".join(undescribed) or "none",
            "bi_role": role,
            "role_state": role_state,
            "password_from_env": password is not None,
            "role_privileges": granted,
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=UNDESCRIBED_CHECK,
                passed=not undescribed,
                severity=dg.AssetCheckSeverity.WARN,
                description="Every bi view and column has a COMMENT from lib/descriptions"
                if not undescribed
                else f"{len(undescribed)} without a description: {', '.join(undescribed[:20])}",
                metadata={"undescribed": len(undescribed)},
            )
        ],
    )
