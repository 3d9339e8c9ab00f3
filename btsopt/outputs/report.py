"""``report.md``: the KPIs against the targets, the cost breakdown and the work list."""

from __future__ import annotations

import math

import numpy as np

from btsopt.data import ProblemData
from btsopt.network.fibre import FibrePlan
from btsopt.outputs.fibre import fibre_report_lines
from btsopt.outputs.tables import WORK_ACTIONS, PlanTables, build_tables
from btsopt.result import Result

GAP_NOTE = (
    "Status `optimal` means the plan's cost is proven to be within the stopping gap of "
    "the lowest possible cost (`btsopt solve` stops at 0.1% unless `--gap` says "
    "otherwise); it is the exact optimum only at gap 0. The gap is (cost - lower bound) / "
    "cost, shown as a percentage in reports and on the console and stored as a fraction "
    "in `summary.json` (0.0001 there is 0.01% here)."
)
"""What "optimal" and the gap mean, said the same way in report.md and report.html."""


def _money(value: float) -> str:
    return f"{value:,.1f}" if math.isfinite(value) else "-"


def render_report(
    data: ProblemData, result: Result, fibre: FibrePlan | None = None,
    tables: PlanTables | None = None,
) -> str:
    """Markdown report of a solve.

    Parameters
    ----------
    data
        The problem.
    result
        The solve's result.
    fibre
        The fibre plan (``[network]``): adds its section.
    tables
        The plan's tables, when already built (for the work list and, with
        ``[demand]``, the section on load and service).
    """
    t = data.targets
    lines = [
        f"# Sharing plan: {data.name}",
        "",
        data.description or "",
        "",
        f"Status **{result.status}**, system cost (NPV) **{_money(result.objective)} "
        f"{data.currency}**, proven lower bound {_money(result.lower_bound)}, gap "
        + (f"{result.gap:.3%}" if math.isfinite(result.gap) else "-")
        + f"; solved by {result.backend} in {result.wall_time:.1f} s.",
        "",
    ]
    if result.message:
        lines += [f"> {result.message}", ""]
    lines += [GAP_NOTE, ""]
    ev = result.evaluation
    if ev is None:
        return "\n".join(lines)

    coverage_rule = {"any": "at least one operator", "each": "every operator"}.get(
        t.coverage, f"at least {t.coverage} operators"
    )
    ratio_ok = ev.shared_site_ratio >= t.shared_site_ratio - 1e-9
    cover_ok = ev.hamlet_coverage >= t.hamlet_coverage - 1e-9
    lines += [
        "## KPIs against the targets",
        "",
        "| KPI | target | plan | met |",
        "|---|---|---|---|",
        f"| hamlets covered ({coverage_rule}) | {t.hamlet_coverage:.1%} | "
        f"{ev.hamlet_coverage:.2%} ({ev.covered_hamlets} of {data.num_hamlets}) | "
        f"{'yes' if cover_ok else 'no'} |",
        f"| population covered | - | {ev.covered_population:,.0f} of "
        f"{float(np.sum(data.hamlets.population)):,.0f} | |",
        f"| shared-site ratio ({t.sharing}) | {t.shared_site_ratio:.1%} | "
        f"{ev.shared_site_ratio:.2%} ({ev.shared_sites} of {ev.active_sites}) | "
        f"{'yes' if ratio_ok else 'no'} |",
    ]
    if math.isfinite(t.budget):
        lines.append(
            f"| system cost (NPV) | <= {_money(t.budget)} | {_money(ev.system_cost)} | "
            f"{'yes' if ev.system_cost <= t.budget * (1 + 1e-9) else 'no'} |"
        )
    plan = result.plan
    before = data.tenancies
    after = plan.tenancies
    existing = data.sites.existing
    lines += [
        "",
        "## What changes",
        "",
        f"- existing tenancies kept: {int((before & after).sum())}, removed: "
        f"{int((before & ~after).sum())}",
        f"- co-locations on existing sites: {int((after & ~before)[existing].sum())}",
        f"- new sites built: {int(after[~existing].any(axis=1).sum())} "
        f"(with {int(after[~existing].sum())} tenancies)",
        f"- existing sites emptied: {int((before.any(axis=1) & ~after.any(axis=1)).sum())}",
        "",
        f"## Cost breakdown (NPV over {data.economics.horizon_years} years at "
        f"{data.economics.discount_rate:.1%}, {data.currency})",
        "",
        "| item | cost |",
        "|---|---|",
    ]
    for item, value in ev.cost.items():
        lines.append(f"| {item.replace('_', ' ')} | {_money(value)} |")
    lines += [f"| **system cost** | **{_money(ev.system_cost)}** |", ""]
    lines += [
        "## Per operator (rent is a transfer between operators, outside system cost)",
        "",
        "Own cost = capex + opex + decommission of the tenancies and sites a party owns; "
        "the tower companies and other owners that are not operators pay for their sites. "
        "Own costs add up to the system cost; so do net NPVs, since rent paid and received "
        "cancel out.",
        "",
        "| party | own cost | rent paid | rent received | net NPV |",
        "|---|---|---|---|---|",
    ]
    parties = [(op_id, row) for op_id, row in ev.operators.items()]
    parties.append(("third party (tower companies, other owners)", ev.third_party))
    for label, row in parties:
        lines.append(
            f"| {label} | {_money(row['cost'])} | {_money(row['rent_paid'])} | "
            f"{_money(row['rent_received'])} | {_money(row.get('npv', math.nan))} |"
        )
    total = {key: sum(float(row.get(key, 0.0)) for _, row in parties)
             for key in ("cost", "rent_paid", "rent_received", "npv")}
    lines += [
        f"| **total** | **{_money(total['cost'])}** | {_money(total['rent_paid'])} | "
        f"{_money(total['rent_received'])} | **{_money(total['npv'])}** |",
        "",
    ]
    tables = tables if tables is not None else build_tables(data, result)
    if data.demand is not None and ev.demand is not None:
        lines += _demand_section(data, tables)
    lines += worklist_markdown(data, tables)
    if fibre is not None:
        lines += fibre_report_lines(data, fibre)
    if result.levels:
        lines += ["## Solve", "", "| level | status | value | bound |", "|---|---|---|---|"]
        for level in result.levels:
            value = level.get("value")
            bound = level.get("bound")
            lines.append(
                f"| {level['level']} | {level['status']} | "
                f"{_money(value) if value is not None else '-'} | "
                f"{_money(bound) if bound is not None else '-'} |"
            )
        lines.append("")
    return "\n".join(lines)


def worklist_markdown(data: ProblemData, tables: PlanTables) -> list[str]:
    """The work list as Markdown lines: per party, a table of its sites to work on."""
    work = tables.worklist
    lines = ["## Work list", ""]
    if work.empty:
        return lines + ["The plan changes nothing: no site to build, join or leave.", ""]
    lines += [
        "What each party builds (`build`: a new site and its first tenancy), installs "
        "(`colocate`: a tenancy on a site another party owns or builds) or takes down "
        "(`remove`); `site_build` and `site_decommission` are a site owner's own work "
        f"where it is not a tenant. Cost = capex + opex over the horizon + decommission "
        f"(NPV, {data.currency}); rent over the horizon is listed apart (a transfer). "
        "Place: the commune and district of the nearest hamlet. Also in `worklist.csv`.",
        "",
    ]
    names = {op.id: op.name for op in data.operators}
    for party, rows in work.groupby("party", sort=False):
        counts = rows["action"].value_counts()
        summary = ", ".join(f"{int(counts[a])} {a}" for a in WORK_ACTIONS if a in counts)
        title = f"{names[party]} ({party})" if party in names else party
        lines += [
            f"### {title}: {summary}; cost {_money(float(rows['cost'].sum()))}",
            "",
            "| action | site | commune | district | lon | lat | cost | rent |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for rec in rows.to_dict("records"):
            lines.append(
                f"| {rec['action']} | {rec['site_id']} | {rec['commune']} | "
                f"{rec['district']} | {rec['lon']:.5f} | {rec['lat']:.5f} | "
                f"{_money(rec['cost'])} | {_money(rec['rent_npv'])} |"
            )
        lines.append("")
    return lines


def _demand_section(data: ProblemData, tables: PlanTables) -> list[str]:
    """Service, load and carriers of a plan with ``[demand]``."""
    demand, ev = data.demand, tables.evaluation
    summary = ev.demand
    kpis = tables.kpis["value"]
    hamlets = tables.hamlets
    unserved = hamlets["served_subscriptions"] < hamlets["subscriptions"] - 1e-9
    uncovered = ~hamlets["covered"].astype(bool)
    tenancies = tables.tenancies[tables.tenancies["action"] != "remove"]
    load = tenancies["load"]
    user = float(demand.user_mbps)
    lines = [
        "## Demand and capacity",
        "",
        f"Busy hour: {demand.busy_hour_mbps:g} Mb/s per subscription; users must get "
        f"{user:g} Mb/s on average (a tenancy's load is its traffic over what its "
        "carriers carry at that rate; mean user rate = peak x (1 - raw load)).",
        "",
        "| figure | plan |",
        "|---|---|",
        f"| subscriptions served | {summary['served_subscriptions']:,.0f} of "
        f"{summary['subscriptions']:,.0f} ({summary['served_share']:.2%}) |",
        f"| subscriptions not served | "
        f"{summary['subscriptions'] - summary['served_subscriptions']:,.0f} |",
        f"| hamlets with subscribers of some operator not served | {int(unserved.sum())} |",
        f"| hamlets not covered at all | {int(uncovered.sum())} |",
        f"| carriers added | {int(summary['carriers_added'])} |",
        f"| highest tenancy load | {summary['max_load']:.1%} |",
        f"| tenancies above 80% load | {int((load > 0.8).sum())} of {len(tenancies)} |",
        f"| lowest estimated mean user rate | {kpis.get('min_user_mbps', math.nan):.1f} Mb/s "
        f"(target {user:g}) |",
        f"| traffic-weighted mean user rate | {kpis.get('mean_user_mbps', math.nan):.1f} Mb/s |",
        "",
        "| operator | served subscriptions | served share | carriers added | highest load |",
        "|---|---|---|---|---|",
    ]
    for op_id, row in summary["operators"].items():
        lines.append(
            f"| {op_id} | {row['served_subscriptions']:,.0f} | {row['served_share']:.2%} | "
            f"{int(row['carriers_added'])} | {row['max_load']:.1%} |"
        )
    lines.append("")
    carriers = tables.carriers
    if carriers is not None and len(carriers):
        added = carriers.pivot_table(index="district", columns="operator_id",
                                     values="carriers_added", aggfunc="sum", fill_value=0)
        ops = [op for op in data.operator_ids if op in added.columns]
        lines += [
            "### Carriers added per district and operator",
            "",
            "| district | " + " | ".join(ops) + " | total |",
            "|---|" + "---|" * (len(ops) + 1),
        ]
        for district, row in added[ops].iterrows():
            lines.append(f"| {district} | " + " | ".join(str(int(row[op])) for op in ops)
                         + f" | {int(row.sum())} |")
        lines.append("")
    return lines
