"""``report.md``: the KPIs against the targets and the cost breakdown, for planners."""

from __future__ import annotations

import math

import numpy as np

from btsopt.data import ProblemData
from btsopt.network.fibre import FibrePlan
from btsopt.outputs.fibre import fibre_report_lines
from btsopt.outputs.tables import PlanTables, build_tables
from btsopt.result import Result


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
        The plan's tables, when already built (only a scenario with
        ``[demand]`` needs them: its section on load and service).
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
        "| operator | own cost | rent paid | rent received | net NPV |",
        "|---|---|---|---|---|",
    ]
    for op_id, row in ev.operators.items():
        lines.append(
            f"| {op_id} | {_money(row['cost'])} | {_money(row['rent_paid'])} | "
            f"{_money(row['rent_received'])} | {_money(row.get('npv', math.nan))} |"
        )
    lines.append("")
    if data.demand is not None and ev.demand is not None:
        tables = tables if tables is not None else build_tables(data, result)
        lines += _demand_section(data, tables)
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
