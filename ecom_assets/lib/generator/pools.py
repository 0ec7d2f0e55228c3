"""Small seeded pools of names, places and text (Faker is slow per value, so never per row)."""

from __future__ import annotations

import functools

from ecom_assets.lib.generator.columns import rng

S_POOLS = 1  # the pools' stream of the seed sequence
EMAIL_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "icloud.com",
    "proton.me",
    "hotmail.com",
    "example.com",
    "mail.com",
)


@functools.lru_cache(maxsize=4)
def faker_pools(seed: int) -> dict[str, tuple[str, ...]]:
    """Names, streets, cities, states, zip codes and sentences, the same for the same seed."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    gen = rng(seed, S_POOLS)
    streets = [fake.street_name() for _ in range(300)]
    numbers = gen.integers(1, 99_999, 1_200)
    apt = gen.integers(1, 999, 1_200)
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
        "domain": EMAIL_DOMAINS,
    }
