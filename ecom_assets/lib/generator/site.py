"""The web shop's vocabulary: pages, searches, referrers, devices and browsers of a visit."""

from __future__ import annotations

import pyarrow as pa

SITE = "https://shop.example.com"

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
    "headphones", "laptop", "running+shoes", "coffee+maker", "tent", "novel",
    "serum", "jacket", "smartwatch", "yoga+mat", "gift+ideas", "desk+lamp",
)  # fmt: skip
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

EVENT_NAMES_PA = pa.array(EVENT_NAMES)
EVENT_PATHS_PA = pa.array(EVENT_PATHS)
SEARCH_PA = pa.array(SEARCH_TERMS)
LANDING_PA = pa.array(LANDING_PATHS)
REFERRERS_PA = pa.array(REFERRERS, type=pa.string())
UA_PA = pa.array(
    [
        f"Mozilla/5.0 ({_OS[d]}) AppleWebKit/537.36 (KHTML, like Gecko) {_ENGINE[b]}"
        for d in DEVICES
        for b in BROWSERS
    ]
)
DEVICES_PA = pa.array(DEVICES)
BROWSERS_PA = pa.array(BROWSERS)
FOREIGN_COUNTRY_PA = pa.array([c for c, _ in FOREIGN])
FOREIGN_CITY_PA = pa.array([c for _, c in FOREIGN])
