"""One description per column, in one place: the YAML files beside this module.

What a column means is written once, here, and read by everything that shows it: the pandera
contracts (``Field(description=...)``, set by ``attach``), the Dagster column schema of every
asset (``defs/catalog.py``) and the ``COMMENT``s on the ``bi`` views that BI tools read. So the
UI, the contracts and Metabase cannot tell three different stories about ``net_revenue``.

Files, one per layer (plus ``glossary.yaml``): ``source.yaml`` (the staging tables),
``warehouse.yaml``, ``analytics.yaml``, ``bi.yaml``. Each holds ``tables:`` keyed by the
qualified table name, with an optional ``description``, ``inherits`` (tables whose column
descriptions apply where the entry has none: a dimension inherits its source's attributes, a
``bi`` view its table's) and ``columns``. A column's description is found in this order: the
table's own entry, then each inherited table (recursively, in order), then the glossary (names
that mean the same everywhere, such as ``customer_id``). The first found wins, so a table
overrides a general wording where its column means something narrower.

Why YAML rather than Python: the texts are prose that analysts review and edit, and data files
can be rendered into a data dictionary by any tool; the loader checks their shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DIR = Path(__file__).parent
FILES = ("glossary.yaml", "source.yaml", "warehouse.yaml", "analytics.yaml", "bi.yaml")
_TABLE_KEYS = {"description", "inherits", "columns"}


@dataclass(frozen=True)
class TableDocs:
    """One table's entry: its description, what it inherits, its own column descriptions."""

    name: str
    description: str | None
    inherits: tuple[str, ...]
    columns: Mapping[str, str]


@dataclass(frozen=True)
class Catalog:
    glossary: Mapping[str, str]
    tables: Mapping[str, TableDocs]


class DescriptionsError(ValueError):
    """A descriptions file does not have the shape this module reads."""


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DescriptionsError(f"{where}: expected a non-empty text, got {value!r}")
    return " ".join(value.split())


def _columns(raw: object, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise DescriptionsError(f"{where}: 'columns' must map column names to texts")
    return {str(k): _text(v, f"{where}.{k}") for k, v in raw.items()}


def _load(path: Path) -> tuple[dict[str, str], dict[str, TableDocs]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) - {"columns", "tables"}:
        raise DescriptionsError(f"{path.name}: top level must be 'columns:' and/or 'tables:'")
    glossary = _columns(data.get("columns"), path.name)
    tables: dict[str, TableDocs] = {}
    for name, entry in (data.get("tables") or {}).items():
        where = f"{path.name}: {name}"
        if "." not in name:
            raise DescriptionsError(f"{where}: a table is named schema.table")
        if not isinstance(entry, dict) or set(entry) - _TABLE_KEYS:
            raise DescriptionsError(f"{where}: an entry has only {sorted(_TABLE_KEYS)}")
        inherits = entry.get("inherits") or []
        if not isinstance(inherits, list):
            raise DescriptionsError(f"{where}: 'inherits' is a list of table names")
        description = entry.get("description")
        tables[name] = TableDocs(
            name,
            _text(description, f"{where}.description") if description is not None else None,
            tuple(str(t) for t in inherits),
            _columns(entry.get("columns"), where),
        )
    return glossary, tables


@cache
def catalog() -> Catalog:
    """Every file, read once per process."""
    glossary: dict[str, str] = {}
    tables: dict[str, TableDocs] = {}
    for name in FILES:
        words, entries = _load(DIR / name)
        for key in (*set(words) & set(glossary), *set(entries) & set(tables)):
            raise DescriptionsError(f"{name}: {key} is described in two places")
        glossary.update(words)
        tables.update(entries)
    for entry in tables.values():
        for parent in entry.inherits:
            if parent not in tables:
                raise DescriptionsError(f"{entry.name} inherits {parent}, which no file describes")
    return Catalog(glossary, tables)


def column(table: str, name: str) -> str | None:
    """The description of ``table.name`` (``table`` qualified, e.g. ``warehouse.fact_orders``)."""
    cat = catalog()
    found = _own_or_inherited(cat, table, name, set())
    return found if found is not None else cat.glossary.get(name)


def _own_or_inherited(cat: Catalog, table: str, name: str, seen: set[str]) -> str | None:
    entry = cat.tables.get(table)
    if entry is None or table in seen:
        return None
    seen.add(table)
    if name in entry.columns:
        return entry.columns[name]
    for parent in entry.inherits:
        found = _own_or_inherited(cat, parent, name, seen)
        if found is not None:
            return found
    return None


def table(name: str) -> str | None:
    """The description a file gives the table itself (most tables have theirs on their asset)."""
    entry = catalog().tables.get(name)
    return entry.description if entry else None


def undescribed(table_name: str, columns: Iterable[str]) -> list[str]:
    """The columns of ``columns`` that have no description."""
    return [c for c in columns if column(table_name, c) is None]


def stale(table_name: str, columns: Iterable[str]) -> list[str]:
    """Columns the table's own entry describes that ``columns`` (the table's real ones) lacks:
    a renamed or dropped column whose text was left behind."""
    entry = catalog().tables.get(table_name)
    real = set(columns)
    return sorted(c for c in (entry.columns if entry else {}) if c not in real)


def attach(model: type, table_name: str) -> None:
    """Give each field of a pandera ``DataFrameModel`` its description from the files.

    Called once at import, right after the models are defined and before any schema is built
    from them (pandera caches a model's schema on first use).
    """
    for name, (_, field) in model.__fields__.items():  # type: ignore[attr-defined]
        text = column(table_name, name)
        if text is not None:
            field.description = text
