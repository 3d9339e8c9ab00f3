"""The fast core: Lagrangian bounds, guided heuristics, reduced-cost fixing and
warm-started branch and cut, on the per-site structure of the model."""

from btsopt.solvers.core.search import solve_core
from btsopt.solvers.core.structure import CoreStructure, core_structure

__all__ = ["CoreStructure", "core_structure", "solve_core"]
