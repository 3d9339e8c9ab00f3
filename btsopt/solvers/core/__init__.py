"""The fast core: Lagrangian bounds, guided heuristics, reduced-cost fixing and
warm-started branch and cut, on the per-site structure of the model."""

from btsopt.solvers.core.search import solve_core
from btsopt.solvers.core.settings import CoreSettings
from btsopt.solvers.core.stop import (
    AnyOf,
    Deadline,
    GapReached,
    Interrupt,
    MaxIterations,
    NoImprovement,
    StoppingCriterion,
)
from btsopt.solvers.core.structure import CoreStructure, core_structure

__all__ = [
    "AnyOf", "CoreSettings", "CoreStructure", "Deadline", "GapReached", "Interrupt",
    "MaxIterations", "NoImprovement", "StoppingCriterion", "core_structure", "solve_core",
]
