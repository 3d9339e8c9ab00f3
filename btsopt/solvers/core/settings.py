"""Every knob of the core, as one nested, frozen, validated settings object.

:class:`CoreSettings` holds one dataclass per component of the search
(subgradient, LP multipliers, greedy, local search, large-neighbourhood
search, regional LPs, decomposition, background LP, reduced-cost fixing,
branch and cut), the time shares, and the switches between province and
country scale. Each field has a default, a range and a one-line reason
(:func:`describe` lists them; ``btsopt settings`` prints them as a commented
TOML file). A component with ``enabled = false`` is left out of the search,
so an ablation is a settings file::

    [lns]
    enabled = false

Unknown keys and out-of-range values raise :class:`~btsopt.errors.ScenarioError`
naming the key (``lns.rows_share``) and, when read from a file, the file.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from btsopt.errors import ScenarioError


def setting(default: Any, why: str, low: float | None = None, high: float | None = None):
    """A settings field: its default, the reason for it and its range (inclusive)."""
    return field(default=default, metadata={"why": why, "low": low, "high": high})


def _check(component: object, name: str) -> None:
    """Type and range checks of every field, named ``name.field`` in errors."""
    for spec in fields(component):
        value = getattr(component, spec.name)
        key = f"{name}.{spec.name}"
        kind = type(spec.default)
        if kind is bool:
            ok = isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if ok:
                object.__setattr__(component, spec.name, float(value))
                value = float(value)
                ok = not math.isnan(value)
        else:  # pragma: no cover - every setting is a bool, int or float
            ok = isinstance(value, kind)
        if not ok:
            raise ScenarioError(f"expected {kind.__name__}, got {value!r}", column=key)
        low, high = spec.metadata.get("low"), spec.metadata.get("high")
        if kind is not bool and ((low is not None and value < low)
                                 or (high is not None and value > high)):
            bounds = f"[{_fmt(low) if low is not None else '-inf'}, " \
                     f"{_fmt(high) if high is not None else 'inf'}]"
            raise ScenarioError(f"{value!r} is out of range {bounds}", column=key)


class _Component:
    """Validation shared by the component dataclasses."""

    _name = ""

    def __post_init__(self) -> None:
        _check(self, self._name)


@dataclass(frozen=True)
class SubgradientSettings(_Component):
    """Subgradient ascent on the Lagrangian (:mod:`.lagrangian`)."""

    _name = "subgradient"
    enabled: bool = setting(True, "the bound and the multipliers every later phase ranks by")
    iterations: int = setting(
        2000, "enough to stall on every family measured; the stall rules end it sooner", 1)
    repair_iterations: int = setting(
        5000, "the ascent from the regional duals: long, it repairs overpaid boundary sites", 0)
    initial_step: float = setting(1.0, "Held and Karp's theta: the full Polyak step", 1e-12, 2.0)
    stall_iterations: int = setting(20, "iterations without a better bound before the step shrinks", 1)
    step_decrease: float = setting(0.5, "factor on the step after a stall (halving, as in Held-Karp)",
                                   1e-6, 1.0 - 1e-12)
    min_step: float = setting(1e-4, "the ascent ends below this step: the bound no longer moves", 0.0)
    progress_window: int = setting(100, "iterations over which the bound must progress", 1)
    min_progress: float = setting(
        1e-5, "relative rise over the window below which the ascent ends", 0.0)
    target_margin: float = setting(
        0.05, "without a plan, the step aims this far above the bound (a guess)", 0.0)
    price_bisections: int = setting(
        30, "bisections for the best sharing price per step (1e-9 of its range)", 1)
    price_cap_factor: float = setting(
        1.5, "the sharing price is searched up to this factor times the price above which "
        "no site's or token's choice changes (an estimate: the factor is its margin); with "
        "price_cap_offset 0, 0 leaves the sharing row unpriced (an ablation)", 0.0)
    price_cap_offset: float = setting(
        1.0, "plus this (cost units): the price's range stays positive when costs are 0", 0.0)
    min_step_gap: float = setting(
        1e-6, "the step aims at least this far (relative to the target) above the bound: "
        "a plan at the bound still moves the multipliers", 0.0)


@dataclass(frozen=True)
class LpSettings(_Component):
    """The LP relaxation at province scale with a sharing row (:mod:`.lp`): its
    duals as multipliers, its solution rounded by RENS."""

    _name = "lp"
    enabled: bool = setting(True, "with a sharing row the subgradient stalls far below the LP bound")
    rounding: bool = setting(True, "RENS on the LP: a plan within 1% on the M family in a second")
    integral_tolerance: float = setting(
        1e-6, "an LP value within this of a whole number counts as integral: RENS fixes it "
        "(here and in the regional LPs' plans) and solves the rest exactly", 0.0, 0.5)


@dataclass(frozen=True)
class GreedySettings(_Component):
    """Chvatal's greedy, on costs or on Lagrangian reduced costs (:mod:`.heuristic`)."""

    _name = "greedy"
    enabled: bool = setting(True, "a first plan at once: an upper bound for every later step")
    during_subgradient: bool = setting(
        True, "re-ranked by better multipliers the greedy usually finds better plans")
    during_subgradient_country: bool = setting(
        False, "those greedies at country scale too: there each costs seconds the LNS uses "
        "better (XL consolidation at 570 s: 1.80% and 1.81% without them, 1.56% and 2.11% "
        "with; at 120 s a 2.0% cheaper plan without)")
    first_calls: int = setting(3, "the first improvements of the bound each get a greedy", 0)
    every: int = setting(5, "then every this many improvements (the greedy costs more than a step)", 1)
    iterations_per_call: int = setting(
        100, "ascent iterations that pay for each greedy during the ascent (one costs 55-80 "
        "steps on nrh and scp41: a third of the work); counted, not timed, so plans do not "
        "depend on the machine; 0: no limit", 0)


@dataclass(frozen=True)
class LocalSearchSettings(_Component):
    """Row-weighting local search over the core pairs (:mod:`.local_search`)."""

    _name = "local_search"
    enabled: bool = setting(True, "improves the best plan by cheap swaps before branch and cut")
    min_pairs: int = setting(
        5_000, "smaller models go straight to branch and cut (OR-Library: 114 s against 127 s)", 0)
    pairs_per_row: int = setting(20, "core pairs (smallest Lagrangian increase) per row", 1)
    max_moves: int = setting(20_000_000, "a deterministic cap on the moves", 1)
    stall_moves: int = setting(0, "moves without a better plan before it ends; 0: automatic", 0)
    stall_moves_per_pair: int = setting(
        30, "automatic stall limit per usable pair (small instances settle fast)", 1)
    min_stall_moves: int = setting(20_000, "floor of the automatic stall limit", 1)
    max_stall_moves: int = setting(300_000, "ceiling of the automatic stall limit", 1)
    chunk: int = setting(20_000, "moves per compiled call, between clock and Ctrl-C checks", 1)
    tenure: int = setting(3, "steps during which a dropped pair may not come back", 0)
    narrow_cost_ratio: float = setting(
        2.0, "pure set covering whose column costs lie within this factor (unicost-like: "
        "location covering, scpcyc, rail) has a weak LP bound: a long search closes the gap "
        "(LSCP of Nam Dinh: 151 sites against 162); 0 switches the rule off", 0.0)
    narrow_stall_moves: int = setting(
        10_000_000, "stall limit of each round of that long search (it finds 151 on the LSCP "
        "only after about a million moves; on the rail-shaped core, 61 came 4.6 to 8.2 "
        "million moves after the previous better plan)", 1)
    narrow_rounds: int = setting(
        1000, "rounds of that search, each from the best plan with fresh row weights and the "
        "next seed once the last stalls (narrow_stall_moves), until the deadline or "
        "max_moves for all rounds together; 1: one long search", 1)
    narrow_pairs_per_row: int = setting(
        60, "the even rounds of that search (the first, third, ...) use a Lagrangian core of "
        "this many pairs per row, the odd ones all pairs; 0: all pairs in every round. The "
        "core's moves are ten times cheaper on rail-shaped models (825 pairs a row; 235,000 "
        "moves a CPU second against 21,000): rail at 60 s 62/61/61 against 63/63/62 over all "
        "pairs (under load); models with short rows (scpcyc: 4 pairs a row) keep all their "
        "pairs", 0)


@dataclass(frozen=True)
class LnsSettings(_Component):
    """Large-neighbourhood search by exact sub-MIPs (:mod:`.lns`)."""

    _name = "lns"
    enabled: bool = setting(True, "improves country-scale plans that branch and cut cannot hold")
    rows_share: float = setting(0.2, "share of the coverage rows the first neighbourhood re-covers",
                                1e-9, 1.0)
    min_rows: int = setting(10, "neighbourhoods never shrink below this many rows", 1)
    candidates_per_row: int = setting(8, "candidate pairs freed per re-covered row", 1)
    scatter_every: int = setting(
        2, "every this many neighbourhoods one is incumbent sites picked anywhere, the "
        "others compact regions (2: they alternate; 1: only scattered; 0: only regions)", 0)
    step_time_limit: float = setting(6.0, "seconds per sub-MIP: steps that end in seconds", 1e-3)
    fast_share: float = setting(
        0.3, "a step proven within this share of its limit grows the next one (a clock rule; "
        "see fast_nodes)", 0.0, 1.0)
    fast_nodes: int = setting(
        0, "instead, a step proven within this many branch-and-bound nodes grows the next one: "
        "counted, so with step_max_nodes and max_steps the search does not depend on the "
        "machine; 0: the clock rule (as measured at country scale)", 0)
    step_max_nodes: int = setting(
        0, "nodes per sub-MIP (HiGHS's mip_max_nodes): a step ends by its work, not its time "
        "limit; 0: no limit", 0)
    grow: float = setting(1.2, "growth of the neighbourhood after a fast proven step", 1.0)
    shrink: float = setting(0.75, "shrinkage after a step that ran out of time", 1e-3, 1.0)
    guided_step_time_limit: float = setting(10.0, "seconds per region of the LP-guided pass", 1e-3)
    guided_passes: int = setting(3, "at most this many LP-guided passes through the regions", 0)
    max_steps: int = setting(0, "steps at most (a deterministic budget); 0: until the deadline", 0)
    step_end_margin: float = setting(
        0.2, "seconds before the deadline each step ends (HiGHS overruns its limit a little)", 0.0)
    min_step_seconds: float = setting(
        0.05, "no step starts with less time than this (HiGHS cannot do a step in less)", 0.0)
    fractional: float = setting(
        0.01, "an LP value within this of 0 or 1 counts as integral in the LP-guided pass",
        0.0, 0.5)


@dataclass(frozen=True)
class RegionsSettings(_Component):
    """Regional LPs for country-scale models with a sharing row (:mod:`.regions`)."""

    _name = "regions"
    enabled: bool = setting(True, "LP-quality multipliers where the whole LP takes minutes")
    rows_per_region: int = setting(3_000, "an M-sized province: its core LP takes about a second", 1)
    rounds: int = setting(
        1, "two rounds lift the XL bound offline but widened the 570 s gap (3.23% vs 2.79%)", 1)
    pairs_per_row: int = setting(8, "core pairs per row in the region LPs", 1)
    rounding_seconds: float = setting(5.0, "seconds for one region's LP-guided plan", 1e-3)


@dataclass(frozen=True)
class DecompositionSettings(_Component):
    """Independent coverage components at a price on sharing (:mod:`.decompose`)."""

    _name = "decomposition"
    enabled: bool = setting(True, "a bound far above the Lagrangian's where pockets are independent")
    max_component_share: float = setting(
        0.75, "above this share of the columns one component is the whole problem", 0.0, 1.0)
    price_evaluations: int = setting(3, "sharing prices tried (each solves every component)", 1)
    first_price_share: float = setting(
        0.5, "the Lagrangian's price, usually close to the best, gets this share", 1e-3, 1.0)
    min_component_seconds: float = setting(0.5, "no component gets less time than this", 0.0)
    min_remaining_seconds: float = setting(
        0.05, "a price's evaluation stops with less time left than this", 0.0)
    component_gap: float = setting(
        1e-6, "relative gap each component's MIP stops at (its dual bound is used, so the "
        "bound stays valid)", 0.0, 1.0)
    price_tolerance: float = setting(
        1e-6, "the bisection on the sharing price ends when its bracket is this narrow "
        "(relative)", 0.0, 1.0)


@dataclass(frozen=True)
class BackgroundLpSettings(_Component):
    """The whole LP in a process of its own at country scale (:class:`.lp.BackgroundLp`)."""

    _name = "background_lp"
    enabled: bool = setting(True, "the Lagrangian at its duals is the strongest country-scale bound")
    seconds_per_million_nonzeros: float = setting(
        60.0, "the interior point method's expected time (it is not started when over "
        "time.background_lp): XL greenfield (5.4 M nonzeros) came in after 310 s", 0.0)
    min_workers: int = setting(2, "it holds one core: only with a core to spare", 2)
    first_order: bool = setting(
        True, "PDLP in chunks, each chunk's duals a bound at once (XL consolidation: 0.9% "
        "under the LP after the first chunk, 0.05% after the second); false: HiGHS's interior "
        "point method, whose "
        "bound comes only when it ends (XL consolidation: 240 s alone, not by 570 s under load)")
    chunk_iterations: int = setting(
        500, "PDLP iterations of the first chunk (XL consolidation: about 45 s under load)", 1)
    chunk_growth: float = setting(
        1.5, "each next chunk this much longer: every chunk restarts PDLP's step size, so "
        "fewer restarts as it converges", 1.0, 10.0)
    first_order_tolerance: float = setting(
        1e-6, "PDLP's relative optimality tolerance: the chunk where it holds is the last "
        "(PDLP's default)", 1e-12, 1.0)
    stall_chunks: int = setting(
        2, "the process ends after this many chunks in a row that raised its bound by no "
        "more than stall_tolerance, and its core goes to the search (XL consolidation: "
        "0.05% under the LP after the second chunk, and the chunks after it, longer each, "
        "add 0.04% together until about 420 s); 0: it runs to its tolerance or the end", 0)
    stall_tolerance: float = setting(
        1e-3, "relative rise of the best chunk's bound below which a chunk counts as "
        "stalled (a tenth of the 1% gaps at country scale)", 0.0)
    ends_ascent: bool = setting(
        True, "the ascent from the regional duals stops once a chunk's bound is above it "
        "(XL consolidation under load: 29.9 M after its 114 s, the first chunk 32.3 M): "
        "its time goes to the search")


@dataclass(frozen=True)
class FixingSettings(_Component):
    """Reduced-cost fixing by the Lagrangian bound."""

    _name = "fixing"
    enabled: bool = setting(True, "on covering models it deletes most columns before branch and cut")


@dataclass(frozen=True)
class BranchAndCutSettings(_Component):
    """HiGHS on the reduced model, started from the best plan."""

    _name = "branch_and_cut"
    enabled: bool = setting(True, "proves province-scale models optimal")
    large_columns: int = setting(
        20_000, "above this many free columns HiGHS checks the clock late: leave a margin", 0)


@dataclass(frozen=True)
class TimeSettings(_Component):
    """Shares of the time (of the time limit, or of what is left when a phase starts)."""

    _name = "time"
    lp: float = setting(0.4, "of what is left: the LP's duals are valid even when it stops early",
                        0.0, 1.0)
    rounding: float = setting(0.25, "of what is left: the LP-guided plan (RENS)", 0.0, 1.0)
    subgradient: float = setting(0.2, "of the limit: the ascent stalls long before", 0.0, 1.0)
    subgradient_min_seconds: float = setting(1.0, "the ascent's floor: small limits still get a bound",
                                             0.0)
    subgradient_max_seconds: float = setting(120.0, "the ascent's ceiling at long limits", 0.0)
    regional_start: float = setting(
        0.05, "of the limit: the ascent before the regional LPs (country scale)", 0.0, 1.0)
    regional_lp: float = setting(0.1, "of what is left: one round of regional LPs", 0.0, 1.0)
    local_search: float = setting(0.1, "of the limit (it stops earlier once it stalls)", 0.0, 1.0)
    local_search_max_seconds: float = setting(60.0, "the local search's ceiling", 0.0)
    local_search_narrow: float = setting(
        0.9, "of the limit on unicost-like models (see local_search.narrow_cost_ratio): "
        "there only the search moves (rail-shaped at 60 s: 63/62/62 against 63/63/64 at "
        "0.5; branch and cut never closes those gaps)", 0.0, 1.0)
    decomposition: float = setting(0.5, "of what is left: the components at a sharing price",
                                   0.0, 1.0)
    background_lp: float = setting(
        0.9, "of the limit: past it HiGHS gives no duals, so it is not started", 0.0, 1.0)
    branch_and_cut_margin: float = setting(
        0.3, "of what is left, kept back from HiGHS on large models (seen: a minute late on XL)",
        0.0, 1.0)
    branch_and_cut_max_margin_seconds: float = setting(120.0, "ceiling of that margin", 0.0)
    lns_end_margin: float = setting(0.5, "seconds before the deadline the LNS stops", 0.0)
    rounding_min_seconds: float = setting(
        0.1, "RENS on the LP is skipped with less time left than this", 0.0)
    branch_and_cut_min_seconds: float = setting(
        0.05, "branch and cut is skipped with less time left than this (and HiGHS on the "
        "whole model, without a plan, gets at least this)", 0.0)


@dataclass(frozen=True)
class ScaleSettings(_Component):
    """Switches between province and country scale, and from the core to HiGHS."""

    _name = "scale"
    country_columns: int = setting(
        30_000, "above this many pairs (or free columns after fixing): components and LNS "
        "instead of branch and cut on the whole", 0)
    max_row_overlaps: int = setting(
        20_000_000, "rows implied by others are found only below this many row overlaps "
        "(memory)", 0)
    max_operators: int = setting(
        8, "above this many operators the core's table of operator subsets (2**K per site) is "
        "too large: HiGHS solves the model instead", 1, 16)


@dataclass(frozen=True)
class CapacitySettings(_Component):
    """The start plan of a capacitated model (``[demand]``): cover, add tenancies, carriers."""

    _name = "capacity"
    cover_share: float = setting(
        0.25, "share of the time limit for the plan of the scenario without [demand]",
        0.0, 1.0)
    max_cover_seconds: float = setting(
        20.0, "cap on that time (seconds)", 0.0)
    max_cover_seconds_country: float = setting(
        300.0, "the cap above scale.country_columns pairs: there the first greedy alone takes "
        "a minute and the bound comes from the LP beside the search, which needs minutes", 0.0)
    new_demand_price: float = setting(
        2.0, "the plan without [demand] prices each tenancy for the demand it adds to its "
        "operator at this many carrier NPVs per carrier's Mb/s (0: not at all)", 0.0)
    new_demand_price_greenfield: float = setting(
        4.0, "that price where the plans must keep less than greenfield_kept_share of the "
        "demand (M-greenfield-demand at 60 s, under load: 1.77 M at 4 against 2.20 M at 2; "
        "on M-consolidation-demand 4 costs 1.2% more, so kept demand stays at 2)", 0.0)
    greenfield_kept_share: float = setting(
        0.5, "share of the demand that keep_service keeps below which a scenario is priced "
        "as greenfield", 0.0, 1.0)
    overload_credit: float = setting(
        1.0, "the priced plan also credits each tenancy with this many carrier NPVs per "
        "carrier's Mb/s of the first plan's overload (demand its tenancies cannot carry "
        "at their free carriers) that it reaches, up to one carrier: the co-locations "
        "the sharing target needs then go where they save carriers (0: no credit)", 0.0)
    overload_rounds: int = setting(
        2, "priced plans in a row, each crediting the overload of the plans before it "
        "(they share the second half of the cover time; one starts only while cover time "
        "is left)", 1)
    max_rounds: int = setting(
        100, "rounds of adding a tenancy next to each hamlet whose demand the plan cannot "
        "carry at max_carriers (one max flow per operator and round) that look for relief "
        "at most relief_depth steps out; later rounds look as far as the flow reaches, "
        "until the demand fits (the clock does not stop them: a plan is always made); "
        "also the passes of adding co-tenants for a hard sharing target and placing "
        "their demand", 0)
    relief_depth: int = setting(
        10, "when no tenancy can be added at a site reaching a hamlet whose demand does not "
        "fit (every one already has the operator, or is full), look up to this many steps "
        "outwards along the max flow (the hamlets whose flow fills the tenancies reaching "
        "it, then theirs): a tenancy reaching any of them takes load and frees room "
        "(0: the hamlet's own sites only; then the country-scale consolidation found no "
        "plan)", 0)
    exact_carriers: bool = setting(
        True, "carriers by one small MILP per operator (hamlets to its tenancies, integer "
        "carriers); off: the loads' ceiling, then one fewer while the demand still fits")
    start_share: float = setting(
        0.7, "share of the time limit the whole start plan may use; the carriers' MILPs "
        "share what is left of it (the evaluator and the outputs need the rest); past it "
        "no carriers MILP, slope-scaled flow or trimming starts (the carriers are a max "
        "flow's loads rounded up)", 0.0, 1.0)
    slope_rounds: int = setting(
        4, "min-cost flows after the first in each operator's carriers start, each priced "
        "by the carriers over the load of the one before (slope scaling)", 0)
    carriers_seconds: float = setting(
        3.0, "time limit of each operator's carriers MILP (seconds)", 0.0)
    carriers_gap: float = setting(
        1e-3, "relative gap at which an operator's carriers MILP stops", 0.0, 1.0)
    trim_seconds: float = setting(
        5.0, "time for taking carriers off one at a time, the most idle first, while the "
        "demand still fits (shared by the operators when exact_carriers is on)", 0.0)
    bound_price: float = setting(
        1.0, "the bound prices each operator's capacity at this share of a carrier's NPV per "
        "Mb/s where the plan without [demand] leaves its demand over at the free carriers "
        "(btsopt.solvers.capacity_bound; 0: the bound without [demand] only)", 0.0, 1.0)
    bound_share: float = setting(
        0.15, "share of the time limit for the core's bound of that priced model", 0.0, 1.0)
    max_bound_seconds: float = setting(15.0, "cap on that time (seconds)", 0.0)
    bound_lp: bool = setting(
        True, "where bound_price applies, first the LP relaxation of the model without "
        "[demand] plus carriers and each operator's capacity row, by PDLP chunks: any chunk's "
        "duals give a valid bound (btsopt.solvers.capacity_bound.relaxation_bound; "
        "M-consolidation-demand 1.60 M against the priced core's 1.40 M in 8 s)")
    bound_lp_share: float = setting(
        0.6, "share of the bound's time for that LP; the priced core's solve gets the rest "
        "(1: the LP alone)", 0.0, 1.0)
    bound_lp_iterations: int = setting(
        500, "PDLP iterations of that LP's first chunk", 1)
    bound_lp_growth: float = setting(
        1.3, "each next chunk this much longer", 1.0, 10.0)
    bound_lp_tolerance: float = setting(
        1e-6, "PDLP's relative optimality tolerance there: the chunk where it holds is the "
        "last", 1e-12, 1.0)
    bound_lp_max_chunks: int = setting(
        0, "chunks at most (0: until the tolerance holds or the time is up; tests set it "
        "so that they stop on iterations)", 0)
    exact_max_columns: int = setting(
        60_000, "hand the whole capacitated model to HiGHS after the start plan only below "
        "this many columns: the province's (365,476) does not even solve its LP in "
        "minutes; above it, when the start finds no plan, HiGHS is not tried either "
        "(the country's, 3.8 million columns, took 8 GB and found nothing)", 0)
    lns: bool = setting(
        True, "above exact_max_columns, the time left after the start plan goes to exact "
        "sub-MIPs of the whole capacitated model around tenancies that pay for carriers "
        "(btsopt.solvers.capacity_lns): co-locations move where their free carrier saves "
        "paid ones")
    lns_step_seconds: float = setting(2.0, "time limit of each sub-MIP (seconds)", 1e-3)
    lns_centres: int = setting(
        1, "tenancies that pay for carriers freed in one sub-MIP (the most paying first)", 1)
    lns_center_pairs: int = setting(
        30, "pairs of the paying tenancy's operator freed around it (the cheapest reaching "
        "its hamlets), with every tenancy on their sites", 0)
    lns_swap_pairs: int = setting(
        20, "tenancies of the plan on shared sites freed at random anywhere, so a "
        "co-location can move into the neighbourhood without breaking the sharing target",
        0)
    lns_reserve: float = setting(
        0.05, "share of the time limit the search leaves for the evaluator and the outputs",
        0.0, 1.0)
    lns_max_steps: int = setting(
        0, "sub-MIPs at most (a deterministic budget); 0: until the deadline or the stall",
        0)


COMPONENTS: dict[str, type] = {
    "subgradient": SubgradientSettings,
    "lp": LpSettings,
    "greedy": GreedySettings,
    "local_search": LocalSearchSettings,
    "lns": LnsSettings,
    "regions": RegionsSettings,
    "decomposition": DecompositionSettings,
    "background_lp": BackgroundLpSettings,
    "fixing": FixingSettings,
    "branch_and_cut": BranchAndCutSettings,
    "time": TimeSettings,
    "scale": ScaleSettings,
    "capacity": CapacitySettings,
}
"""The tables of a settings file, in the order they are printed."""


@dataclass(frozen=True)
class CoreSettings:
    """All settings of the core, one table per component (see :data:`COMPONENTS`).

    Build with keywords (``CoreSettings(lns=LnsSettings(enabled=False))``),
    from nested mappings (:meth:`from_dict`) or from TOML (:meth:`from_toml`);
    :meth:`with_values` changes single keys (``{"lns.enabled": False}``).
    """

    subgradient: SubgradientSettings = field(default_factory=SubgradientSettings)
    lp: LpSettings = field(default_factory=LpSettings)
    greedy: GreedySettings = field(default_factory=GreedySettings)
    local_search: LocalSearchSettings = field(default_factory=LocalSearchSettings)
    lns: LnsSettings = field(default_factory=LnsSettings)
    regions: RegionsSettings = field(default_factory=RegionsSettings)
    decomposition: DecompositionSettings = field(default_factory=DecompositionSettings)
    background_lp: BackgroundLpSettings = field(default_factory=BackgroundLpSettings)
    fixing: FixingSettings = field(default_factory=FixingSettings)
    branch_and_cut: BranchAndCutSettings = field(default_factory=BranchAndCutSettings)
    time: TimeSettings = field(default_factory=TimeSettings)
    scale: ScaleSettings = field(default_factory=ScaleSettings)
    capacity: CapacitySettings = field(default_factory=CapacitySettings)

    def __post_init__(self) -> None:
        for name, kind in COMPONENTS.items():
            if not isinstance(getattr(self, name), kind):
                raise ScenarioError(f"expected a [{name}] table", column=name)

    @classmethod
    def from_dict(cls, tables: Mapping[str, Any], file: str | None = None) -> CoreSettings:
        """Settings from ``{component: {key: value}}``; missing keys keep their default.

        Raises
        ------
        ScenarioError
            On an unknown table or key, a wrong type or a value out of range,
            naming the key and ``file``.
        """
        parts = {}
        for name, table in tables.items():
            kind = COMPONENTS.get(name)
            if kind is None:
                raise ScenarioError(f"unknown settings table [{name}] (known: "
                                    f"{', '.join(COMPONENTS)})", file=file, column=name)
            if not isinstance(table, Mapping):
                raise ScenarioError(f"[{name}] must be a table", file=file, column=name)
            known = {spec.name for spec in fields(kind)}
            for key in table:
                if key not in known:
                    raise ScenarioError(f"unknown setting (known in [{name}]: "
                                        f"{', '.join(sorted(known))})", file=file,
                                        column=f"{name}.{key}")
            try:
                parts[name] = kind(**table)
            except ScenarioError as exc:
                raise ScenarioError(exc.message, file=file, column=exc.column) from None
        return cls(**parts)

    @classmethod
    def from_toml(cls, source: str | Path) -> CoreSettings:
        """Settings from TOML: a :class:`~pathlib.Path` is read as a file, a
        string is the TOML text itself."""
        file = str(source) if isinstance(source, Path) else None
        return cls.from_dict(read_toml(source), file=file)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{component: {key: value}}`` of every setting."""
        return {name: {spec.name: getattr(getattr(self, name), spec.name)
                       for spec in fields(COMPONENTS[name])} for name in COMPONENTS}

    def to_toml(self, comments: bool = False) -> str:
        """The settings as TOML (:meth:`from_toml` reads back the same object);
        ``comments`` adds each table's purpose and each key's reason and range."""
        lines: list[str] = []
        for name, kind in COMPONENTS.items():
            if lines:
                lines.append("")
            if comments:
                lines.append(f"# {_plain(kind.__doc__ or '')}")
            lines.append(f"[{name}]")
            for spec in fields(kind):
                value = getattr(getattr(self, name), spec.name)
                if comments:
                    lines.append(f"# {spec.metadata['why']}{_range(spec)}")
                lines.append(f"{spec.name} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"

    def with_values(self, values: Mapping[str, Any]) -> CoreSettings:
        """A copy with dotted keys changed: ``{"lns.enabled": False}``."""
        tables = self.to_dict()
        for key, value in values.items():
            name, _, leaf = key.partition(".")
            if name not in tables or not leaf:
                raise ScenarioError("unknown setting", column=key)
            tables[name] = {**tables[name], leaf: value}
        return CoreSettings.from_dict(tables)

    def disabled(self) -> list[str]:
        """Components switched off (``enabled = false``)."""
        return [name for name in COMPONENTS
                if not getattr(getattr(self, name), "enabled", True)]


def read_toml(source: str | Path) -> dict[str, Any]:
    """A TOML document from a file (:class:`~pathlib.Path`) or text (``str``),
    with read and syntax errors as :class:`ScenarioError`."""
    file = str(source) if isinstance(source, Path) else None
    try:
        text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
        return tomllib.loads(text)
    except OSError as exc:
        raise ScenarioError(f"cannot read settings: {exc.strerror}", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"invalid TOML: {exc}", file=file) from None


def describe() -> Iterator[tuple[str, Any, str]]:
    """``(key, default, reason)`` of every setting, ``key`` dotted."""
    for name, kind in COMPONENTS.items():
        for spec in fields(kind):
            default = spec.default if spec.default is not MISSING else None
            yield f"{name}.{spec.name}", default, spec.metadata["why"]


def defaults_toml() -> str:
    """The default settings as a commented TOML file (``btsopt settings``)."""
    head = (
        "# btsopt core settings: every knob of the solver core with its default.\n"
        "# Copy, edit and pass with `btsopt solve --settings FILE` (or in a [NAME.core]\n"
        "# table of `btsopt bench --settings`). Keys left out keep their default;\n"
        "# `enabled = false` leaves that phase out of the search (an ablation).\n\n"
    )
    return head + CoreSettings().to_toml(comments=True)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))  # shortest text that reads back to the same float


def _plain(doc: str) -> str:
    """A docstring as one line of plain text (no Sphinx roles)."""
    text = re.sub(r"\s*\(:\w+:`[^`]+`\)", "", " ".join(doc.split()))
    return re.sub(r":\w+:`\.?~?([^`]+)`", r"\1", text)


def _fmt(value: float) -> str:
    return f"{value:g}"


def _range(spec) -> str:
    low, high = spec.metadata.get("low"), spec.metadata.get("high")
    if type(spec.default) is bool or (low is None and high is None):
        return ""
    return f" (range {_fmt(low) if low is not None else '-inf'} to " \
        f"{_fmt(high) if high is not None else 'inf'})"


__all__ = [
    "COMPONENTS", "BackgroundLpSettings", "BranchAndCutSettings", "CapacitySettings",
    "CoreSettings",
    "DecompositionSettings", "FixingSettings", "GreedySettings", "LnsSettings",
    "LocalSearchSettings", "LpSettings", "RegionsSettings", "ScaleSettings",
    "SubgradientSettings", "TimeSettings", "defaults_toml", "describe", "read_toml",
]
