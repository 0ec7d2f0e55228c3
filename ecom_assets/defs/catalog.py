"""How every asset describes itself in the catalog: its owners and its column schema.

One builder, ``column_schema``, makes the ``dagster/column_schema`` of every layer, with the
column descriptions of ``lib/descriptions`` (the same texts the pandera contracts carry and the
``bi`` views' comments show). It takes the columns from one of two places:

- a pandera contract (``model_schema``: staging and analytics tables, as dagster-pandera turns a
  model into a ``TableSchema``: nullability, uniqueness, the checks as constraints);
- the database catalog (``database_schema``: the warehouse tables, whose DDL is ``schema.sql``;
  what PostgreSQL reports is what is really there).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

import dagster as dg
import pandera.pandas as pa
import psycopg

from ecom_assets.lib import descriptions

OWNERS = ["team:data-eng"]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    description: str | None
    unique: bool = False
    checks: Sequence[str] = field(default_factory=tuple)


def column_schema(columns: Iterable[Column], constraints: Sequence[str] = ()) -> dg.TableSchema:
    """The one builder of ``dagster/column_schema``."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.type,
                description=c.description,
                constraints=dg.TableColumnConstraints(
                    nullable=c.nullable, unique=c.unique, other=list(c.checks)
                ),
            )
            for c in columns
        ],
        constraints=dg.TableConstraints(other=list(constraints)),
    )


def model_schema(
    model: type[pa.DataFrameModel],
    pg_type: Callable[[pa.Column], str],
    unique: Collection[str] = (),
) -> dg.TableSchema:
    """A pandera contract's columns (descriptions attached from ``lib/descriptions``), typed by
    ``pg_type`` (the PostgreSQL type the contract's metadata names); ``unique`` adds key columns
    whose uniqueness a separate check holds rather than the model."""
    schema = model.to_schema()
    columns = [
        Column(
            name=name,
            type=pg_type(col),
            nullable=col.nullable,
            description=col.description,
            unique=bool(col.unique) or name in unique,
            checks=[c.error or c.name for c in col.checks],
        )
        for name, col in schema.columns.items()
    ]
    return column_schema(columns, [c.error or c.name for c in schema.checks])


def database_schema(conn: psycopg.Connection, schema: str, table: str) -> dg.TableSchema:
    """A table's (or view's) columns as PostgreSQL reports them, described from ``lib/descriptions``
    under ``schema.table``."""
    qualified = f"{schema}.{table}"
    rows = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, EXISTS ("
        "  SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisunique"
        "  AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum) "
        "FROM pg_attribute a WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        (qualified,),
    ).fetchall()
    return column_schema(
        Column(name, dtype, nullable, descriptions.column(qualified, name), unique)
        for name, dtype, nullable, unique in rows
    )
