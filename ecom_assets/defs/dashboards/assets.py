"""The dashboards asset: the analytics tables drawn as one offline HTML page and a PDF.

Replaces the Looker Studio dashboards that reached the local database through a tunnel:
rebuilt after every analytics run, no BI server, and the files open anywhere.
"""

import dagster as dg

from ecom_assets.defs.catalog import OWNERS
from ecom_assets.defs.dashboards import build, paper
from ecom_assets.defs.resources import PostgresResource
from ecom_assets.lib import settings

# The analytics tables the dashboards read (columns as docs/METRICS.md names them).
ANALYTICS_TABLES = (
    "daily_sales",
    "monthly_sales",
    "customer_metrics",
    "segment_metrics",
    "product_metrics",
    "category_metrics",
    "brand_metrics",
    "campaign_attribution",
)


@dg.asset(
    key=["dashboards", "ecom_dashboards"],
    group_name="dashboards",
    kinds={"html", "pdf"},
    owners=OWNERS,
    deps=[dg.AssetKey(["analytics", name]) for name in ANALYTICS_TABLES],
    description=(
        "Executive summary, product performance and customer analytics dashboards as one "
        "self-contained HTML file (opens from file:// with no network) and a PDF of the same "
        "(A4 or US Letter landscape, ECOM_PDF_PAGE_SIZE), in $ECOM_DATA_DIR/output; the key charts "
        "are shown here as images."
    ),
)
def ecom_dashboards(context: dg.AssetExecutionContext, warehouse: PostgresResource) -> dg.MaterializeResult:
    """Query the analytics tables, render both files, and show the key charts in the UI.

    One read-only transaction, so every chart sees the same snapshot of the tables.
    """
    with warehouse.get_connection() as conn:
        conn.read_only = True
        out = build.write_dashboards(conn, settings.output_dir(), cache_dir=settings.cache_dir())
    kpis = out.kpis
    context.log.info(f"dashboards: {out.html_path} and {out.pdf_path} ({out.charts} charts)")
    return dg.MaterializeResult(
        metadata={
            "html_path": dg.MetadataValue.path(str(out.html_path)),
            "pdf_path": dg.MetadataValue.path(str(out.pdf_path)),
            "html_bytes": out.html_path.stat().st_size,
            "pdf_pages": out.pdf_pages,
            "charts": out.charts,
            "as_of": kpis.as_of.isoformat() if kpis.as_of else "n/a",
            "pdf_page_size": paper.paper_size_name(),
            "net_revenue": float(kpis.net_revenue),
            "orders": kpis.orders,
            "kpis": dg.MetadataValue.md(
                "| KPI | value | detail |\n|---|---:|---|\n"
                + "\n".join(f"| {label} | {text} | {detail} |" for _, label, text, detail in kpis.tiles())
            ),
            "key_charts": dg.MetadataValue.md(out.markdown),
            **{f"chart_{cid}": dg.MetadataValue.path(str(p)) for cid, p in out.png_paths.items()},
        }
    )
