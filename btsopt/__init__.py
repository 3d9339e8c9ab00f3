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

from btsopt.data import (
    Economics,
    Hamlets,
    Operator,
    Policy,
    ProblemData,
    Radio,
    Sites,
    Targets,
)
from btsopt.errors import PlanError, ScenarioError
from btsopt.evaluation import Evaluation, evaluate
from btsopt.frames import ResultFrames, result_frames
from btsopt.model import LinearModel, SitingModel, build_model
from btsopt.outputs import render_html, write_result
from btsopt.plan import Plan, read_plan_csv
from btsopt.radio import Coverage, compute_coverage, path_loss_db
from btsopt.reading import read_scenario
from btsopt.result import Result
from btsopt.solve import BACKENDS, SolveParams, VerificationError, solve

__version__ = "0.1.0"

__all__ = [
    "BACKENDS",
    "Coverage",
    "Economics",
    "Evaluation",
    "Hamlets",
    "LinearModel",
    "Operator",
    "Plan",
    "PlanError",
    "Policy",
    "ProblemData",
    "Radio",
    "Result",
    "ResultFrames",
    "ScenarioError",
    "Sites",
    "SitingModel",
    "SolveParams",
    "Targets",
    "VerificationError",
    "build_model",
    "compute_coverage",
    "evaluate",
    "path_loss_db",
    "read_plan_csv",
    "read_scenario",
    "render_html",
    "result_frames",
    "solve",
    "write_result",
]
