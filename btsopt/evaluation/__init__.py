"""Independent check of a plan: coverage, sharing, costs and violations.

Shares no code with ``btsopt.radio``, the model or the solvers, so that every
plan a solver returns is verified by a second implementation.
"""

from btsopt.evaluation.evaluate import (
    COST_KEYS,
    THIRD_PARTY,
    Evaluation,
    annuity,
    evaluate,
    hamlet_coverage_sets,
)
from btsopt.evaluation.propagation import (
    EARTH_RADIUS_KM,
    covering_pairs,
    haversine_km,
    iter_covering_pairs,
    max_range_km,
    path_loss_db,
)

__all__ = [
    "COST_KEYS",
    "EARTH_RADIUS_KM",
    "THIRD_PARTY",
    "Evaluation",
    "annuity",
    "covering_pairs",
    "evaluate",
    "hamlet_coverage_sets",
    "haversine_km",
    "iter_covering_pairs",
    "max_range_km",
    "path_loss_db",
]
