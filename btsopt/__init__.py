"""btsopt: least-cost shared mobile-tower (BTS) site plans with proven bounds.

The data's path, one module per step::

    reading  ->  radio  ->  model  ->  solvers  ->  evaluation  ->  outputs  ->  cli
    (files ->    (who      (MILP of    (HiGHS,      (independent   (plan, report,
    ProblemData) covers)   model.md)   SCIP, CP-SAT) check)         tables)

Typical use::

    import btsopt
    data = btsopt.read_scenario("scenarios/tiny/scenario.toml")
    result = btsopt.solve(data, btsopt.SolveParams(time_limit=30))
    print(result.cost(), result.gap, result.summary()["shared_site_ratio"])
"""

import importlib
import sys
import types
from typing import Any

# Names are loaded on first use (PEP 562), so that `btsopt --help` and the
# command line do not pay for pandas, OR-Tools and HiGHS before they need them.
_EXPORTS: dict[str, str] = {
    "BACKENDS": "btsopt.solve",
    "build_model": "btsopt.model",
    "compare_with_optimal": "btsopt.proposals",
    "Comparison": "btsopt.proposals",
    "compute_coverage": "btsopt.radio",
    "Coverage": "btsopt.radio",
    "Economics": "btsopt.data",
    "evaluate": "btsopt.evaluation",
    "evaluate_proposal": "btsopt.proposals",
    "Evaluation": "btsopt.evaluation",
    "frontier": "btsopt.proposals",
    "Frontier": "btsopt.proposals",
    "Hamlets": "btsopt.data",
    "highest_reachable_ratio": "btsopt.proposals",
    "LinearModel": "btsopt.model",
    "marginal_price": "btsopt.proposals",
    "MarginalPrice": "btsopt.proposals",
    "Operator": "btsopt.data",
    "path_loss_db": "btsopt.radio",
    "Plan": "btsopt.plan",
    "PlanError": "btsopt.errors",
    "Policy": "btsopt.data",
    "ProblemData": "btsopt.data",
    "Progress": "btsopt.progress",
    "Proposal": "btsopt.proposals",
    "ProposalEvaluation": "btsopt.proposals",
    "Radio": "btsopt.data",
    "read_orlib": "btsopt.reading.orlib",
    "read_plan_csv": "btsopt.plan",
    "read_proposal": "btsopt.proposals",
    "read_scenario": "btsopt.reading",
    "render_html": "btsopt.outputs",
    "Result": "btsopt.result",
    "result_frames": "btsopt.frames",
    "ResultFrames": "btsopt.frames",
    "ScenarioError": "btsopt.errors",
    "Sites": "btsopt.data",
    "SitingModel": "btsopt.model",
    "solve": "btsopt.solve",
    "SolveParams": "btsopt.solve",
    "Targets": "btsopt.data",
    "VerificationError": "btsopt.solve",
    "write_result": "btsopt.outputs",
}

__version__ = "0.1.0"

__all__ = sorted(_EXPORTS)


class _Package(types.ModuleType):
    """The package object: importing the submodule ``btsopt.solve`` must not
    replace the function ``btsopt.solve`` (``from btsopt.solve import ...``
    still reaches the module through ``sys.modules``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _EXPORTS and (
            value.__name__ == f"{__name__}.{name}"
        ):
            value = getattr(value, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'btsopt' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
