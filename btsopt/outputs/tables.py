"""Tables of a plan: the DataFrames behind the CSV, GeoJSON and HTML outputs.

Every output format reads the same frames, built once per result by
:func:`build_tables`, so ``sites.csv``, ``sites.geojson``, ``report.html`` and
the notebook API (:mod:`btsopt.frames`) can never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from btsopt.data import AREA_TYPES, ProblemData
from btsopt.evaluation import Evaluation, evaluate, hamlet_coverage_sets
from btsopt.outputs.capacity import (
    carriers_frame,
    demand_kpi_rows,
    hamlet_service_columns,
    site_load_columns,
    tenancy_load,
    tenancy_load_columns,
)
from btsopt.plan import Plan

SITE_STATUSES: tuple[str, ...] = ("kept", "colocated", "new", "removed", "unused")
"""Values of the ``status`` column of the sites table.

``kept``: an existing site still active with no new tenant; ``colocated``: an
existing site that gains a tenant; ``new``: a candidate site built;
``removed``: an existing site that had tenants and is emptied; ``unused``: a
site with no tenant before or after.
"""

_RATIO_TOL = 1e-9  # same tolerance as the evaluator's target checks


def resolve(
    data: ProblemData,
    result_or_evaluation: Any,
    plan: Plan | None = None,
) -> tuple[Any, Evaluation | None, Plan | None]:
    """Split a :class:`~btsopt.result.Result` or an :class:`Evaluation` into its parts.

    Parameters
    ----------
    data
        The problem.
    result_or_evaluation
        A ``Result`` (its plan and evaluation are used) or an ``Evaluation``
        (then ``plan`` is required: the evaluation does not say which operator
        sits where).
    plan
        The plan, when ``result_or_evaluation`` is an evaluation; overrides
        the result's plan otherwise.

    Returns
    -------
    tuple
        ``(result or None, evaluation or None, plan or None)``; the evaluation
        is computed when a result has a plan but no evaluation.

    Raises
    ------
    ValueError
        If an evaluation is given without a plan.
    """
    if isinstance(result_or_evaluation, Evaluation):
        if plan is None:
            raise ValueError("an Evaluation needs the plan it evaluates (plan=...)")
        return None, result_or_evaluation, plan
    result = result_or_evaluation
    plan = plan if plan is not None else getattr(result, "plan", None)
    evaluation = getattr(result, "evaluation", None)
    if plan is not None and evaluation is None:
        evaluation = evaluate(data, plan)
    return result, evaluation, plan


def plan_frame(data: ProblemData, plan: Plan, carriers: bool = False) -> pd.DataFrame:
    """``plan.csv`` rows: every outcome tenancy, and removed ones as ``remove``.

    The rows of :meth:`Plan.rows`, built with array operations (country-scale
    plans are written at every checkpoint: 75,000 rows in a fraction of a
    second instead of a Python loop over every site). With ``carriers`` (a
    scenario with ``[demand]``) a fourth column ``carriers`` holds each outcome
    tenancy's carriers (:meth:`Plan.carrier_counts`), empty on ``remove`` rows.
    """
    outcome = np.asarray(plan.tenancies, dtype=bool)
    before = np.asarray(data.tenancies, dtype=bool)
    site, operator = np.nonzero(outcome | before)  # site, then operator order
    kept, gone = outcome[site, operator], before[site, operator]
    new = kept & ~gone
    # On a candidate site the first new tenant is the builder.
    on_candidate = np.flatnonzero(new & ~np.asarray(data.sites.existing, dtype=bool)[site])
    _, first = np.unique(site[on_candidate], return_index=True)
    builds = np.zeros(site.size, dtype=bool)
    builds[on_candidate[first]] = True
    action = np.select([kept & gone, builds, new], ["keep", "build", "colocate"], "remove")
    frame = pd.DataFrame({
        "site_id": np.asarray(data.sites.ids, dtype=object)[site],
        "operator_id": np.asarray(data.operator_ids, dtype=object)[operator],
        "action": action.astype(object),
    })
    if carriers:
        counts = pd.Series(plan.carrier_counts(data)[site, operator], dtype="Int64")
        frame["carriers"] = counts.where(pd.Series(kept))
    return frame


def site_status(data: ProblemData, plan: Plan) -> np.ndarray:
    """Per site, one of :data:`SITE_STATUSES` (see there)."""
    after = np.asarray(plan.tenancies, dtype=bool)
    before = np.asarray(data.tenancies, dtype=bool)
    active = after.any(axis=1)
    existing = np.asarray(data.sites.existing, dtype=bool)
    gains = (after & ~before).any(axis=1)
    return np.where(
        active,
        np.where(existing, np.where(gains, "colocated", "kept"), "new"),
        np.where(before.any(axis=1), "removed", "unused"),
    ).astype(object)


def site_areas(data: ProblemData) -> tuple[list[str], list[str]]:
    """Commune and district of each site: those of its nearest hamlet.

    Sites carry no administrative labels in the scenario format, so the
    nearest hamlet (equirectangular distance, good enough at province scale)
    stands in for them.
    """
    hamlets, sites = data.hamlets, data.sites
    if len(hamlets) == 0 or len(sites) == 0:
        return [""] * len(sites), [""] * len(sites)
    scale = math.cos(math.radians(float(np.mean(hamlets.lat))))
    tree = cKDTree(np.column_stack([np.asarray(hamlets.lon) * scale, hamlets.lat]))
    _, nearest = tree.query(np.column_stack([np.asarray(sites.lon) * scale, sites.lat]))
    return [hamlets.commune[i] for i in nearest], [hamlets.district[i] for i in nearest]


def _join(labels: tuple[str, ...], matrix: np.ndarray) -> list[str]:
    return [";".join(labels[k] for k in np.flatnonzero(row)) for row in matrix]


def sites_frame(
    data: ProblemData, plan: Plan, evaluation: Evaluation | None = None,
) -> pd.DataFrame:
    """Per site: status, tenants (``;``-separated), shared, and its area.

    Columns: ``site_id, lon, lat, existing, owner, status, tenants,
    tenant_count, new_tenants, removed_tenants, shared, max_tenants, commune,
    district``. ``status`` is one of :data:`SITE_STATUSES`; ``commune`` and
    ``district`` are those of the nearest hamlet. With ``[demand]`` and the
    plan's ``evaluation``, also ``carriers, carriers_added, max_load,
    min_user_mbps`` (see :func:`~btsopt.outputs.capacity.site_load_columns`).
    """
    sites = data.sites
    after = np.asarray(plan.tenancies, dtype=bool)
    before = np.asarray(data.tenancies, dtype=bool)
    count = after.sum(axis=1)
    ops = data.operator_ids
    communes, districts = site_areas(data)
    frame = pd.DataFrame({
        "site_id": sites.ids,
        "lon": sites.lon,
        "lat": sites.lat,
        "existing": np.asarray(sites.existing, dtype=bool),
        "owner": sites.owner,
        "status": site_status(data, plan),
        "tenants": _join(ops, after),
        "tenant_count": count,
        "new_tenants": _join(ops, after & ~before),
        "removed_tenants": _join(ops, before & ~after),
        "shared": count >= 2,
        "max_tenants": sites.max_tenants,
        "commune": communes,
        "district": districts,
    })
    if data.demand is not None and evaluation is not None:
        frame = pd.concat([frame, site_load_columns(data, plan, evaluation)], axis=1)
    return frame


def tenancies_frame(
    data: ProblemData, plan: Plan, sites: pd.DataFrame | None = None,
    evaluation: Evaluation | None = None,
) -> pd.DataFrame:
    """``plan.csv`` rows joined with their site: one row per outcome or removed tenancy.

    Columns: ``site_id, operator_id, action`` (as in ``plan.csv``), then the
    site's ``existing, owner, status, shared, lon, lat, commune, district``.
    With ``[demand]`` and the plan's ``evaluation``, ``carriers`` follows
    ``action`` and the capacity columns ``carriers_today, carriers_added,
    capacity_mbps, carried_mbps, load, user_mbps`` end the row (see
    :func:`~btsopt.outputs.capacity.tenancy_load_columns`).
    """
    sites = sites_frame(data, plan) if sites is None else sites
    rows = plan_frame(data, plan)
    if data.demand is not None and evaluation is not None:
        rows = pd.concat([rows, tenancy_load_columns(data, plan, evaluation, rows)], axis=1)
    columns = ["site_id", "existing", "owner", "status", "shared", "lon", "lat",
               "commune", "district"]
    joined = rows.merge(sites[columns], on="site_id", how="left", validate="many_to_one")
    return joined.rename(columns={"status": "site_status", "shared": "site_shared"})


def hamlets_frame(data: ProblemData, plan: Plan, evaluation: Evaluation) -> pd.DataFrame:
    """Per hamlet: covered or not, by which operators and from which sites.

    Columns: ``hamlet_id, name, commune, district, lon, lat, population,
    area_type, required_operators, covered, operator_count, operators,
    sites`` (``site:operator`` pairs, ``;``-separated); with ``[demand]`` also
    ``subscriptions, served_subscriptions, unserved_operators``.
    """
    hamlets = data.hamlets
    pairs = hamlet_coverage_sets(data, plan)  # hamlets x (site*K + operator), sorted
    ops = data.operator_ids
    num_ops = data.num_operators
    site_ids = data.sites.ids
    by_sites = [
        ";".join(
            f"{site_ids[c // num_ops]}:{ops[c % num_ops]}"
            for c in pairs.indices[pairs.indptr[i] : pairs.indptr[i + 1]]
        )
        for i in range(len(hamlets))
    ]
    frame = pd.DataFrame({
        "hamlet_id": hamlets.ids,
        "name": hamlets.name,
        "commune": hamlets.commune,
        "district": hamlets.district,
        "lon": hamlets.lon,
        "lat": hamlets.lat,
        "population": hamlets.population,
        "area_type": [AREA_TYPES[a] for a in hamlets.area_type],
        "required_operators": hamlets.min_operators,
        "covered": np.asarray(evaluation.hamlet_covered, dtype=bool),
        "operator_count": evaluation.hamlet_operator_count,
        "operators": _join(ops, evaluation.hamlet_covering_operators),
        "sites": by_sites,
    })
    if data.demand is not None:
        frame = pd.concat([frame, hamlet_service_columns(data, evaluation)], axis=1)
    return frame


_AREA_COLUMNS = [
    "hamlets", "population", "covered_hamlets", "covered_population",
    "hamlet_coverage", "active_sites", "shared_sites", "new_sites",
]


def area_frame(hamlets: pd.DataFrame, sites: pd.DataFrame, level: str) -> pd.DataFrame:
    """Coverage and sites per district (``level="district"``) or commune.

    Parameters
    ----------
    hamlets, sites
        Frames of :func:`hamlets_frame` and :func:`sites_frame`.
    level
        ``"district"`` or ``"commune"`` (communes are grouped within their
        district, since commune names repeat across districts).

    Returns
    -------
    pandas.DataFrame
        One row per area, sorted by name, with columns ``district``
        (and ``commune``), ``hamlets, population, covered_hamlets,
        covered_population, hamlet_coverage, active_sites, shared_sites,
        new_sites``. Sites count in the area of their nearest hamlet.
    """
    keys = {"district": ["district"], "commune": ["district", "commune"]}.get(level)
    if keys is None:
        raise ValueError(f"level must be 'district' or 'commune', not {level!r}")
    h = hamlets[keys].copy()
    h["hamlets"] = 1
    h["population"] = hamlets["population"].astype(float)
    h["covered_hamlets"] = hamlets["covered"].astype(int)
    h["covered_population"] = h["population"].where(hamlets["covered"], 0.0)
    by_hamlet = h.groupby(keys, sort=True).sum()
    s = sites[keys].copy()
    s["active_sites"] = (sites["tenant_count"] > 0).astype(int)
    s["shared_sites"] = sites["shared"].astype(int)
    s["new_sites"] = (sites["status"] == "new").astype(int)
    by_site = s.groupby(keys, sort=True).sum()
    frame = by_hamlet.join(by_site, how="outer").fillna(0)
    for column in ("hamlets", "covered_hamlets", "active_sites", "shared_sites", "new_sites"):
        frame[column] = frame[column].astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["hamlet_coverage"] = np.where(
            frame["hamlets"] > 0, frame["covered_hamlets"] / frame["hamlets"].clip(lower=1),
            np.nan,
        )
    return frame.reset_index()[[*keys, *_AREA_COLUMNS]]


def operators_frame(evaluation: Evaluation, plan: Plan, data: ProblemData) -> pd.DataFrame:
    """Per operator (and the third party owning tower-company sites): costs and tenancies.

    Columns: ``party, name, cost, capex, opex, decommission, rent_paid,
    rent_received, npv`` (NPV, in the scenario's currency) and
    ``tenancies, kept, added, removed``; with ``[demand]`` also the
    evaluator's per-operator ``subscriptions, served_subscriptions,
    served_share, carriers_added, max_load``.
    """
    after = np.asarray(plan.tenancies, dtype=bool)
    before = np.asarray(data.tenancies, dtype=bool)
    money = ["cost", "capex", "opex", "decommission", "rent_paid", "rent_received", "npv"]
    rows = []
    for k, op in enumerate(data.operators):
        figures = evaluation.operators.get(op.id, {})
        rows.append({
            "party": op.id, "name": op.name,
            **{key: float(figures.get(key, math.nan)) for key in money},
            "tenancies": int(after[:, k].sum()),
            "kept": int((after[:, k] & before[:, k]).sum()),
            "added": int((after[:, k] & ~before[:, k]).sum()),
            "removed": int((before[:, k] & ~after[:, k]).sum()),
        })
    if data.demand is not None and evaluation.demand is not None:
        for row in rows:
            figures = evaluation.demand["operators"].get(row["party"], {})
            row.update({key: float(figures.get(key, math.nan)) for key in _DEMAND_KEYS})
    third = evaluation.third_party
    rows.append({
        "party": "third_party", "name": "Tower companies and other owners",
        **{key: float(third.get(key, math.nan)) for key in money},
        "tenancies": 0, "kept": 0, "added": 0, "removed": 0,
    })
    return pd.DataFrame(rows)


WORKLIST_COLUMNS: tuple[str, ...] = (
    "party", "action", "site_id", "site_owner", "commune", "district", "lon", "lat",
    "capex", "opex_npv", "decommission", "cost", "rent_npv",
)
"""Columns of :func:`worklist_frame` (and ``worklist.csv``)."""

WORK_ACTIONS: tuple[str, ...] = ("build", "colocate", "remove", "site_build",
                                 "site_decommission")
"""Values of the work list's ``action`` column, in the order rows are sorted."""


def worklist_frame(data: ProblemData, plan: Plan, sites: pd.DataFrame | None = None,
                   evaluation: Evaluation | None = None) -> pd.DataFrame:
    """The work a plan asks for: per party, what to build, install or remove where.

    One row per tenancy that changes (``build``: the first tenant of a new
    site, ``colocate``: a new tenant on an existing or new site, ``remove``:
    a tenancy that ends) and, where a site's owner has no such row there,
    one ``site_build`` or ``site_decommission`` row for the owner (a tower
    company building or taking down a site). Site costs go to the site's
    owner, as in the evaluation: an operator named in ``owner``, the
    builder of a new site without one, else a third party (named by
    ``owner``, or ``third_party`` when empty).

    Parameters
    ----------
    data
        The problem.
    plan
        The plan.
    sites
        :func:`sites_frame` of the plan (computed if not given).
    evaluation
        The plan's evaluation (computed if not given; gives the annuity).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`WORKLIST_COLUMNS`: ``party`` (operator id, or the
        third-party owner), ``action`` (one of :data:`WORK_ACTIONS`),
        ``site_id``, ``site_owner`` (who pays the site's costs),
        ``commune``, ``district`` (of the nearest hamlet), ``lon``, ``lat``,
        and money (NPV, scenario currency): ``capex`` (one-off: site capex
        of a new site its owner builds, tenancy capex), ``opex_npv`` (the
        new site's and tenancy's opex over the horizon), ``decommission``,
        ``cost = capex + opex_npv + decommission`` (part of the system
        cost), ``rent_npv`` (rent the tenant pays a site owner over the
        horizon: a transfer, not in ``cost``). Sorted by party (operators
        in scenario order, then third parties), action, site. Summed over
        all rows, ``capex`` is the system cost's site and tenancy capex and
        ``decommission`` its decommission cost.
    """
    sites = sites_frame(data, plan) if sites is None else sites
    evaluation = evaluate(data, plan) if evaluation is None else evaluation
    a = float(evaluation.annuity_factor)
    econ = data.economics
    after = np.asarray(plan.tenancies, dtype=bool)
    existing = np.asarray(data.sites.existing, dtype=bool)
    ops = data.operator_ids
    index = {op: k for k, op in enumerate(ops)}
    status = sites["status"].to_numpy()
    position = {site_id: j for j, site_id in enumerate(data.sites.ids)}

    def payer(j: int) -> str:
        owner = data.sites.owner[j].strip()
        if owner:
            return owner
        if not existing[j] and after[j].any():
            return ops[int(np.argmax(after[j]))]  # the builder owns it
        return "third_party"

    rows: dict[tuple[str, str], dict[str, Any]] = {}
    site_row = sites.set_index("site_id")

    def add(party: str, action: str, j: int, capex: float = 0.0, opex: float = 0.0,
            decommission: float = 0.0, rent: float = 0.0) -> None:
        key = (party, data.sites.ids[j])
        if key not in rows:
            rec = site_row.loc[data.sites.ids[j]]
            rows[key] = {"party": party, "action": action, "site_id": data.sites.ids[j],
                         "site_owner": payer(j), "commune": rec["commune"],
                         "district": rec["district"], "lon": float(rec["lon"]),
                         "lat": float(rec["lat"]), "capex": 0.0, "opex_npv": 0.0,
                         "decommission": 0.0, "rent_npv": 0.0}
        row = rows[key]
        row["capex"] += capex
        row["opex_npv"] += opex
        row["decommission"] += decommission
        row["rent_npv"] += rent

    for site_id, operator, action in plan.rows(data):
        if action == "keep":
            continue
        j, k = position[site_id], index[operator]
        op = data.operators[k]
        if action == "remove":
            add(operator, action, j, decommission=econ.decommission_cost)
        else:
            rent = 0.0 if payer(j) == operator else float(data.sites.rent_per_year[j]) * a
            add(operator, action, j, capex=op.tenancy_capex,
                opex=op.tenancy_opex_per_year * a, rent=rent)
    for j in np.flatnonzero((status == "new") | (status == "removed")):
        party = payer(int(j))
        if status[j] == "new":
            action = "build" if (party, data.sites.ids[j]) in rows else "site_build"
            add(party, action, int(j), capex=float(data.sites.capex[j]),
                opex=float(data.sites.opex_per_year[j]) * a)
        else:
            action = "remove" if (party, data.sites.ids[j]) in rows else "site_decommission"
            add(party, action, int(j), decommission=econ.decommission_cost)
    frame = pd.DataFrame(list(rows.values()), columns=[c for c in WORKLIST_COLUMNS
                                                       if c != "cost"])
    frame["cost"] = frame["capex"] + frame["opex_npv"] + frame["decommission"]
    party_rank = frame["party"].map(lambda p: index.get(p, len(ops)))
    action_rank = frame["action"].map(WORK_ACTIONS.index)
    order = np.lexsort([frame["site_id"].to_numpy(), action_rank.to_numpy(),
                        frame["party"].to_numpy(), party_rank.to_numpy()])
    return frame.iloc[order].reset_index(drop=True)[list(WORKLIST_COLUMNS)]


_DEMAND_KEYS = ("subscriptions", "served_subscriptions", "served_share", "carriers_added",
                "max_load")


def _target_met(value: float, target: float, larger_is_better: bool = True) -> bool:
    if larger_is_better:
        return bool(value >= target - _RATIO_TOL)
    return bool(value <= target * (1 + 1e-9) + _RATIO_TOL)


def kpi_frame(
    data: ProblemData, evaluation: Evaluation, result: Any = None, plan: Plan | None = None,
) -> pd.DataFrame:
    """The KPIs against the scenario's targets, one row per KPI.

    Parameters
    ----------
    data
        The problem (its targets).
    evaluation
        The plan's evaluation.
    result
        The solve's ``Result``, if any: adds status-free figures ``lower_bound``,
        ``gap`` and ``wall_time_s``.
    plan
        The plan evaluated (default: the result's). With ``[demand]`` it adds
        the demand KPIs of :func:`~btsopt.outputs.capacity.demand_kpi_rows`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``kpi``; columns ``value`` (float), ``target`` (float, NaN
        where there is none; ``inf`` budget when uncapped), ``met`` (nullable
        boolean, NA where there is no target or no budget cap) and ``unit``.
    """
    t = data.targets
    ev = evaluation
    rows: list[tuple[str, float, float, Any, str]] = [
        ("hamlet_coverage", ev.hamlet_coverage, t.hamlet_coverage,
         _target_met(ev.hamlet_coverage, t.hamlet_coverage), "share"),
        ("covered_hamlets", ev.covered_hamlets, math.ceil(t.hamlet_coverage * ev.num_hamlets
                                                          - _RATIO_TOL),
         _target_met(ev.hamlet_coverage, t.hamlet_coverage), "hamlets"),
        ("num_hamlets", ev.num_hamlets, math.nan, pd.NA, "hamlets"),
        ("covered_population", ev.covered_population, math.nan, pd.NA, "people"),
        ("total_population", ev.total_population, math.nan, pd.NA, "people"),
        ("shared_site_ratio", ev.shared_site_ratio, t.shared_site_ratio,
         _target_met(ev.shared_site_ratio, t.shared_site_ratio), "share"),
        ("active_sites", ev.active_sites, math.nan, pd.NA, "sites"),
        ("shared_sites", ev.shared_sites, math.nan, pd.NA, "sites"),
        ("sites_built", ev.sites_built, math.nan, pd.NA, "sites"),
        ("sites_decommissioned", ev.sites_decommissioned, math.nan, pd.NA, "sites"),
        ("tenancies_kept", ev.tenancies_kept, math.nan, pd.NA, "tenancies"),
        ("tenancies_added", ev.tenancies_added, math.nan, pd.NA, "tenancies"),
        ("tenancies_removed", ev.tenancies_removed, math.nan, pd.NA, "tenancies"),
        ("system_cost", ev.system_cost, t.budget,
         _target_met(ev.system_cost, t.budget, larger_is_better=False)
         if math.isfinite(t.budget) else pd.NA, data.currency),
    ]
    plan = plan if plan is not None else getattr(result, "plan", None)
    if data.demand is not None and evaluation.demand is not None and plan is not None:
        rows += demand_kpi_rows(data, evaluation, tenancy_load(data, plan, evaluation))
    if result is not None:
        rows += [
            ("lower_bound", float(result.lower_bound), math.nan, pd.NA, data.currency),
            ("gap", float(result.gap), math.nan, pd.NA, "share"),
            ("wall_time_s", float(result.wall_time), math.nan, pd.NA, "s"),
        ]
    frame = pd.DataFrame(
        [(name, float(value), float(target), met, unit)
         for name, value, target, met, unit in rows],
        columns=["kpi", "value", "target", "met", "unit"],
    ).set_index("kpi")
    frame["met"] = frame["met"].astype("boolean")
    return frame


def cost_frame(evaluation: Evaluation) -> pd.DataFrame:
    """The system cost breakdown: columns ``item, cost, share`` plus a total row."""
    items = list(evaluation.cost.items())
    total = float(evaluation.system_cost)
    frame = pd.DataFrame(items + [("system_cost", total)], columns=["item", "cost"])
    frame["share"] = frame["cost"] / total if total else 0.0
    return frame


@dataclass(frozen=True, eq=False)
class PlanTables:
    """Every table of one plan (see the ``*_frame`` functions for the columns).

    Attributes
    ----------
    plan, evaluation
        What the tables describe.
    sites, tenancies, hamlets
        Per site, per tenancy (``plan.csv`` rows), per hamlet.
    districts, communes
        Coverage and sites per area.
    operators
        Costs and tenancies per operator (and third party).
    kpis
        KPIs against the targets.
    cost
        System cost breakdown.
    worklist
        What to build, install and remove, per party (:func:`worklist_frame`).
    carriers
        With ``[demand]``: carriers and load per district and operator
        (:func:`~btsopt.outputs.capacity.carriers_frame`); else ``None``.
    """

    plan: Plan
    evaluation: Evaluation
    sites: pd.DataFrame
    tenancies: pd.DataFrame
    hamlets: pd.DataFrame
    districts: pd.DataFrame
    communes: pd.DataFrame
    operators: pd.DataFrame
    kpis: pd.DataFrame
    cost: pd.DataFrame
    worklist: pd.DataFrame
    carriers: pd.DataFrame | None = None


def build_tables(
    data: ProblemData,
    result_or_evaluation: Any,
    plan: Plan | None = None,
) -> PlanTables:
    """Build every table of a plan once.

    Parameters
    ----------
    data
        The problem.
    result_or_evaluation
        A ``Result`` with a plan, or an ``Evaluation`` (then pass ``plan``).
    plan
        The plan evaluated, when an ``Evaluation`` is given.

    Raises
    ------
    ValueError
        If there is no plan (an infeasible result) or an evaluation comes
        without its plan.
    """
    result, evaluation, plan = resolve(data, result_or_evaluation, plan)
    if plan is None or evaluation is None:
        status = getattr(result, "status", "unknown")
        raise ValueError(f"the result has no plan (status {status}): nothing to tabulate")
    sites = sites_frame(data, plan, evaluation)
    hamlets = hamlets_frame(data, plan, evaluation)
    tenancies = tenancies_frame(data, plan, sites, evaluation)
    return PlanTables(
        plan=plan,
        evaluation=evaluation,
        sites=sites,
        tenancies=tenancies,
        hamlets=hamlets,
        districts=area_frame(hamlets, sites, "district"),
        communes=area_frame(hamlets, sites, "commune"),
        operators=operators_frame(evaluation, plan, data),
        kpis=kpi_frame(data, evaluation, result, plan),
        cost=cost_frame(evaluation),
        worklist=worklist_frame(data, plan, sites, evaluation),
        carriers=carriers_frame(tenancies, data) if data.demand is not None else None,
    )
