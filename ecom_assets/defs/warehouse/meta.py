"""Materialization metadata shared by the warehouse assets: preview, lineage (the column schema
is ``defs/catalog.database_schema``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import dagster as dg
import psycopg
from psycopg import sql

PREVIEW_ROWS = 10


def _cell(value: object) -> str:
    if value is None:
        return ""
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def preview(
    conn: psycopg.Connection,
    schema: str,
    table: str,
    order_by: Sequence[str],
    where: sql.Composable | None = None,
    params: Mapping[str, object] | None = None,
) -> str:
    """The first rows of a table (of a window, with ``where``) as a markdown table."""
    query = sql.SQL("SELECT * FROM {} {} ORDER BY {} LIMIT {}").format(
        sql.Identifier(schema, table),
        sql.SQL("WHERE ") + where if where is not None else sql.SQL(""),
        sql.SQL(", ").join(sql.Identifier(c) for c in order_by),
        sql.Literal(PREVIEW_ROWS),
    )
    cur = conn.execute(query, params)
    headers = [d.name for d in cur.description or []]
    return markdown_table(headers, cur.fetchall())


def column_lineage(deps: Mapping[str, Sequence[tuple[str, str]]]) -> dg.TableColumnLineage:
    """``{column: [(staging table, staging column), ...]}`` -> Dagster column lineage."""
    return dg.TableColumnLineage(
        deps_by_column={
            column: [
                dg.TableColumnDep(asset_key=dg.AssetKey(["staging", table]), column_name=src)
                for table, src in sources
            ]
            for column, sources in deps.items()
        }
    )


def days_text(days: Sequence[dt.date], limit: int = 40) -> str:
    """A short list of days for metadata (first ``limit``)."""
    text = ", ".join(d.isoformat() for d in days[:limit])
    return text + (f" ... (+{len(days) - limit})" if len(days) > limit else "")
