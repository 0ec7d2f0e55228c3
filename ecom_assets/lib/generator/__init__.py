"""Synthetic shop exports in the DATA_CONTRACT layout, fast, deterministic and day-addressable.

One module per part of the shop: ``customers``, ``products``, ``campaigns``, ``orders``,
``clickstream`` (and its vocabulary ``site``), ``inventory``; ``timeline`` says how busy each
day is, ``world`` puts the parts together for one (seed, scale) and draws any day's events,
``export`` writes the files, ``columns`` turns numbers into the contract's text forms.

Why it is built this way:

- **Per-day randomness.** Every event row of day D comes from generators seeded by
  ``(seed, stream, D.toordinal())`` and from the dimensions, so ``generate_day(D)`` writes
  exactly the rows a full ``generate`` writes for D, and the daily schedule can simulate "the
  next day" past the default period.
- **Vectorised.** numpy draws whole days at once; strings are assembled with pyarrow compute and
  written with ``pyarrow.csv``; Faker only fills small seeded pools (names, streets, cities, text).
  Memory holds the dimensions plus one batch of days, so it stays flat as the scale grows.
- **Money in integer cents.** ``total_price = quantity * unit_price``, ``subtotal = sum`` and
  ``total_amount = subtotal - discount + shipping + tax`` hold exactly, not within a cent.
"""

from ecom_assets.lib.generator.export import (
    ALL_FILES,
    DIMENSION_FILES,
    EVENT_FILES,
    GenerateReport,
    generate,
    generate_day,
)
from ecom_assets.lib.generator.pools import faker_pools as _faker_pools
from ecom_assets.lib.generator.timeline import OPENING, REFERENCE_END, default_end
from ecom_assets.lib.generator.world import World

DEFAULT_START = OPENING  # the first day of the default export: the shop's opening

__all__ = [
    "ALL_FILES",
    "DEFAULT_START",
    "OPENING",
    "REFERENCE_END",
    "DIMENSION_FILES",
    "EVENT_FILES",
    "GenerateReport",
    "World",
    "_faker_pools",
    "default_end",
    "generate",
    "generate_day",
]
