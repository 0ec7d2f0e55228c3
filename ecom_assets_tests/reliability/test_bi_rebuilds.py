"""The bi views stay correct through the pipeline's rebuilds, without bi_access running again.

Facts are month-partitioned tables rebuilt by day (a new month is loaded apart and attached),
dimensions are rebuilt whole, analytics.customer_metrics is a view over ops.customer_rows whose
full build drops its state tables: none of that may drop a bi view or leave it reading stale rows.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest
from psycopg import sql

from ecom_assets import runner
from ecom_assets.defs.analytics import bi
from ecom_assets.defs.warehouse.planning import partition_name
from ecom_assets.defs.warehouse.specs import FACTS
from ecom_assets_tests.reliability.conftest import Pipeline, admin_conn, graph_keys

BI_ACCESS = dg.AssetKey(["analytics", "bi_access"])


def _view_oids(conn) -> dict[str, int]:
    rows = conn.execute(
        "SELECT c.relname, c.oid FROM pg_class c WHERE c.relnamespace = 'bi'::regnamespace AND c.relkind = 'v'"
    ).fetchall()
    return dict(rows)


def _checksum(conn, query: sql.Composable) -> tuple[int, str]:
    return conn.execute(
        sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM ({}) t"
        ).format(query)
    ).fetchone()


@pytest.mark.slow
def test_bi_views_follow_rebuilds_of_every_layer(pipeline: Pipeline, clone: str) -> None:
    last_month = dt.date.fromisoformat(pipeline.months[-1])
    with admin_conn(pipeline, clone) as conn:
        before = _view_oids(conn)
        assert set(before) == {v.name for v in bi.views()}
        # a customer changes segment in the source, so the rebuilt dimension and metrics differ
        customer, segment = conn.execute(
            "SELECT customer_id, customer_segment FROM bi.dim_customers WHERE customer_id <> 'UNKNOWN' "
            "ORDER BY customer_id LIMIT 1"
        ).fetchone()
        moved = "Budget" if segment != "Budget" else "Premium"
        conn.execute(
            "UPDATE staging.customers SET customer_segment = %s WHERE customer_id = %s", (moved, customer)
        )
        # the last month's fact partitions are gone, as before a new month: the rebuild loads and attaches them
        for fact in FACTS:
            conn.execute(
                sql.SQL("DROP TABLE {}").format(sql.Identifier("warehouse", partition_name(fact, last_month)))
            )
        # every fact day rebuilt, every dimension rebuilt whole, every analytics table rebuilt whole
        for ledger in ("ops.fact_builds", "ops.dim_builds", "ops.analytics_builds"):
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(*ledger.split("."))))
    summary = runner.run_graph(
        instance=dg.DagsterInstance.ephemeral(), asset_selection=[k for k in graph_keys() if k != BI_ACCESS]
    )
    assert summary.ok, (summary.failed_assets, summary.failed_checks)
    with admin_conn(pipeline, clone) as conn:
        assert _view_oids(conn) == before  # the same views, not made again
        for view in bi.views():
            select = view.select(conn)
            shown = _checksum(conn, sql.SQL("SELECT * FROM {}").format(sql.Identifier("bi", view.name)))
            assert shown == _checksum(conn, select), view.name
        assert conn.execute(
            "SELECT customer_segment FROM bi.dim_customers WHERE customer_id = %s", (customer,)
        ).fetchone() == (moved,)
        assert conn.execute(
            "SELECT customer_segment FROM bi.customer_metrics WHERE customer_id = %s", (customer,)
        ).fetchone() == (moved,)
        month_rows = conn.execute(
            "SELECT count(*) FROM bi.fact_orders WHERE order_date >= %s", (last_month,)
        ).fetchone()[0]
        assert month_rows > 0
        assert (
            conn.execute("SELECT count(*) FROM bi.fact_campaign_orders").fetchone()[0]
            == conn.execute("SELECT sum(attributed_orders) FROM bi.campaign_attribution").fetchone()[0]
        )
