"""``report.md``: the KPIs against the targets and the cost breakdown, for planners."""

from __future__ import annotations

import math

import numpy as np

from btsopt.data import ProblemData
from btsopt.network.fibre import FibrePlan
from btsopt.outputs.fibre import fibre_report_lines
from btsopt.result import Result


def _money(value: float) -> str:
    return f"{value:,.1f}" if math.isfinite(value) else "-"


def render_report(data: ProblemData, result: Result, fibre: FibrePlan | None = None) -> str:
    """Markdown report of a solve (with the fibre plan's section when given)."""
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
