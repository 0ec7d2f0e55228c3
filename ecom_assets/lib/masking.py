"""One function that takes secrets out of text before anyone sees it: :func:`mask`.

Every place that shows text which may hold a connection string or a webhook goes through it:
the ``ecom`` command (its whole output, see ``cli.py``), the warehouse resource's
``display_url``, connection errors, alert delivery messages. One function, so a form of secret
masked in one place is masked in all of them.

Forms it masks:

- a password in a URL's user part: ``postgresql://user:secret@host/db``;
- a password as a URL query parameter: ``...?sslmode=require&password=secret``;
- a password in a libpq keyword string: ``host=db user=ecom password=secret`` (also quoted);
- the value of any secret environment variable wherever it appears in the text: ``PGPASSWORD``
  (libpq reads it when the URL has no password), the Compose and BI passwords, and the alert
  webhook URL (its path is the token).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

MASK = "***"

# Environment variables whose values are secrets (their values are masked wherever they occur).
MASKED_ENV = (
    "PGPASSWORD",
    "ECOM_DB_PASSWORD",
    "ECOM_BI_PASSWORD",
    "POSTGRES_PASSWORD",
    "DAGSTER_DB_PASSWORD",
    "DAGSTER_PG_PASSWORD",
    "ECOM_ALERT_WEBHOOK_URL",
)
# Values shorter than this are not searched for (masking every "a" in a text helps nobody).
MIN_MASKED_LENGTH = 4

# The password runs to the last "@" of the authority: an unencoded "@" in it is masked too.
_URL_USERINFO = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^\s:/@?#'\"]*):[^\s/?#'\"]*@", re.I)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&](?:password|pass|pwd)=)[^&#\s'\"]*", re.I)
_KEYWORD_PASSWORD = re.compile(
    r"(?P<head>(?:^|(?<=[\s,;(]))password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s'\",;)]+)",
    re.I,
)


def mask(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every password and secret value replaced by ``***`` (module docstring).

    ``secrets`` adds values to hide besides those of :data:`MASKED_ENV` in the environment.
    """
    if not text:
        return text
    for value in sorted(_secret_values(secrets), key=len, reverse=True):
        text = text.replace(value, _masked_value(value))
    text = _URL_USERINFO.sub(lambda m: f"{m.group('head')}:{MASK}@", text)
    text = _QUERY_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}", text)
    return _KEYWORD_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}", text)


def mask_url(url: str) -> str:
    """A database or webhook URL as it may be shown: :func:`mask` of it."""
    return mask(url)


def _secret_values(extra: Iterable[str] | None) -> set[str]:
    values = {os.environ.get(name, "") for name in MASKED_ENV}
    values.update(extra or ())
    return {v for v in values if len(v) >= MIN_MASKED_LENGTH}


def _masked_value(value: str) -> str:
    """A URL-valued secret keeps its scheme and host (so a message still says where); others vanish."""
    m = re.match(r"([a-z][a-z0-9+.\-]*://[^/?#@\s]+)", value, re.I)
    if m and "@" not in m.group(1):
        return f"{m.group(1)}/{MASK}"
    return MASK
