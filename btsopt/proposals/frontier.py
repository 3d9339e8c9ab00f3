"""The cost of sharing: cheapest plan per shared-site ratio, up to the highest reachable.

Highest reachable ratio
-----------------------
Maximising ``shared / active`` is a fractional objective, so it is found in
two steps (:func:`highest_reachable_ratio`):

1. *Closed form.* Call a site *shareable* when it is usable (not locked
   out) and can host two of its usable operators, and *forced* when it must
   be active (locked in, or existing with tenants that policy keeps). Let
   ``S*`` be the number of shareable sites and ``M`` the forced ones that are
   not shareable. Every plan has ``shared <= S*`` and ``active >= shared +
   M``, so ``ratio <= S* / (S* + M)`` (increasing in ``shared``). The
   *saturated* plan -- every shareable site filled to capacity, forced
   unshareable sites kept, nothing else -- reaches that bound exactly; if
   the evaluator finds it admissible (coverage met, no budget breached), the
   maximum is proven in one evaluation and no solve.
2. *Bisection* otherwise (a finite budget, or hamlets only unshareable
   sites can serve): solve with a *soft* sharing target ``rho``, whose first
   level minimises the shortfall ``w >= rho * active - shared``. A plan with
   ``w = 0`` proves ``rho`` reachable, and its own ratio raises the lower
   end; a proven bound ``w >= w_lb > 0`` shows that no plan reaches ``rho``,
   and even ``ratio <= rho - w_lb / active_max``. Between the two the target
   is halved until the interval is narrower than ``tolerance`` or the solve
   budget is spent; a target neither proven nor refuted in time closes the
   interval without proof (``proven = False``).

Frontier
--------
Points run from today's ratio up to the highest reachable one (or a given
list), each solved with the target as a hard constraint and warm-started
from the previous point's plan, greedily repaired to the new ratio
(:func:`~btsopt.proposals.pricing.share_more`). Since a plan meeting a
higher target also meets every lower one, the frontier is made consistent
afterwards: a higher point's cheaper plan replaces a lower point's, and a
lower point's bound lifts a higher point's.

With ``[demand]`` (carrier capacity) the warm starts are repaired for it
(:func:`~btsopt.solvers.repair.repair_plan`: carriers added where the traffic
of the added tenants does not fit), and a point keeps its warm start when
that is admissible and the solve finds nothing cheaper in time. The ``core``
backend is not handed the warm start: its own capacity-aware start (carriers
before sites) does better than the exact model from a plan; other backends
start the first point from today's network, repaired (it may still not carry
the demand: carriers alone cannot add sites). Each point reports the
carriers its plan adds.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from btsopt.data import ProblemData
from btsopt.evaluation import evaluate
from btsopt.model import sharing_fraction
from btsopt.plan import Plan
from btsopt.precheck import sharing_structure
from btsopt.proposals.pricing import MarginalPrice, marginal_price, share_more
from btsopt.radio import Coverage, compute_coverage
from btsopt.result import Result
from btsopt.solve import SolveParams, solve
from btsopt.solvers.base import FEASIBLE, OPTIMAL, relative_gap
from btsopt.solvers.repair import repair_plan

PLAN_137_TARGET = 0.30
"""Nam Định's Plan 137: 30% of BTS sites shared."""

_EPS = 1e-6


@dataclass(frozen=True, eq=False)
class ReachableRatio:
    """The highest shared-site ratio any admissible plan reaches.

    Attributes
    ----------
    ratio
        Reached by ``plan`` (proven reachable).
    upper_bound
        No plan exceeds it (proven); equals ``ratio`` when ``proven``.
    plan
        A plan reaching ``ratio`` (admissible apart from the sharing target).
    method
        ``"closed form"`` or ``"bisection"``.
    proven
        ``ratio`` is the maximum (to within ``tolerance`` for bisection).
    solves
        Solves spent (0 for the closed form).
    wall_time
        Seconds spent.
    """

    ratio: float
    upper_bound: float
    plan: Plan | None
    method: str
    proven: bool
    solves: int = 0
    wall_time: float = 0.0


def _with_ratio(data: ProblemData, ratio: float, sharing: str = "hard") -> ProblemData:
    return replace(data, targets=replace(data.targets, shared_site_ratio=float(ratio),
                                         sharing=sharing), warnings=())


def saturated_plan(data: ProblemData) -> Plan:
    """Every shareable site filled to capacity, forced unshareable sites kept.

    With ``[demand]`` every tenancy holds ``max_carriers``: the ratio is what
    is asked, and the most capacity is the plan's best chance to carry the
    traffic of the hamlets its added tenants reach.
    """
    usable, shareable, forced = sharing_structure(data)
    before = np.asarray(data.tenancies, dtype=bool)
    x = np.zeros_like(before)
    cap = np.asarray(data.sites.max_tenants)
    for j in np.flatnonzero(shareable | forced):
        x[j] = before[j] & usable[j]
        room = int(cap[j]) - int(x[j].sum())
        if not shareable[j] and x[j].any():
            continue
        for k in np.flatnonzero(usable[j] & ~x[j]):
            if room <= 0:
                break
            x[j, k] = True
            room -= 1
    if data.demand is None:
        return Plan(x)
    return Plan(x, np.where(x, np.asarray(data.demand.max_carriers)[None, :], 0))


def highest_reachable_ratio(
    data: ProblemData,
    params: SolveParams | None = None,
    *,
    coverage: Coverage | None = None,
    tolerance: float = 0.005,
    max_solves: int = 10,
) -> ReachableRatio:
    """The highest shared-site ratio an admissible plan reaches (module docstring).

    Parameters
    ----------
    data
        The scenario (its own sharing target is ignored).
    params
        Solver settings for the bisection; ``time_limit`` per solve.
    coverage
        Precomputed coverage.
    tolerance
        Width of the ratio interval at which bisection stops.
    max_solves
        Most solves the bisection may spend.
    """
    start = time.perf_counter()
    _usable, shareable, forced = sharing_structure(data)
    s_all = int(shareable.sum())
    m = int((forced & ~shareable).sum())
    upper = s_all / (s_all + m) if s_all + m else 0.0
    free = _with_ratio(data, 0.0)
    plan = saturated_plan(data)
    if not evaluate(free, plan).violations:
        return ReachableRatio(upper, upper, plan, "closed form", True, 0,
                              time.perf_counter() - start)

    params = params or SolveParams(time_limit=30.0)
    coverage = coverage if coverage is not None else compute_coverage(data)
    active_max = max(1, int(_usable.any(axis=1).sum()))
    lo, lo_plan, hi, proven, solves = -1.0, None, upper, True, 0
    rho = upper
    while solves < max_solves:
        soft = _with_ratio(data, rho, sharing="soft")
        result = solve(soft, params, coverage=coverage, hint=lo_plan)
        solves += 1
        level = next((lv for lv in result.levels if lv["level"] == "sharing"), None)
        if result.is_feasible():
            ratio = float(result.evaluation.shared_site_ratio)
            if ratio > lo:
                lo, lo_plan = ratio, result.plan
        elif result.status == "infeasible":
            # No plan at all (coverage, policy, budget): nothing is reachable.
            return ReachableRatio(0.0, 0.0, None, "bisection", False, solves,
                                  time.perf_counter() - start)
        reached = level is not None and level["value"] is not None and level["value"] <= _EPS
        bound = None if level is None else level["bound"]
        if reached:
            pass  # lo already >= rho
        elif bound is not None and bound > _EPS:
            q = sharing_fraction(rho).denominator
            hi = min(hi, rho - bound / (q * active_max))
        else:
            hi, proven = min(hi, rho), False  # neither reached nor refuted in time
        if hi - max(lo, 0.0) <= tolerance or lo >= hi - 1e-12:
            break
        rho = (max(lo, 0.0) + hi) / 2
    if lo < 0:
        return ReachableRatio(0.0, hi, None, "bisection", False, solves,
                              time.perf_counter() - start)
    return ReachableRatio(lo, max(hi, lo), lo_plan, "bisection", proven, solves,
                          time.perf_counter() - start)


@dataclass(frozen=True, eq=False)
class FrontierPoint:
    """The cheapest plan found for one shared-site ratio target."""

    target: float
    status: str
    ratio: float | None
    cost: float | None
    lower_bound: float | None
    wall_time: float
    active_sites: int | None = None
    shared_sites: int | None = None
    plan: Plan | None = field(default=None, repr=False)
    note: str = ""
    marginal: MarginalPrice | None = None
    carriers_added: int | None = None

    @property
    def gap(self) -> float | None:
        """Proven relative gap of the point."""
        if self.cost is None or self.lower_bound is None:
            return None
        return relative_gap(self.cost, self.lower_bound)

    def to_dict(self) -> dict[str, Any]:
        """CSV/JSON row (``carriers_added`` only with ``[demand]``)."""
        carriers = {} if self.carriers_added is None else {"carriers_added": self.carriers_added}
        return {
            "ratio_target": round(self.target, 6),
            "status": self.status,
            "achieved_ratio": None if self.ratio is None else round(self.ratio, 6),
            "active_sites": self.active_sites,
            "shared_sites": self.shared_sites,
            **carriers,
            "cost": self.cost,
            "lower_bound": self.lower_bound,
            "gap": self.gap,
            "wall_time_s": round(self.wall_time, 3),
            "marginal_price": None if self.marginal is None else self.marginal.price,
            "next_shared": "" if self.marginal is None else ";".join(self.marginal.newly_shared),
            "note": self.note,
        }


@dataclass(frozen=True, eq=False)
class Frontier:
    """Cost against shared-site ratio.

    Attributes
    ----------
    points
        In increasing target order.
    today
        Today's network's shared-site ratio.
    reachable
        The highest reachable ratio, when computed.
    target
        The scenario's own target (Plan 137: 30%).
    wall_time
        Seconds for the whole frontier.
    """

    points: tuple[FrontierPoint, ...]
    today: float
    reachable: ReachableRatio | None
    target: float
    name: str = ""
    currency: str = ""
    wall_time: float = 0.0

    def format_table(self) -> str:
        """One line per point: target, achieved ratio, cost, bound, gap, time."""
        carriers = self.capacitated
        head = (f"{'target':>8} {'achieved':>9} {'shared/active':>14} "
                + (f"{'carriers+':>9} " if carriers else "")
                + f"{'cost':>16} {'bound':>16} {'gap':>8} {'time_s':>7}  status")
        lines = [head]
        for p in self.points:
            added = f"{_fmt(p.carriers_added, 'd'):>9} " if carriers else ""
            lines.append(
                f"{p.target:>8.2%} {_fmt(p.ratio, '.2%'):>9} "
                f"{_pair(p.shared_sites, p.active_sites):>14} {added}{_fmt(p.cost, ',.1f'):>16} "
                f"{_fmt(p.lower_bound, ',.1f'):>16} {_fmt(p.gap, '.3%'):>8} "
                f"{p.wall_time:>7.1f}  {p.status}" + (f" ({p.note})" if p.note else "")
            )
            if p.marginal is not None:
                lines.append(f"{'':>8} marginal price of one more shared site: "
                             f"{_fmt(p.marginal.price, ',.1f')}"
                             + (f", next shared: {', '.join(p.marginal.newly_shared[:8])}"
                                if p.marginal.newly_shared else ""))
        return "\n".join(lines)

    def write_csv(self, path: str | Path) -> None:
        """``frontier.csv``: one row per point."""
        rows = [p.to_dict() for p in self.points]
        columns = list(FrontierPoint(0, "", None, None, None, 0,
                                     carriers_added=0 if self.capacitated else None).to_dict())
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if v is None else v for k, v in row.items()})

    @property
    def capacitated(self) -> bool:
        """Whether the points count carriers (a scenario with ``[demand]``)."""
        return any(p.carriers_added is not None for p in self.points)

    def plot(self, path: str | Path) -> None:
        """PNG chart of cost against achieved ratio, the Plan 137 target marked."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
        ok = [p for p in self.points if p.cost is not None]
        if ok:
            xs = [100 * (p.ratio if p.ratio is not None else p.target) for p in ok]
            ys = [p.cost for p in ok]
            ax.plot(xs, ys, "o-", color="tab:blue", label="cheapest plan found")
            lows = [(x, p.lower_bound) for x, p in zip(xs, ok, strict=True)
                    if p.lower_bound is not None and (p.gap or 0) > 1e-4]
            if lows:
                ax.plot([x for x, _ in lows], [b for _, b in lows], "v", color="tab:gray",
                        label="proven lower bound")
            for x, p in zip(xs, ok, strict=True):
                ax.annotate(f"gap {p.gap:.2%}" if p.gap is not None else "", (x, p.cost),
                            textcoords="offset points", xytext=(4, 6), fontsize=7)
        ax.axvline(100 * self.target, color="tab:red", linestyle="--",
                   label=f"Plan 137 target ({self.target:.0%})")
        ax.axvline(100 * self.today, color="tab:green", linestyle=":",
                   label=f"today ({self.today:.1%})")
        ax.set_xlabel("shared-site ratio (%)")
        ax.set_ylabel(f"system cost, NPV ({self.currency})" if self.currency else "system cost")
        ax.set_title(f"Cost of sharing{': ' + self.name if self.name else ''}")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        reach = self.reachable
        return {
            "today": self.today,
            "target": self.target,
            "reachable": None if reach is None else {
                "ratio": reach.ratio, "upper_bound": reach.upper_bound, "method": reach.method,
                "proven": reach.proven, "solves": reach.solves,
                "wall_time_s": round(reach.wall_time, 3)},
            "points": [p.to_dict() for p in self.points],
            "wall_time_s": round(self.wall_time, 3),
        }


def _fmt(value: float | None, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, spec)


def _pair(a: int | None, b: int | None) -> str:
    return "-" if a is None or b is None else f"{a}/{b}"


def frontier_ratios(
    today: float, highest: float, points: int, target: float = PLAN_137_TARGET
) -> list[float]:
    """``points`` evenly spaced ratios from ``today`` to ``highest``.

    The point nearest the Plan 137 target is moved onto it (when the target
    lies inside the range), so the frontier always states its cost.
    """
    if points < 1:
        raise ValueError("points must be at least 1")
    if points == 1 or highest <= today:
        return [highest if points == 1 else today]
    grid = list(np.linspace(today, highest, points))
    if today < target < highest:
        nearest = int(np.argmin([abs(r - target) for r in grid]))
        if 0 < nearest < points - 1:
            grid[nearest] = target
    return [float(r) for r in grid]


def _point(target: float, result: Result, note: str = "") -> FrontierPoint:
    ev = result.evaluation
    return FrontierPoint(
        target=target, status=result.status,
        ratio=None if ev is None else float(ev.shared_site_ratio),
        cost=float(result.objective) if result.is_feasible() else None,
        lower_bound=float(result.lower_bound) if math.isfinite(result.lower_bound) else None,
        wall_time=result.wall_time,
        active_sites=None if ev is None else int(ev.active_sites),
        shared_sites=None if ev is None else int(ev.shared_sites),
        plan=result.plan if result.is_feasible() else None,
        note=note or (result.message if not result.is_feasible() else ""),
        carriers_added=(None if ev is None or ev.demand is None
                        else int(ev.demand["carriers_added"])),
    )


def _capacity_start(data: ProblemData, plan: Plan, coverage: Coverage) -> Plan:
    """A warm start under ``[demand]``: the plan repaired for ``data`` (carriers
    added where the demand of its tenants does not fit)."""
    return repair_plan(data, plan, coverage).plan


def _no_worse_than_start(data: ProblemData, result: Result, start: Plan) -> Result:
    """The solve's result, or the warm start when that is admissible and cheaper
    (the solve found nothing better in its time)."""
    evaluation = evaluate(data, start)
    if not evaluation.admissible or (
            result.is_feasible() and result.objective <= evaluation.system_cost + _EPS):
        return result
    return replace(result, status=FEASIBLE, plan=start,
                   objective=float(evaluation.system_cost), evaluation=evaluation,
                   message="the warm start: the solve found nothing cheaper in time")


def _consistent(data: ProblemData, points: list[FrontierPoint]) -> list[FrontierPoint]:
    """Carry cheaper plans down and lower bounds up the ratio axis."""
    out = list(points)
    for i in range(len(out) - 2, -1, -1):
        here, above = out[i], out[i + 1]
        if above.plan is None or (here.cost is not None and here.cost <= above.cost + _EPS):
            continue
        ev = evaluate(_with_ratio(data, here.target), above.plan)
        if ev.violations:
            continue
        # A plan meeting a higher target meets this one too, and is cheaper.
        out[i] = replace(
            here, cost=float(ev.system_cost), ratio=float(ev.shared_site_ratio),
            active_sites=int(ev.active_sites), shared_sites=int(ev.shared_sites),
            carriers_added=above.carriers_added,
            plan=above.plan, status=FEASIBLE if here.status != OPTIMAL else here.status,
            note=(here.note + "; " if here.note else "") + "plan of the next point is cheaper",
        )
    best_bound = -math.inf
    for i, p in enumerate(out):
        if p.lower_bound is None:
            continue
        if p.lower_bound < best_bound and p.cost is not None:
            out[i] = replace(p, lower_bound=min(best_bound, p.cost))
        best_bound = max(best_bound, out[i].lower_bound)
    return out


def frontier(
    data: ProblemData,
    ratios: Sequence[float] | None = None,
    points: int = 10,
    params: SolveParams | None = None,
    *,
    coverage: Coverage | None = None,
    marginal: bool = False,
    reachable: ReachableRatio | None = None,
    progress: Callable[[FrontierPoint], None] | None = None,
) -> Frontier:
    """Cheapest plan per shared-site ratio (module docstring).

    Parameters
    ----------
    data
        The scenario (its own sharing target is replaced at each point).
    ratios
        Targets to solve; default ``points`` ratios from today's to the
        highest reachable (see :func:`frontier_ratios`).
    points
        Number of points when ``ratios`` is not given.
    params
        Solver settings; ``time_limit`` applies to each point (and to each
        bisection solve, when the highest ratio needs them).
    coverage
        Precomputed coverage, reused by every solve.
    marginal
        Also price one more shared site at each point.
    reachable
        The highest reachable ratio, when already known.
    progress
        Called with each point as it is solved.
    """
    start = time.perf_counter()
    params = params or SolveParams(time_limit=60.0)
    coverage = coverage if coverage is not None else compute_coverage(data)
    today = float(evaluate(data, Plan.existing(data)).shared_site_ratio)
    if ratios is None:
        if reachable is None:
            reachable = highest_reachable_ratio(data, params, coverage=coverage)
        targets = frontier_ratios(today, reachable.ratio, points, data.targets.shared_site_ratio
                                  if data.targets.shared_site_ratio > 0 else PLAN_137_TARGET)
    else:
        targets = sorted(float(r) for r in ratios)
    fallback = reachable.plan if reachable is not None else None

    capacitated = data.demand is not None
    solved: list[FrontierPoint] = []
    previous: Plan | None = None
    for rho in targets:
        variant = _with_ratio(data, rho)
        hint = share_more(data, previous, rho) if previous is not None else None
        if hint is None and fallback is not None:
            hint = fallback  # the most-shared plan meets every lower target
        if capacitated and hint is None and params.backend != "core":
            hint = Plan.existing(data)
        if capacitated and hint is not None:
            hint = _capacity_start(variant, hint, coverage)
        result = solve(variant, params, coverage=coverage,
                       hint=None if capacitated and params.backend == "core" else hint)
        if capacitated and hint is not None:
            result = _no_worse_than_start(variant, result, hint)
        point = _point(rho, result)
        if marginal and result.is_feasible():
            point = replace(point, marginal=marginal_price(variant, params, base=result,
                                                           coverage=coverage))
        if result.is_feasible():
            previous = result.plan
        solved.append(point)
        if progress is not None:
            progress(point)
    return Frontier(
        points=tuple(_consistent(data, solved)), today=today, reachable=reachable,
        target=data.targets.shared_site_ratio if data.targets.shared_site_ratio > 0
        else PLAN_137_TARGET, name=data.name, currency=data.currency,
        wall_time=time.perf_counter() - start,
    )
