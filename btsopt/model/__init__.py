"""The optimisation model: ``model.md`` written once as a solver-neutral MILP."""

from btsopt.model.formulation import ObjectiveLevel, SitingModel, build_model, sharing_fraction
from btsopt.model.linear import LinearModel

__all__ = ["LinearModel", "ObjectiveLevel", "SitingModel", "build_model", "sharing_fraction"]
