"""Clickstream: browsing sessions and the web sessions that end in an order's purchase.

A day's event budget is filled first by purchase sessions (a share of the day's orders: page
view, product views, add-to-carts, checkout, purchase, ending at the order's second), then by
browse sessions of various depths. Some known visitors are customers who buy within the next
six days, and a share of landing pages carry a running campaign's UTM tag, so last-touch
attribution has touches before orders to find. That share grows with the day's campaign spend
(diminishing returns), and a campaign's part of it with its daily spend and its own
effectiveness, so a campaign's return depends on its budget, its timing and its luck, as in a
real shop, not on being the only campaign running.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.generator import columns as col
from ecom_assets.lib.generator import site
from ecom_assets.lib.generator.campaigns import CHANNEL_REFERRERS
from ecom_assets.lib.generator.site import (
    ATC,
    BROWSER_PROBS,
    BROWSERS,
    CHK,
    DEVICE_PROBS,
    FOREIGN,
    LANDING_PATHS,
    PRODV,
    PUR,
    PV,
    REFERRERS,
    RFC,
    SEARCH,
    SEARCH_TERMS,
    SITE,
)
from ecom_assets.lib.generator.timeline import HOUR_WEIGHTS

if TYPE_CHECKING:
    from ecom_assets.lib.generator.orders import DayOrders
    from ecom_assets.lib.generator.world import World

S_CLICKS = 12

WEB_ORDER_SHARE = 0.40  # orders placed in a tracked web session (the rest: app, phone)
PURCHASE_UTM_SHARE = 0.50  # of sessions, on a day of unbounded spend (see ``intensity``)
BROWSE_UTM_SHARE = 0.30
KNOWN_VISITOR_SHARE = 0.45
FUTURE_BUYER_SHARE = 0.25  # of known browsing visitors: customers who order within the next 6 days
_CHANNEL_REFERRERS_PA = pa.array(CHANNEL_REFERRERS)


def day_events(world: World, ordinal: int, o: DayOrders) -> dict[str, np.ndarray]:
    """The day's clickstream rows as numbers, in time order."""
    gen = col.rng(world.seed, S_CLICKS, ordinal)
    budget = world.event_count(ordinal)
    active = world.campaigns.active(ordinal)
    spend = world.campaigns.daily_spend[active]
    camp_w = np.cumsum(spend * world.campaigns.effect[active]) if len(active) else None
    # paid traffic grows with the day's spend, with diminishing returns (half at the typical spend)
    intensity = float(spend.sum()) / (float(spend.sum()) + world.campaigns.typical_spend())

    # Purchase sessions: a share of the day's orders, funnel ending in the order's purchase.
    web = gen.random(o.n) < WEB_ORDER_SHARE
    p_len = 3 + 2 * o.n_items
    web &= np.cumsum(np.where(web, p_len, 0)) <= budget
    p_orders = np.flatnonzero(web)
    p_len = p_len[p_orders]
    p_events = int(p_len.sum())

    # Browse sessions fill the rest of the day's event budget (the last one cut short).
    rest = budget - p_events
    s = max(rest, 0)
    depth = col.choice(gen, (0.36, 0.38, 0.17, 0.09), s)
    blocks = np.zeros((s, 6), dtype=np.int64)  # page_view, search, product_view, cart, remove, checkout
    blocks[:, 0] = 1 + (gen.random(s) < 0.3) + (gen.random(s) < 0.1)
    blocks[:, 1] = (depth >= 1) & (gen.random(s) < 0.3)
    blocks[:, 2] = np.where(depth >= 1, gen.integers(1, 5, s), 0)
    blocks[:, 3] = depth >= 2
    blocks[:, 4] = (depth >= 2) & (gen.random(s) < 0.2)
    blocks[:, 5] = depth >= 3
    b_len_full = blocks.sum(axis=1)
    b_end = np.cumsum(b_len_full)
    keep = int(np.searchsorted(b_end, rest, side="left")) + 1 if rest > 0 else 0
    blocks = blocks[:keep]
    b_len = b_len_full[:keep].copy()
    if keep:
        b_len[-1] -= int(b_end[keep - 1]) - rest
    b_start_sec = col.choice(gen, HOUR_WEIGHTS[:23], keep) * 3_600 + gen.integers(0, 3_600, keep)
    known = gen.random(keep) < KNOWN_VISITOR_SHARE
    eligible = world.customers.eligible(ordinal)
    known &= eligible > 0
    b_customer = np.where(
        known, col.weighted_pick(world.customers.uniform_cw, gen.random(keep), max(eligible, 1)), -1
    )
    # Some known visitors are people who buy in the next week (looked up from those days'
    # order streams), so campaign touches days before an order exist for attribution to find.
    future = np.concatenate([world.buyers(ordinal + k) for k in range(1, 7)])
    soon = known & (gen.random(keep) < FUTURE_BUYER_SHARE) & (len(future) > 0)
    if len(future):
        buyer = future[gen.integers(0, len(future), keep)]
        b_customer = np.where(soon & (buyer < eligible), buyer, b_customer)  # registered already
    b_focus = col.weighted_pick(world.products.browse_cw, gen.random(keep))

    # Flatten sessions: purchase sessions first, then browse sessions.
    n_p, n_b = len(p_orders), keep
    lengths = np.concatenate([p_len, b_len]).astype(np.int64)
    sess, pos, sess_start = col.within_positions(lengths)
    total = len(sess)
    is_p = sess < n_p
    etype = np.empty(total, dtype=np.int64)
    product = np.full(total, -1, dtype=np.int64)
    # purchase funnel: page_view, product_view x k, add_to_cart x k, checkout_start, purchase
    ps, pp = sess[is_p], pos[is_p]
    k = o.n_items[p_orders][ps]
    et = np.where(
        pp == 0,
        PV,
        np.where(pp <= k, PRODV, np.where(pp <= 2 * k, ATC, np.where(pp == 2 * k + 1, CHK, PUR))),
    )
    item = np.where(pp <= k, pp - 1, pp - 1 - k)
    has_item = (et == PRODV) | (et == ATC)
    first_item = o.item_start[p_orders][ps]
    product_p = np.where(
        has_item,
        o.item_product[np.minimum(first_item + np.maximum(item, 0), len(o.item_product) - 1)],
        -1,
    )
    etype[is_p], product[is_p] = et, product_p
    # browse funnel by blocks
    bs, bp = sess[~is_p] - n_p, pos[~is_p]
    bcum = np.cumsum(blocks, axis=1)[bs]
    block = (bp[:, None] >= bcum).sum(axis=1)
    et_b = np.asarray((PV, SEARCH, PRODV, ATC, RFC, CHK))[block]
    first_pv = bp == bcum[:, 1]  # first product_view of the session
    rand_prod = col.weighted_pick(world.products.browse_cw, gen.random(len(bs)))
    prod_b = np.where(et_b == PRODV, np.where(first_pv, b_focus[bs], rand_prod), -1)
    prod_b = np.where((et_b == ATC) | (et_b == RFC), b_focus[bs], prod_b)
    etype[~is_p], product[~is_p] = et_b, prod_b

    # Session attributes
    n_s = n_p + n_b
    customer = np.concatenate([o.customer[p_orders], b_customer])
    device = col.choice(gen, DEVICE_PROBS, n_s)
    browser = col.choice(gen, BROWSER_PROBS, n_s)
    foreign = gen.random(n_s) < 0.12
    place = np.where(
        foreign, gen.integers(0, len(FOREIGN), n_s), gen.integers(0, len(world.pools["city"]), n_s)
    )
    ip = np.stack([gen.integers(lo, 255, n_s) for lo in (11, 0, 0, 1)])
    utm_share = np.where(np.arange(n_s) < n_p, PURCHASE_UTM_SHARE, BROWSE_UTM_SHARE) * intensity
    touch = (gen.random(n_s) < utm_share) & (len(active) > 0)
    campaign = np.where(
        touch, active[col.weighted_pick(camp_w, gen.random(n_s))] if camp_w is not None else 0, -1
    )
    referrer_ext = gen.integers(0, len(REFERRERS), n_s)
    landing = gen.integers(0, len(LANDING_PATHS), n_s)
    search = gen.integers(0, len(SEARCH_TERMS), total)

    # Timestamps: purchase sessions end at the order's second, browse sessions start at theirs.
    gap = gen.integers(8, 150, total)
    last = pos == lengths[sess] - 1
    gap[last] = 0
    cum = np.cumsum(gap)
    before = cum - gap  # sum of gaps before each row, globally
    in_sess = before - before[sess_start][sess]  # seconds since session start
    sess_len_sec = in_sess[sess_start + lengths - 1]
    anchor = np.concatenate([o.seconds[p_orders] - sess_len_sec[:n_p], b_start_sec])
    seconds = anchor[sess] + in_sess
    duration = np.where(last, gen.integers(5, 90, total), gap)

    # Order rows by time, number sessions and events in that order.
    order = np.lexsort((pos, anchor[sess], seconds))
    sess_rank = np.empty(n_s, dtype=np.int64)
    sess_rank[np.lexsort((np.arange(n_s), anchor))] = np.arange(n_s)
    key = (sess_start[sess] + pos)[order]  # each sorted row's position before sorting
    sess, pos = sess[order], pos[order]
    row_of = np.empty(total, dtype=np.int64)
    row_of[key] = np.arange(total)
    prev = np.where(pos > 0, row_of[np.maximum(key - 1, 0)], -1)  # previous event of the session
    return {
        "day": np.full(total, ordinal, dtype=np.int64),
        "seq": np.arange(1, total + 1),
        "session": sess_rank[sess] + 1,
        "customer": customer[sess],
        "product": product[order],
        "etype": etype[order],
        "search": search[order],
        "landing": landing[sess],
        "campaign": np.where(pos == 0, campaign[sess], -1),
        "prev": prev,
        "referrer": referrer_ext[sess],
        "device": device[sess],
        "browser": browser[sess],
        "foreign": foreign[sess],
        "place": place[sess],
        "ip0": ip[0][sess],
        "ip1": ip[1][sess],
        "ip2": ip[2][sess],
        "ip3": ip[3][sess],
        "seconds": seconds[order],
        "duration": duration[order],
    }


def format_clickstream(world: World, c: dict[str, np.ndarray]) -> pa.Table:
    product, etype, campaign, prev = c["product"], c["etype"], c["campaign"], c["prev"]
    prod_ids = col.take(world.products.ids, np.maximum(product, 0), product >= 0)
    path = col.take(site.EVENT_PATHS_PA, etype)
    path = pc.if_else(pa.array(etype == SEARCH), col.join(path, col.take(site.SEARCH_PA, c["search"])), path)
    path = pc.if_else(pa.array(etype == PRODV), col.join("/product/", pc.fill_null(prod_ids, "")), path)
    path = pc.if_else(pa.array(etype == PV), col.take(site.LANDING_PA, c["landing"]), path)
    tagged = campaign >= 0
    utm = pc.fill_null(col.take(world.campaigns.utm, np.maximum(campaign, 0), tagged), "")
    page_url = col.join(SITE, path, utm)
    first = prev < 0
    referrer = pc.if_else(
        pa.array(first),
        col.take(site.REFERRERS_PA, c["referrer"]),
        pc.take(page_url, pa.array(np.maximum(prev, 0))),
    )
    camp_ref = col.take(_CHANNEL_REFERRERS_PA, world.campaigns.channel[np.maximum(campaign, 0)], tagged)
    foreign, place = c["foreign"], c["place"]
    ts = col.timestamps(c["day"], c["seconds"])
    customer = c["customer"]
    return pa.table(
        {
            "event_id": col.day_ids("EVT_", c["day"], c["seq"], 7),
            "session_id": col.day_ids("SES_", c["day"], c["session"], 6),
            "customer_id": col.take(world.customers.ids, np.maximum(customer, 0), customer >= 0),
            "product_id": prod_ids,
            "event_type": col.take(site.EVENT_NAMES_PA, etype),
            "page_url": page_url,
            "referrer_url": pc.coalesce(camp_ref, referrer),
            "user_agent": col.take(site.UA_PA, c["device"] * len(BROWSERS) + c["browser"]),
            "device_type": col.take(site.DEVICES_PA, c["device"]),
            "browser": col.take(site.BROWSERS_PA, c["browser"]),
            "ip_address": col.join(*(pa.array(c[f"ip{i}"]).cast(pa.string()) for i in range(4)), sep="."),
            "country": pc.if_else(
                pa.array(foreign),
                col.take(site.FOREIGN_COUNTRY_PA, np.where(foreign, place, 0)),
                "United States",
            ),
            "city": pc.if_else(
                pa.array(foreign),
                col.take(site.FOREIGN_CITY_PA, np.where(foreign, place, 0)),
                col.take(world.pools["city"], np.where(foreign, 0, place)),
            ),
            "timestamp": ts,
            "duration_seconds": pa.array(c["duration"]),
            "created_at": ts,
        }
    )
