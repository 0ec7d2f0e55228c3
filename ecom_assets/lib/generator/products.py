"""Products: a catalogue of six categories with realistic prices, margins and popularity."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecom_assets.lib.generator import columns as col

S_PRODUCTS = 3

# name, share of products, unit volume weight, median price $, price sigma, band $, list margin
CATEGORIES: tuple[tuple[str, float, float, float, float, tuple[float, float], float], ...] = (
    ("Electronics", 0.22, 2.0, 610.0, 0.75, (19.0, 3_200.0), 0.45),
    ("Clothing", 0.20, 1.0, 150.0, 0.55, (15.0, 900.0), 0.54),
    ("Home & Garden", 0.18, 0.9, 260.0, 0.70, (15.0, 2_000.0), 0.50),
    ("Sports & Outdoors", 0.15, 0.8, 240.0, 0.70, (15.0, 1_800.0), 0.48),
    ("Books", 0.13, 0.7, 45.0, 0.45, (8.0, 180.0), 0.59),
    ("Health & Beauty", 0.12, 0.8, 70.0, 0.50, (8.0, 350.0), 0.58),
)
CATEGORY_NAMES = tuple(c[0] for c in CATEGORIES)
CATEGORY_CODES = ("EL", "CL", "HG", "SP", "BK", "HB")
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
    "Pro", "Lite", "Max", "Classic", "Essential", "Ultra", "Air", "Plus",
    "Prime", "Eco", "Studio", "Go", "Elite", "Core", "Flex", "Neo",
)  # fmt: skip
COLORS = ("Black", "White", "Silver", "Blue", "Red", "Green", "Grey", "Navy", "Beige", "Gold", "Pink")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SEGMENT_PRICE_TILT = (0.15, 0.0, -0.15)  # per segment: exponent on relative price when picking products


class Products:
    """The catalogue, its popularity per segment, and price changes (second versions)."""

    def __init__(self, seed: int, n: int, start_ord: int, end_ord: int, sentences: pa.Array) -> None:
        gen = col.rng(seed, S_PRODUCTS)
        self.width = max(6, len(str(n)))
        shares = np.array([c[1] for c in CATEGORIES])
        cat = np.repeat(np.arange(len(CATEGORIES)), col.largest_remainder(n, shares))
        gen.shuffle(cat)
        median = np.array([c[3] for c in CATEGORIES])[cat]
        sigma = np.array([c[4] for c in CATEGORIES])[cat]
        lo = np.array([c[5][0] for c in CATEGORIES])[cat]
        hi = np.array([c[5][1] for c in CATEGORIES])[cat]
        price = np.clip(median * np.exp(sigma * gen.standard_normal(n)), lo, hi)
        price_cents = np.floor(price).astype(np.int64) * 100 + 99
        margin = np.clip(np.array([c[6] for c in CATEGORIES])[cat] + gen.normal(0, 0.04, n), 0.15, 0.85)
        cost_cents = np.round(price_cents * (1 - margin)).astype(np.int64)
        volume = np.array([c[2] for c in CATEGORIES])[cat] * gen.lognormal(0.0, 0.8, n)
        self.category = cat
        rel_price = price_cents / (median * 100)
        # cumulative popularity per segment (for order items) and overall (for browsing)
        self.segment_cw = [np.cumsum(volume * rel_price**tilt) for tilt in SEGMENT_PRICE_TILT]
        self.browse_cw = np.cumsum(volume)

        # ~8 % change price mid-period: a second version with new selling and cost price.
        changed = np.flatnonzero(gen.random(n) < 0.08)
        change_day = gen.integers(start_ord + 60, end_ord - 60, len(changed))
        factor = gen.uniform(0.85, 1.15, len(changed))
        new_price = np.maximum(np.floor(price_cents[changed] * factor / 100).astype(np.int64), 1) * 100 + 99
        new_price = np.where(new_price == price_cents[changed], new_price + 100, new_price)  # a real change
        new_cost = np.round(cost_cents[changed] * gen.uniform(0.96, 1.08, len(changed))).astype(np.int64)
        new_cost = np.minimum(new_cost, new_price - 1)
        self.price = price_cents
        self.price2 = price_cents.copy()
        self.price2[changed] = new_price
        self.change_ord = np.full(n, np.iinfo(np.int64).max)
        self.change_ord[changed] = change_day

        sub_idx = gen.integers(0, 1 << 30, n)
        noun_idx = gen.integers(0, 1 << 30, n)
        names, subs, brands = [], [], []
        brand_idx = gen.integers(0, 1 << 30, n)
        adj = gen.integers(0, len(ADJECTIVES), n)
        model = gen.integers(1, 99, n)
        for i in range(n):  # once per product (650 rows at scale 1): plain Python is fine here
            cname = CATEGORIES[cat[i]][0]
            sub, nouns = SUBCATEGORIES[cname][sub_idx[i] % len(SUBCATEGORIES[cname])]
            brand = BRANDS[cname][brand_idx[i] % len(BRANDS[cname])]
            subs.append(sub)
            brands.append(brand)
            names.append(f"{brand} {nouns[noun_idx[i] % len(nouns)]} {ADJECTIVES[adj[i]]} {model[i]}")
        self.ids = col.ids("PROD_", np.arange(1, n + 1), self.width)
        is_clothing = np.array([CATEGORIES[c][0] == "Clothing" for c in cat])
        weight_g = np.round(np.clip(gen.lognormal(np.log(800), 1.0, n), 50, 40_000)).astype(np.int64)
        dims = gen.integers(5, 120, (n, 3))
        launch = start_ord - gen.integers(30, 3 * 365, n)
        created_sec = gen.integers(3_600, 86_400, n)
        change_sec = gen.integers(3_600, 86_400, len(changed))

        rows, version, order = col.versions(n, changed)
        ix = pa.array(rows)
        sell = np.concatenate([price_cents, new_price])[order]
        cost = np.concatenate([cost_cents, new_cost])[order]
        upd_day = np.concatenate([launch, change_day])[order]
        upd_sec = np.concatenate([created_sec, change_sec])[order]
        self.first_version = version == 0
        self.table = pa.table(
            {
                "product_id": pc.take(self.ids, ix),
                "product_name": pc.take(pa.array(names), ix),
                "description": col.take(sentences, gen.integers(0, len(sentences), n)[rows]),
                "category": col.take(pa.array(CATEGORY_NAMES), cat[rows]),
                "subcategory": pc.take(pa.array(subs), ix),
                "brand": pc.take(pa.array(brands), ix),
                "sku": col.join(
                    "SKU-",
                    col.take(pa.array(CATEGORY_CODES), cat[rows]),
                    "-",
                    col.ids("", rows + 1, self.width),
                ),
                "cost_price": col.money(cost),
                "selling_price": col.money(sell),
                "weight_kg": col.money(weight_g[rows], scale=3, precision=12),
                "dimensions": col.join(
                    pa.array(dims[rows, 0]).cast(pa.string()),
                    "x",
                    pa.array(dims[rows, 1]).cast(pa.string()),
                    "x",
                    pa.array(dims[rows, 2]).cast(pa.string()),
                    " cm",
                ),
                "color": col.take(pa.array(COLORS), gen.integers(0, len(COLORS), n)[rows]),
                "size": col.take(pa.array(SIZES), gen.integers(0, len(SIZES), n)[rows], is_clothing[rows]),
                "rating": col.money(gen.integers(28, 51, n)[rows], scale=1, precision=3),
                "launch_date": col.dates(launch[rows]),
                "is_active": col.bools(np.ones(len(rows), dtype=bool)),
                "created_at": col.timestamps(launch[rows], created_sec[rows]),
                "updated_at": col.timestamps(upd_day, upd_sec),
            }
        )

    def unit_price(self, product: np.ndarray, ordinal: int) -> np.ndarray:
        """The selling price (cents) of each product in effect on a day (point in time)."""
        return np.where(ordinal >= self.change_ord[product], self.price2[product], self.price[product])
