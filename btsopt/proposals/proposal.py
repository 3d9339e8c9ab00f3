"""Proposals: a list of changes to today's network, applied and scored.

A proposal file (scenario format, "Plans and proposals") has the columns
``operator_id,site_id,action`` with ``action`` one of

- ``colocate``: add a tenancy on an existing or candidate site,
- ``build``: build a candidate site and install the builder there,
- ``remove``: drop an existing tenancy,
- ``carriers``: set an existing tenancy's carriers to the row's ``carriers``
  (a scenario with ``[demand]`` only).

With ``[demand]`` the optional column ``carriers`` gives a ``colocate`` or
``build`` row's new tenancy its carriers (empty: 1, the default of a new
tenancy); tenancies no row names keep today's carriers.

Two kinds of problems are told apart:

- *malformed* proposals cannot be applied at all and raise
  :class:`~btsopt.errors.PlanError` (exit status 2 on the command line),
  naming file, row and column: missing columns, empty fields, unknown ids
  or actions, and rows that contradict today's network (``build`` on an
  existing site or on a candidate another row already builds, ``colocate``
  where the operator already is, ``remove`` of a tenancy that does not
  exist, two rows for the same operator and site), and carriers that are not
  a whole number from 1 to the operator's ``max_carriers``, on a ``remove``
  row, or in a scenario without ``[demand]``. Such a file was written
  against another network; guessing what it meant would misreport it.
- *rule-breaking* proposals apply fine, and their breaches are reported as
  violations of the outcome: tenant limits, operators not allowed, locked
  sites, removals the policy forbids, hamlets that were covered and no
  longer are, and targets missed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from btsopt.data import LOCK_IN, LOCK_OUT, ProblemData
from btsopt.errors import PlanError
from btsopt.evaluation import THIRD_PARTY, Evaluation, evaluate, hamlet_coverage_sets
from btsopt.plan import Plan, carriers_cell

PROPOSAL_ACTIONS: tuple[str, ...] = ("colocate", "build", "remove", "carriers")
"""Actions a proposal row may take."""

PROPOSAL_COLUMNS: tuple[str, ...] = ("operator_id", "site_id", "action")
"""Required columns; ``carriers`` is optional (scenarios with ``[demand]``)."""

STRUCTURAL_KINDS: frozenset[str] = frozenset(
    {"tenant_limit", "not_allowed", "locked_out", "relocation", "decommission"}
)
"""Violation kinds caused by the proposal's own rows, which no further
tenancy can repair (as opposed to coverage and sharing targets)."""

COST_FIELDS: tuple[str, ...] = (
    "cost", "capex", "opex", "decommission", "rent_paid", "rent_received", "npv",
)
"""Per-operator cost figures (NPV), as the evaluator reports them."""

_MAX_NAMED = 10  # hamlet ids named in one message
LIST_LIMIT = 20
"""Items a text report lists before it says how many more there are (``--all``: every one)."""


def cut_list(items: Iterable[str], limit: int | None = LIST_LIMIT) -> str:
    """``items`` joined by commas, the first ``limit`` of them (``None``: all),
    then how many more and how to see them (``--all``)."""
    items = list(items)
    if limit is None or len(items) <= limit:
        return ", ".join(items)
    return (", ".join(items[:limit])
            + f" and {len(items) - limit} more (--all lists every one)")


@dataclass(frozen=True)
class Change:
    """One row of a proposal.

    Attributes
    ----------
    operator_id, site_id
        Who, where.
    action
        ``colocate``, ``build``, ``remove`` or ``carriers``.
    row
        The 1-based data row in the proposal file (``None`` when built in code);
        messages name its :attr:`line`.
    carriers
        The tenancy's carriers after the change (``None``: the default).
    """

    operator_id: str
    site_id: str
    action: str
    row: int | None = None
    carriers: int | None = None

    @property
    def line(self) -> int | None:
        """The row's line as an editor shows it (the header is line 1)."""
        return None if self.row is None else self.row + 1

    def describe(self) -> str:
        """``"row 3 (colocate viettel on S12)"`` or without the row."""
        what = f"{self.action} {self.operator_id} on {self.site_id}"
        if self.carriers is not None:
            what += f" with {self.carriers} carrier{'s' if self.carriers != 1 else ''}"
        return f"line {self.line} ({what})" if self.line is not None else what


@dataclass(frozen=True, eq=False)
class Proposal:
    """Changes to today's network, already checked against one scenario.

    Build one with :func:`read_proposal`, :meth:`from_changes` or
    :meth:`from_plan`; all three validate the rows, so ``added``,
    ``removed`` and ``builders`` never contradict the network.

    Attributes
    ----------
    changes
        The rows, in file order.
    added, removed
        (sites x operators) booleans: tenancies the proposal adds (``colocate``
        and ``build``) and existing ones it drops.
    builders
        Site index -> operator index for every ``build`` row.
    source
        The file read, if any.
    carriers
        (sites x operators) carriers the rows set (0 where no row sets any:
        today's count for a kept tenancy, 1 for a new one); ``None`` when no
        row sets carriers.
    """

    changes: tuple[Change, ...]
    added: np.ndarray
    removed: np.ndarray
    builders: dict[int, int]
    source: str | None = None
    carriers: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("added", "removed"):
            array = np.ascontiguousarray(getattr(self, name), dtype=bool)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        if self.carriers is not None:
            array = np.ascontiguousarray(self.carriers, dtype=np.int64)
            array.setflags(write=False)
            object.__setattr__(self, "carriers", array)

    @classmethod
    def from_changes(
        cls, data: ProblemData, changes: Iterable[Change], source: str | None = None
    ) -> Proposal:
        """Validate rows against ``data`` (raises :class:`PlanError` when malformed)."""
        return _build(data, tuple(changes), source)

    @classmethod
    def from_plan(cls, data: ProblemData, plan: Plan) -> Proposal:
        """The proposal that turns today's network into ``plan``.

        New tenancies become ``build`` (the first tenant of a candidate site,
        in operator order, as in ``plan.csv``) or ``colocate``; dropped ones
        ``remove``. With ``[demand]`` and a plan that sets carriers, new
        tenancies carry their carriers and kept ones whose count changes
        become ``carriers`` rows.
        """
        carriers = plan.carrier_counts(data) if data.demand is not None else None
        today = data.demand.carriers_today if data.demand is not None else None
        site_index = {sid: j for j, sid in enumerate(data.sites.ids)}
        op_index = {op.id: k for k, op in enumerate(data.operators)}
        changes = []
        for site, op, action in plan.rows(data):
            j, k = site_index[site], op_index[op]
            if carriers is None or action == "remove":
                count = None
            else:
                count = int(carriers[j, k])
            if action == "keep":
                if count is None or count == max(int(today[j, k]), 1):
                    continue
                action = "carriers"
            changes.append(Change(operator_id=op, site_id=site, action=action,
                                  carriers=count))
        return _build(data, tuple(changes), None)

    def __len__(self) -> int:
        return len(self.changes)

    def counts(self) -> dict[str, int]:
        """Rows per action (``carriers`` only when some row sets carriers)."""
        actions = PROPOSAL_ACTIONS if self.carriers is not None else PROPOSAL_ACTIONS[:3]
        return {a: sum(c.action == a for c in self.changes) for a in actions}

    def apply(self, data: ProblemData) -> Plan:
        """The outcome: today's tenancies, minus removals, plus additions.

        With carriers set by some row, the plan holds every tenancy's
        carriers: the rows' counts, else the default.
        """
        outcome = Plan((np.asarray(data.tenancies, bool) & ~self.removed) | self.added)
        if self.carriers is None:
            return outcome
        default = outcome.carrier_counts(data)
        return Plan(outcome.tenancies, np.where(self.carriers > 0, self.carriers, default))

    def owned_data(self, data: ProblemData) -> ProblemData:
        """``data`` with each built candidate site owned by the operator who builds it.

        The evaluator gives an ownerless candidate to its first tenant in
        operator order; a proposal names its builder, who pays the capex and
        collects rent, so the owner column is filled in instead.
        """
        if not self.builders:
            return data
        owner = list(data.sites.owner)
        for j, k in self.builders.items():
            if not owner[j].strip():
                owner[j] = data.operators[k].id
        return replace(data, sites=replace(data.sites, owner=tuple(owner)))

    def write_csv(self, path: str | Path) -> None:
        """Write the proposal file (``operator_id,site_id,action``, plus
        ``carriers`` when a row sets carriers)."""
        with_carriers = any(c.carriers is not None for c in self.changes)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(PROPOSAL_COLUMNS + (("carriers",) if with_carriers else ()))
            for change in self.changes:
                row = [change.operator_id, change.site_id, change.action]
                if with_carriers:
                    row.append("" if change.carriers is None else str(change.carriers))
                writer.writerow(row)


def read_proposal(path: str | Path, data: ProblemData) -> Proposal:
    """Read and validate a proposal CSV.

    Parameters
    ----------
    path
        The proposal file (UTF-8, optional BOM; extra columns ignored).
    data
        The scenario it changes.

    Returns
    -------
    Proposal

    Raises
    ------
    PlanError
        When the file is malformed (see the module docstring), naming the
        file, the 1-based data row and the column.
    """
    path = Path(path)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise PlanError(f"cannot open proposal: {exc.strerror}", file=str(path)) from None
    changes: list[Change] = []
    with handle:
        reader = csv.DictReader(handle)
        fields = [(name or "").strip() for name in (reader.fieldnames or [])]
        for column in PROPOSAL_COLUMNS:
            if column not in fields:
                raise PlanError(
                    f"missing required column (a proposal needs {','.join(PROPOSAL_COLUMNS)})",
                    file=str(path), column=column,
                )
        try:
            for raw in reader:
                # Physical line minus the header: what a spreadsheet user counts.
                row_number = reader.line_num - 1
                row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
                for column in PROPOSAL_COLUMNS:
                    if not row.get(column):
                        raise PlanError("empty value", file=str(path), row=row_number,
                                        column=column, line=reader.line_num)
                changes.append(Change(
                    operator_id=row["operator_id"], site_id=row["site_id"],
                    action=row["action"].lower(), row=row_number,
                    carriers=carriers_cell(row.get("carriers", ""), path, row_number),
                ))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise PlanError(f"not a readable CSV file: {exc}", file=str(path)) from None
    return _build(data, tuple(changes), str(path))


def _check_carriers(data: ProblemData, change: Change, k: int, fail) -> None:
    """A row's carriers: only with [demand], not on removals, within max_carriers."""
    if change.action == "carriers" and change.carriers is None:
        raise fail(change, "the action 'carriers' needs a value in the column 'carriers'",
                   "carriers")
    if change.carriers is None:
        return
    if data.demand is None:
        raise fail(change, "carriers need a scenario with a [demand] section", "carriers")
    if change.action == "remove":
        raise fail(change, "a removed tenancy has no carriers (leave the cell empty)",
                   "carriers")
    top = int(data.demand.max_carriers[k])
    if change.carriers > top:
        raise fail(change, f"{change.carriers} carriers, above max_carriers of "
                   f"{change.operator_id} ({top})", "carriers")


def _build(data: ProblemData, changes: tuple[Change, ...], source: str | None) -> Proposal:
    """Check rows against the network and turn them into matrices."""
    site_index = {sid: j for j, sid in enumerate(data.sites.ids)}
    op_index = {op.id: k for k, op in enumerate(data.operators)}
    before = np.asarray(data.tenancies, dtype=bool)
    existing = np.asarray(data.sites.existing, dtype=bool)
    added = np.zeros_like(before)
    removed = np.zeros_like(before)
    carriers = np.zeros(before.shape, dtype=np.int64)
    builders: dict[int, int] = {}
    seen: dict[tuple[int, int], Change] = {}
    built_by: dict[int, Change] = {}

    def fail(change: Change, message: str, column: str) -> PlanError:
        return PlanError(message, file=source, row=change.row, column=column,
                         line=change.line)

    for change in changes:
        if change.action not in PROPOSAL_ACTIONS:
            raise fail(change, f"unknown action '{change.action}' (expected one of "
                       f"{', '.join(PROPOSAL_ACTIONS)})", "action")
        if change.operator_id not in op_index:
            raise fail(change, f"unknown operator '{change.operator_id}' (operators: "
                       f"{', '.join(op_index)})", "operator_id")
        if change.site_id not in site_index:
            raise fail(change, f"unknown site '{change.site_id}'", "site_id")
        j, k = site_index[change.site_id], op_index[change.operator_id]
        if (j, k) in seen:
            raise fail(change, f"operator {change.operator_id} on site {change.site_id} is "
                       f"already changed by {seen[(j, k)].describe()}", "site_id")
        seen[(j, k)] = change
        _check_carriers(data, change, k, fail)
        if change.carriers is not None:
            carriers[j, k] = change.carriers
        if change.action == "carriers":
            if not before[j, k]:
                raise fail(change, f"cannot set carriers: operator {change.operator_id} has "
                           f"no tenancy on site {change.site_id} today (use colocate)",
                           "site_id")
            continue
        if change.action == "remove":
            if not before[j, k]:
                raise fail(change, f"cannot remove: operator {change.operator_id} has no "
                           f"tenancy on site {change.site_id} today", "site_id")
            removed[j, k] = True
            continue
        if before[j, k]:
            raise fail(change, f"cannot {change.action}: operator {change.operator_id} is "
                       f"already on site {change.site_id}", "site_id")
        if change.action == "build":
            if existing[j]:
                raise fail(change, f"cannot build: site {change.site_id} already exists "
                           "(use colocate)", "site_id")
            if j in built_by:
                raise fail(change, f"cannot build: site {change.site_id} is already built by "
                           f"{built_by[j].describe()} (use colocate)", "site_id")
            built_by[j] = change
            builders[j] = k
        added[j, k] = True
    return Proposal(changes=changes, added=added, removed=removed, builders=builders,
                    source=source, carriers=carriers if carriers.any() else None)


@dataclass(frozen=True)
class Violation:
    """A rule the proposal's outcome breaks, tied to the rows that cause it.

    ``kind`` is one of ``tenant_limit``, ``not_allowed``, ``locked_out``,
    ``locked_in``, ``relocation``, ``decommission``, ``coverage_lost``.
    """

    kind: str
    message: str
    rows: tuple[int, ...] = ()
    site_id: str | None = None
    operator_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "rows": list(self.rows),
                "site_id": self.site_id, "operator_id": self.operator_id}


@dataclass(frozen=True, eq=False)
class ProposalEvaluation:
    """Today's network and the network after a proposal, side by side.

    Attributes
    ----------
    proposal
        What was applied.
    plan
        The outcome tenancies.
    before, after
        The independent evaluator's verdicts (``after`` with each built
        candidate owned by its builder).
    violations
        The evaluator's violations of the outcome, plus hamlets that were
        covered before and no longer are: the ``violations`` of
        ``btsopt evaluate --json``.
    details
        Breaches traced to the proposal's rows (:class:`Violation`).
    hamlets_gained, hamlets_lost
        Hamlet indices that meet their coverage rule after but not before,
        and before but not after.
    """

    proposal: Proposal
    plan: Plan
    before: Evaluation
    after: Evaluation
    violations: tuple[str, ...]
    details: tuple[Violation, ...]
    hamlets_gained: np.ndarray
    hamlets_lost: np.ndarray
    population: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    @property
    def admissible(self) -> bool:
        """True when the outcome breaks no rule and meets every target."""
        return not self.violations

    @property
    def target_shortfalls(self) -> tuple[str, ...]:
        """Province-wide targets the outcome misses (hamlet coverage, shared-site
        ratio, budget): the scenario's goals, not rules the proposal breaks."""
        return self.after.target_shortfalls

    @property
    def rule_breaches(self) -> tuple[str, ...]:
        """Rules the outcome breaks (tenant limits, allowed operators, locks,
        relocation, decommissioning) and hamlets covered today that it leaves
        without coverage: a proposal with any is not admissible."""
        shortfalls = set(self.target_shortfalls)
        return tuple(v for v in self.violations if v not in shortfalls)

    @property
    def structural(self) -> tuple[Violation, ...]:
        """Breaches of the proposal's own rows that no added tenancy can repair."""
        return tuple(v for v in self.details if v.kind in STRUCTURAL_KINDS)

    @property
    def cost_delta(self) -> float:
        """System cost after minus before."""
        return self.after.system_cost - self.before.system_cost

    def operator_coverage(self, operator_id: str) -> dict[str, Any]:
        """Hamlets one operator covers before and after, with those gained and lost."""
        k = self.before.operator_ids.index(operator_id)
        was = self.before.hamlet_covering_operators[:, k]
        now = self.after.hamlet_covering_operators[:, k]
        gained, lost = np.flatnonzero(now & ~was), np.flatnonzero(was & ~now)
        ids = self.after.hamlet_ids
        return {
            "hamlets_before": int(was.sum()),
            "hamlets_after": int(now.sum()),
            "hamlets_gained": int(gained.size),
            "hamlets_lost": int(lost.size),
            "population_before": float(self.population[was].sum()),
            "population_after": float(self.population[now].sum()),
            "population_gained": float(self.population[gained].sum()),
            "population_lost": float(self.population[lost].sum()),
            "gained_ids": [ids[i] for i in gained],
            "lost_ids": [ids[i] for i in lost],
        }

    def operator_changes(self, operator_id: str) -> list[dict[str, Any]]:
        """The proposal's rows that concern one operator."""
        return [
            {"site_id": c.site_id, "action": c.action, "row": c.row}
            for c in self.proposal.changes if c.operator_id == operator_id
        ]

    def to_dict(self, operator: str | None = None) -> dict[str, Any]:
        """One JSON-ready object: the after state at top level (the keys of the
        scenario format), plus ``before``, ``after`` and ``delta``.

        Parameters
        ----------
        operator
            Limit every per-operator section to this operator id.
        """
        before, after = _state(self.before, operator), _state(self.after, operator)
        ops = list(after["operators"])
        operators = {}
        for op in ops:
            entry = dict(after["operators"][op])
            entry["before"] = before["operators"][op]
            entry["delta"] = {key: entry[key] - before["operators"][op][key]
                              for key in COST_FIELDS}
            entry["coverage"] = self.operator_coverage(op)
            entry["changes"] = self.operator_changes(op)
            operators[op] = entry
        ids = self.after.hamlet_ids
        out: dict[str, Any] = {
            "proposal": self.proposal.source,
            "changes": self.proposal.counts(),
            "admissible": self.admissible,
            "hamlet_coverage": after["hamlet_coverage"],
            "covered_hamlets": after["covered_hamlets"],
            "covered_population": after["covered_population"],
            "shared_site_ratio": after["shared_site_ratio"],
            "active_sites": after["active_sites"],
            "shared_sites": after["shared_sites"],
            "system_cost": after["system_cost"],
            "operators": operators,
            "violations": list(self.violations),
            "rule_breaches": list(self.rule_breaches),
            "target_shortfalls": list(self.target_shortfalls),
            "violation_details": [v.to_dict() for v in self.details],
            "before": before,
            "after": after,
            "delta": {
                "covered_hamlets": after["covered_hamlets"] - before["covered_hamlets"],
                "hamlets_gained": int(self.hamlets_gained.size),
                "hamlets_lost": int(self.hamlets_lost.size),
                "hamlets_gained_ids": [ids[i] for i in self.hamlets_gained],
                "hamlets_lost_ids": [ids[i] for i in self.hamlets_lost],
                "covered_population": after["covered_population"]
                - before["covered_population"],
                "shared_site_ratio": after["shared_site_ratio"] - before["shared_site_ratio"],
                "active_sites": after["active_sites"] - before["active_sites"],
                "shared_sites": after["shared_sites"] - before["shared_sites"],
                "system_cost": after["system_cost"] - before["system_cost"],
            },
        }
        if self.after.demand is not None:
            out["demand"] = after["demand"]
            out["delta"]["demand"] = _demand_delta(before["demand"], after["demand"])
        if operator is not None:
            out["operator"] = operator
        return out


DEMAND_DELTA_KEYS: tuple[str, ...] = (
    "served_subscriptions", "served_share", "carriers_added", "max_load",
)
"""``demand`` figures whose change a proposal's ``delta`` reports."""


def _demand_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """After minus before of the ``demand`` figures, overall and per operator."""
    delta: dict[str, Any] = {key: after[key] - before[key] for key in DEMAND_DELTA_KEYS}
    delta["operators"] = {
        op: {key: values[key] - before["operators"][op][key] for key in DEMAND_DELTA_KEYS}
        for op, values in after.get("operators", {}).items()
    }
    return delta


def _state(evaluation: Evaluation, operator: str | None) -> dict[str, Any]:
    """An evaluation's summary, with the per-operator part limited to one operator."""
    state = evaluation.to_dict()
    if operator is not None:
        state["operators"] = {operator: state["operators"][operator]}
        state.pop(THIRD_PARTY, None)
    return state


def evaluate_proposal(
    data: ProblemData, proposal: Proposal, *, before: Evaluation | None = None
) -> ProposalEvaluation:
    """Apply a proposal to today's network and score both states.

    Parameters
    ----------
    data
        The scenario.
    proposal
        Checked changes (see :func:`read_proposal`).
    before
        The evaluation of today's network, when already at hand.

    Returns
    -------
    ProposalEvaluation
    """
    plan = proposal.apply(data)
    before = before if before is not None else evaluate(data, Plan.existing(data))
    after = evaluate(proposal.owned_data(data), plan)
    gained = np.flatnonzero(after.hamlet_covered & ~before.hamlet_covered)
    lost = np.flatnonzero(before.hamlet_covered & ~after.hamlet_covered)
    details = _row_violations(data, proposal, plan)
    violations = list(after.violations)
    if lost.size:
        names = ", ".join(after.hamlet_ids[i] for i in lost[:_MAX_NAMED])
        more = f" and {lost.size - _MAX_NAMED} more" if lost.size > _MAX_NAMED else ""
        causes = _coverage_lost(data, proposal, lost)
        rows = sorted({r for v in causes for r in v.rows})
        by = f" (by {_rows_text(rows)})" if rows else ""
        violations.append(
            f"{lost.size} hamlet(s) covered today are no longer covered{by}: {names}{more}"
        )
        details = [*details, *causes]
    return ProposalEvaluation(
        proposal=proposal, plan=plan, before=before, after=after,
        violations=tuple(violations), details=tuple(details), hamlets_gained=gained,
        hamlets_lost=lost, population=np.asarray(data.hamlets.population, dtype=float),
    )


def _rows_text(rows: Iterable[int]) -> str:
    rows = list(rows)
    return ("line " if len(rows) == 1 else "lines ") + ", ".join(str(r + 1) for r in rows)


def _row_violations(data: ProblemData, proposal: Proposal, plan: Plan) -> list[Violation]:
    """Rule breaches of the outcome, each traced to the proposal's rows."""
    sites, policy = data.sites, data.policy
    x = plan.tenancies
    before = np.asarray(data.tenancies, dtype=bool)
    existing = np.asarray(sites.existing, dtype=bool)
    tenants = x.sum(axis=1)
    by_pair = {(c.site_id, c.operator_id): c for c in proposal.changes}
    out: list[Violation] = []

    def change_at(j: int, k: int) -> Change:
        return by_pair[(sites.ids[j], data.operators[k].id)]

    for j in np.flatnonzero(proposal.added.any(axis=1) & (tenants > sites.max_tenants)):
        rows = [change_at(j, k) for k in np.flatnonzero(proposal.added[j])]
        out.append(Violation(
            "tenant_limit",
            f"site {sites.ids[j]} would host {tenants[j]} tenants, more than its limit of "
            f"{int(sites.max_tenants[j])} ({', '.join(c.describe() for c in rows)})",
            rows=tuple(c.row for c in rows if c.row is not None), site_id=sites.ids[j],
        ))
    for j, k in zip(*np.nonzero(proposal.added & ~np.asarray(sites.allowed, bool)), strict=True):
        change = change_at(j, k)
        out.append(Violation(
            "not_allowed", f"{change.describe()}: operator {change.operator_id} is not "
            f"allowed on site {change.site_id}", rows=_row(change), site_id=change.site_id,
            operator_id=change.operator_id,
        ))
    for j, k in zip(*np.nonzero(proposal.added & (sites.locked == LOCK_OUT)[:, None]),
                    strict=True):
        change = change_at(j, k)
        out.append(Violation(
            "locked_out", f"{change.describe()}: site {change.site_id} is locked out",
            rows=_row(change), site_id=change.site_id, operator_id=change.operator_id,
        ))
    emptied = before.any(axis=1) & ~x.any(axis=1)
    for j in np.flatnonzero(emptied & (sites.locked == LOCK_IN)):
        rows = [change_at(j, k) for k in np.flatnonzero(proposal.removed[j])]
        out.append(Violation(
            "locked_in", f"site {sites.ids[j]} is locked in but left without tenants "
            f"({', '.join(c.describe() for c in rows)})",
            rows=tuple(c.row for c in rows if c.row is not None), site_id=sites.ids[j],
        ))
    if not policy.allow_relocation:
        # Removals are then only allowed as part of decommissioning the whole site.
        excused = existing & emptied if policy.allow_decommission else np.zeros_like(emptied)
        for j, k in zip(*np.nonzero(proposal.removed & ~excused[:, None]), strict=True):
            change = change_at(j, k)
            reason = ("relocation is not allowed and the site keeps other tenants"
                      if policy.allow_decommission else "relocation is not allowed")
            out.append(Violation(
                "relocation", f"{change.describe()}: existing tenancies must stay ({reason})",
                rows=_row(change), site_id=change.site_id, operator_id=change.operator_id,
            ))
    if not policy.allow_decommission:
        for j in np.flatnonzero(existing & emptied):
            rows = [change_at(j, k) for k in np.flatnonzero(proposal.removed[j])]
            out.append(Violation(
                "decommission", f"existing site {sites.ids[j]} would be emptied but "
                f"decommissioning is not allowed ({', '.join(c.describe() for c in rows)})",
                rows=tuple(c.row for c in rows if c.row is not None), site_id=sites.ids[j],
            ))
    return out


def _row(change: Change) -> tuple[int, ...]:
    return () if change.row is None else (change.row,)


def _coverage_lost(
    data: ProblemData, proposal: Proposal, lost: np.ndarray
) -> list[Violation]:
    """One violation per removal that served a hamlet now uncovered."""
    # Only the removed tenancies' coverage is needed: a small search.
    matrix = hamlet_coverage_sets(data, Plan(proposal.removed))[lost].tocsc()
    num_ops = data.num_operators
    out = []
    by_pair = {(c.site_id, c.operator_id): c for c in proposal.changes}
    for column in np.flatnonzero(np.diff(matrix.indptr)):
        j, k = divmod(int(column), num_ops)
        hamlets = lost[matrix.indices[matrix.indptr[column]:matrix.indptr[column + 1]]]
        change = by_pair[(data.sites.ids[j], data.operators[k].id)]
        names = ", ".join(data.hamlets.ids[i] for i in hamlets[:_MAX_NAMED])
        more = f" and {hamlets.size - _MAX_NAMED} more" if hamlets.size > _MAX_NAMED else ""
        out.append(Violation(
            "coverage_lost", f"{change.describe()}: leaves {hamlets.size} hamlet(s) that "
            f"were covered without coverage: {names}{more}", rows=_row(change),
            site_id=change.site_id, operator_id=change.operator_id,
        ))
    return out


def rent_flows(data: ProblemData, proposal: Proposal | None, plan: Plan) -> dict[
    tuple[str, str], float
]:
    """Rent NPV per (payer, payee) pair in a plan's outcome.

    Owners follow the evaluator: the ``owner`` column, else (for candidates)
    the builder a proposal names, else the first tenant in operator order;
    a non-operator owner is reported as ``third_party``.
    """
    owned = proposal.owned_data(data) if proposal is not None else data
    x = plan.tenancies
    index = {op.id: k for k, op in enumerate(data.operators)}
    annuity = data.economics.annuity_factor
    flows: dict[tuple[str, str], float] = {}
    for j in np.flatnonzero(x.sum(axis=1) >= 1):
        name = owned.sites.owner[j].strip()
        if name in index:
            owner = index[name]
        elif not name and not data.sites.existing[j]:
            owner = int(np.argmax(x[j]))
        else:
            owner = -1
        payee = data.operators[owner].id if owner >= 0 else THIRD_PARTY
        rent = float(data.sites.rent_per_year[j]) * annuity
        for k in np.flatnonzero(x[j]):
            if k != owner:
                key = (data.operators[k].id, payee)
                flows[key] = flows.get(key, 0.0) + rent
    return flows


def format_proposal_text(
    data: ProblemData, result: ProposalEvaluation, operator: str | None = None,
    limit: int | None = LIST_LIMIT,
) -> str:
    """Readable before/after report (what ``btsopt evaluate --proposal`` prints).

    Rule breaches (the proposal is then not admissible) come apart from
    province-wide targets the outcome misses; lists stop after ``limit`` items
    and say how many more there are (``None``: every item).
    """
    b, a = result.before, result.after
    cur = data.currency
    lines: list[str] = []
    counts = result.proposal.counts()
    lines.append(f"scenario   {data.name}")
    lines.append(
        f"proposal   {result.proposal.source or '(in memory)'}: "
        + ", ".join(f"{n} {action}" for action, n in counts.items())
    )
    lines.append("")
    lines.append(f"{'':<22}{'before':>22}{'after':>22}{'change':>16}")

    def line(label: str, was: str, now: str, delta: str) -> None:
        lines.append(f"{label:<22}{was:>22}{now:>22}{delta:>16}")

    n = data.num_hamlets
    line("hamlets covered", f"{b.covered_hamlets} of {n}", f"{a.covered_hamlets} of {n}",
         f"{a.covered_hamlets - b.covered_hamlets:+d}")
    line("  gained / lost", "", "", f"+{result.hamlets_gained.size} / -"
         f"{result.hamlets_lost.size}")
    line("population covered", f"{b.covered_population:,.0f}", f"{a.covered_population:,.0f}",
         f"{a.covered_population - b.covered_population:+,.0f}")
    line("shared-site ratio", f"{b.shared_site_ratio:.2%} ({b.shared_sites}/{b.active_sites})",
         f"{a.shared_site_ratio:.2%} ({a.shared_sites}/{a.active_sites})",
         f"{(a.shared_site_ratio - b.shared_site_ratio) * 100:+.2f} pts")
    line("system cost (NPV)", f"{b.system_cost:,.1f}", f"{a.system_cost:,.1f}",
         f"{a.system_cost - b.system_cost:+,.1f}")
    if b.demand is not None and a.demand is not None:
        bd, ad = b.demand, a.demand
        line("subscriptions served", f"{bd['served_subscriptions']:,.0f} "
             f"({bd['served_share']:.1%})", f"{ad['served_subscriptions']:,.0f} "
             f"({ad['served_share']:.1%})",
             f"{ad['served_subscriptions'] - bd['served_subscriptions']:+,.0f}")
        line("carriers added", f"{bd['carriers_added']}", f"{ad['carriers_added']}",
             f"{ad['carriers_added'] - bd['carriers_added']:+d}")
        line("highest load", f"{bd['max_load']:.0%}", f"{ad['max_load']:.0%}",
             f"{(ad['max_load'] - bd['max_load']) * 100:+.0f} pts")
    lines.append(f"(target: {data.targets.hamlet_coverage:.0%} of hamlets, shared-site ratio "
                 f">= {data.targets.shared_site_ratio:.0%}; money in {cur}, NPV over "
                 f"{data.economics.horizon_years} years)")

    flows = rent_flows(data, result.proposal, result.plan)
    ops = [operator] if operator is not None else list(data.operator_ids)
    for op in ops:
        cov = result.operator_coverage(op)
        lines.append("")
        lines.append(f"operator {op}")
        gained = f" (+{cov['hamlets_gained']}" + (
            f": {cut_list(cov['gained_ids'], limit)}" if cov["gained_ids"] else "")
        gained += f"; -{cov['hamlets_lost']}" + (
            f": {cut_list(cov['lost_ids'], limit)}" if cov["lost_ids"] else "") + ")"
        lines.append(f"  hamlets it covers {cov['hamlets_before']} -> {cov['hamlets_after']}"
                     f"{gained}; population {cov['population_before']:,.0f} -> "
                     f"{cov['population_after']:,.0f}")
        was, now = b.operators[op], a.operators[op]
        for key in COST_FIELDS:
            label = key.replace("_", " ")
            line(f"  {label}", f"{was[key]:,.1f}", f"{now[key]:,.1f}",
                 f"{now[key] - was[key]:+,.1f}")
        pays = [(payee, v) for (payer, payee), v in flows.items() if payer == op]
        gets = [(payer, v) for (payer, payee), v in flows.items() if payee == op]
        if pays:
            lines.append("  after it, pays rent to       "
                         + ", ".join(f"{p} {v:,.1f}" for p, v in pays))
        if gets:
            lines.append("  after it, receives rent from "
                         + ", ".join(f"{p} {v:,.1f}" for p, v in gets))
        changes = result.operator_changes(op)
        if changes:
            lines.append("  its changes       " + cut_list(
                [f"{c['action']} {c['site_id']}" for c in changes], limit))
    if operator is None:
        was, now = b.third_party, a.third_party
        lines.append("")
        lines.append("tower companies (sites owned by no operator)")
        for key in ("cost", "rent_received"):
            line(f"  {key.replace('_', ' ')}", f"{was[key]:,.1f}", f"{now[key]:,.1f}",
                 f"{now[key] - was[key]:+,.1f}")
        total_b = sum(b.operators[op]["cost"] for op in ops) + was["cost"]
        total_a = sum(a.operators[op]["cost"] for op in ops) + now["cost"]
        line("costs of all parties", f"{total_b:,.1f}", f"{total_a:,.1f}",
             f"{total_a - total_b:+,.1f}")
        lines.append("(the operators' and tower companies' costs add up to the system cost; "
                     "rents move money between them and cancel out)")
    lines.append("(rent lines: who pays whom, as NPV, in the network after the proposal)")
    lines.append("")
    breaches, shortfalls = result.rule_breaches, result.target_shortfalls
    if breaches:
        lines.append(f"NOT ADMISSIBLE: the proposal breaks {len(breaches)} rule(s):")
        lines.extend(f"  - {v}" for v in breaches)
        if result.details:
            lines.append("caused by the proposal's rows:")
            lines.extend(f"  - [{v.kind}] {v.message}" for v in result.details)
    else:
        lines.append("rule breaches: none (the proposal is admissible)")
    if shortfalls:
        lines.append(f"province-wide targets not met after the proposal ({len(shortfalls)}; "
                     "goals of the whole province, not breaches by this proposal):")
        lines.extend(f"  - {v}" for v in shortfalls)
    else:
        lines.append("province-wide targets: all met after the proposal")
    return "\n".join(lines)
