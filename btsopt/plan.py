"""Plans: which operator sits on which site in the outcome.

A :class:`Plan` is the boolean (sites x operators) matrix of outcome tenancies.
It is what solvers return and what the evaluator checks; reading and writing
``plan.csv`` (columns ``site_id,operator_id,action``) lives here too.
"""

from __future__ import annotations

import csv
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
    """

    tenancies: np.ndarray

    def __post_init__(self) -> None:
        array = np.ascontiguousarray(self.tenancies, dtype=bool)
        array.setflags(write=False)
        object.__setattr__(self, "tenancies", array)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Plan) and np.array_equal(self.tenancies, other.tenancies)

    def __hash__(self) -> int:
        return hash(self.tenancies.tobytes())

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
        """Write ``plan.csv`` (with removed tenancies as ``remove`` rows)."""
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["site_id", "operator_id", "action"])
            writer.writerows(self.rows(data))


def read_plan_csv(path: str | Path, data: ProblemData) -> Plan:
    """Read a plan CSV: every row is an outcome tenancy unless its action is ``remove``.

    Raises
    ------
    PlanError
        On a missing column or an unknown site or operator id (naming the row).
    """
    path = Path(path)
    site_index = {sid: j for j, sid in enumerate(data.sites.ids)}
    op_index = {op.id: k for k, op in enumerate(data.operators)}
    tenancies = np.zeros((data.num_sites, data.num_operators), dtype=bool)
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
            tenancies[site_index[row["site_id"]], op_index[row["operator_id"]]] = True
    return Plan(tenancies)
