"""The dashboards as one self-contained HTML page: CSS, the Vega JavaScript, the specs and their
data inlined, so it opens from ``file://`` with the network off.

The header (title, as-of date, tabs) stays at the top of the window while the page scrolls, so
the tabs are always reachable, also when the page is opened at ``dashboards.html#customers``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from pathlib import Path

from ecom_assets.defs.dashboards.kpis import Kpis
from ecom_assets.defs.dashboards.spec import REVENUE, VEGA_LITE_VERSION, Dashboard
from ecom_assets.lib import formats as fmt
from ecom_assets.lib import vl_render

CSS = """
:root { --ink:#222; --muted:#555; --line:#e3e3e3; --accent:__ACCENT__; --bg:#f6f7f9; }
* { box-sizing: border-box; }
html { scroll-padding-top: 130px; }
body { margin:0; font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color:var(--ink); background:var(--bg); }
header { position:sticky; top:0; z-index:10; background:#fff; border-bottom:1px solid var(--line);
  padding:12px 28px 0; box-shadow:0 1px 4px rgba(0,0,0,.06); }
header h1 { margin:0 0 2px; font-size:21px; }
header .meta { color:var(--muted); font-size:13px; margin-bottom:10px; }
nav { display:flex; gap:4px; }
nav button { border:1px solid var(--line); border-bottom:none; background:#eef0f3; padding:8px 16px;
  font-size:14px; cursor:pointer; border-radius:6px 6px 0 0; color:var(--ink); }
nav button[aria-selected="true"] { background:var(--bg); font-weight:bold; border-color:var(--accent); }
section.dashboard { display:none; padding:18px 28px 28px; }
section.dashboard.active { display:block; }
section.dashboard > p.summary { margin:0 0 14px; color:var(--muted); }
.kpis { display:grid; grid-template-columns:repeat(6, minmax(140px, 1fr)); gap:12px; margin-bottom:18px; }
.kpi { background:#fff; border:1px solid var(--line); border-top:4px solid var(--accent); border-radius:6px; padding:10px 14px; }
.kpi .label { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
.kpi .value { font-size:23px; font-weight:bold; margin-top:4px; white-space:nowrap; }
.kpi .detail { font-size:12px; color:var(--muted); margin-top:2px; white-space:nowrap; }
.grid { display:flex; flex-wrap:wrap; gap:16px; align-items:flex-start; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px 16px; max-width:100%; overflow-x:auto; margin:0; }
.card h2 { font-size:15px; margin:0 0 8px; }
.card p.caption { font-size:12px; color:var(--muted); margin:8px 0 0; max-width:640px; }
.card p.hint { font-size:12px; color:var(--accent); margin:4px 0 0; max-width:640px; }
.filter { margin-bottom:14px; font-size:14px; }
.filter select { font-size:14px; padding:3px 6px; }
.error { color:#b00020; }
footer { color:var(--muted); font-size:12px; padding:0 28px 20px; }
@media print { header { position:static; box-shadow:none; } nav, .filter, .hint { display:none; }
  section.dashboard { display:block; page-break-after:always; } }
""".replace("__ACCENT__", REVENUE)

PAGE_JS = """
(function () {
  const specs = JSON.parse(document.getElementById('chart-specs').textContent);
  const views = {};
  window.dashboardViews = views;
  function show(id) {
    document.querySelectorAll('section.dashboard').forEach(s => s.classList.toggle('active', s.id === id));
    document.querySelectorAll('nav button').forEach(b => b.setAttribute('aria-selected', b.dataset.target === id));
    if (history.replaceState) history.replaceState(null, '', '#' + id);
    window.scrollTo(0, 0);
  }
  window.showDashboard = show;
  document.querySelectorAll('nav button').forEach(b => b.addEventListener('click', () => show(b.dataset.target)));
  const first = (location.hash || '').slice(1);
  show(document.getElementById(first) ? first : document.querySelector('section.dashboard').id);
  const jobs = Object.keys(specs).map(id =>
    vegaEmbed('#' + id, specs[id], {renderer: 'svg', actions: false})
      .then(res => { views[id] = res.view; document.getElementById(id).dataset.rendered = '1'; })
      .catch(err => {
        document.getElementById(id).innerHTML = '<p class="error">chart failed: ' + err + '</p>';
        console.error('chart ' + id + ' failed', err);
      }));
  document.querySelectorAll('select[data-segment-filter]').forEach(sel => sel.addEventListener('change', () => {
    document.querySelectorAll('[data-segment-param]').forEach(el => {
      const view = views[el.id];
      if (view) view.signal(el.dataset.segmentParam, sel.value).runAsync();
    });
  }));
  Promise.all(jobs).then(() => { window.dashboardsReady = true; window.scrollTo(0, 0); });
})();
"""

DEFINITIONS = "METRICS.md"  # written beside the page (answers.write_definitions)


def _script_safe(text: str) -> str:
    """Keep ``</script`` inside inlined code from closing the tag (``<\\/`` means the same in JS)."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def render_html(
    dashboards: list[Dashboard],
    kpis: Kpis,
    segments: Iterable[str],
    note: str | None = None,
    cache_dir: Path | None = None,
) -> str:
    """The whole page: CSS, the JavaScript bundle, the specs with their data, all inline.

    No build timestamp: the same tables give the same bytes (the as-of date says how fresh).
    """
    esc = html.escape
    specs = {c.id: c.spec() for d in dashboards for c in d.charts}
    nav = "".join(
        f'<button type="button" role="tab" data-target="{d.id}">{esc(d.title)}</button>' for d in dashboards
    )
    tiles = "".join(
        f'<div class="kpi" data-kpi="{key}" title="{esc(detail)}"><div class="label">{esc(label)}</div>'
        f'<div class="value">{esc(headline)}</div><div class="detail">{esc(detail)}</div></div>'
        for key, label, headline, detail in kpis.tiles()
    )
    options = "".join(f'<option value="{esc(s)}">{esc(s)}</option>' for s in ["All", *segments])
    sections = []
    for d in dashboards:
        parts = [f'<section class="dashboard" id="{d.id}" role="tabpanel">']
        parts.append(f'<p class="summary">{esc(d.summary)}</p>')
        if d.id == "executive":
            parts.append(f'<div class="kpis">{tiles}</div>')
        if d.has_segment_filter:
            parts.append(
                f'<div class="filter"><label>Segment: <select data-segment-filter="1">{options}</select>'
                "</label> (filters the first three charts)</div>"
            )
        parts.append('<div class="grid">')
        for c in d.charts:
            seg = f' data-segment-param="{c.segment_param}"' if c.segment_param else ""
            hint = f'<p class="hint">{esc(c.hint)}</p>' if c.hint else ""
            parts.append(
                f'<figure class="card"><h2>{esc(c.title)}</h2><div class="chart" id="{c.id}"{seg}></div>'
                f'<p class="caption">{esc(c.caption)}</p>{hint}</figure>'
            )
        parts.append("</div></section>")
        sections.append("".join(parts))
    as_of = fmt.day(kpis.as_of)
    spec_json = json.dumps(specs, separators=(",", ":")).replace("</", "<\\/")
    bundle = vl_render.javascript_bundle(VEGA_LITE_VERSION, cache_dir)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>E-commerce dashboards (as of {esc(as_of)})</title><style>{CSS}</style></head><body>"
        f'<header><h1>E-commerce dashboards</h1><div class="meta">Data as of {esc(as_of)} · '
        "recognized orders only (not cancelled or returned) · money in US dollars, net of discounts, "
        f'before tax and shipping{" · " + esc(note) if note else ""}</div><nav role="tablist">{nav}</nav></header>'
        f"{''.join(sections)}"
        f'<footer>Definitions of every figure: <a href="{DEFINITIONS}">{DEFINITIONS}</a> (beside this file). '
        "Hover a chart for exact values.</footer>"
        f"<script>{_script_safe(bundle)}</script>"
        f'<script type="application/json" id="chart-specs">{spec_json}</script>'
        f"<script>{PAGE_JS}</script></body></html>\n"
    )
