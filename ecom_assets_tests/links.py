"""Finding the links in Markdown and HTML and checking that each resolves.

A relative link must name a file that exists (relative to the linking file's folder), and an
anchor (``#part``) must name a heading of that file (GitHub's slugs) or an element id of a page.
Links to the web (``http:``, ``https:``, ``mailto:``) and ``data:`` URIs are not followed: the
tests run offline, and data URIs are their own content.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")
_MD_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_MD_REF = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
_HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_EXTERNAL = ("http:", "https:", "mailto:", "data:", "javascript:")


def markdown_links(text: str) -> list[str]:
    """Targets of inline links, images and reference definitions, outside code."""
    text = _CODE.sub("", _FENCE.sub("", text))
    return _MD_LINK.findall(text) + _MD_REF.findall(text)


def html_links(text: str) -> list[str]:
    """``href`` and ``src`` targets of a page, outside its inline scripts."""
    text = re.sub(r"<script\b.*?</script>", "", text, flags=re.DOTALL | re.IGNORECASE)
    return _HTML_LINK.findall(text)


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in (".html", ".htm"):
        return set(re.findall(r"""\bid\s*=\s*["']([^"']+)["']""", text))
    return {slug(m) for m in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", _FENCE.sub("", text), re.MULTILINE)}


def unresolved(base: Path, links: list[str], source: Path | None = None) -> list[str]:
    """The links of a file in folder ``base`` (``source``: the file, for its own anchors) that do
    not resolve."""
    broken = []
    for link in links:
        if link.lower().startswith(_EXTERNAL):
            continue
        target, _, anchor = unquote(link).partition("#")
        path = (base / target).resolve() if target else source
        missing = path is None or not path.exists()
        if missing or (anchor and path.is_file() and anchor not in _anchors(path)):
            broken.append(link)
    return broken
