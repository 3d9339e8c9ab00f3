"""Load and service of a plan with ``[demand]``: the columns and tables behind the outputs.

For a scenario with ``[demand]`` (format v2) every output shows what capacity
changes: per tenancy its carriers, the share of its capacity its traffic takes
(the evaluator's ``tenancy_load``) and the mean rate its users get; per site
the highest load; per hamlet the subscriptions left without service; per
district and operator the carriers added. A v1 scenario gets none of these.

The mean user rate follows the processor-sharing cell of ``scenario-format.md``:
a carrier loaded to ``rho`` of its raw rate gives its users ``peak x (1 - rho)``
on average. Capacity ``c_k`` already stops at the load that still gives
``user_mbps``, so a tenancy at ``load`` (a share of ``n x c_k``) runs at
``rho = load x (1 - user_mbps / peak_mbps)``, and at ``load = 1`` its users get
exactly ``user_mbps``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from btsopt.data import ProblemData
from btsopt.evaluation import Evaluation
from btsopt.plan import Plan

__all__ = [
    "TenancyLoad",
    "carriers_frame",
    "demand_kpi_rows",
    "hamlet_service_columns",
    "site_load_columns",
    "tenancy_load",
    "tenancy_load_columns",
]


@dataclass(frozen=True, eq=False)
class TenancyLoad:
    """Per (site, operator) figures of a plan's tenancies; 0 or NaN where there is none.

    Attributes
    ----------
    carriers
        Carriers of each outcome tenancy.
    carriers_today
        Carriers installed today (0 where no tenancy today).
    carriers_added
        Carriers paid for: beyond today's (a new tenancy's first carrier is
        part of its tenancy capex).
    capacity_mbps
        ``carriers x c_k``: what the tenancy carries while its users get ``user_mbps``.
    carried_mbps
        Busy-hour traffic it carries (the evaluator's split).
    load
        ``carried / capacity`` (NaN where there is no tenancy).
    user_mbps
        Estimated mean busy-hour rate of its users, ``peak x (1 - rho)``.
    """

    carriers: np.ndarray
    carriers_today: np.ndarray
    carriers_added: np.ndarray
    capacity_mbps: np.ndarray
    carried_mbps: np.ndarray
    load: np.ndarray
    user_mbps: np.ndarray


def tenancy_load(data: ProblemData, plan: Plan, evaluation: Evaluation) -> TenancyLoad:
    """Carriers, capacity, load and mean user rate of every tenancy of ``plan``.

    Parameters
    ----------
    data
        A scenario with ``[demand]``.
    plan
        The plan (its carriers, or the defaults).
    evaluation
        The evaluator's verdict on ``plan`` (its ``tenancy_load``).
    """
    demand = data.demand
    if demand is None:
        raise ValueError("the scenario has no [demand]: its tenancies have no load")
    active = np.asarray(plan.tenancies, dtype=bool)
    carriers = np.where(active, plan.carrier_counts(data), 0).astype(np.int64)
    today = np.asarray(demand.carriers_today, dtype=np.int64)
    added = np.where(active, np.maximum(carriers - np.maximum(today, 1), 0), 0)
    capacity = carriers * demand.carrier_capacity_mbps[None, :]
    load = np.where(active, np.asarray(evaluation.tenancy_load, dtype=float), np.nan)
    carried = np.where(active, evaluation.capacity.carried_mbps, 0.0)
    headroom = 1.0 - demand.user_mbps / demand.peak_mbps
    rate = demand.peak_mbps[None, :] * (1.0 - load * headroom[None, :])
    return TenancyLoad(carriers, today, added, capacity, carried, load, rate)


def tenancy_load_columns(
    data: ProblemData, plan: Plan, evaluation: Evaluation, rows: pd.DataFrame,
) -> pd.DataFrame:
    """Capacity columns for ``plan.csv``-shaped rows (``site_id, operator_id, action``).

    Columns: ``carriers`` (empty on ``remove`` rows), ``carriers_today``,
    ``carriers_added``, ``capacity_mbps``, ``carried_mbps``, ``load`` (share of
    capacity) and ``user_mbps`` (estimated mean user rate), aligned with ``rows``.
    """
    figures = tenancy_load(data, plan, evaluation)
    site_index = {sid: j for j, sid in enumerate(data.sites.ids)}
    op_index = {op.id: k for k, op in enumerate(data.operators)}
    j = rows["site_id"].map(site_index).to_numpy(dtype=np.int64)
    k = rows["operator_id"].map(op_index).to_numpy(dtype=np.int64)
    outcome = (rows["action"] != "remove").to_numpy()

    def pick(matrix: np.ndarray) -> np.ndarray:
        return matrix[j, k] if len(rows) else np.zeros(0)

    carriers = pd.Series(pick(figures.carriers), index=rows.index, dtype="Int64")
    return pd.DataFrame({
        "carriers": carriers.where(outcome),
        "carriers_today": pick(figures.carriers_today).astype(np.int64),
        "carriers_added": pick(figures.carriers_added).astype(np.int64),
        "capacity_mbps": pick(figures.capacity_mbps).astype(float),
        "carried_mbps": pick(figures.carried_mbps).astype(float),
        "load": pick(figures.load).astype(float),
        "user_mbps": pick(figures.user_mbps).astype(float),
    }, index=rows.index)


def site_load_columns(data: ProblemData, plan: Plan, evaluation: Evaluation) -> pd.DataFrame:
    """Per site: ``carriers`` (all tenants), ``carriers_added``, ``max_load`` (the
    highest tenancy load, NaN on a site without tenants) and ``min_user_mbps``."""
    figures = tenancy_load(data, plan, evaluation)
    active = np.asarray(plan.tenancies, dtype=bool).any(axis=1)
    with np.errstate(invalid="ignore"):
        max_load = np.where(active, np.nanmax(np.where(plan.tenancies, figures.load, -np.inf),
                                              axis=1), np.nan)
        min_rate = np.where(active, np.nanmin(np.where(plan.tenancies, figures.user_mbps,
                                                       np.inf), axis=1), np.nan)
    return pd.DataFrame({
        "carriers": figures.carriers.sum(axis=1),
        "carriers_added": figures.carriers_added.sum(axis=1),
        "max_load": max_load,
        "min_user_mbps": min_rate,
    })


def hamlet_service_columns(data: ProblemData, evaluation: Evaluation) -> pd.DataFrame:
    """Per hamlet: ``subscriptions``, ``served_subscriptions`` and
    ``unserved_operators`` (``;``-separated ids of operators with subscribers
    there but no service).

    Served subscriptions are the evaluator's: each covering operator's share
    of the hamlet's subscriptions, times the part of its demand the plan's
    tenancies carry (all of it unless their capacity falls short).
    """
    demand = data.demand
    if demand is None or evaluation.capacity is None:
        raise ValueError("the scenario has no [demand]: its hamlets have no subscriptions")
    covering = np.asarray(evaluation.hamlet_covering_operators, dtype=bool)
    subscriptions = np.asarray(demand.subscriptions, dtype=float)
    shares = np.asarray(demand.market_share, dtype=float)
    need = demand.demand_mbps
    with np.errstate(invalid="ignore", divide="ignore"):
        carried = np.where(need > 0, evaluation.capacity.served_mbps / need, covering)
    served = subscriptions * (np.clip(carried, 0.0, 1.0) * shares[None, :]).sum(axis=1)
    missing = ~covering & (shares > 0)[None, :] & (subscriptions > 0)[:, None]
    ops = data.operator_ids
    return pd.DataFrame({
        "subscriptions": subscriptions,
        "served_subscriptions": served,
        "unserved_operators": [";".join(ops[k] for k in np.flatnonzero(row))
                               for row in missing],
    })


def carriers_frame(tenancies: pd.DataFrame, data: ProblemData) -> pd.DataFrame:
    """Carriers and load per district and operator.

    Parameters
    ----------
    tenancies
        The tenancies table with its capacity columns and ``district``.
    data
        The problem (operator order).

    Returns
    -------
    pandas.DataFrame
        One row per (district, operator) with outcome tenancies: ``tenancies,
        carriers, carriers_added, carried_mbps, capacity_mbps, max_load,
        min_user_mbps``, sorted by district then operator order.
    """
    rows = tenancies[tenancies["action"] != "remove"]
    order = {op: k for k, op in enumerate(data.operator_ids)}
    columns = ["district", "operator_id", "tenancies", "carriers", "carriers_added",
               "carried_mbps", "capacity_mbps", "max_load", "min_user_mbps"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    frame = rows.assign(tenancies=1, carriers=rows["carriers"].astype(np.int64)).groupby(
        ["district", "operator_id"], sort=False,
    ).agg(
        tenancies=("tenancies", "sum"),
        carriers=("carriers", "sum"),
        carriers_added=("carriers_added", "sum"),
        carried_mbps=("carried_mbps", "sum"),
        capacity_mbps=("capacity_mbps", "sum"),
        max_load=("load", "max"),
        min_user_mbps=("user_mbps", "min"),
    ).reset_index()
    frame["_order"] = frame["operator_id"].map(order)
    frame = frame.sort_values(["district", "_order"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)[columns]


def demand_kpi_rows(
    data: ProblemData, evaluation: Evaluation, figures: TenancyLoad,
) -> list[tuple[str, float, float, object, str]]:
    """KPI rows ``(kpi, value, target, met, unit)`` of the demand figures.

    ``served_share`` (target 1 where ``keep_service`` holds the existing
    service, else none), ``subscriptions``, ``served_subscriptions``,
    ``unserved_subscriptions``, ``carriers_added``, ``max_load`` (target 1:
    no tenancy above its capacity), ``min_user_mbps`` and
    ``mean_user_mbps`` (traffic-weighted) against ``user_mbps``.
    """
    demand = data.demand
    summary = evaluation.demand
    total = float(summary["subscriptions"])
    served = float(summary["served_subscriptions"])
    max_load = float(summary["max_load"])
    rates = figures.user_mbps[np.isfinite(figures.user_mbps)]
    weights = figures.carried_mbps[np.isfinite(figures.user_mbps)]
    min_rate = float(rates.min()) if rates.size else math.nan
    mean_rate = (float(np.average(rates, weights=weights)) if weights.sum() > 0
                 else (float(rates.mean()) if rates.size else math.nan))
    target = float(demand.user_mbps)
    na = pd.NA
    return [
        ("subscriptions", total, math.nan, na, "subscriptions"),
        ("served_subscriptions", served, math.nan, na, "subscriptions"),
        ("unserved_subscriptions", total - served, math.nan, na, "subscriptions"),
        ("served_share", float(summary["served_share"]), math.nan, na, "share"),
        ("carriers_added", float(summary["carriers_added"]), math.nan, na, "carriers"),
        ("max_load", max_load, 1.0, bool(max_load <= 1.0 + 1e-9), "share"),
        ("min_user_mbps", min_rate, target,
         bool(min_rate >= target - 1e-6) if math.isfinite(min_rate) else na, "Mb/s"),
        ("mean_user_mbps", mean_rate, target,
         bool(mean_rate >= target - 1e-6) if math.isfinite(mean_rate) else na, "Mb/s"),
    ]
