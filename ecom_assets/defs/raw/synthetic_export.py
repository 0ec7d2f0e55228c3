"""The synthetic export: the generator as an asset, for a demo or a fresh environment in the UI."""

import dagster as dg
from pydantic import Field

from ecom_assets.defs.catalog import OWNERS
from ecom_assets.defs.raw.generate_land import generate_and_land
from ecom_assets.lib import settings


class SyntheticExportConfig(dg.Config):
    """How much data to generate and from which seed (same seed, same bytes)."""

    scale: float = Field(default=1.0, description="1 = 2,500 customers, 12,000 orders, 75,000 events.")
    seed: int = Field(default=42, description="Random seed; the same seed writes byte-identical files.")


@dg.asset(
    group_name="raw",
    kinds={"python", "csv"},
    owners=OWNERS,
    tags={"ecom/role": "generator"},
    description=(
        "Writes a synthetic shop export (one CSV per source table, DATA_CONTRACT layout) into "
        "$ECOM_DATA_DIR/export and lands it in the landing zone, as a team's systems would. "
        "Nothing depends on it: the raw assets observe the landing zone it fills, and `ecom run` "
        "never runs it, so a pipeline run cannot overwrite real data."
    ),
)
def synthetic_export(
    context: dg.AssetExecutionContext, config: SyntheticExportConfig
) -> dg.MaterializeResult:
    out = settings.data_dir() / "export"
    done = generate_and_land(out, scale=config.scale, seed=config.seed)
    report, landed = done.generated, str(done.landed)
    context.log.info(str(report))
    context.log.info(landed)
    preview = "| table | rows | bytes |\n|---|---:|---:|\n" + "\n".join(
        f"| {name} | {rows:,} | {report.bytes[name]:,} |" for name, rows in report.rows.items()
    )
    return dg.MaterializeResult(
        metadata={
            "out": dg.MetadataValue.path(str(out)),
            "dagster/row_count": report.total_rows,
            **{f"rows/{name}": rows for name, rows in report.rows.items()},
            "bytes": sum(report.bytes.values()),
            "seconds": round(report.seconds, 2),
            "scale": config.scale,
            "seed": config.seed,
            "preview": dg.MetadataValue.md(preview),
            "landing": dg.MetadataValue.text(landed),
        }
    )
