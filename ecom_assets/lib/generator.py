"""Synthetic shop exports in the DATA_CONTRACT layout, fast, deterministic and day-addressable.

Why it is built this way:

- **Per-day randomness.** Every event row of day D comes from generators seeded by
  ``(seed, stream, D.toordinal())`` and from the dimensions (which depend on seed and scale
  only). So ``generate_day(D)`` writes exactly the rows a full ``generate`` writes for D, and the
  daily schedule can simulate "the next day" past the default period.
- **Exact volumes.** Within the default period (2025-10-01 .. 2026-10-31) the order and
  clickstream totals are split over the days by largest remainder on a seasonal weight
  (November-December peak, Black Friday / Cyber Monday, weekday cycle, slow growth), so scale 1
  gives exactly 12,000 orders and 75,000 events. Days outside the period draw their counts from
  the same rate.
- **Vectorised.** numpy draws whole days at once; strings are assembled with pyarrow compute and
  written with ``pyarrow.csv``; Faker only fills small seeded pools (names, streets, cities, text).
  Memory holds the dimensions plus one day, so it stays flat as the scale grows.
- **Money in integer cents.** ``total_price = quantity * unit_price``, ``subtotal = sum`` and
  ``total_amount = subtotal - discount + shipping + tax`` hold exactly, not within a cent.

Scale multiplies customers, orders and clickstream; products (650) and campaigns (25) grow with
``sqrt(scale)`` above scale 1 (a shop with 100x the customers does not sell 100x the products)
and stay fixed below it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import io
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ecom_assets.lib.contracts import SOURCE_TABLES
from ecom_assets.lib.progress import Progress

DEFAULT_START = dt.date(2025, 10, 1)
DEFAULT_END = dt.date(2026, 10, 31)

BASE_CUSTOMERS = 2_500
BASE_ORDERS = 12_000
BASE_EVENTS = 75_000
BASE_PRODUCTS = 650
BASE_CAMPAIGNS = 25

FLUSH_ROWS = 250_000  # event rows held before they are turned into text and written
EVENT_FILES = ("orders", "order_items", "clickstream", "inventory")
DIMENSION_FILES = ("customers", "products", "marketing_campaigns")
ALL_FILES = (
    "customers",
    "products",
    "orders",
    "order_items",
    "clickstream",
    "marketing_campaigns",
    "inventory",
)

SEGMENTS = ("Premium", "Regular", "Budget")
SEGMENT_SHARES = (0.20, 0.60, 0.20)
# Premium orders a little more often and buys dearer baskets: revenue shares land near 28/57/15 %.
SEGMENT_FREQUENCY = (1.15, 1.0, 0.95)
SEGMENT_PRICE_TILT = (0.15, 0.0, -0.15)  # exponent on relative price when picking products
SEGMENT_ITEM_PROBS = (
    (0.26, 0.29, 0.21, 0.14, 0.10),
    (0.35, 0.28, 0.18, 0.12, 0.07),
    (0.44, 0.28, 0.15, 0.08, 0.05),
)
QUANTITY_PROBS = (0.82, 0.13, 0.05)

ORDER_STATUSES = ("Completed", "Shipped", "Processing", "Cancelled", "Returned")
STATUS_PROBS = (0.78, 0.07, 0.03, 0.07, 0.05)
PAYMENT_METHODS = ("Credit Card", "PayPal", "Debit Card", "Apple Pay", "Bank Transfer")
PAYMENT_PROBS = (0.45, 0.22, 0.18, 0.10, 0.05)
TAX_RATE_BP = 825  # 8.25 %, in basis points
FREE_SHIPPING_CENTS = 7_500

# Hours of the day (local) when orders / sessions start; no traffic before 01:00 keeps sessions
# that end at an order's timestamp inside the order's day.
HOUR_WEIGHTS = np.array(
    [
        0,
        0.3,
        0.2,
        0.15,
        0.15,
        0.3,
        0.6,
        1.2,
        2.0,
        2.8,
        3.2,
        3.4,
        3.6,
        3.5,
        3.3,
        3.2,
        3.3,
        3.6,
        4.0,
        4.4,
        4.6,
        4.2,
        3.2,
        1.6,
    ],
    dtype=np.float64,
)
MONTH_FACTOR = (0, 0.82, 0.80, 0.90, 0.92, 0.96, 0.95, 0.90, 0.94, 0.92, 1.00, 1.38, 1.62)
WEEKDAY_FACTOR = (1.06, 1.04, 1.02, 1.00, 0.98, 0.92, 0.96)  # Monday .. Sunday

WAREHOUSES = ("East Coast DC", "Central DC", "West Coast DC")
SNAPSHOT_WEEKDAY = 0  # weekly inventory snapshots on Mondays

SITE = "https://shop.example.com"

# name, share of products, unit volume weight, median price $, price sigma, band $, list margin
CATEGORIES: tuple[tuple[str, float, float, float, float, tuple[float, float], float], ...] = (
    ("Electronics", 0.22, 2.0, 610.0, 0.75, (19.0, 3_200.0), 0.45),
    ("Clothing", 0.20, 1.0, 150.0, 0.55, (15.0, 900.0), 0.54),
    ("Home & Garden", 0.18, 0.9, 260.0, 0.70, (15.0, 2_000.0), 0.50),
    ("Sports & Outdoors", 0.15, 0.8, 240.0, 0.70, (15.0, 1_800.0), 0.48),
    ("Books", 0.13, 0.7, 45.0, 0.45, (8.0, 180.0), 0.59),
    ("Health & Beauty", 0.12, 0.8, 70.0, 0.50, (8.0, 350.0), 0.58),
)
SUBCATEGORIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "Electronics": (
        ("Smartphones", ("Smartphone", "Phone")),
        ("Laptops", ("Laptop", "Notebook", "Ultrabook")),
        ("Audio", ("Headphones", "Earbuds", "Speaker", "Soundbar")),
        ("Cameras", ("Camera", "Action Cam", "Lens")),
        ("Wearables", ("Smartwatch", "Fitness Tracker")),
        ("Accessories", ("Charger", "Power Bank", "Keyboard", "Mouse")),
    ),
    "Clothing": (
        ("Men", ("Jacket", "Shirt", "Jeans", "Hoodie")),
        ("Women", ("Dress", "Blouse", "Coat", "Skirt")),
        ("Shoes", ("Sneakers", "Boots", "Loafers")),
        ("Accessories", ("Belt", "Scarf", "Hat", "Bag")),
    ),
    "Home & Garden": (
        ("Kitchen", ("Blender", "Cookware Set", "Coffee Maker", "Knife Set")),
        ("Furniture", ("Desk", "Chair", "Bookshelf", "Sofa")),
        ("Decor", ("Lamp", "Rug", "Mirror", "Vase")),
        ("Garden", ("Grill", "Planter", "Hose", "Mower")),
    ),
    "Sports & Outdoors": (
        ("Fitness", ("Treadmill", "Dumbbell Set", "Yoga Mat", "Kettlebell")),
        ("Camping", ("Tent", "Sleeping Bag", "Backpack", "Camp Stove")),
        ("Cycling", ("Bike", "Helmet", "Bike Light")),
        ("Team Sports", ("Football", "Basketball", "Racket")),
    ),
    "Books": (
        ("Fiction", ("Novel", "Thriller", "Mystery")),
        ("Non-Fiction", ("Biography", "History", "Essays")),
        ("Technical", ("Handbook", "Guide", "Textbook")),
        ("Children", ("Picture Book", "Story Collection")),
    ),
    "Health & Beauty": (
        ("Skincare", ("Moisturizer", "Serum", "Cleanser", "Sunscreen")),
        ("Hair Care", ("Shampoo", "Hair Dryer", "Conditioner")),
        ("Fragrance", ("Eau de Parfum", "Cologne")),
        ("Wellness", ("Vitamins", "Massage Gun", "Scale")),
    ),
}
BRANDS: dict[str, tuple[str, ...]] = {
    "Electronics": ("Voltix", "Nexora", "Pixelon", "Auralis", "Quantra", "Lumio", "Zentek", "Orbital"),
    "Clothing": ("Northwind", "Urbane", "Loomwell", "Cedar & Co", "Atelier Nine", "Drift"),
    "Home & Garden": ("Hearthstone", "Greenleaf", "Casa Nova", "Oakline", "Brightnest", "Terra"),
    "Sports & Outdoors": ("Summit", "Stridex", "Trailhead", "Apex Motion", "Riverstone", "Kinetik"),
    "Books": ("Penwright Press", "Lantern House", "Bluequill", "Meridian Books", "Foxglove"),
    "Health & Beauty": ("Lumiere", "Purebloom", "Vitalis", "Silkroot", "Aurora Labs", "Glow & Co"),
}
ADJECTIVES = (
    "Pro",
    "Lite",
    "Max",
    "Classic",
    "Essential",
    "Ultra",
    "Air",
    "Plus",
    "Prime",
    "Eco",
    "Studio",
    "Go",
    "Elite",
    "Core",
    "Flex",
    "Neo",
)
COLORS = ("Black", "White", "Silver", "Blue", "Red", "Green", "Grey", "Navy", "Beige", "Gold", "Pink")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")

CHANNELS = ("Google Ads", "Facebook", "Instagram", "Email", "TikTok", "Affiliate")
CHANNEL_UTM = (
    ("google", "cpc"),
    ("facebook", "paid_social"),
    ("instagram", "paid_social"),
    ("newsletter", "email"),
    ("tiktok", "paid_social"),
    ("partner", "affiliate"),
)
CAMPAIGN_THEMES = (
    "Fall Launch",
    "Black Friday",
    "Cyber Week",
    "Holiday Gifts",
    "New Year Deals",
    "Winter Clearance",
    "Valentine's Picks",
    "Spring Refresh",
    "Easter Sale",
    "Mother's Day",
    "Summer Kickoff",
    "Back to School",
    "Labor Day",
    "Prime Days",
    "Autumn Essentials",
    "Loyalty Rewards",
    "Flash Sale",
    "Tech Week",
    "Home Makeover",
    "Fitness Month",
)
AUDIENCES = (
    "All Customers",
    "New Visitors",
    "Returning Customers",
    "Premium Members",
    "Lapsed Buyers",
    "Young Adults 18-34",
    "Parents",
    "Tech Enthusiasts",
)
OBJECTIVES = ("Awareness", "Traffic", "Conversions", "Retention", "Engagement")

DEVICES = ("desktop", "mobile", "tablet")
DEVICE_PROBS = (0.44, 0.47, 0.09)
BROWSERS = ("Chrome", "Safari", "Firefox", "Edge", "Samsung Internet")
BROWSER_PROBS = (0.55, 0.27, 0.08, 0.07, 0.03)
_OS = {
    "desktop": "Windows NT 10.0; Win64; x64",
    "mobile": "Linux; Android 14; Pixel 8",
    "tablet": "iPad; CPU OS 17_4 like Mac OS X",
}
_ENGINE = {
    "Chrome": "Chrome/124.0.0.0 Safari/537.36",
    "Safari": "Version/17.4 Safari/605.1.15",
    "Firefox": "Firefox/125.0",
    "Edge": "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
    "Samsung Internet": "SamsungBrowser/24.0 Chrome/117.0.0.0 Safari/537.36",
}
FOREIGN = (
    ("Canada", "Toronto"),
    ("Canada", "Vancouver"),
    ("United Kingdom", "London"),
    ("Germany", "Berlin"),
    ("France", "Paris"),
    ("Australia", "Sydney"),
    ("Mexico", "Mexico City"),
)
LANDING_PATHS = (
    "/",
    "/deals",
    "/new-arrivals",
    "/bestsellers",
    "/category/electronics",
    "/category/clothing",
    "/category/home-garden",
    "/category/sports-outdoors",
    "/category/books",
    "/category/health-beauty",
)
SEARCH_TERMS = (
    "headphones",
    "laptop",
    "running+shoes",
    "coffee+maker",
    "tent",
    "novel",
    "serum",
    "jacket",
    "smartwatch",
    "yoga+mat",
    "gift+ideas",
    "desk+lamp",
)
REFERRERS = (
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
    None,
    None,
    "https://www.facebook.com/",
    "https://www.instagram.com/",
    "https://www.reddit.com/",
)

# Clickstream event types (contract order) used as small integer codes.
PV, PRODV, SEARCH, ATC, RFC, CHK, PUR = 0, 1, 2, 3, 4, 5, 6
EVENT_NAMES = (
    "page_view",
    "product_view",
    "search",
    "add_to_cart",
    "remove_from_cart",
    "checkout_start",
    "purchase",
)
EVENT_PATHS = ("", "", "/search?q=", "/cart", "/cart", "/checkout", "/checkout/confirmation")

WEB_ORDER_SHARE = 0.40  # orders placed in a tracked web session (the rest: app, phone)
PURCHASE_UTM_SHARE = 0.30
BROWSE_UTM_SHARE = 0.18
KNOWN_VISITOR_SHARE = 0.45
FUTURE_BUYER_SHARE = 0.25  # of known browsing visitors: customers who order within the next 6 days

_EPOCH_ORD = dt.date(1970, 1, 1).toordinal()

# Streams of the seed sequence (seed, stream, ...): one per independent purpose.
_S_POOLS, _S_CUSTOMERS, _S_PRODUCTS, _S_CAMPAIGNS, _S_INVENTORY_STATIC = 1, 2, 3, 4, 5
_S_DAY_COUNT, _S_ORDERS, _S_CLICKS, _S_INVENTORY = 10, 11, 12, 13


_STATUS_PA = pa.array(ORDER_STATUSES)
_PAYMENT_PA = pa.array(PAYMENT_METHODS)
_EVENT_NAMES_PA = pa.array(EVENT_NAMES)
_EVENT_PATHS_PA = pa.array(EVENT_PATHS)
_SEARCH_PA = pa.array(SEARCH_TERMS)
_LANDING_PA = pa.array(LANDING_PATHS)
_REFERRERS_PA = pa.array(REFERRERS, type=pa.string())
_CHANNEL_REFERRER_PA = pa.array(
    (
        "https://www.google.com/",
        "https://www.facebook.com/",
        "https://www.instagram.com/",
        "https://mail.example.com/",
        "https://www.tiktok.com/",
        "https://deals.partner.com/",
    )
)
_UA_PA = pa.array(
    [
        f"Mozilla/5.0 ({_OS[d]}) AppleWebKit/537.36 (KHTML, like Gecko) {_ENGINE[b]}"
        for d in DEVICES
        for b in BROWSERS
    ]
)
_DEVICES_PA = pa.array(DEVICES)
_BROWSERS_PA = pa.array(BROWSERS)
_FOREIGN_COUNTRY_PA = pa.array([c for c, _ in FOREIGN])
_FOREIGN_CITY_PA = pa.array([c for _, c in FOREIGN])
_WAREHOUSES_PA = pa.array(WAREHOUSES)


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), *[int(k) for k in keys]])


# ---------------------------------------------------------------------------------------------
# Column builders: numpy -> arrow, in the exact text forms of DATA_CONTRACT.md


def _money(cents: np.ndarray, scale: int = 2, precision: int = 14) -> pa.Array:
    """Integer hundredths (or 10**-scale units) as an exact decimal column: ``123.45``."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    buf = np.empty((len(cents), 2), dtype=np.int64)
    buf[:, 0] = cents
    buf[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(cents), [None, pa.py_buffer(buf)])


def _dates(ordinals: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    days = (np.asarray(ordinals, dtype=np.int64) - _EPOCH_ORD).astype(np.int32)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(days, type=pa.int32(), mask=mask).cast(pa.date32())


def _ts(ordinal: np.ndarray | int, seconds: np.ndarray) -> pa.Array:
    epoch = (np.asarray(ordinal, dtype=np.int64) - _EPOCH_ORD) * 86_400 + np.asarray(seconds, dtype=np.int64)
    return pa.array(epoch, type=pa.int64()).cast(pa.timestamp("s"))


def _bools(values: np.ndarray) -> pa.Array:
    return pc.take(pa.array(["False", "True"]), pa.array(np.asarray(values, dtype=np.int8)))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _day_ids(prefix: str, days: np.ndarray, numbers: np.ndarray, width: int) -> pa.Array:
    """``<prefix><YYYYMMDD>_<number>`` for rows of any number of days (ids restart each day)."""
    uniq, inverse = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    tags = pa.array([f"{prefix}{dt.date.fromordinal(int(d)):%Y%m%d}_" for d in uniq], type=pa.string())
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pc.take(tags, pa.array(inverse.astype(np.int64))), digits, "")


def _take(pool: pa.Array, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pc.take(pool, pa.array(np.asarray(idx, dtype=np.int64), mask=mask))


def _join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def _choice(rng: np.random.Generator, probs: tuple[float, ...] | np.ndarray, n: int) -> np.ndarray:
    cum = np.cumsum(np.asarray(probs, dtype=np.float64))
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1)


def _weighted_pick(cum_weights: np.ndarray, u: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Indices drawn from a prefix of ``cum_weights`` (length ``limit``) by uniform draws ``u``."""
    limit = len(cum_weights) if limit is None else limit
    idx = np.searchsorted(cum_weights, u * cum_weights[limit - 1], side="right")
    return np.minimum(idx, limit - 1)


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    share = total * weights / weights.sum()
    counts = np.floor(share).astype(np.int64)
    rest = total - int(counts.sum())
    if rest > 0:
        order = np.argsort(-(share - counts), kind="stable")
        counts[order[:rest]] += 1
    return counts


def _within_positions(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For groups of the given lengths: (group of each row, position in its group, group start row)."""
    starts = np.cumsum(lengths) - lengths
    group = np.repeat(np.arange(len(lengths)), lengths)
    pos = np.arange(int(lengths.sum())) - starts[group]
    return group, pos, starts


def _day_weight(ordinal: np.ndarray) -> np.ndarray:
    """Relative order (and traffic) volume of each day: season, weekday, holidays, growth."""
    out = np.empty(len(ordinal), dtype=np.float64)
    for i, o in enumerate(ordinal):
        d = dt.date.fromordinal(int(o))
        w = MONTH_FACTOR[d.month] * WEEKDAY_FACTOR[d.weekday()]
        if d.month == 11:
            thanksgiving = 22 + (3 - dt.date(d.year, 11, 1).weekday()) % 7
            if d.day in (thanksgiving + 1, thanksgiving + 4):  # Black Friday, Cyber Monday
                w *= 2.0
            elif thanksgiving + 1 < d.day <= thanksgiving + 3:
                w *= 1.4
        elif d.month == 12 and 10 <= d.day <= 20:
            w *= 1.15
        elif d.month == 12 and d.day >= 25:
            w *= 0.8
        out[i] = w * (1.0 + 0.08 * (o - DEFAULT_START.toordinal()) / 365.0)
    return out


@functools.lru_cache(maxsize=4)
def _faker_pools(seed: int) -> dict[str, tuple[str, ...]]:
    """Small seeded pools of names, places and text (Faker is slow per value, so never per row)."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = _rng(seed, _S_POOLS)
    streets = [fake.street_name() for _ in range(300)]
    numbers = rng.integers(1, 99_999, 1_200)
    apt = rng.integers(1, 999, 1_200)
    return {
        "first_m": tuple(sorted({fake.first_name_male() for _ in range(300)})),
        "first_f": tuple(sorted({fake.first_name_female() for _ in range(300)})),
        "last": tuple(sorted({fake.last_name() for _ in range(500)})),
        "street": tuple(
            f"{numbers[i]} {streets[i % len(streets)]}" + (f" Apt. {apt[i]}" if i % 4 == 0 else "")
            for i in range(len(numbers))
        ),
        "city": tuple(fake.city() for _ in range(300)),
        "state": tuple(fake.state_abbr(include_territories=False) for _ in range(300)),
        "zip": tuple(fake.postcode() for _ in range(300)),
        "sentence": tuple(fake.sentence(nb_words=12) for _ in range(150)),
        "domain": (
            "gmail.com",
            "yahoo.com",
            "outlook.com",
            "icloud.com",
            "proton.me",
            "hotmail.com",
            "example.com",
            "mail.com",
        ),
    }


# ---------------------------------------------------------------------------------------------


@dataclass
class GenerateReport:
    """What a generator run wrote: rows and bytes per file, wall time, where."""

    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    start: dt.date | None = None
    end: dt.date | None = None
    scale: float = 1.0
    seed: int = 42

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def __str__(self) -> str:
        lines = [
            f"generated {self.start} .. {self.end} (scale {self.scale:g}, seed {self.seed}) into {self.out}",
            f"  {'table':<22}{'rows':>12}{'bytes':>15}",
        ]
        for name, rows in self.rows.items():
            lines.append(f"  {name:<22}{rows:>12,}{self.bytes.get(name, 0):>15,}")
        lines.append(
            f"  {'total':<22}{self.total_rows:>12,}{sum(self.bytes.values()):>15,}   in {self.seconds:.1f} s"
        )
        return "\n".join(lines)


@dataclass
class _DayOrders:
    n: int
    customer: np.ndarray
    seconds: np.ndarray
    n_items: np.ndarray
    item_start: np.ndarray
    item_product: np.ndarray


class World:
    """The dimensions and per-day rates for one (seed, scale): everything a day needs to exist.

    Customers register from a year before the default period (or before ``reg_start`` when a
    run starts earlier) until its end, numbered in registration order so the customers able to
    order on a day are a prefix. Only a ``reg_start`` before 2025-10-01 changes the world; every
    other run, and ``generate_day``, share it, which is what makes days addressable.
    """

    def __init__(self, seed: int = 42, scale: float = 1.0, reg_start: dt.date | None = None) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be positive, got {scale}")
        self.seed = int(seed)
        self.scale = float(scale)
        self.start_ord = DEFAULT_START.toordinal()
        self.end_ord = DEFAULT_END.toordinal()
        self.reg_start_ord = min(reg_start or DEFAULT_START, DEFAULT_START).toordinal() - 365
        growth = math.sqrt(max(scale, 1.0))
        self.n_customers = max(10, round(BASE_CUSTOMERS * scale))
        self.n_products = round(BASE_PRODUCTS * growth)
        self.n_campaigns = round(BASE_CAMPAIGNS * growth)
        self.total_orders = round(BASE_ORDERS * scale)
        self.total_events = round(BASE_EVENTS * scale)
        period = np.arange(self.start_ord, self.end_ord + 1)
        weights = _day_weight(period)
        self._weight_sum = float(weights.sum())
        self._orders_by_day = _largest_remainder(self.total_orders, weights)
        self._events_by_day = _largest_remainder(self.total_events, weights)
        self.cust_width = max(6, len(str(self.n_customers)))
        self.prod_width = max(6, len(str(self.n_products)))
        self._pools()
        self._customers()
        self._products()
        self._campaigns()
        self._inventory_static()

    # -- counts -----------------------------------------------------------------------------

    def _count(self, ordinal: int, by_day: np.ndarray, total: int, stream: int) -> int:
        if self.start_ord <= ordinal <= self.end_ord:
            return int(by_day[ordinal - self.start_ord])
        expected = total * float(_day_weight(np.array([ordinal]))[0]) / self._weight_sum
        u = _rng(self.seed, _S_DAY_COUNT, stream, ordinal).random()
        return int(math.floor(expected) + (u < expected - math.floor(expected)))

    def order_count(self, ordinal: int) -> int:
        return self._count(ordinal, self._orders_by_day, self.total_orders, 0)

    def event_count(self, ordinal: int) -> int:
        return self._count(ordinal, self._events_by_day, self.total_events, 1)

    # -- pools (Faker, seeded, small) --------------------------------------------------------

    def _pools(self) -> None:
        for name, values in _faker_pools(self.seed).items():
            setattr(self, f"pool_{name}", pa.array(values))

    # -- customers ---------------------------------------------------------------------------

    def _customers(self) -> None:
        n = self.n_customers
        rng = _rng(self.seed, _S_CUSTOMERS)
        # Registration: 35 % in the year before the period, the rest spread over the period.
        before = rng.random(n) < 0.35
        reg = np.where(
            before,
            rng.integers(self.reg_start_ord, self.start_ord, n),
            rng.integers(self.start_ord, self.end_ord + 1, n),
        )
        reg.sort()  # customer numbers follow registration order: eligible customers are a prefix
        self.cust_reg = reg
        counts = np.round(np.array(SEGMENT_SHARES) * n).astype(np.int64)
        counts[1] = n - counts[0] - counts[2]
        seg = np.repeat(np.arange(3), counts)
        rng.shuffle(seg)
        self.cust_seg = seg
        activity = rng.lognormal(0.0, 0.7, n) * np.asarray(SEGMENT_FREQUENCY)[seg]
        self.cust_cw = np.cumsum(activity)
        self.cust_uniform_cw = np.arange(1, n + 1, dtype=np.float64)

        gender = _choice(rng, (0.49, 0.49, 0.02), n)  # F, M, Other
        first_f = rng.integers(0, len(self.pool_first_f), n)
        first_m = rng.integers(0, len(self.pool_first_m), n)
        first = pc.if_else(
            pa.array(gender == 1), _take(self.pool_first_m, first_m), _take(self.pool_first_f, first_f)
        )
        last = _take(self.pool_last, rng.integers(0, len(self.pool_last), n))
        num = np.arange(1, n + 1)
        self.cust_ids = _ids("CUST_", num, self.cust_width)
        local = pc.utf8_lower(_join(first, ".", last, pa.array(num).cast(pa.string())))
        local = pc.replace_substring_regex(local, r"[^a-z0-9.]", "")
        email = _join(local, "@", _take(self.pool_domain, rng.integers(0, len(self.pool_domain), n)))
        phone = _join(
            "+1-",
            pa.array(rng.integers(201, 990, n)).cast(pa.string()),
            "-",
            pa.array(rng.integers(200, 999, n)).cast(pa.string()),
            "-",
            pc.utf8_lpad(pa.array(rng.integers(0, 10_000, n)).cast(pa.string()), 4, "0"),
        )
        age_days = rng.integers(18 * 365, 76 * 365, n)
        street = _take(self.pool_street, rng.integers(0, len(self.pool_street), n))
        place = rng.integers(0, len(self.pool_city), n)
        city = _take(self.pool_city, place)
        state = _take(self.pool_state, place)
        postal = _take(self.pool_zip, place)
        self.cust_ship_address = _join(street, ", ", city, ", ", _join(state, " ", postal))
        pref = rng.integers(0, len(CATEGORIES), n)
        consent = rng.random(n) < 0.62
        created_sec = rng.integers(3_600, 86_400, n)

        # Second versions: ~5 % change segment (up or down by one step, or across) mid-period.
        changed = np.flatnonzero(rng.random(n) < 0.05)
        lo = np.maximum(reg[changed], self.start_ord) + 30
        hi = np.maximum(lo + 1, self.end_ord - 10)
        change_day = rng.integers(lo, hi)
        new_seg = (seg[changed] + rng.integers(1, 3, len(changed))) % 3
        change_sec = rng.integers(3_600, 86_400, len(changed))

        rows = np.concatenate([np.arange(n), changed])
        version = np.concatenate([np.zeros(n, dtype=np.int64), np.ones(len(changed), dtype=np.int64)])
        order = np.lexsort((version, rows))
        rows, version = rows[order], version[order]
        ix = pa.array(rows)
        seg_out = np.concatenate([seg, new_seg])[order]
        upd_day = np.concatenate([reg, change_day])[order]
        upd_sec = np.concatenate([created_sec, change_sec])[order]
        gender_pool = pa.array(["F", "M", "Other"])
        self.customers_table = pa.table(
            {
                "customer_id": pc.take(self.cust_ids, ix),
                "first_name": pc.take(first, ix),
                "last_name": pc.take(last, ix),
                "email": pc.take(email, ix),
                "phone": pc.take(phone, ix),
                "date_of_birth": _dates(reg[rows] - age_days[rows]),
                "gender": _take(gender_pool, gender[rows]),
                "address": pc.take(street, ix),
                "city": pc.take(city, ix),
                "state": pc.take(state, ix),
                "country": pa.array(["United States"] * len(rows)),
                "postal_code": pc.take(postal, ix),
                "registration_date": _dates(reg[rows]),
                "customer_segment": _take(pa.array(SEGMENTS), seg_out),
                "preferred_category": _take(pa.array([c[0] for c in CATEGORIES]), pref[rows]),
                "marketing_consent": _bools(consent[rows]),
                "created_at": _ts(reg[rows], created_sec[rows]),
                "updated_at": _ts(upd_day, upd_sec),
            }
        )

    # -- products ----------------------------------------------------------------------------

    def _products(self) -> None:
        n = self.n_products
        rng = _rng(self.seed, _S_PRODUCTS)
        shares = np.array([c[1] for c in CATEGORIES])
        cat = np.repeat(np.arange(len(CATEGORIES)), _largest_remainder(n, shares))
        rng.shuffle(cat)
        median = np.array([c[3] for c in CATEGORIES])[cat]
        sigma = np.array([c[4] for c in CATEGORIES])[cat]
        lo = np.array([c[5][0] for c in CATEGORIES])[cat]
        hi = np.array([c[5][1] for c in CATEGORIES])[cat]
        price = np.clip(median * np.exp(sigma * rng.standard_normal(n)), lo, hi)
        price_cents = np.floor(price).astype(np.int64) * 100 + 99
        margin = np.clip(np.array([c[6] for c in CATEGORIES])[cat] + rng.normal(0, 0.04, n), 0.15, 0.85)
        cost_cents = np.round(price_cents * (1 - margin)).astype(np.int64)
        volume = np.array([c[2] for c in CATEGORIES])[cat] * rng.lognormal(0.0, 0.8, n)
        self.prod_cat = cat
        rel_price = price_cents / (median * 100)
        self.prod_cw = [np.cumsum(volume * rel_price**tilt) for tilt in SEGMENT_PRICE_TILT]
        self.prod_browse_cw = np.cumsum(volume)

        # ~8 % change price mid-period: a second version with new selling and cost price.
        changed = np.flatnonzero(rng.random(n) < 0.08)
        change_day = rng.integers(self.start_ord + 60, self.end_ord - 60, len(changed))
        factor = rng.uniform(0.85, 1.15, len(changed))
        new_price = np.maximum(np.floor(price_cents[changed] * factor / 100).astype(np.int64), 1) * 100 + 99
        new_price = np.where(new_price == price_cents[changed], new_price + 100, new_price)  # a real change
        new_cost = np.round(cost_cents[changed] * rng.uniform(0.96, 1.08, len(changed))).astype(np.int64)
        new_cost = np.minimum(new_cost, new_price - 1)
        self.prod_price = price_cents
        self.prod_price2 = price_cents.copy()
        self.prod_price2[changed] = new_price
        self.prod_change_ord = np.full(n, np.iinfo(np.int64).max)
        self.prod_change_ord[changed] = change_day

        sub_idx = rng.integers(0, 1 << 30, n)
        noun_idx = rng.integers(0, 1 << 30, n)
        names, subs, brands = [], [], []
        brand_idx = rng.integers(0, 1 << 30, n)
        adj = rng.integers(0, len(ADJECTIVES), n)
        model = rng.integers(1, 99, n)
        for i in range(n):  # once per product (650 rows at scale 1): plain Python is fine here
            cname = CATEGORIES[cat[i]][0]
            sub, nouns = SUBCATEGORIES[cname][sub_idx[i] % len(SUBCATEGORIES[cname])]
            brand = BRANDS[cname][brand_idx[i] % len(BRANDS[cname])]
            subs.append(sub)
            brands.append(brand)
            names.append(f"{brand} {nouns[noun_idx[i] % len(nouns)]} {ADJECTIVES[adj[i]]} {model[i]}")
        self.prod_ids = _ids("PROD_", np.arange(1, n + 1), self.prod_width)
        is_clothing = np.array([CATEGORIES[c][0] == "Clothing" for c in cat])
        weight_g = np.round(np.clip(rng.lognormal(np.log(800), 1.0, n), 50, 40_000)).astype(np.int64)
        dims = rng.integers(5, 120, (n, 3))
        launch = self.start_ord - rng.integers(30, 3 * 365, n)
        created_sec = rng.integers(3_600, 86_400, n)
        change_sec = rng.integers(3_600, 86_400, len(changed))

        rows = np.concatenate([np.arange(n), changed])
        version = np.concatenate([np.zeros(n, dtype=np.int64), np.ones(len(changed), dtype=np.int64)])
        order = np.lexsort((version, rows))
        rows, version = rows[order], version[order]
        ix = pa.array(rows)
        sell = np.concatenate([price_cents, new_price])[order]
        cost = np.concatenate([cost_cents, new_cost])[order]
        upd_day = np.concatenate([launch, change_day])[order]
        upd_sec = np.concatenate([created_sec, change_sec])[order]
        cat_names = pa.array([c[0] for c in CATEGORIES])
        cat_codes = pa.array(["EL", "CL", "HG", "SP", "BK", "HB"])
        self.products_first_version = version == 0
        self.products_table = pa.table(
            {
                "product_id": pc.take(self.prod_ids, ix),
                "product_name": pc.take(pa.array(names), ix),
                "description": _take(self.pool_sentence, rng.integers(0, len(self.pool_sentence), n)[rows]),
                "category": _take(cat_names, cat[rows]),
                "subcategory": pc.take(pa.array(subs), ix),
                "brand": pc.take(pa.array(brands), ix),
                "sku": _join("SKU-", _take(cat_codes, cat[rows]), "-", _ids("", rows + 1, self.prod_width)),
                "cost_price": _money(cost),
                "selling_price": _money(sell),
                "weight_kg": _money(weight_g[rows], scale=3, precision=12),
                "dimensions": _join(
                    pa.array(dims[rows, 0]).cast(pa.string()),
                    "x",
                    pa.array(dims[rows, 1]).cast(pa.string()),
                    "x",
                    pa.array(dims[rows, 2]).cast(pa.string()),
                    " cm",
                ),
                "color": _take(pa.array(COLORS), rng.integers(0, len(COLORS), n)[rows]),
                "size": _take(pa.array(SIZES), rng.integers(0, len(SIZES), n)[rows], is_clothing[rows]),
                "rating": _money(rng.integers(28, 51, n)[rows], scale=1, precision=3),
                "launch_date": _dates(launch[rows]),
                "is_active": _bools(np.ones(len(rows), dtype=bool)),
                "created_at": _ts(launch[rows], created_sec[rows]),
                "updated_at": _ts(upd_day, upd_sec),
            }
        )

    def unit_price(self, product: np.ndarray, ordinal: int) -> np.ndarray:
        """The selling price (cents) of each product in effect on a day (point in time)."""
        return np.where(
            ordinal >= self.prod_change_ord[product], self.prod_price2[product], self.prod_price[product]
        )

    # -- campaigns ---------------------------------------------------------------------------

    def _campaigns(self) -> None:
        k = self.n_campaigns
        rng = _rng(self.seed, _S_CAMPAIGNS)
        span = self.end_ord - self.start_ord
        start = (self.start_ord - 10 + np.arange(k) * (span - 20) / k + rng.integers(0, 10, k)).astype(
            np.int64
        )
        end = np.minimum(start + rng.integers(28, 100, k), self.end_ord + 30)
        channel = _choice(rng, (0.30, 0.22, 0.16, 0.14, 0.10, 0.08), k)
        budget = (rng.uniform(8_000, 75_000, k) // 100 * 100 * 100).astype(np.int64)  # whole hundreds, cents
        self.camp_start, self.camp_end, self.camp_channel, self.camp_budget = start, end, channel, budget
        self.camp_width = max(3, len(str(k)))
        self.camp_ids = _ids("CAMP_", np.arange(1, k + 1), self.camp_width)
        clicks = np.round(budget / 100 / rng.uniform(0.6, 2.4, k)).astype(np.int64)
        impressions = clicks * rng.integers(25, 90, k)
        conversions = np.round(clicks * rng.uniform(0.01, 0.05, k)).astype(np.int64)
        cpc = np.round(budget * 100 / np.maximum(clicks, 1)).astype(np.int64)  # 10**-4 dollars
        conv_rate = np.round(conversions / np.maximum(clicks, 1) * 10_000).astype(np.int64)
        roi = np.round(rng.normal(1.2, 0.9, k) * 10_000).astype(np.int64)
        theme = rng.integers(0, len(CAMPAIGN_THEMES), k)
        names = [
            f"{CAMPAIGN_THEMES[theme[i]]} {dt.date.fromordinal(int(start[i])).year} - {CHANNELS[channel[i]]}"
            for i in range(k)
        ]
        created = start - rng.integers(5, 30, k)
        created_sec = rng.integers(3_600, 86_400, k)

        changed = np.flatnonzero(rng.random(k) < 0.12)
        change_day = start[changed] + (end[changed] - start[changed]) // 2
        new_budget = (budget[changed] * rng.uniform(1.1, 1.5, len(changed)) // 10_000 * 10_000).astype(
            np.int64
        )
        change_sec = rng.integers(3_600, 86_400, len(changed))
        rows = np.concatenate([np.arange(k), changed])
        version = np.concatenate([np.zeros(k, dtype=np.int64), np.ones(len(changed), dtype=np.int64)])
        order = np.lexsort((version, rows))
        rows = rows[order]
        ix = pa.array(rows)
        self.campaigns_table = pa.table(
            {
                "campaign_id": pc.take(self.camp_ids, ix),
                "campaign_name": pc.take(pa.array(names), ix),
                "channel": _take(pa.array(CHANNELS), channel[rows]),
                "start_date": _dates(start[rows]),
                "end_date": _dates(end[rows]),
                "budget": _money(np.concatenate([budget, new_budget])[order]),
                "target_audience": _take(pa.array(AUDIENCES), rng.integers(0, len(AUDIENCES), k)[rows]),
                "objective": _take(pa.array(OBJECTIVES), rng.integers(0, len(OBJECTIVES), k)[rows]),
                "impressions": pa.array(impressions[rows]),
                "clicks": pa.array(clicks[rows]),
                "conversions": pa.array(conversions[rows]),
                "cost_per_click": _money(cpc[rows], scale=4, precision=12),
                "conversion_rate": _money(conv_rate[rows], scale=4, precision=12),
                "roi": _money(roi[rows], scale=4, precision=12),
                "is_active": _bools(end[rows] >= self.end_ord),
                "created_at": _ts(created[rows], created_sec[rows]),
                "updated_at": _ts(
                    np.concatenate([created, change_day])[order],
                    np.concatenate([created_sec, change_sec])[order],
                ),
            }
        )
        channel_src = pa.array([f"utm_source={s}&utm_medium={m}" for s, m in CHANNEL_UTM])
        self.camp_utm = _join(
            "?", _take(channel_src, channel), "&utm_campaign=", self.camp_ids
        )  # query string per campaign

    def active_campaigns(self, ordinal: int) -> np.ndarray:
        return np.flatnonzero((self.camp_start <= ordinal) & (ordinal <= self.camp_end))

    # -- inventory (static part) -------------------------------------------------------------

    def _inventory_static(self) -> None:
        rng = _rng(self.seed, _S_INVENTORY_STATIC)
        m = self.n_products * len(WAREHOUSES)
        self.inv_max = rng.integers(60, 600, m)
        self.inv_cycle = rng.integers(14, 63, m)
        self.inv_phase = rng.integers(0, 1000, m)
        self.inv_depletion = rng.uniform(0.55, 1.12, m)
        self.inv_reorder = np.round(self.inv_max * rng.uniform(0.15, 0.3, m)).astype(np.int64)
        self.inv_lead = rng.integers(3, 30, m)
        self.inv_supplier = _ids("SUP_", rng.integers(1, 121, m), 4)

    # -- one day -----------------------------------------------------------------------------

    def _order_customers(self, ordinal: int) -> tuple[np.random.Generator, np.ndarray]:
        """The buyers of a day: the first draws of that day's order stream (cheap to look ahead)."""
        n = self.order_count(ordinal)
        eligible = int(np.searchsorted(self.cust_reg, ordinal, side="right"))
        if eligible == 0:
            n = 0
        rng = _rng(self.seed, _S_ORDERS, ordinal)
        customer = _weighted_pick(self.cust_cw, rng.random(n), eligible) if n else np.zeros(0, np.int64)
        return rng, customer

    def _buyers(self, ordinal: int) -> np.ndarray:
        """A day's buyers, memoised for the look-ahead of the six days before it."""
        memo = self.__dict__.setdefault("_buyers_memo", {})
        if ordinal not in memo:
            if len(memo) > 32:
                memo.clear()
            memo[ordinal] = self._order_customers(ordinal)[1]
        return memo[ordinal]

    def _orders(self, ordinal: int) -> _DayOrders:
        rng, customer = self._order_customers(ordinal)
        n = len(customer)
        hours = _choice(rng, HOUR_WEIGHTS, n)
        seconds = np.sort(hours * 3_600 + rng.integers(0, 3_600, n))
        seg = self.cust_seg[customer]
        item_cum = np.cumsum(np.asarray(SEGMENT_ITEM_PROBS), axis=1)
        n_items = (rng.random(n)[:, None] >= item_cum[seg][:, :-1]).sum(axis=1) + 1
        item_order, _, item_start = _within_positions(n_items)
        item_seg = seg[item_order]
        u = rng.random(len(item_order))
        product = np.empty(len(item_order), dtype=np.int64)
        for s in range(3):
            sel = item_seg == s
            product[sel] = _weighted_pick(self.prod_cw[s], u[sel])
        return _DayOrders(n, customer, seconds, n_items, item_start, product)

    def day_data(self, ordinal: int) -> dict[str, dict[str, np.ndarray]]:
        """The event rows of one day as numbers (inventory only on snapshot days).

        Numbers only, so many days can be concatenated and turned into text in one pass
        (``format_rows``); the text of a row never depends on which other rows share its batch.
        """
        o = self._orders(ordinal)
        rng = _rng(self.seed, _S_ORDERS, ordinal, 1)
        out: dict[str, dict[str, np.ndarray]] = {}

        m = len(o.item_product)
        qty = _choice(rng, QUANTITY_PROBS, m) + 1
        unit = self.unit_price(o.item_product, ordinal)
        line = qty * unit
        subtotal = np.add.reduceat(line, o.item_start) if o.n else np.zeros(0, np.int64)
        item_order = np.repeat(np.arange(o.n), o.n_items)
        out["order_items"] = {
            "day": np.full(m, ordinal, dtype=np.int64),
            "seq": np.arange(1, m + 1),
            "order_seq": item_order + 1,
            "product": o.item_product,
            "quantity": qty,
            "unit": unit,
            "line": line,
            "seconds": o.seconds[item_order],
        }

        pct = np.where(rng.random(o.n) < 0.28, np.asarray((5, 10, 15, 20))[rng.integers(0, 4, o.n)], 0)
        discount = (subtotal * pct + 50) // 100
        net = subtotal - discount
        shipping = np.where(net >= FREE_SHIPPING_CENTS, 0, np.where(rng.random(o.n) < 0.7, 599, 1299))
        tax = (net * TAX_RATE_BP + 5_000) // 10_000
        status = _choice(rng, STATUS_PROBS, o.n)
        payment = _choice(rng, PAYMENT_PROBS, o.n)
        ship_days = rng.integers(2, 8, o.n)
        upd_offset = np.select(
            [status == 0, status == 1, status == 2, status == 3],
            [
                ship_days * 86_400 + rng.integers(0, 86_400, o.n),
                rng.integers(3_600, 3 * 86_400, o.n),
                rng.integers(60, 6 * 3_600, o.n),
                rng.integers(600, 2 * 86_400, o.n),
            ],
            default=(ship_days + rng.integers(3, 21, o.n)) * 86_400,
        )
        out["orders"] = {
            "day": np.full(o.n, ordinal, dtype=np.int64),
            "seq": np.arange(1, o.n + 1),
            "customer": o.customer,
            "status": status,
            "payment": payment,
            "subtotal": subtotal,
            "discount": discount,
            "shipping": shipping,
            "tax": tax,
            "total": net + shipping + tax,
            "ship_days": ship_days,
            "seconds": o.seconds,
            "upd_seconds": o.seconds + upd_offset,
        }
        out["clickstream"] = self._clickstream(ordinal, o)
        if dt.date.fromordinal(ordinal).weekday() == SNAPSHOT_WEEKDAY:
            out["inventory"] = self._inventory(ordinal)
        return out

    def day_tables(self, ordinal: int) -> dict[str, pa.Table]:
        """The event tables of one day, as text-ready arrow tables."""
        return {name: self.format_rows(name, cols) for name, cols in self.day_data(ordinal).items()}

    def _clickstream(self, ordinal: int, o: _DayOrders) -> dict[str, np.ndarray]:
        rng = _rng(self.seed, _S_CLICKS, ordinal)
        budget = self.event_count(ordinal)
        active = self.active_campaigns(ordinal)
        camp_w = np.cumsum(self.camp_budget[active]) if len(active) else None

        # Purchase sessions: a share of the day's orders, funnel ending in the order's purchase.
        web = rng.random(o.n) < WEB_ORDER_SHARE
        p_len = 3 + 2 * o.n_items
        web &= np.cumsum(np.where(web, p_len, 0)) <= budget
        p_orders = np.flatnonzero(web)
        p_len = p_len[p_orders]
        p_events = int(p_len.sum())

        # Browse sessions fill the rest of the day's event budget (the last one cut short).
        rest = budget - p_events
        s = max(rest, 0)
        depth = _choice(rng, (0.36, 0.38, 0.17, 0.09), s)
        blocks = np.zeros((s, 6), dtype=np.int64)  # page_view, search, product_view, cart, remove, checkout
        blocks[:, 0] = 1 + (rng.random(s) < 0.3) + (rng.random(s) < 0.1)
        blocks[:, 1] = (depth >= 1) & (rng.random(s) < 0.3)
        blocks[:, 2] = np.where(depth >= 1, rng.integers(1, 5, s), 0)
        blocks[:, 3] = depth >= 2
        blocks[:, 4] = (depth >= 2) & (rng.random(s) < 0.2)
        blocks[:, 5] = depth >= 3
        b_len_full = blocks.sum(axis=1)
        b_end = np.cumsum(b_len_full)
        keep = int(np.searchsorted(b_end, rest, side="left")) + 1 if rest > 0 else 0
        blocks = blocks[:keep]
        b_len = b_len_full[:keep].copy()
        if keep:
            b_len[-1] -= int(b_end[keep - 1]) - rest
        b_start_sec = _choice(rng, HOUR_WEIGHTS[:23], keep) * 3_600 + rng.integers(0, 3_600, keep)
        known = rng.random(keep) < KNOWN_VISITOR_SHARE
        eligible = int(np.searchsorted(self.cust_reg, ordinal, side="right"))
        known &= eligible > 0
        b_customer = np.where(
            known, _weighted_pick(self.cust_uniform_cw, rng.random(keep), max(eligible, 1)), -1
        )
        # Some known visitors are people who buy in the next week (looked up from those days'
        # order streams), so campaign touches days before an order exist for attribution to find.
        future = np.concatenate([self._buyers(ordinal + k) for k in range(1, 7)])
        soon = known & (rng.random(keep) < FUTURE_BUYER_SHARE) & (len(future) > 0)
        if len(future):
            buyer = future[rng.integers(0, len(future), keep)]
            b_customer = np.where(soon & (buyer < eligible), buyer, b_customer)  # registered already
        b_focus = _weighted_pick(self.prod_browse_cw, rng.random(keep))

        # Flatten sessions: purchase sessions first, then browse sessions.
        n_p, n_b = len(p_orders), keep
        lengths = np.concatenate([p_len, b_len]).astype(np.int64)
        sess, pos, sess_start = _within_positions(lengths)
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
        rand_prod = _weighted_pick(self.prod_browse_cw, rng.random(len(bs)))
        prod_b = np.where(et_b == PRODV, np.where(first_pv, b_focus[bs], rand_prod), -1)
        prod_b = np.where((et_b == ATC) | (et_b == RFC), b_focus[bs], prod_b)
        etype[~is_p], product[~is_p] = et_b, prod_b

        # Session attributes
        n_s = n_p + n_b
        customer = np.concatenate([o.customer[p_orders], b_customer])
        device = _choice(rng, DEVICE_PROBS, n_s)
        browser = _choice(rng, BROWSER_PROBS, n_s)
        foreign = rng.random(n_s) < 0.12
        place = np.where(
            foreign, rng.integers(0, len(FOREIGN), n_s), rng.integers(0, len(self.pool_city), n_s)
        )
        ip = np.stack([rng.integers(lo, 255, n_s) for lo in (11, 0, 0, 1)])
        utm_share = np.where(np.arange(n_s) < n_p, PURCHASE_UTM_SHARE, BROWSE_UTM_SHARE)
        touch = (rng.random(n_s) < utm_share) & (len(active) > 0)
        campaign = np.where(
            touch, active[_weighted_pick(camp_w, rng.random(n_s))] if camp_w is not None else 0, -1
        )
        referrer_ext = rng.integers(0, len(REFERRERS), n_s)
        landing = rng.integers(0, len(LANDING_PATHS), n_s)
        search = rng.integers(0, len(SEARCH_TERMS), total)

        # Timestamps: purchase sessions end at the order's second, browse sessions start at theirs.
        gap = rng.integers(8, 150, total)
        last = pos == lengths[sess] - 1
        gap[last] = 0
        cum = np.cumsum(gap)
        before = cum - gap  # sum of gaps before each row, globally
        in_sess = before - before[sess_start][sess]  # seconds since session start
        sess_len_sec = in_sess[sess_start + lengths - 1]
        anchor = np.concatenate([o.seconds[p_orders] - sess_len_sec[:n_p], b_start_sec])
        seconds = anchor[sess] + in_sess
        duration = np.where(last, rng.integers(5, 90, total), gap)

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

    def _inventory(self, ordinal: int) -> dict[str, np.ndarray]:
        rng = _rng(self.seed, _S_INVENTORY, ordinal)
        m = len(self.inv_max)
        since = (ordinal + self.inv_phase) % self.inv_cycle
        frac = since / self.inv_cycle * self.inv_depletion
        noise = rng.integers(-5, 6, m)
        stock = np.maximum(np.round(self.inv_max * (1 - frac)).astype(np.int64) + noise, 0)
        stock = np.minimum(stock, self.inv_max)
        return {
            "day": np.full(m, ordinal, dtype=np.int64),
            "row": np.arange(m),
            "stock": stock,
            "reserved": np.minimum(stock, rng.integers(0, 12, m)),
            "since": since,
        }

    # -- numbers -> text ---------------------------------------------------------------------

    def format_rows(self, name: str, c: dict[str, np.ndarray]) -> pa.Table:
        """Arrow columns (contract order) for event rows of any number of days."""
        return getattr(self, f"_format_{name}")(c)

    def _format_orders(self, c: dict[str, np.ndarray]) -> pa.Table:
        customer = pa.array(c["customer"])
        status = c["status"]
        delivered = (status == 0) | (status == 4)
        return pa.table(
            {
                "order_id": _day_ids("ORD_", c["day"], c["seq"], 6),
                "customer_id": pc.take(self.cust_ids, customer),
                "order_date": _dates(c["day"]),
                "order_status": _take(_STATUS_PA, status),
                "payment_method": _take(_PAYMENT_PA, c["payment"]),
                "subtotal": _money(c["subtotal"]),
                "discount_amount": _money(c["discount"]),
                "shipping_cost": _money(c["shipping"]),
                "tax_amount": _money(c["tax"]),
                "total_amount": _money(c["total"]),
                "shipping_address": pc.take(self.cust_ship_address, customer),
                "delivery_date": _dates(c["day"] + c["ship_days"], delivered),
                "created_at": _ts(c["day"], c["seconds"]),
                "updated_at": _ts(c["day"], c["upd_seconds"]),
            }
        )

    def _format_order_items(self, c: dict[str, np.ndarray]) -> pa.Table:
        return pa.table(
            {
                "order_item_id": _day_ids("ITM_", c["day"], c["seq"], 7),
                "order_id": _day_ids("ORD_", c["day"], c["order_seq"], 6),
                "product_id": pc.take(self.prod_ids, pa.array(c["product"])),
                "quantity": pa.array(c["quantity"]),
                "unit_price": _money(c["unit"]),
                "total_price": _money(c["line"]),
                "created_at": _ts(c["day"], c["seconds"]),
            }
        )

    def _format_clickstream(self, c: dict[str, np.ndarray]) -> pa.Table:
        product, etype, campaign, prev = c["product"], c["etype"], c["campaign"], c["prev"]
        prod_ids = _take(self.prod_ids, np.maximum(product, 0), product >= 0)
        path = _take(_EVENT_PATHS_PA, etype)
        path = pc.if_else(pa.array(etype == SEARCH), _join(path, _take(_SEARCH_PA, c["search"])), path)
        path = pc.if_else(pa.array(etype == PRODV), _join("/product/", pc.fill_null(prod_ids, "")), path)
        path = pc.if_else(pa.array(etype == PV), _take(_LANDING_PA, c["landing"]), path)
        tagged = campaign >= 0
        utm = pc.fill_null(_take(self.camp_utm, np.maximum(campaign, 0), tagged), "")
        page_url = _join(SITE, path, utm)
        first = prev < 0
        referrer = pc.if_else(
            pa.array(first),
            _take(_REFERRERS_PA, c["referrer"]),
            pc.take(page_url, pa.array(np.maximum(prev, 0))),
        )
        camp_ref = _take(_CHANNEL_REFERRER_PA, self.camp_channel[np.maximum(campaign, 0)], tagged)
        foreign, place = c["foreign"], c["place"]
        ts = _ts(c["day"], c["seconds"])
        customer = c["customer"]
        return pa.table(
            {
                "event_id": _day_ids("EVT_", c["day"], c["seq"], 7),
                "session_id": _day_ids("SES_", c["day"], c["session"], 6),
                "customer_id": _take(self.cust_ids, np.maximum(customer, 0), customer >= 0),
                "product_id": prod_ids,
                "event_type": _take(_EVENT_NAMES_PA, etype),
                "page_url": page_url,
                "referrer_url": pc.coalesce(camp_ref, referrer),
                "user_agent": _take(_UA_PA, c["device"] * len(BROWSERS) + c["browser"]),
                "device_type": _take(_DEVICES_PA, c["device"]),
                "browser": _take(_BROWSERS_PA, c["browser"]),
                "ip_address": _join(*(pa.array(c[f"ip{i}"]).cast(pa.string()) for i in range(4)), sep="."),
                "country": pc.if_else(
                    pa.array(foreign),
                    _take(_FOREIGN_COUNTRY_PA, np.where(foreign, place, 0)),
                    "United States",
                ),
                "city": pc.if_else(
                    pa.array(foreign),
                    _take(_FOREIGN_CITY_PA, np.where(foreign, place, 0)),
                    _take(self.pool_city, np.where(foreign, 0, place)),
                ),
                "timestamp": ts,
                "duration_seconds": pa.array(c["duration"]),
                "created_at": ts,
            }
        )

    def _format_inventory(self, c: dict[str, np.ndarray]) -> pa.Table:
        row = c["row"]
        n_wh = len(WAREHOUSES)
        stamp = _ts(c["day"], np.full(len(row), 6 * 3_600))
        return pa.table(
            {
                "inventory_id": _day_ids("INV_", c["day"], row + 1, 7),
                "product_id": _take(self.prod_ids, row // n_wh),
                "warehouse_location": _take(_WAREHOUSES_PA, row % n_wh),
                "current_stock": pa.array(c["stock"]),
                "reserved_stock": pa.array(c["reserved"]),
                "reorder_point": pa.array(self.inv_reorder[row]),
                "max_stock": pa.array(self.inv_max[row]),
                "last_restocked": _dates(c["day"] - c["since"]),
                "supplier_id": _take(self.inv_supplier, row),
                "lead_time_days": pa.array(self.inv_lead[row]),
                "created_at": stamp,
                "updated_at": stamp,
                "snapshot_date": _dates(c["day"]),
            }
        )

    @cached_property
    def dimension_tables(self) -> dict[str, pa.Table]:
        return {
            "customers": self.customers_table,
            "products": self.products_table,
            "marketing_campaigns": self.campaigns_table,
        }


# ---------------------------------------------------------------------------------------------
# Writing


_WRITE_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed")


class _CsvFile:
    """One output CSV: a plain header line, then row batches in contract column order."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.columns = SOURCE_TABLES[name].columns
        self.rows = 0
        self._f = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._f.write((",".join(self.columns) + "\n").encode())

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            buf = io.BytesIO()
            pacsv.write_csv(table.select(self.columns), buf, _WRITE_OPTIONS)
            self._f.write(buf.getbuffer())
            self.rows += table.num_rows

    def close(self) -> int:
        self._f.close()
        return self.path.stat().st_size


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate days of numeric rows; ``prev`` (a row index within its day) is shifted along."""
    if len(parts) == 1:
        return parts[0]
    out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    if "prev" in out:
        offsets = np.cumsum([0] + [len(p["day"]) for p in parts[:-1]])
        shift = np.repeat(offsets, [len(p["day"]) for p in parts])
        out["prev"] = np.where(out["prev"] >= 0, out["prev"] + shift, -1)
    return out


def _days(start: dt.date, end: dt.date) -> Iterator[int]:
    yield from range(start.toordinal(), end.toordinal() + 1)


def generate(
    out: Path,
    scale: float = 1.0,
    seed: int = 42,
    start: dt.date | None = None,
    end: dt.date | None = None,
    progress: bool | Progress = True,
) -> GenerateReport:
    """Write a full export (one CSV per source table) for ``start .. end`` (``end`` = as-of date).

    Dimension files hold every version that took effect by ``end``; event files hold the rows of
    every day in the window, drawn day by day and written in batches of days (at most about
    ``FLUSH_ROWS`` rows), so memory stays flat. ``progress``: a ``lib.progress.Progress`` that
    gets one step per month (``True``: one line per month on stderr; ``False``: nothing).
    """
    t0 = time.perf_counter()
    start = start or DEFAULT_START
    end = end or DEFAULT_END
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = World(seed, scale, reg_start=start)
    report = GenerateReport(out=out, start=start, end=end, scale=scale, seed=seed)

    for name, table in world.dimension_tables.items():
        f = _CsvFile(out / f"{name}.csv", name)
        f.write(_versions_until(name, table, end, world.products_first_version))
        report.bytes[name] = f.close()
        report.rows[name] = f.rows

    files = {name: _CsvFile(out / f"{name}.csv", name) for name in EVENT_FILES}
    pending: dict[str, list[dict[str, np.ndarray]]] = {name: [] for name in EVENT_FILES}
    pending_rows = 0

    def flush() -> None:
        nonlocal pending_rows
        for name, parts in pending.items():
            if parts:
                files[name].write(world.format_rows(name, _concat(parts)))
                parts.clear()
        pending_rows = 0

    if not isinstance(progress, Progress):
        progress = Progress("lines" if progress else "quiet")
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    progress.step("generate", total=months, unit="months")
    month, month_t0, month_rows = None, time.perf_counter(), dict.fromkeys(EVENT_FILES, 0)
    try:
        for ordinal in _days(start, end):
            day = dt.date.fromordinal(ordinal)
            if month is not None and (day.year, day.month) != month:
                flush()
                progress.advance(1, _month_line(month, month_rows, time.perf_counter() - month_t0))
                month_t0, month_rows = time.perf_counter(), dict.fromkeys(EVENT_FILES, 0)
            month = (day.year, day.month)
            for name, cols in world.day_data(ordinal).items():
                rows = len(cols["day"])
                pending[name].append(cols)
                month_rows[name] += rows
                pending_rows += rows
            if pending_rows >= FLUSH_ROWS:  # batches of days: text in few large passes, memory flat
                flush()
        flush()
        if month is not None:
            progress.advance(1, _month_line(month, month_rows, time.perf_counter() - month_t0))
        progress.done(f"{months} months into {out}")
    finally:
        for name, f in files.items():
            report.bytes[name] = f.close()
            report.rows[name] = f.rows
    report.rows = {name: report.rows[name] for name in ALL_FILES}
    report.bytes = {name: report.bytes[name] for name in ALL_FILES}
    report.seconds = time.perf_counter() - t0
    return report


def generate_day(out: Path, day: dt.date, scale: float = 1.0, seed: int = 42) -> GenerateReport:
    """Write only the event tables of one day: the same rows a full ``generate`` writes for it.

    Inventory is written only when ``day`` is a snapshot day (a Monday). Days past the default
    period are allowed: the daily schedule uses them to simulate a new day of business.
    """
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = World(seed, scale)
    report = GenerateReport(out=out, start=day, end=day, scale=scale, seed=seed)
    for name, table in world.day_tables(day.toordinal()).items():
        f = _CsvFile(out / f"{name}.csv", name)
        f.write(table)
        report.bytes[name] = f.close()
        report.rows[name] = f.rows
    report.seconds = time.perf_counter() - t0
    return report


def _versions_until(name: str, table: pa.Table, end: dt.date, first_version: np.ndarray | None) -> pa.Table:
    """Drop versions that take effect after the export's as-of date (they have not happened yet).

    A product's first version always stays: it is back-dated (DATA_CONTRACT.md), and events of a
    window that ends before a product's launch may already reference it.
    """
    limit = pa.scalar(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()), type=pa.timestamp("s"))
    keep = pc.less(table["updated_at"], limit)
    if name == "products" and first_version is not None:
        keep = pc.or_(keep, pa.array(first_version))
    return table.filter(keep)


def _month_line(month: tuple[int, int], rows: dict[str, int], seconds: float) -> str:
    label = f"{month[0]}-{month[1]:02d}"
    parts = ", ".join(f"{rows[n]:,} {n}" for n in EVENT_FILES)
    return f"generate {label} ({calendar.month_abbr[month[1]]}): {parts} in {seconds:.1f} s"
