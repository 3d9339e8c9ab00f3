"""Plain baselines: the MILP of ``model.md`` written directly, handed to HiGHS or CP-SAT.

This is what a user without btsopt would write: one variable per decision,
one row per constraint of ``model.md``, built in plain Python from
:class:`~btsopt.data.ProblemData` and :func:`btsopt.radio.compute_coverage`,
then given to the solver with its default settings. There are no reductions,
no heuristics and no warm starts, and none of ``btsopt.model`` is used, so the
benchmarks measure what btsopt's own model and search add.

The model is written once (:func:`build_plain_model`) and handed to either
solver (:func:`plain_highs`, :func:`plain_cpsat`). The lexicographic objective
is solved level by level, as in ``model.md``: each level's value is fixed
before the next.

A scenario with ``[demand]`` gets the capacitated model of ``model.md`` ("With
[demand]") as written there: integer carriers ``n[j,k]``, continuous shares
``w[i,j,k]`` of each hamlet's demand, ``v[i,k]`` (operator k covers hamlet i),
carriers paid for ``e[j,k]``, and the coverage rows counting ``v``. CP-SAT has
no continuous variables: there each ``w`` moves in steps of
:data:`CPSAT_SHARE_STEPS` (a restriction of the model, so its plans stay
feasible; its bound is that of the restricted model).

Import it by path (``benchmarks`` is not installed with btsopt)::

    import importlib.util
    spec = importlib.util.spec_from_file_location("baselines", "benchmarks/baselines.py")
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np

from btsopt.data import LOCK_IN, LOCK_OUT, ProblemData
from btsopt.radio import Coverage, compute_coverage

INF = math.inf
CPSAT_SHARE_STEPS = 1000
"""CP-SAT only: a continuous variable in [0, 1] moves in steps of 1/CPSAT_SHARE_STEPS."""
OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN = "optimal", "feasible", "infeasible", "unknown"


@dataclass
class PlainModel:
    """A MILP as plain lists: variables, rows and objective levels (all minimised).

    Attributes
    ----------
    names, lb, ub
        One entry per variable.
    integer
        Per variable: integral (all but the shares ``w`` of the capacitated model).
    rows
        ``(columns, coefficients, lower, upper)`` per constraint.
    levels
        ``(name, {column: coefficient}, constant)`` in lexicographic order; the
        last is the system cost.
    x
        ``(site, operator) -> column`` of the tenancy variables.
    n
        ``(site, operator) -> column`` of the carriers (with ``[demand]`` only).
    """

    names: list[str] = field(default_factory=list)
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[list[int], list[float], float, float]] = field(default_factory=list)
    levels: list[tuple[str, dict[int, float], float]] = field(default_factory=list)
    x: dict[tuple[int, int], int] = field(default_factory=dict)
    n: dict[tuple[int, int], int] = field(default_factory=dict)

    def var(self, name: str, lb: float = 0.0, ub: float = 1.0, integer: bool = True) -> int:
        """Add a variable; returns its column."""
        self.names.append(name)
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        return len(self.names) - 1

    def row(self, terms: list[tuple[int, float]], lb: float, ub: float) -> None:
        """Add ``lb <= sum coef * var <= ub``."""
        self.rows.append(([c for c, _ in terms], [float(v) for _, v in terms], lb, ub))

    @property
    def num_vars(self) -> int:
        return len(self.names)


@dataclass(frozen=True, eq=False)
class BaselineResult:
    """Outcome of a baseline run.

    Attributes
    ----------
    status
        ``optimal``, ``feasible``, ``infeasible`` or ``unknown``.
    objective
        System cost (NPV) of the best plan; ``inf`` without one.
    bound
        Proven lower bound on the system cost (given earlier levels).
    time
        Wall-clock seconds: coverage, model writing and search.
    tenancies
        (sites x operators) boolean outcome of the best plan, or ``None``.
    solver
        ``plain-highs`` or ``plain-cpsat``.
    levels
        Status, value and bound of each lexicographic level.
    carriers
        (sites x operators) carriers of the best plan (with ``[demand]``), or ``None``.
    """

    status: str
    objective: float
    bound: float
    time: float
    tenancies: np.ndarray | None
    solver: str
    levels: tuple[dict[str, Any], ...] = ()
    carriers: np.ndarray | None = None

    @property
    def gap(self) -> float:
        """(objective - bound) / objective; ``inf`` without both."""
        if not (math.isfinite(self.objective) and math.isfinite(self.bound)):
            return INF
        if abs(self.objective - self.bound) <= 1e-9 * max(1.0, abs(self.objective)):
            return 0.0
        return max(0.0, (self.objective - self.bound) / max(abs(self.objective), 1e-12))


def build_plain_model(data: ProblemData, coverage: Coverage | None = None) -> PlainModel:
    """Write the MILP of ``model.md`` variable by variable.

    Parameters
    ----------
    data
        The problem.
    coverage
        Its coverage (computed when omitted).
    """
    coverage = coverage if coverage is not None else compute_coverage(data)
    sites, policy, targets, econ = data.sites, data.policy, data.targets, data.economics
    num_sites, num_ops = data.num_sites, data.num_operators
    annuity = sum(1.0 / (1.0 + econ.discount_rate) ** t
                  for t in range(1, econ.horizon_years + 1))
    dc = econ.decommission_cost
    model = PlainModel()
    cost: dict[int, float] = {}
    constant = 0.0

    # Tenancy variables x[j,k] for every pair that is allowed or already installed.
    y: dict[int, int] = {}
    s: dict[int, int] = {}
    for j in range(num_sites):
        pairs = [k for k in range(num_ops)
                 if sites.allowed[j, k] or data.tenancies[j, k]]
        if not pairs:
            continue
        locked_out = sites.locked[j] == LOCK_OUT
        had_tenants = bool(data.tenancies[j].any())
        keep_site = sites.locked[j] == LOCK_IN or (had_tenants and not policy.allow_decommission)
        y[j] = model.var(f"y[{sites.ids[j]}]", lb=1.0 if keep_site else 0.0,
                         ub=0.0 if locked_out else 1.0)
        # Site cost: capex of a new site, opex of an active one; emptying an
        # existing site with tenants costs one decommissioning (constant - dc * y).
        site_cost = (0.0 if sites.existing[j] else float(sites.capex[j]))
        site_cost += float(sites.opex_per_year[j]) * annuity
        if sites.existing[j] and had_tenants:
            site_cost -= dc
            constant += dc
        cost[y[j]] = site_cost
        for k in pairs:
            op = data.operators[k]
            existing = bool(data.tenancies[j, k])
            fixed = existing and not policy.allow_relocation and not policy.allow_decommission
            col = model.var(f"x[{sites.ids[j]},{op.id}]", lb=1.0 if fixed else 0.0,
                            ub=0.0 if locked_out and not fixed else 1.0)
            model.x[j, k] = col
            if existing:
                # A kept tenancy pays opex; a removed one costs a decommissioning.
                cost[col] = op.tenancy_opex_per_year * annuity - dc
                constant += dc
            else:
                cost[col] = op.tenancy_capex + op.tenancy_opex_per_year * annuity
            model.row([(col, 1.0), (y[j], -1.0)], -INF, 0.0)          # x <= y
            if existing and policy.allow_decommission and not policy.allow_relocation:
                model.row([(col, 1.0), (y[j], -1.0)], 0.0, INF)       # only with the site
        xs = [model.x[j, k] for k in pairs]
        model.row([(y[j], 1.0)] + [(c, -1.0) for c in xs], -INF, 0.0)  # y <= sum x
        model.row([(c, 1.0) for c in xs], -INF, float(sites.max_tenants[j]))  # capacity

    ratio = Fraction(targets.shared_site_ratio).limit_denominator(10_000)
    soft_sharing = targets.sharing == "soft" and ratio > 0
    if ratio > 0:
        for j in y:
            xs = [model.x[j, k] for k in range(num_ops) if (j, k) in model.x]
            if len(xs) < 2:
                continue  # a site one operator can use is never shared
            s[j] = model.var(f"s[{sites.ids[j]}]")
            model.row([(s[j], 2.0)] + [(c, -1.0) for c in xs], -INF, 0.0)  # 2 s <= sum x
            model.row([(s[j], 1.0), (y[j], -1.0)], -INF, 0.0)              # s <= y
        # q * sum s - p * sum y (+ w) >= 0: the ratio target without fractions.
        terms = [(c, float(ratio.denominator)) for c in s.values()]
        terms += [(c, -float(ratio.numerator)) for c in y.values()]
        if soft_sharing:
            w = model.var("w", lb=0.0, ub=float(ratio.numerator * max(len(y), 1)))
            terms.append((w, 1.0))
        model.row(terms, 0.0, INF)

    matrix = coverage.matrix.tocsr()
    covers = (_capacity_rows(data, matrix, model, cost, annuity)
              if data.demand is not None else None)

    # Coverage: hamlet i needs min_operators[i] distinct operators.
    soft_coverage = targets.coverage_mode == "soft"
    partial = targets.hamlet_coverage < 1.0
    need = data.hamlets.min_operators
    c_cols: dict[int, int] = {}
    free = 0
    for i in range(data.num_hamlets):
        if need[i] <= 0:
            free += 1
            continue
        by_op: dict[int, list[int]] = {}
        if covers is not None:  # with [demand] the rows count v[i,k]
            by_op = {k: [col] for k, col in covers.get(i, {}).items()}
        else:
            cols = matrix.indices[matrix.indptr[i]:matrix.indptr[i + 1]]
            for col in cols:
                j, k = divmod(int(col), num_ops)
                if (j, k) in model.x:
                    by_op.setdefault(k, []).append(model.x[j, k])
        if soft_coverage or partial:
            c_cols[i] = model.var(f"c[{data.hamlets.ids[i]}]")
        lhs_c = [(c_cols[i], -1.0)] if i in c_cols else []
        lb = 0.0 if i in c_cols else 1.0
        if need[i] == 1:
            terms = [(c, 1.0) for group in by_op.values() for c in group]
            model.row(terms + lhs_c, lb, INF)
        elif need[i] == num_ops:
            for k in range(num_ops):
                model.row([(c, 1.0) for c in by_op.get(k, [])] + lhs_c, lb, INF)
        else:
            zs = []
            for k, group in by_op.items():
                z = model.var(f"z[{data.hamlets.ids[i]},{data.operators[k].id}]")
                model.row([(c, 1.0) for c in group] + [(z, -1.0)], 0.0, INF)
                zs.append((z, 1.0))
            if i in c_cols:
                model.row(zs + [(c_cols[i], -float(need[i]))], 0.0, INF)
            else:
                model.row(zs, float(need[i]), INF)
    if partial and not soft_coverage:
        required = math.ceil(targets.hamlet_coverage * data.num_hamlets - 1e-9) - free
        model.row([(c, 1.0) for c in c_cols.values()], float(max(required, 0)), INF)

    if math.isfinite(targets.budget):
        model.row(list(cost.items()), -INF, targets.budget - constant)

    if soft_coverage:
        model.levels.append((
            "coverage",
            {c: -float(data.hamlets.population[i]) for i, c in c_cols.items()}, 0.0,
        ))
    if soft_sharing:
        model.levels.append(("sharing", {w: 1.0}, 0.0))
    model.levels.append(("cost", cost, constant))
    return model


def _capacity_rows(
    data: ProblemData, matrix, model: PlainModel, cost: dict[int, float], annuity: float,
) -> dict[int, dict[int, int]]:
    """The rows of ``model.md`` "With [demand]"; returns ``hamlet -> {operator: v column}``.

    Adds carriers n[j,k] and carriers paid for e[j,k] to every tenancy column,
    and per hamlet and reaching operator v[i,k] and the shares w[i,j,k].
    """
    demand = data.demand
    sites = data.sites
    num_ops = data.num_operators
    need_mbps = demand.demand_mbps
    capacity = demand.carrier_capacity_mbps
    carrier_cost = demand.carrier_capex + demand.carrier_opex_per_year * annuity
    today = demand.carriers_today
    for (j, k), x in model.x.items():
        top = int(demand.max_carriers[k])
        n = model.var(f"n[{sites.ids[j]},{data.operators[k].id}]", lb=0.0, ub=float(top))
        model.n[j, k] = n
        model.row([(x, 1.0), (n, -1.0)], -INF, 0.0)                  # x <= n
        model.row([(n, 1.0), (x, -float(top))], -INF, 0.0)           # n <= N_k x
        free = max(int(today[j, k]) - 1, 0)
        e = model.var(f"e[{sites.ids[j]},{data.operators[k].id}]", lb=0.0, ub=float(top))
        model.row([(e, 1.0), (n, -1.0), (x, 1.0)], -float(free), INF)  # e >= n - x - free
        cost[e] = float(carrier_cost[k])
    carried: dict[tuple[int, int], list[tuple[int, float]]] = {}
    covers: dict[int, dict[int, int]] = {}
    for i in range(data.num_hamlets):
        by_op: dict[int, list[int]] = {}
        for col in matrix.indices[matrix.indptr[i]:matrix.indptr[i + 1]]:
            j, k = divmod(int(col), num_ops)
            if (j, k) in model.x:
                by_op.setdefault(k, []).append(j)
        for k, reaching in by_op.items():
            served_today = any(data.tenancies[j, k] for j in reaching)
            keep = data.demand.keep_service and served_today
            v = model.var(f"v[{data.hamlets.ids[i]},{data.operators[k].id}]",
                          lb=1.0 if keep else 0.0)
            covers.setdefault(i, {})[k] = v
            shares = []
            for j in reaching:
                x = model.x[j, k]
                model.row([(v, 1.0), (x, -1.0)], 0.0, INF)             # v >= x
                w = model.var(f"w[{data.hamlets.ids[i]},{sites.ids[j]},"
                              f"{data.operators[k].id}]", integer=False)
                model.row([(w, 1.0), (x, -1.0)], -INF, 0.0)            # w <= x
                shares.append((w, 1.0))
                carried.setdefault((j, k), []).append((w, float(need_mbps[i, k])))
            model.row([(v, 1.0)] + [(x_, -1.0) for x_ in (model.x[j, k] for j in reaching)],
                      -INF, 0.0)                                        # v <= sum x
            model.row(shares + [(v, -1.0)], 0.0, 0.0)                   # sum w = v
    for (j, k), terms in carried.items():                               # sum D w <= c n
        model.row(terms + [(model.n[j, k], -float(capacity[k]))], -INF, 0.0)
    return covers


def _plan(model: PlainModel, values: np.ndarray, data: ProblemData) -> np.ndarray:
    tenancies = np.zeros((data.num_sites, data.num_operators), dtype=bool)
    for (j, k), col in model.x.items():
        tenancies[j, k] = values[col] > 0.5
    return tenancies


def _carriers(model: PlainModel, values: np.ndarray, data: ProblemData) -> np.ndarray | None:
    if data.demand is None:
        return None
    carriers = np.zeros((data.num_sites, data.num_operators), dtype=np.int64)
    for (j, k), col in model.n.items():
        carriers[j, k] = round(values[col])
    return carriers


def _solve_levels(
    data: ProblemData, coverage: Coverage | None, time_limit: float, solve_level, solver: str,
) -> BaselineResult:
    """Write the model, then solve its levels in order, fixing each before the next."""
    start = time.perf_counter()
    model = build_plain_model(data, coverage)
    levels: list[dict[str, Any]] = []
    outcome: tuple[str, np.ndarray | None, float, float] = (UNKNOWN, None, INF, -INF)
    all_optimal = True
    for number, (name, objective, constant) in enumerate(model.levels):
        remaining = time_limit - (time.perf_counter() - start)
        last = number == len(model.levels) - 1
        if remaining <= 0.05:
            outcome = (UNKNOWN, None, INF, -INF)
            break
        outcome = solve_level(model, objective, constant, remaining if last else remaining / 2)
        status, values, value, bound = outcome
        levels.append({"level": name, "status": status, "value": value, "bound": bound})
        if values is None:
            break
        all_optimal &= status == OPTIMAL
        if not last:
            achieved = sum(coef * values[c] for c, coef in objective.items())
            model.row(list(objective.items()), -INF, achieved + 1e-6 * max(1.0, abs(achieved)))
    status, values, value, bound = outcome
    elapsed = time.perf_counter() - start
    if values is None or len(levels) < len(model.levels):
        final = INFEASIBLE if status == INFEASIBLE else UNKNOWN
        return BaselineResult(final, INF, INF if final == INFEASIBLE else bound, elapsed, None,
                              solver, tuple(levels))
    return BaselineResult(
        OPTIMAL if all_optimal else FEASIBLE, value, min(bound, value), elapsed,
        _plan(model, values, data), solver, tuple(levels), _carriers(model, values, data),
    )


def plain_highs(
    data: ProblemData,
    time_limit: float = 60.0,
    seed: int = 0,
    threads: int = 1,
    gap: float = 1e-4,
    options: dict[str, Any] | None = None,
    coverage: Coverage | None = None,
) -> BaselineResult:
    """The plain MILP solved by HiGHS (highspy) with default settings.

    Parameters
    ----------
    data
        The problem.
    time_limit
        Seconds for everything (model writing included).
    seed, threads, gap
        HiGHS ``random_seed``, ``threads`` and ``mip_rel_gap``.
    options
        Further HiGHS options by name.
    coverage
        Precomputed coverage (computed when omitted; its time is counted).
    """
    import highspy

    start = time.perf_counter()
    coverage = coverage if coverage is not None else compute_coverage(data)

    def solve_level(model: PlainModel, objective: dict[int, float], constant: float,
                    limit: float):
        deadline = time.perf_counter() + limit
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", int(seed))
        h.setOptionValue("threads", int(threads))
        h.setOptionValue("mip_rel_gap", float(gap))
        for key, value in (options or {}).items():
            h.setOptionValue(key, value)
        n = model.num_vars
        h.addVars(n, np.array(model.lb), np.array(model.ub))
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.where(
            model.integer, highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous))
        cols = np.fromiter(objective.keys(), dtype=np.int32, count=len(objective))
        h.changeColsCost(cols.size, cols, np.fromiter(objective.values(), dtype=float,
                                                      count=len(objective)))
        h.changeObjectiveOffset(float(constant))
        # Rows handed over in one call as CSR arrays.
        lengths = np.array([len(r[0]) for r in model.rows], dtype=np.int32)
        starts = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int32)
        index = np.array([c for r in model.rows for c in r[0]], dtype=np.int32)
        value = np.array([v for r in model.rows for v in r[1]], dtype=float)
        h.addRows(len(model.rows), np.array([r[2] for r in model.rows]),
                  np.array([r[3] for r in model.rows]), index.size, starts, index, value)
        # The limit counts from the call: handing a large model over takes seconds.
        h.setOptionValue("time_limit", float(max(deadline - time.perf_counter(), 0.01)))
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        if status == highspy.HighsModelStatus.kInfeasible:
            return INFEASIBLE, None, INF, INF
        has = info.primal_solution_status >= 1
        # Report the cost of the rounded plan, not the solver's value with its
        # tolerances (75.9999999 for 76); continuous shares stay as they are.
        values = None
        if has:
            values = np.asarray(h.getSolution().col_value)
            values = np.where(model.integer, np.round(values), values)
        obj = (sum(coef * values[c] for c, coef in objective.items()) + constant
               if has else INF)
        bound = float(info.mip_dual_bound)
        label = OPTIMAL if status == highspy.HighsModelStatus.kOptimal else (
            FEASIBLE if has else UNKNOWN)
        if label == OPTIMAL and not math.isfinite(bound):
            bound = obj
        return label, values, obj, bound

    remaining = time_limit - (time.perf_counter() - start)
    result = _solve_levels(data, coverage, remaining, solve_level, "plain-highs")
    return _with_time(result, time.perf_counter() - start)


def _integer_terms(
    coefs: list[float], lb: float, ub: float
) -> tuple[list[int], float, float]:
    """Whole-number coefficients for CP-SAT: scale by 10^d, else round conservatively."""
    vals = np.asarray(coefs, dtype=float)
    for scale in (1, 10, 100, 1000, 10_000, 100_000, 1_000_000):
        if np.allclose(vals * scale, np.round(vals * scale), rtol=0, atol=1e-9):
            lo = math.ceil(lb * scale - 1e-9) if math.isfinite(lb) else -INF
            hi = math.floor(ub * scale + 1e-9) if math.isfinite(ub) else INF
            return [int(v) for v in np.round(vals * scale)], lo, hi
    # Variables are 0/1 or non-negative: rounding coefficients up keeps "<=" rows safe.
    scale = 1_000_000
    return [int(v) for v in np.ceil(vals * scale)], -INF, math.floor(ub * scale)


def plain_cpsat(
    data: ProblemData,
    time_limit: float = 60.0,
    seed: int = 0,
    threads: int = 1,
    gap: float = 1e-4,
    options: dict[str, Any] | None = None,
    coverage: Coverage | None = None,
) -> BaselineResult:
    """The plain MILP solved by CP-SAT (OR-Tools) with default settings.

    Parameters
    ----------
    data
        The problem.
    time_limit
        Seconds for everything (model writing included).
    seed, threads, gap
        CP-SAT ``random_seed``, ``num_workers`` and ``relative_gap_limit``.
    options
        Further CP-SAT parameters by name.
    coverage
        Precomputed coverage (computed when omitted; its time is counted).
    """
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    coverage = coverage if coverage is not None else compute_coverage(data)

    def solve_level(model: PlainModel, objective: dict[int, float], constant: float,
                    limit: float):
        deadline = time.perf_counter() + limit
        cp = cp_model.CpModel()
        # A continuous variable in [0, 1] becomes an integer count of steps.
        step = np.where(model.integer, 1.0, 1.0 / CPSAT_SHARE_STEPS)
        xs = [cp.new_int_var(round(lo / st), round(hi / st), name)
              for name, lo, hi, st in zip(model.names, model.lb, model.ub, step, strict=True)]
        for cols, coefs, lb, ub in model.rows:
            ints, lo, hi = _integer_terms([c * step[col] for col, c in zip(cols, coefs,
                                                                           strict=True)], lb, ub)
            if lo > hi:
                cp.add_bool_or([])  # an empty row that cannot hold
                continue
            expr = cp_model.LinearExpr.weighted_sum([xs[c] for c in cols], ints)
            cp.add_linear_constraint(
                expr, int(lo) if math.isfinite(lo) else cp_model.INT_MIN,
                int(hi) if math.isfinite(hi) else cp_model.INT_MAX,
            )
        cols = list(objective)
        cp.minimize(cp_model.LinearExpr.weighted_sum(
            [xs[c] for c in cols], [float(objective[c] * step[c]) for c in cols]))
        solver = cp_model.CpSolver()
        # The limit counts from the call: writing a large CpModel takes seconds.
        solver.parameters.max_time_in_seconds = float(max(deadline - time.perf_counter(), 0.01))
        solver.parameters.random_seed = int(seed)
        solver.parameters.num_workers = int(threads)
        solver.parameters.relative_gap_limit = float(gap)
        for key, value in (options or {}).items():
            setattr(solver.parameters, key, value)
        status = solver.solve(cp)
        if status == cp_model.INFEASIBLE:
            return INFEASIBLE, None, INF, INF
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return UNKNOWN, None, INF, float(solver.best_objective_bound) + constant
        values = np.array([solver.value(v) for v in xs], dtype=float) * step
        obj = sum(coef * values[c] for c, coef in objective.items()) + constant
        bound = float(solver.best_objective_bound) + constant
        if status == cp_model.OPTIMAL:
            # Optimal means proven: CP-SAT's best_objective_bound can be stale with a
            # fractional objective (seen on S-each: 9% below a proven optimum).
            return OPTIMAL, values, obj, obj
        return FEASIBLE, values, obj, min(bound, obj)

    remaining = time_limit - (time.perf_counter() - start)
    result = _solve_levels(data, coverage, remaining, solve_level, "plain-cpsat")
    return _with_time(result, time.perf_counter() - start)


def _with_time(result: BaselineResult, seconds: float) -> BaselineResult:
    return replace(result, time=seconds)


BASELINES = {"plain-highs": plain_highs, "plain-cpsat": plain_cpsat}
"""Baselines by the name the benchmark runner uses."""
