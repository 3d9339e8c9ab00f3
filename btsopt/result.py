"""The outcome of :func:`btsopt.solve`: a plan, its proof quality and its KPIs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from btsopt.plan import Plan
from btsopt.solvers.base import FEASIBLE, OPTIMAL, relative_gap


@dataclass(frozen=True, eq=False)
class Result:
    """What a solve produced.

    Attributes
    ----------
    status
        ``optimal``, ``feasible``, ``infeasible`` or ``unknown``.
    plan
        The best plan found, or ``None``.
    objective
        System cost (NPV) of the plan; ``inf`` without a plan.
    lower_bound
        Proven lower bound on the cost of any plan that meets the targets
        (for lexicographic objectives: given the earlier levels' values).
    wall_time
        Seconds spent, from reading the data to the verified plan.
    backend
        The solver that produced the plan.
    evaluation
        The independent evaluator's verdict on the plan (``None`` without one).
    message
        Why there is no plan, or remarks on the solve.
    levels
        Per lexicographic level: name, value, bound, status.
    """

    status: str
    plan: Plan | None
    objective: float
    lower_bound: float
    wall_time: float
    backend: str
    evaluation: Any = None
    message: str = ""
    levels: tuple[dict[str, Any], ...] = field(default=())

    @property
    def gap(self) -> float:
        """(objective - lower_bound) / objective."""
        return relative_gap(self.objective, self.lower_bound)

    def cost(self) -> float:
        """System cost (NPV) of the plan."""
        return self.objective

    def is_feasible(self) -> bool:
        """True when the plan meets every hard target (checked by the evaluator)."""
        return self.status in (OPTIMAL, FEASIBLE) and self.plan is not None

    def summary(self) -> dict[str, Any]:
        """The keys of ``summary.json`` (scenario format), JSON-ready.

        ``gap`` is a fraction, ``(objective - lower_bound) / objective``
        (0.001 = 0.1%; people see it as a percentage on the console and in
        the reports), and so are ``shared_site_ratio`` and
        ``hamlet_coverage``. ``status`` ``optimal`` means proven within the
        stopping gap of :class:`~btsopt.SolveParams` (0.1% by default), not
        necessarily the exact optimum; money is NPV in the scenario's
        currency; non-finite values are ``null``.
        """
        ev = self.evaluation
        out: dict[str, Any] = {
            "status": self.status,
            "objective": _finite(self.objective),
            "lower_bound": _finite(self.lower_bound),
            "gap": _finite(self.gap),
            "shared_site_ratio": None if ev is None else float(ev.shared_site_ratio),
            "hamlet_coverage": None if ev is None else float(ev.hamlet_coverage),
            "active_sites": None if ev is None else int(ev.active_sites),
            "shared_sites": None if ev is None else int(ev.shared_sites),
            "wall_time_s": round(float(self.wall_time), 3),
            "cost": None if ev is None else {k: float(v) for k, v in ev.cost.items()},
            "backend": self.backend,
            "message": self.message,
            "levels": [dict(level) for level in self.levels],
        }
        if ev is not None:
            out["covered_hamlets"] = int(ev.covered_hamlets)
            out["covered_population"] = float(ev.covered_population)
            out["tenancies"] = int(np.count_nonzero(self.plan.tenancies)) if self.plan else 0
        return out

    def __str__(self) -> str:
        ev = self.evaluation
        parts = [
            f"status {self.status}",
            f"cost {self.objective:,.1f}" if math.isfinite(self.objective) else "cost -",
            f"bound {self.lower_bound:,.1f}" if math.isfinite(self.lower_bound) else "bound -",
            f"gap {self.gap:.3%}" if math.isfinite(self.gap) else "gap -",
        ]
        if ev is not None:
            parts += [
                f"coverage {ev.hamlet_coverage:.2%}",
                f"shared {ev.shared_sites}/{ev.active_sites} = {ev.shared_site_ratio:.2%}",
            ]
        parts.append(f"{self.wall_time:.1f} s ({self.backend})")
        text = ", ".join(parts)
        return f"{text}\n{self.message}" if self.message else text


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
