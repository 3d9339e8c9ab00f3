"""``report.html``: a self-contained report with KPIs, tables, a map and the frontier.

The page opens offline: styles and the little script (layer switches, zoom
and pan, hover details, sortable tables) are inline, the map
(:mod:`btsopt.outputs.mapview`) and charts are inline SVG, fonts are the
system's. Every scenario text (Vietnamese hamlet names with diacritics) goes
through :func:`html.escape`; the page declares UTF-8.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from btsopt.data import ProblemData
from btsopt.evaluation import Evaluation, evaluate
from btsopt.outputs.mapview import (
    LEGEND_ORDER,
    MapLayer,
    map_context,
    plan_layers,
    render_map,
)
from btsopt.outputs.report import GAP_NOTE
from btsopt.outputs.tables import PlanTables, build_tables, kpi_frame, resolve
from btsopt.plan import Plan

TOOLTIP_LIMIT = 20_000
"""Above this many hamlets, covered hamlets get no tooltip (keeps the page small)."""

MAP_BACKGROUND = "#e6eef4"
"""Fill behind the map, outside the province (a colour used nowhere else, so a
screenshot can find the map)."""

_CSS = """
:root{--ink:#1d2733;--muted:#5b6775;--line:#d9dee4;--bg:#f6f7f9;--ok:#1a7f37;--bad:#c62828}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",
"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{padding:14px 24px 8px;background:#fff;border-bottom:1px solid var(--line)}
h1{font-size:22px;margin:0 0 2px}h2{font-size:17px;margin:0 0 10px}
.sub{color:var(--muted);margin:2px 0}
main{padding:12px 24px 32px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;
margin:0 0 14px}
.banner{border-left:4px solid var(--bad);background:#fff4f4}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:10px;
background:none;border:0;padding:0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.card .value{font-size:22px;font-weight:600;margin:2px 0}
.card .target{color:var(--muted);font-size:12px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
color:#fff}
.badge.ok{background:var(--ok)}.badge.bad{background:var(--bad)}.badge.na{background:#8a96a3}
.mapgrid{display:grid;grid-template-columns:minmax(0,1fr) 290px;gap:14px}
.mapwrap{position:relative}
#map{width:100%;height:auto;display:block;border:1px solid var(--line);
border-radius:6px;cursor:grab;touch-action:none;--k:1;--m:1}
#map.zoomed .m{transform-box:fill-box;transform-origin:center;transform:scale(var(--m))}
#map .line path,#map .polygon path{vector-effect:non-scaling-stroke}
#map .polygon path{fill-rule:evenodd}
#map text{font-size:calc(var(--fs,11px) / var(--k));stroke:#fff;stroke-linejoin:round;
stroke-width:calc(3px / var(--k));paint-order:stroke}
#map .line text{fill:#7a8794}#map .text text{text-anchor:middle;font-weight:600}
.maptools{position:absolute;top:8px;left:8px;display:flex;flex-direction:column;gap:4px}
.maptools button{width:28px;height:28px;font:16px/1 system-ui,sans-serif;border:1px solid #b8c2cc;
border-radius:4px;background:#fff;cursor:pointer;color:var(--ink)}
.mapscale{position:absolute;left:10px;bottom:10px;background:rgba(255,255,255,.85);
padding:2px 6px 3px;border-radius:3px;font-size:11px}
.mapscale .bar{height:6px;border:2px solid var(--ink);border-top:0;width:100px}
.mapcoord{position:absolute;right:10px;bottom:10px;background:rgba(255,255,255,.85);
padding:2px 6px;border-radius:3px;font-size:11px;font-variant-numeric:tabular-nums}
.maptip{position:absolute;pointer-events:none;background:#1d2733;color:#fff;font-size:12px;
padding:5px 8px;border-radius:4px;white-space:pre-line;max-width:320px;z-index:2;
box-shadow:0 2px 6px rgba(0,0,0,.25)}
.legend{font-size:13px}.legend h3{font-size:13px;margin:10px 0 4px}
.legend label.sw{display:flex;align-items:center;gap:6px;margin:5px 0 2px;cursor:pointer}
.legend label.sw svg,.legend .sub svg{flex:none}
.legend .sub{display:flex;align-items:center;gap:6px;margin:1px 0 1px 24px;font-size:12px}
.legend .n{margin-left:auto;color:var(--muted)}
.note{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;
vertical-align:top}
th{background:#f0f3f6;position:sticky;top:0;cursor:pointer;user-select:none}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:600;border-top:2px solid var(--ink)}
.scroll{max-height:520px;overflow:auto}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px}
.bar{height:10px;background:#4a78b5;border-radius:2px}
.frontier .axis{stroke:#5b6775}.frontier .grid{stroke:#e3e7eb}
.frontier text{font-size:11px;fill:#3b4652}
ul.viol{margin:0;padding-left:20px}
footer{color:var(--muted);font-size:12px;padding:0 24px 24px}
@media (max-width:800px){.mapgrid{grid-template-columns:1fr}}
"""

# Layer switches, zoom (wheel, buttons) and pan (drag) of the map with a live
# scale bar and cursor coordinates, hover details, sortable tables: inline,
# no library. The page reads fine without JavaScript, minus hover details.
_JS = """
(function(){
var svg=document.getElementById('map');
if(svg){
 var vb0=svg.getAttribute('viewBox').split(' ').map(Number),vb=vb0.slice();
 var d=svg.dataset,lon0=+d.lon0,lat1=+d.lat1,cosl=+d.cos,sc=+d.scale;
 var wrap=svg.parentNode,tip=document.getElementById('maptip');
 var coord=document.getElementById('mapcoord'),scale=document.getElementById('mapscale');
 var rect=function(){return svg.getBoundingClientRect();};
 var bar=function(){var r=rect();if(!r.width)return;
  var km=vb[2]/r.width*111.32/sc,want=km*120,mag=Math.pow(10,Math.floor(Math.log10(want)));
  var nice=[5,2,1].map(function(m){return m*mag;}).filter(function(v){return v<=want;})[0]||mag;
  scale.firstChild.style.width=(nice/km).toFixed(0)+'px';
  scale.lastChild.textContent=nice>=1?nice+' km':Math.round(nice*1000)+' m';};
 var set=function(){svg.setAttribute('viewBox',vb.join(' '));var k=vb0[2]/vb[2];
  svg.style.setProperty('--k',k);svg.style.setProperty('--m',Math.pow(k,-0.7));
  svg.classList.toggle('zoomed',k>1.001||k<0.999);bar();};
 var zoom=function(f,cx,cy){vb=[cx-(cx-vb[0])*f,cy-(cy-vb[1])*f,vb[2]*f,vb[3]*f];set();};
 var user=function(e){var r=rect();
  return [vb[0]+(e.clientX-r.left)/r.width*vb[2],vb[1]+(e.clientY-r.top)/r.height*vb[3]];};
 svg.addEventListener('wheel',function(e){e.preventDefault();var u=user(e);
  zoom(e.deltaY<0?0.8:1.25,u[0],u[1]);},{passive:false});
 wrap.querySelectorAll('button[data-zoom]').forEach(function(b){
  b.addEventListener('click',function(){var z=b.getAttribute('data-zoom');
   if(z==='reset'){vb=vb0.slice();set();return;}
   zoom(z==='in'?0.67:1.5,vb[0]+vb[2]/2,vb[1]+vb[3]/2);});});
 var drag=null;
 svg.addEventListener('pointerdown',function(e){drag=[e.clientX,e.clientY,vb[0],vb[1],0];});
 svg.addEventListener('pointermove',function(e){
  var u=user(e),r=rect();
  coord.textContent=(u[1]/-sc+lat1).toFixed(4)+'°N '+(u[0]/sc/cosl+lon0).toFixed(4)+'°E';
  if(drag){var dx=e.clientX-drag[0],dy=e.clientY-drag[1];
   if(drag[4]||Math.abs(dx)+Math.abs(dy)>3){if(!drag[4])svg.setPointerCapture(e.pointerId);
    drag[4]=1;tip.hidden=true;vb[0]=drag[2]-dx/r.width*vb[2];vb[1]=drag[3]-dy/r.height*vb[3];
    set();return;}}
  var t=e.target.closest&&e.target.closest('[data-tip]');
  if(!t){tip.hidden=true;return;}
  var w=wrap.getBoundingClientRect();tip.textContent=t.getAttribute('data-tip');tip.hidden=false;
  var x=e.clientX-w.left+14,y=e.clientY-w.top+14;
  if(x+tip.offsetWidth>w.width)x=e.clientX-w.left-tip.offsetWidth-10;
  if(y+tip.offsetHeight>w.height)y=e.clientY-w.top-tip.offsetHeight-10;
  tip.style.left=x+'px';tip.style.top=y+'px';});
 var end=function(){drag=null;};
 svg.addEventListener('pointerup',end);svg.addEventListener('pointercancel',end);
 svg.addEventListener('pointerleave',function(){tip.hidden=true;coord.textContent='';});
 svg.addEventListener('dblclick',function(){vb=vb0.slice();set();});
 window.addEventListener('resize',bar);set();
}
document.querySelectorAll('input[data-layer]').forEach(function(box){
 box.addEventListener('change',function(){
  var g=document.getElementById(box.getAttribute('data-layer'));
  if(g)g.style.display=box.checked?'':'none';});});
document.querySelectorAll('table.sortable th').forEach(function(th){
 th.addEventListener('click',function(){
  var table=th.closest('table'),body=table.tBodies[0];
  var col=Array.prototype.indexOf.call(th.parentNode.children,th);
  var asc=th.getAttribute('data-dir')!=='asc';th.setAttribute('data-dir',asc?'asc':'desc');
  var rows=Array.prototype.slice.call(body.rows).filter(function(r){
   return !r.classList.contains('total');});
  var key=function(r){var c=r.cells[col],v=c.getAttribute('data-v');
   return v!==null?parseFloat(v):c.textContent.toLowerCase();};
  rows.sort(function(a,b){var x=key(a),y=key(b);return (x<y?-1:x>y?1:0)*(asc?1:-1);});
  rows.forEach(function(r){body.appendChild(r);});});});
})();
"""


def _e(text: Any) -> str:
    """Escaped text for element content and attribute values."""
    return html.escape(str(text), quote=True)


class _Raw(str):
    """A cell that is already HTML (badges, bars): inserted without escaping."""


def _money(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:,.1f}"


def _pct(value: float | None, digits: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.{digits}%}"


def _count(value: float) -> str:
    return f"{value:,.0f}" if math.isfinite(value) else "-"


def _badge(met: bool | None) -> str:
    if met is None or met is pd.NA:
        return '<span class="badge na">no target</span>'
    return '<span class="badge ok">met</span>' if met else '<span class="badge bad">not met</span>'


@dataclass(frozen=True)
class _Col:
    """A table column: header, and whether it is numeric (right-aligned, sorted as numbers)."""

    title: str
    numeric: bool = False
    width: str = ""


def _table(
    columns: Sequence[_Col],
    rows: Iterable[Sequence[Any]],
    *,
    sortable: bool = True,
    total: Sequence[Any] | None = None,
    table_id: str | None = None,
) -> str:
    """An HTML table; numeric cells are ``(text, number)`` pairs for sorting.

    Text cells are escaped unless they are :class:`_Raw`.
    """

    def cell(value: Any, col: _Col) -> str:
        cls = ' class="num"' if col.numeric else ""
        if isinstance(value, tuple):
            text, number = value
            data_v = f' data-v="{number:.10g}"' if math.isfinite(number) else ' data-v="-1e300"'
            return f"<td{cls}{data_v}>{_e(text)}</td>"
        content = value if isinstance(value, _Raw) else _e(value)
        return f"<td{cls}>{content}</td>"

    head = "".join(
        f'<th{" class=num" if c.numeric else ""}'
        f'{f" style=width:{c.width}" if c.width else ""}>{_e(c.title)}</th>'
        for c in columns
    )
    body = [
        "<tr>" + "".join(cell(v, c) for v, c in zip(row, columns, strict=True)) + "</tr>"
        for row in rows
    ]
    foot = ""
    if total is not None:
        foot = '<tr class="total">' + "".join(
            cell(v, c) for v, c in zip(total, columns, strict=True)) + "</tr>"
    attrs = (f' id="{_e(table_id)}"' if table_id else "") + (
        ' class="sortable"' if sortable else "")
    return (f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}{foot}"
            "</tbody></table>")


# ----------------------------------------------------------------- header + KPIs


def _header(data: ProblemData, result: Any, evaluation: Evaluation | None,
            title: str | None, context: str | None = None) -> str:
    heading = title or f"Sharing plan: {data.name}"
    parts = []
    if result is not None:
        parts.append(f"status <b>{_e(result.status)}</b>")
        parts.append(f"system cost (NPV) <b>{_e(_money(result.objective))} "
                     f"{_e(data.currency)}</b>")
        parts.append(f"proven lower bound {_e(_money(result.lower_bound))}")
        parts.append(f"gap {_e(_pct(result.gap, 3))}")
        parts.append(f"solved by {_e(result.backend)} in {result.wall_time:.1f} s")
    elif evaluation is not None:
        parts.append(_e(context or "evaluation of a given plan (no solve)"))
        parts.append(f"system cost (NPV) <b>{_e(_money(evaluation.system_cost))} "
                     f"{_e(data.currency)}</b>")
        parts.append("admissible" if evaluation.admissible else
                     f"<b>{len(evaluation.violations)} rule violation(s)</b>")
    lines = [f"<header><h1>{_e(heading)}</h1>"]
    if data.description:
        lines.append(f'<p class="sub">{_e(data.description)}</p>')
    lines.append(f'<p class="sub">{_e(data.describe())}</p>')
    if parts:
        lines.append(f'<p class="sub">{" · ".join(parts)}</p>')
    if result is not None:
        lines.append(f'<p class="sub note">{_markdown_code(GAP_NOTE)}</p>')
    lines.append("</header>")
    return "".join(lines)


def _markdown_code(text: str) -> str:
    """Escaped text with Markdown `code` spans as <code>."""
    pieces = _e(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))


def _card(label: str, value: str, target: str, met: bool | None) -> str:
    badge = "" if met is None else _badge(met)  # no badge where there is no target
    return (f'<div class="card"><div class="label">{_e(label)}</div>'
            f'<div class="value">{_e(value)}</div>'
            f'<div class="target">{_e(target)} {badge}</div></div>')


def _kpi_cards(data: ProblemData, tables: PlanTables) -> str:
    t = data.targets
    k = tables.kpis
    ev = tables.evaluation
    rule = {"any": "by at least one operator", "each": "by every operator"}.get(
        t.coverage, f"by at least {t.coverage} operators")
    budget = t.budget
    met = k["met"]
    cards = [
        _card("Hamlets covered", _pct(ev.hamlet_coverage),
              f"{ev.covered_hamlets:,} of {ev.num_hamlets:,} {rule}; target "
              f"{_pct(t.hamlet_coverage, 1)}", bool(met["hamlet_coverage"])),
        _card("Population covered",
              _pct(ev.covered_population / ev.total_population if ev.total_population else 1.0),
              f"{ev.covered_population:,.0f} of {ev.total_population:,.0f} people", None),
        _card("Shared-site ratio", _pct(ev.shared_site_ratio),
              f"{ev.shared_sites:,} shared of {ev.active_sites:,} active; target "
              f"{_pct(t.shared_site_ratio, 1)} ({t.sharing})", bool(met["shared_site_ratio"])),
        _card(f"System cost (NPV, {data.currency})", _money(ev.system_cost),
              f"budget {_money(budget)}" if math.isfinite(budget) else "no budget cap",
              bool(met["system_cost"]) if math.isfinite(budget) else None),
        _card("Sites", f"{ev.active_sites:,} active",
              f"{ev.sites_built:,} new, {ev.sites_decommissioned:,} removed; tenancies "
              f"{ev.tenancies_kept:,} kept, {ev.tenancies_added:,} added, "
              f"{ev.tenancies_removed:,} removed", None),
    ]
    return f'<section class="kpis">{"".join(cards)}</section>'


def _kpi_table(data: ProblemData, tables: PlanTables) -> str:
    labels = {
        "hamlet_coverage": "hamlet coverage", "covered_hamlets": "covered hamlets",
        "num_hamlets": "hamlets", "covered_population": "covered population",
        "total_population": "population", "shared_site_ratio": "shared-site ratio",
        "active_sites": "active sites", "shared_sites": "shared sites",
        "sites_built": "new sites built", "sites_decommissioned": "existing sites removed",
        "tenancies_kept": "tenancies kept", "tenancies_added": "tenancies added",
        "tenancies_removed": "tenancies removed", "system_cost": "system cost (NPV)",
        "lower_bound": "proven lower bound", "gap": "optimality gap",
        "wall_time_s": "solve time",
    }

    def show(value: float, unit: str) -> str:
        if unit == "share":
            return _pct(value)
        if unit == data.currency:
            return _money(value)
        if unit == "s":
            return f"{value:.1f} s"
        return _count(value)

    rows = []
    for name, row in tables.kpis.iterrows():
        target = row["target"]
        has_target = not pd.isna(row["met"])
        target_text = "-"
        if name == "system_cost" and math.isinf(target):
            target_text = "no budget cap"
        elif has_target:
            target_text = ("<= " if name == "system_cost" else ">= ") + show(target, row["unit"])
        rows.append([labels.get(name, name), (show(row["value"], row["unit"]), row["value"]),
                     target_text, _Raw(_badge(bool(row["met"])) if has_target else "")])
    cols = [_Col("KPI"), _Col("plan", True), _Col("target"), _Col("")]
    return f"<h2>KPIs against the targets</h2>{_table(cols, rows, sortable=False)}"


# ----------------------------------------------------------------- the map


def _map_section(data: ProblemData, tables: PlanTables,
                 extra_layers: Sequence[MapLayer] = ()) -> str:
    context = map_context(data, tables)
    layers = plan_layers(context) + list(extra_layers)
    if len(tables.hamlets) > TOOLTIP_LIMIT:  # tooltips are most of the bytes
        layers = [replace(layer, features=tuple(replace(f, title="") for f in layer.features))
                  if layer.name == "hamlets" else layer for layer in layers]
    svg, legend = render_map(layers, context.projection, context.marker,
                             legend_order=LEGEND_ORDER)
    notes = ['<p class="note">Hover a marker for details; scroll or use + and − to zoom, '
             "drag to pan, double-click or ⟲ to reset. District areas are traced from the "
             "hamlets' districts (the scenario has no boundary shapes). Equirectangular "
             "projection, WGS84.</p>"]
    if len(tables.hamlets) > TOOLTIP_LIMIT:
        notes.append(f'<p class="note">With more than {TOOLTIP_LIMIT:,} hamlets, covered '
                     "hamlets carry no tooltip (see hamlets.csv).</p>")
    tools = ('<div class="maptools"><button type="button" data-zoom="in" title="zoom in">+'
             '</button><button type="button" data-zoom="out" title="zoom out">−</button>'
             '<button type="button" data-zoom="reset" title="whole map">⟲</button></div>')
    overlay = ('<div id="mapscale" class="mapscale"><div class="bar"></div><span></span></div>'
               '<div id="mapcoord" class="mapcoord"></div><div id="maptip" class="maptip" '
               'hidden></div>')
    return (f'<section><h2>Map</h2><div class="mapgrid"><div class="mapwrap">{svg}{tools}'
            f'{overlay}</div><aside class="legend">{legend}{"".join(notes)}</aside></div>'
            "</section>")


# ----------------------------------------------------------------- costs, operators, areas


def _cost_section(data: ProblemData, tables: PlanTables) -> str:
    econ = data.economics
    frame = tables.cost
    total = float(tables.evaluation.system_cost)
    rows = []
    for item, cost in zip(frame["item"], frame["cost"], strict=True):
        if item == "system_cost":
            continue
        width = 0.0 if total <= 0 else max(cost, 0.0) / total * 100
        rows.append([item.replace("_", " "), (_money(cost), cost),
                     (_pct(cost / total if total else 0.0, 1), cost),
                     _Raw(f'<div class="bar" style="width:{width:.1f}%"></div>')])
    cols = [_Col("item"), _Col("cost", True), _Col("share", True), _Col("", width="40%")]
    table = _table(cols, rows, sortable=False,
                   total=["system cost", (_money(total), total), ("100%", 1.0), ""])
    return (f"<h2>Cost breakdown</h2><p class=\"note\">NPV over {econ.horizon_years} years at "
            f"{econ.discount_rate:.1%}, in {_e(data.currency)}. Rent is a transfer between "
            f"operators and is left out of the system cost.</p>{table}")


def _operators_section(data: ProblemData, tables: PlanTables) -> str:
    money = ["cost", "capex", "opex", "decommission", "rent_paid", "rent_received", "npv"]
    titles = {"cost": "own cost", "npv": "net NPV"}
    cols = [_Col("party"), *(_Col(titles.get(m, m.replace("_", " ")), True) for m in money),
            _Col("tenancies", True), _Col("kept", True), _Col("added", True),
            _Col("removed", True)]
    rows = []
    for rec in tables.operators.to_dict("records"):
        label = rec["party"] if rec["party"] == rec["name"] else f"{rec['name']} ({rec['party']})"
        rows.append([label, *((_money(rec[m]), rec[m]) for m in money),
                     *((_count(rec[c]), rec[c]) for c in ("tenancies", "kept", "added",
                                                           "removed"))])
    frame = tables.operators
    total = ["total", *((_money(float(frame[m].sum())), float(frame[m].sum())) for m in money),
             *((_count(float(frame[c].sum())), float(frame[c].sum()))
               for c in ("tenancies", "kept", "added", "removed"))]
    return (f"<h2>Per operator (NPV, {_e(data.currency)})</h2><p class=\"note\">Own cost = "
            "capex + opex + decommission of the tenancies and sites it owns; net NPV adds rent "
            "paid and subtracts rent received. Own costs, and net NPVs, add up to the system "
            "cost.</p>" + _table(cols, rows, total=total))


def _worklist_section(data: ProblemData, tables: PlanTables) -> str:
    work = tables.worklist
    if work.empty:
        return ("<section><h2>Work list</h2><p>The plan changes nothing: no site to build, "
                "join or leave.</p></section>")
    names = {op.id: op.name for op in data.operators}
    actions = ("build", "colocate", "remove", "site_build", "site_decommission")
    shown = [a for a in actions if (work["action"] == a).any()]
    summary_rows = []
    for party, rows in work.groupby("party", sort=False):
        counts = rows["action"].value_counts()
        summary_rows.append([
            f"{names[party]} ({party})" if party in names else party,
            *((_count(int(counts.get(a, 0))), int(counts.get(a, 0))) for a in shown),
            (_money(float(rows["cost"].sum())), float(rows["cost"].sum())),
            (_money(float(rows["rent_npv"].sum())), float(rows["rent_npv"].sum())),
        ])
    summary_cols = [_Col("party"), *(_Col(a.replace("_", " "), True) for a in shown),
                    _Col("cost", True), _Col("rent", True)]
    total = ["total", *((_count(int((work["action"] == a).sum())),
                         float((work["action"] == a).sum())) for a in shown),
             (_money(float(work["cost"].sum())), float(work["cost"].sum())),
             (_money(float(work["rent_npv"].sum())), float(work["rent_npv"].sum()))]
    cols = [_Col("party"), _Col("action"), _Col("site"), _Col("commune"), _Col("district"),
            _Col("lon", True), _Col("lat", True), _Col("capex", True), _Col("opex (NPV)", True),
            _Col("decommission", True), _Col("cost", True), _Col("rent (NPV)", True)]
    rows = [[rec["party"], rec["action"], rec["site_id"], rec["commune"], rec["district"],
             (f"{rec['lon']:.5f}", rec["lon"]), (f"{rec['lat']:.5f}", rec["lat"]),
             *((_money(rec[c]), rec[c]) for c in ("capex", "opex_npv", "decommission", "cost",
                                                 "rent_npv"))]
            for rec in work.to_dict("records")]
    return (f"<section><h2>Work list ({len(work):,} items)</h2><p class=\"note\">What each "
            "party builds (<b>build</b>: a new site and its first tenancy), installs "
            "(<b>colocate</b>: a tenancy on a site another party owns or builds) or takes down "
            "(<b>remove</b>); <b>site build</b> and <b>site decommission</b> are a site "
            "owner's own work where it is not a tenant. Cost = capex + opex over the horizon "
            f"+ decommission (NPV, {_e(data.currency)}); rent over the horizon is a transfer, "
            "listed apart. Place: commune and district of the nearest hamlet. The same rows "
            "are in worklist.csv.</p>"
            + _table(summary_cols, summary_rows, sortable=False, total=total)
            + f'<div class="scroll">{_table(cols, rows, table_id="worklist-table")}</div>'
            "</section>")


def _area_section(frame: pd.DataFrame, level: str) -> str:
    keys = ["district"] if level == "district" else ["district", "commune"]
    cols = [*(_Col(k) for k in keys), _Col("hamlets", True), _Col("population", True),
            _Col("covered", True), _Col("covered population", True), _Col("coverage", True),
            _Col("active sites", True), _Col("shared sites", True), _Col("new sites", True)]
    rows = []
    for rec in frame.to_dict("records"):
        rows.append([
            *(rec[k] or "(none)" for k in keys),
            (_count(rec["hamlets"]), rec["hamlets"]),
            (_count(rec["population"]), rec["population"]),
            (_count(rec["covered_hamlets"]), rec["covered_hamlets"]),
            (_count(rec["covered_population"]), rec["covered_population"]),
            (_pct(rec["hamlet_coverage"], 1), rec["hamlet_coverage"]),
            (_count(rec["active_sites"]), rec["active_sites"]),
            (_count(rec["shared_sites"]), rec["shared_sites"]),
            (_count(rec["new_sites"]), rec["new_sites"]),
        ])
    sums = frame[["hamlets", "population", "covered_hamlets", "covered_population",
                  "active_sites", "shared_sites", "new_sites"]].sum()
    share = sums["covered_hamlets"] / sums["hamlets"] if sums["hamlets"] else math.nan
    total = ["total", *([""] * (len(keys) - 1)),
             *((_count(sums[c]), float(sums[c])) for c in ("hamlets", "population",
                                                           "covered_hamlets",
                                                           "covered_population")),
             (_pct(share, 1), share),
             *((_count(sums[c]), float(sums[c])) for c in ("active_sites", "shared_sites",
                                                           "new_sites"))]
    title = "Per district" if level == "district" else "Per commune"
    table = _table(cols, rows, total=total, table_id=f"{level}-table")
    note = ('<p class="note">Sites count in the area of their nearest hamlet (the scenario '
            "gives sites no administrative labels). Click a header to sort.</p>")
    return f'<h2>{title}</h2>{note if level == "district" else ""}<div class="scroll">{table}</div>'


def _uncovered_section(tables: PlanTables, limit: int = 500) -> str:
    frame = tables.hamlets[~tables.hamlets["covered"]]
    if frame.empty:
        return ""
    frame = frame.sort_values("population", ascending=False)
    cols = [_Col("hamlet"), _Col("name"), _Col("commune"), _Col("district"),
            _Col("population", True), _Col("operators", True), _Col("required", True)]
    rows = [[rec["hamlet_id"], rec["name"], rec["commune"], rec["district"],
             (_count(rec["population"]), rec["population"]),
             (str(rec["operator_count"]), rec["operator_count"]),
             (str(rec["required_operators"]), rec["required_operators"])]
            for rec in frame.head(limit).to_dict("records")]
    more = (f'<p class="note">{len(frame) - limit:,} more not shown (see hamlets.csv).</p>'
            if len(frame) > limit else "")
    return (f"<section><h2>Hamlets short of coverage ({len(frame):,})</h2>"
            f'<div class="scroll">{_table(cols, rows)}</div>{more}</section>')


def _violations_section(evaluation: Evaluation) -> str:
    if not evaluation.violations:
        return ""
    items = "".join(f"<li>{_e(v)}</li>" for v in evaluation.violations)
    return (f'<section class="banner"><h2>Rule violations ({len(evaluation.violations)})'
            f'</h2><ul class="viol">{items}</ul></section>')


# ----------------------------------------------------------------- the frontier


@dataclass(frozen=True)
class ChartPoint:
    """One point of the sharing/cost trade-off: the cheapest plan at a shared-site ratio.

    Attributes
    ----------
    ratio
        Shared-site ratio (the target the point was solved for, or achieved).
    cost
        System cost (NPV); ``nan`` when no plan was found.
    status
        Solve status of the point (``optimal``, ``feasible``, ``infeasible``...).
    lower_bound
        Proven lower bound, if known (``nan`` otherwise).
    target
        The ratio target solved for, when known and given apart from ``ratio``.
    """

    ratio: float
    cost: float
    status: str = ""
    lower_bound: float = math.nan
    target: float = math.nan


# Achieved ratio first (where the plan really is), else the target solved for:
# btsopt.proposals.frontier points and frontier.csv rows have both.
_RATIO_KEYS = ("ratio", "achieved_ratio", "shared_site_ratio", "target_ratio", "ratio_target",
               "target")
_COST_KEYS = ("cost", "objective", "system_cost")


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _field(point: Any, names: Sequence[str]) -> Any:
    for name in names:
        if isinstance(point, Mapping):
            value = point.get(name)
        else:
            value = getattr(point, name, None)
        if not _missing(value):
            return value
    return None


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def frontier_points(frontier: Any) -> list[ChartPoint]:
    """Normalise a frontier into :class:`ChartPoint` objects sorted by ratio.

    Parameters
    ----------
    frontier
        A :class:`btsopt.proposals.frontier.Frontier` (its ``points``), a
        mapping ``{ratio: cost}``, a sequence of ``(ratio, cost)`` or
        ``(ratio, cost, status)`` tuples, a sequence of mappings or objects
        (or a DataFrame, e.g. ``frontier.csv`` read by pandas) with a ratio
        (the first present of ``ratio``, ``achieved_ratio``,
        ``shared_site_ratio``, ``target_ratio``, ``ratio_target``,
        ``target``), a cost (``cost``, ``objective`` or ``system_cost``;
        missing when no plan was found) and optionally ``status`` and
        ``lower_bound``.
    """
    if hasattr(frontier, "points") and not isinstance(frontier, Mapping):
        frontier = frontier.points  # a btsopt.proposals.frontier.Frontier
    if isinstance(frontier, pd.DataFrame):
        frontier = frontier.to_dict("records")
    elif isinstance(frontier, Mapping):  # {ratio: cost}
        frontier = list(frontier.items())
    points = []
    for item in frontier:
        if isinstance(item, ChartPoint):
            points.append(item)
        elif isinstance(item, (tuple, list)):
            status = str(item[2]) if len(item) > 2 else ""
            points.append(ChartPoint(_number(item[0]), _number(item[1]), status))
        else:
            points.append(ChartPoint(
                ratio=_number(_field(item, _RATIO_KEYS)),
                cost=_number(_field(item, _COST_KEYS)),
                status=str(_field(item, ("status",)) or ""),
                lower_bound=_number(_field(item, ("lower_bound", "bound"))),
                target=_number(_field(item, ("target", "ratio_target", "target_ratio"))),
            ))
    points = [p for p in points if math.isfinite(p.ratio)]
    return sorted(points, key=lambda p: p.ratio)


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if not high > low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def frontier_svg(
    points: Sequence[ChartPoint],
    *,
    target_ratio: float | None = None,
    current: tuple[float, float] | None = None,
    currency: str = "",
) -> str:
    """An inline SVG line chart of cost against shared-site ratio.

    Parameters
    ----------
    points
        The frontier (see :func:`frontier_points`); points without a finite
        cost are drawn as crosses on the top edge ("no plan").
    target_ratio
        Drawn as a dashed vertical line.
    current
        ``(ratio, cost)`` of the reported plan, drawn as a red diamond.
    currency
        Label of the cost axis.
    """
    width, height = 640.0, 320.0
    left, right, top, bottom = 78.0, 16.0, 16.0, 42.0
    finite = [p for p in points if math.isfinite(p.cost)]
    xs = [p.ratio for p in points] + ([target_ratio] if target_ratio is not None else [])
    ys = [p.cost for p in finite]
    if current is not None and all(math.isfinite(v) for v in current):
        xs.append(current[0])
        ys.append(current[1])
    if not xs:
        return ""
    x0, x1 = min(xs), max(xs)
    pad = max((x1 - x0) * 0.05, 0.01)
    x0 = max(0.0, x0 - pad)
    x1 = min(1.0, x1 + pad) if x1 <= 1 else x1 + pad
    y0, y1 = (min(ys), max(ys)) if ys else (0.0, 1.0)
    ypad = max((y1 - y0) * 0.08, abs(y1) * 0.01, 1e-9)
    y0, y1 = y0 - ypad, y1 + ypad
    if x1 <= x0:
        x1 = x0 + 0.01

    def px(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * (width - left - right)

    def py(v: float) -> float:
        return top + (y1 - v) / (y1 - y0) * (height - top - bottom)

    parts = [f'<svg class="frontier" xmlns="http://www.w3.org/2000/svg" width="100%" '
             f'style="max-width:{width * 1.25:.0f}px;height:auto" '
             f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
             'aria-label="Cost against shared-site ratio">']
    for tick in _nice_ticks(x0, x1):
        parts.append(f'<line class="grid" x1="{px(tick):.1f}" x2="{px(tick):.1f}" y1="{top}" '
                     f'y2="{height - bottom}"/><text x="{px(tick):.1f}" y="{height - bottom + 16}"'
                     f' text-anchor="middle">{tick:.0%}</text>')
    for tick in _nice_ticks(y0, y1):
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{py(tick):.1f}" '
                     f'y2="{py(tick):.1f}"/><text x="{left - 6}" y="{py(tick) + 4:.1f}" '
                     f'text-anchor="end">{_e(f"{tick:,.0f}")}</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom}"/>'
                 f'<line class="axis" x1="{left}" x2="{width - right}" y1="{height - bottom}" '
                 f'y2="{height - bottom}"/>')
    parts.append(f'<text x="{(left + width - right) / 2:.0f}" y="{height - 6}" '
                 'text-anchor="middle">shared-site ratio</text>')
    parts.append(f'<text transform="translate(14 {(top + height - bottom) / 2:.0f}) rotate(-90)" '
                 f'text-anchor="middle">system cost (NPV{", " + _e(currency) if currency else ""})'
                 "</text>")
    if target_ratio is not None and x0 <= target_ratio <= x1:
        parts.append(f'<line x1="{px(target_ratio):.1f}" x2="{px(target_ratio):.1f}" '
                     f'y1="{top}" y2="{height - bottom}" stroke="#c62828" '
                     'stroke-dasharray="5 4"/>'
                     f'<text x="{px(target_ratio) + 4:.1f}" y="{top + 12}" fill="#c62828">'
                     f"target {target_ratio:.0%}</text>")
    if len(finite) > 1:
        line = " ".join(f"{px(p.ratio):.1f},{py(p.cost):.1f}" for p in finite)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#1f4e99" '
                     'stroke-width="2"/>')
    for p in points:
        label = f"ratio {p.ratio:.1%}: " + (f"cost {_money(p.cost)}" if math.isfinite(p.cost)
                                            else "no plan") + (f" ({p.status})" if p.status
                                                               else "")
        if math.isfinite(p.cost):
            parts.append(f'<circle cx="{px(p.ratio):.1f}" cy="{py(p.cost):.1f}" r="4" '
                         f'fill="#1f4e99"><title>{_e(label)}</title></circle>')
        else:
            x = px(p.ratio)
            parts.append(f'<path d="M{x - 4:.1f} {top:.1f}l8 8m0 -8l-8 8" stroke="#c62828" '
                         f'stroke-width="2"><title>{_e(label)}</title></path>')
    if current is not None and all(math.isfinite(v) for v in current):
        x, y = px(current[0]), py(current[1])
        label = f"this plan: ratio {current[0]:.1%}, cost {_money(current[1])}"
        parts.append(f'<path d="M{x:.1f} {y - 7:.1f}l7 7l-7 7l-7 -7Z" fill="#d62728" '
                     f'stroke="#fff"><title>{_e(label)}</title></path>')
    parts.append("</svg>")
    return "".join(parts)


def _frontier_section(data: ProblemData, frontier: Any, evaluation: Evaluation | None) -> str:
    points = frontier_points(frontier)
    if not points:
        return ""
    current = None
    if evaluation is not None:
        current = (float(evaluation.shared_site_ratio), float(evaluation.system_cost))
    chart = frontier_svg(points, target_ratio=data.targets.shared_site_ratio, current=current,
                         currency=data.currency)
    cols = [_Col("shared-site ratio", True), _Col("system cost", True), _Col("status"),
            _Col("lower bound", True)]
    rows = [[(_pct(p.ratio, 1), p.ratio), (_money(p.cost), p.cost), p.status or "-",
             (_money(p.lower_bound), p.lower_bound)] for p in points]
    if any(math.isfinite(p.target) for p in points):
        cols.insert(0, _Col("target", True))
        for row, p in zip(rows, points, strict=True):
            row.insert(0, (_pct(p.target, 1), p.target))
    return (f"<section><h2>Sharing/cost frontier</h2><p class=\"note\">The cheapest plan "
            "meeting the coverage target at each shared-site ratio; the red diamond is the "
            f"plan of this report.</p>{chart}<div "
            f'class="scroll">{_table(cols, rows)}</div></section>')


# ----------------------------------------------------------------- the page


def render_html(
    data: ProblemData,
    result_or_evaluation: Any,
    plan: Plan | None = None,
    *,
    frontier: Any = None,
    title: str | None = None,
    tables: PlanTables | None = None,
    layers: Sequence[MapLayer] = (),
    context: str | None = None,
    sections: Sequence[str] = (),
) -> str:
    """The self-contained HTML report of a plan.

    Parameters
    ----------
    data
        The problem.
    result_or_evaluation
        A :class:`~btsopt.result.Result` (from ``solve``) or an
        :class:`~btsopt.evaluation.Evaluation` (from ``evaluate``; pass
        ``plan`` too). A result without a plan (infeasible, or none in time)
        gives a report of today's network, flagged as such.
    plan
        The evaluated plan, required with an ``Evaluation``.
    frontier
        Optional sharing/cost frontier, drawn as a chart (see
        :func:`frontier_points` for the accepted shapes).
    title
        Page heading; default "Sharing plan: <scenario name>".
    tables
        Precomputed :func:`~btsopt.outputs.tables.build_tables` of the same
        plan, to save recomputing them.
    layers
        Map layers drawn besides the plan's own
        (:func:`btsopt.outputs.mapview.plan_layers`).
    sections
        Further HTML sections (already escaped) shown after the area tables,
        e.g. FTTH by district (:func:`btsopt.outputs.fibre.ftth_html_section`).
    context
        What the page shows, in the header, for an ``Evaluation`` (default
        "evaluation of a given plan (no solve)"; e.g. a frontier point).

    Returns
    -------
    str
        The whole page (UTF-8 text, no external resources).

    Raises
    ------
    ValueError
        If an ``Evaluation`` is given without its plan.
    """
    result, evaluation, plan = resolve(data, result_or_evaluation, plan)
    banner = ""
    if plan is None or evaluation is None:
        # No plan to show: describe today's network, which is what a planner
        # needs to see to understand why no plan meets the targets.
        status = getattr(result, "status", "unknown")
        message = getattr(result, "message", "")
        banner = (f'<section class="banner"><h2>No plan (status {_e(status)})</h2>'
                  f"<p>{_e(message) if message else 'The solve returned no plan.'}</p>"
                  "<p>The KPIs, tables and map below describe <b>today's network</b> "
                  "(the existing tenancies), not a plan.</p></section>")
        plan = Plan.existing(data)
        evaluation = evaluate(data, plan)
        tables = None
    if tables is None:
        tables = build_tables(data, evaluation, plan)
    if result is not None:  # KPI rows with the solve's bound and time
        tables = _with_result_kpis(data, tables, result)

    body = [
        _header(data, result, evaluation, title, context),
        "<main>",
        banner,
        _kpi_cards(data, tables),
        _frontier_section(data, frontier, evaluation) if frontier is not None else "",
        _map_section(data, tables, layers),
        _violations_section(evaluation) if not banner else "",
        f'<div class="cols"><section>{_kpi_table(data, tables)}</section>'
        f"<section>{_cost_section(data, tables)}</section></div>",
        f"<section>{_operators_section(data, tables)}</section>",
        _worklist_section(data, tables),
        f"<section>{_area_section(tables.districts, 'district')}</section>",
        f"<section>{_area_section(tables.communes, 'commune')}</section>",
        *sections,
        _uncovered_section(tables),
        "</main>",
        _footer(data),
    ]
    heading = title or f"Sharing plan: {data.name}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(heading)}</title><style>{_CSS}#map{{background:{MAP_BACKGROUND}}}"
        "</style></head><body>"
        + "".join(body)
        + f"<script>{_JS}</script></body></html>\n"
    )


def _with_result_kpis(data: ProblemData, tables: PlanTables, result: Any) -> PlanTables:
    if "lower_bound" in tables.kpis.index:
        return tables

    return replace(tables, kpis=kpi_frame(data, tables.evaluation, result))


def _footer(data: ProblemData) -> str:
    import btsopt

    source = f" from {Path(data.source).name}" if data.source else ""
    return (f"<footer>btsopt {_e(btsopt.__version__)} · scenario {_e(data.name)}{_e(source)} · "
            "self-contained page: no network access needed.</footer>")
