"""Generated exports shared by the generator's tests (each generated once per session).

``reference``: scale 1 over the reference period (the first 13 months), where volumes are
exact; ``small``: scale 0.05 over the same months, the reference of the slicing tests.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecom_assets.lib import generator
from ecom_assets.lib.contracts import SOURCE_TABLES

TABLES = ("customers", "products", "orders", "order_items", "clickstream", "marketing_campaigns", "inventory")
PERIOD = (generator.OPENING, generator.REFERENCE_END)
RECOGNIZED = ["Completed", "Shipped", "Processing"]


def read_contract_frame(path: Path, table: str) -> pd.DataFrame:
    """Read a generated CSV the way the contract expects its types (text, float money, Int64, dates, bools)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    kinds = SOURCE_TABLES[table].column_kinds()
    df = pd.DataFrame(index=raw.index)
    for col, kind in kinds.items():
        s = raw[col]
        if kind in ("money", "decimal"):
            df[col] = pd.to_numeric(s).astype("float64")
        elif kind == "int":
            df[col] = pd.to_numeric(s).astype("Int64")
        elif kind == "date":
            df[col] = pd.to_datetime(s, format="%Y-%m-%d")
        elif kind == "ts":
            df[col] = pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S")
        elif kind == "bool":
            df[col] = s.map({"True": True, "False": False}).astype("boolean")
        else:
            df[col] = s
    return df


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, generator.GenerateReport]:
    out = tmp_path_factory.mktemp("export_s1")
    return out, generator.generate(out, scale=1.0, seed=42, start=PERIOD[0], end=PERIOD[1], progress=False)


@pytest.fixture(scope="session")
def frames(reference: tuple[Path, generator.GenerateReport]) -> dict[str, pd.DataFrame]:
    out, _ = reference
    return {t: read_contract_frame(out / f"{t}.csv", t) for t in TABLES}


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, generator.GenerateReport]:
    """The reference period at scale 0.05 (seed 11): the reference of the slicing tests."""
    out = tmp_path_factory.mktemp("export_s005")
    return out, generator.generate(out, scale=0.05, seed=11, start=PERIOD[0], end=PERIOD[1], progress=False)


@pytest.fixture(scope="session")
def recognized(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Recognized orders (METRICS.md) with their net revenue."""
    o = frames["orders"]
    rec = o[o.order_status.isin(RECOGNIZED)].copy()
    rec["net"] = rec.subtotal - rec.discount_amount
    return rec
