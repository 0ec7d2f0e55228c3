"""The freshness policy every asset carries, so the UI flags data that the daily run missed.

Applied to every asset of the code location by the post-processing in ``defs/defs.yaml``
(a template variable, because a policy is a Python object): one place, no per-asset code,
and assets added later get it too.

Why these windows: the daily schedule fires at 06:00 and a run takes minutes, so a healthy
asset is never older than 24 hours plus a run. Past 26 hours a run was late or failed (warn);
past 30 hours the day's data is missing from every report (fail).
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

WARN_AFTER = dt.timedelta(hours=26)
FAIL_AFTER = dt.timedelta(hours=30)

DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=FAIL_AFTER, warn_window=WARN_AFTER)


@dg.template_var
def daily_freshness() -> dg.FreshnessPolicy:
    """The policy, for ``defs.yaml`` (``{{ daily_freshness }}``)."""
    return DAILY_FRESHNESS
