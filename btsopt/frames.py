"""DataFrames of a plan for notebooks: ``result_frames(data, result)``.

The same tables that ``btsopt solve`` writes (``sites.csv``, ``plan.csv``,
``hamlets.csv``) and that ``report.html`` shows, as pandas DataFrames::

    import btsopt
    from btsopt.frames import result_frames

    data = btsopt.read_scenario("scenarios/tiny/scenario.toml")
    frames = result_frames(data, btsopt.solve(data))
    frames.kpis                      # KPIs against the Plan 137 targets
    frames.sites.query("shared")     # the shared sites
    frames.districts                 # coverage and sites per district
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

from btsopt.data import ProblemData
from btsopt.evaluation import Evaluation
from btsopt.outputs.tables import build_tables
from btsopt.plan import Plan


@dataclass(frozen=True, eq=False)
class ResultFrames:
    """The tables of one plan, as DataFrames.

    Attributes
    ----------
    sites
        One row per site: ``site_id, lon, lat, existing, owner, status``
        (``kept``, ``colocated``, ``new``, ``removed`` or ``unused``),
        ``tenants`` (``;``-separated operator ids), ``tenant_count``,
        ``new_tenants``, ``removed_tenants``, ``shared``, ``max_tenants``,
        ``commune``, ``district`` (those of the nearest hamlet).
    tenancies
        One row per ``plan.csv`` row: ``site_id, operator_id, action``
        (``keep``, ``colocate``, ``build``, ``remove``) and the site's
        ``existing, owner, site_status, site_shared, lon, lat, commune,
        district``.
    hamlets
        One row per hamlet: ``hamlet_id, name, commune, district, lon, lat,
        population, area_type, required_operators, covered, operator_count,
        operators, sites``.
    kpis
        Indexed by KPI name (``hamlet_coverage``, ``shared_site_ratio``,
        ``system_cost``, ``active_sites``, ...): ``value, target, met, unit``.
    districts, communes
        Per area: ``hamlets, population, covered_hamlets, covered_population,
        hamlet_coverage, active_sites, shared_sites, new_sites``.
    operators
        Per operator and ``third_party``: own ``cost`` (``capex + opex +
        decommission``), ``rent_paid``, ``rent_received``, ``npv`` and
        tenancy counts.
    cost
        The system cost breakdown (``item, cost, share``), with a
        ``system_cost`` total row.
    plan, evaluation
        What the frames describe.
    carriers
        With ``[demand]``: per district and operator ``tenancies, carriers,
        carriers_added, carried_mbps, capacity_mbps, max_load,
        min_user_mbps``; ``None`` otherwise. With ``[demand]`` the other
        frames gain their capacity columns too: ``tenancies`` (``carriers``,
        ``load``, ``user_mbps``, ...), ``sites`` (``max_load``, ...),
        ``hamlets`` (``subscriptions``, ``served_subscriptions``, ...),
        ``operators`` and ``kpis`` (``served_share``, ``max_load``,
        ``min_user_mbps``, ...).
    """

    sites: pd.DataFrame
    tenancies: pd.DataFrame
    hamlets: pd.DataFrame
    kpis: pd.DataFrame
    districts: pd.DataFrame
    communes: pd.DataFrame
    operators: pd.DataFrame
    cost: pd.DataFrame
    plan: Plan
    evaluation: Evaluation
    carriers: pd.DataFrame | None = None

    def as_dict(self) -> dict[str, pd.DataFrame]:
        """The DataFrames by name (``sites``, ``tenancies``, ..., ``cost``)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), pd.DataFrame)
        }

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name}={frame.shape}" for name, frame in self.as_dict().items())
        return f"ResultFrames({shapes})"


def result_frames(
    data: ProblemData,
    result: Any,
    plan: Plan | None = None,
) -> ResultFrames:
    """The DataFrames of a solve result or of an evaluated plan.

    Parameters
    ----------
    data
        The problem.
    result
        A :class:`~btsopt.result.Result` from :func:`btsopt.solve`, or an
        :class:`~btsopt.evaluation.Evaluation` from :func:`btsopt.evaluate`
        (then pass the ``plan`` it evaluated).
    plan
        The plan, with an ``Evaluation``.

    Returns
    -------
    ResultFrames
        ``.sites``, ``.tenancies``, ``.hamlets``, ``.kpis``, ``.districts``,
        ``.communes``, ``.operators``, ``.cost`` (and ``.carriers`` with ``[demand]``).

    Raises
    ------
    ValueError
        If the result has no plan (infeasible, or none found in time), or an
        evaluation is given without its plan.

    Examples
    --------
    >>> frames = result_frames(data, result)                  # doctest: +SKIP
    >>> frames.kpis.loc["shared_site_ratio", ["value", "target", "met"]]  # doctest: +SKIP
    """
    tables = build_tables(data, result, plan)
    return ResultFrames(
        sites=tables.sites,
        tenancies=tables.tenancies,
        hamlets=tables.hamlets,
        kpis=tables.kpis,
        districts=tables.districts,
        communes=tables.communes,
        operators=tables.operators,
        cost=tables.cost,
        plan=tables.plan,
        evaluation=tables.evaluation,
        carriers=tables.carriers,
    )
