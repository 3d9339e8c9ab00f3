"""Plans: which operator sits on which site in the outcome.

A :class:`Plan` is the boolean (sites x operators) matrix of outcome tenancies
and, for a scenario with ``[demand]``, the carriers of each. It is what solvers
return and what the evaluator checks; reading and writing ``plan.csv``
(columns ``site_id,operator_id,action``, plus ``carriers`` with ``[demand]``)
lives here too.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from btsopt.data import ProblemData
from btsopt.errors import PlanError

ACTIONS = ("keep", "colocate", "build", "remove")


@dataclass(frozen=True, eq=False)
class Plan:
    """Outcome tenancies of a plan.

    Attributes
    ----------
    tenancies
        (sites x operators) boolean matrix: operator k is on site j.
    carriers
        (sites x operators) carriers of each outcome tenancy (0 where there
        is none), or ``None``: the default of ``scenario-format.md``, today's
        count for kept tenancies and 1 for new ones (see :meth:`carrier_counts`).
    """

    tenancies: np.ndarray
    carriers: np.ndarray | None = None

    def __post_init__(self) -> None:
        array = np.ascontiguousarray(self.tenancies, dtype=bool)
        array.setflags(write=False)
        object.__setattr__(self, "tenancies", array)
        if self.carriers is not None:
            carriers = np.asarray(self.carriers, dtype=np.int64)
            if carriers.shape != array.shape:
                raise ValueError(f"carriers must have shape {array.shape}")
            carriers = np.ascontiguousarray(np.where(array, carriers, 0))
            carriers.setflags(write=False)
            object.__setattr__(self, "carriers", carriers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plan) or not np.array_equal(self.tenancies, other.tenancies):
            return False
        if self.carriers is None or other.carriers is None:
            return self.carriers is None and other.carriers is None
        return np.array_equal(self.carriers, other.carriers)

    def __hash__(self) -> int:
        return hash(self.tenancies.tobytes())

    def carrier_counts(self, data: ProblemData) -> np.ndarray:
        """(sites x operators) carriers of each outcome tenancy, defaults resolved.

        Without ``carriers``: today's count where the tenancy exists today
        (1 when the scenario has no ``[demand]``), 1 for a new tenancy; 0
        where there is no tenancy.
        """
        if self.carriers is not None:
            return self.carriers
        today = (data.demand.carriers_today if data.demand is not None
                 else data.tenancies.astype(np.int64))
        return np.where(self.tenancies, np.maximum(today, 1), 0)

    @classmethod
    def existing(cls, data: ProblemData) -> Plan:
        """The plan that keeps today's network as it is."""
        return cls(data.tenancies.copy())

    def rows(self, data: ProblemData) -> list[tuple[str, str, str]]:
        """``(site_id, operator_id, action)`` rows in site then operator order.

        On a candidate site the first new tenant (in operator order) is the
        builder (``build``); any further ones ``colocate``.
        """
        rows: list[tuple[str, str, str]] = []
        outcome = self.tenancies
        before = data.tenancies
        existing = data.sites.existing
        for j in np.flatnonzero(outcome.any(axis=1) | before.any(axis=1)):
            built = False
            for k in range(data.num_operators):
                if outcome[j, k] and before[j, k]:
                    action = "keep"
                elif outcome[j, k]:
                    if not existing[j] and not built:
                        action, built = "build", True
                    else:
                        action = "colocate"
                elif before[j, k]:
                    action = "remove"
                else:
                    continue
                rows.append((data.sites.ids[j], data.operators[k].id, action))
        return rows

    def write_csv(self, path: str | Path, data: ProblemData) -> None:
        """Write ``plan.csv`` (with removed tenancies as ``remove`` rows).

        With ``[demand]`` the column ``carriers`` holds each outcome
        tenancy's carriers (empty on ``remove`` rows).
        """
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            if data.demand is None:
                writer.writerow(["site_id", "operator_id", "action"])
                writer.writerows(self.rows(data))
                return
            carriers = self.carrier_counts(data)
            site_index = {sid: j for j, sid in enumerate(data.sites.ids)}
            op_index = {op.id: k for k, op in enumerate(data.operators)}
            writer.writerow(["site_id", "operator_id", "action", "carriers"])
            for site, op, action in self.rows(data):
                count = carriers[site_index[site], op_index[op]]
                writer.writerow([site, op, action, "" if action == "remove" else int(count)])


def read_plan_csv(path: str | Path, data: ProblemData) -> Plan:
    """Read a plan CSV: every row is an outcome tenancy unless its action is ``remove``.

    An optional column ``carriers`` (a whole number >= 1; empty: the default
    of :meth:`Plan.carrier_counts`) sets each tenancy's carriers.

    Raises
    ------
    PlanError
        On a missing column, an unknown site or operator id, or a carriers
        value that is not a whole number of at least 1 (naming the row).
    """
    path = Path(path)
    site_index = {sid: j for j, sid in enumerate(data.sites.ids)}
    op_index = {op.id: k for k, op in enumerate(data.operators)}
    tenancies = np.zeros((data.num_sites, data.num_operators), dtype=bool)
    carriers = np.zeros((data.num_sites, data.num_operators), dtype=np.int64)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise PlanError(f"cannot open plan: {exc.strerror}", file=str(path)) from None
    with handle:
        reader = csv.DictReader(handle)
        fields = [f.strip() for f in (reader.fieldnames or [])]
        for column in ("site_id", "operator_id"):
            if column not in fields:
                raise PlanError("missing required column", file=str(path), column=column)
        for raw in reader:
            line = reader.line_num  # as an editor shows it: the header is line 1
            row_number = line - 1
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
            action = row.get("action", "").lower()
            if action and action not in ACTIONS:
                raise PlanError(
                    f"unknown action '{action}' (expected one of {', '.join(ACTIONS)})",
                    file=str(path), row=row_number, column="action", line=line,
                )
            if row["site_id"] not in site_index:
                raise PlanError(
                    f"unknown site '{row['site_id']}'", file=str(path), row=row_number,
                    column="site_id", line=line,
                )
            if row["operator_id"] not in op_index:
                raise PlanError(
                    f"unknown operator '{row['operator_id']}'", file=str(path),
                    row=row_number, column="operator_id", line=line,
                )
            if action == "remove":
                continue
            j, k = site_index[row["site_id"]], op_index[row["operator_id"]]
            tenancies[j, k] = True
            carriers[j, k] = carriers_cell(row.get("carriers", ""), path, row_number) or 0
        has_carriers = "carriers" in fields
    if not has_carriers:
        return Plan(tenancies)
    default = Plan(tenancies).carrier_counts(data)
    return Plan(tenancies, np.where(carriers > 0, carriers, default))


def carriers_cell(cell: str, path: Path, row_number: int) -> int | None:
    """A ``carriers`` cell of a plan or a proposal: ``None`` when empty (the
    default applies), else a whole number of at least 1 (else a PlanError)."""
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise PlanError(f"carriers '{cell}' must be a whole number of at least 1",
                        file=str(path), row=row_number, column="carriers",
                        line=row_number + 1)
    return int(value)
