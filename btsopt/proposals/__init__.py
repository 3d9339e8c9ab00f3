"""Proposals, the cost of sharing, and what a proposal costs against the optimum.

- :mod:`~btsopt.proposals.proposal`: read, check, apply and score a proposal
  (``operator_id,site_id,action``) against today's network.
- :mod:`~btsopt.proposals.pricing`: a proposal's premium over the optimum and
  its best completion; the marginal price of one more shared site.
- :mod:`~btsopt.proposals.frontier`: the cheapest plan per shared-site ratio,
  up to the highest reachable ratio.
The commands ``btsopt evaluate --proposal`` and ``btsopt frontier`` are
:mod:`btsopt.cli.proposals`.
"""

from btsopt.proposals.frontier import (
    PLAN_137_TARGET,
    Frontier,
    FrontierPoint,
    ReachableRatio,
    frontier,
    frontier_ratios,
    highest_reachable_ratio,
    saturated_plan,
)
from btsopt.proposals.pricing import (
    Comparison,
    MarginalPrice,
    compare_with_optimal,
    forced_data,
    further_changes,
    marginal_price,
    share_more,
)
from btsopt.proposals.proposal import (
    PROPOSAL_ACTIONS,
    Change,
    Proposal,
    ProposalEvaluation,
    Violation,
    evaluate_proposal,
    format_proposal_text,
    read_proposal,
    rent_flows,
)

__all__ = [
    "PLAN_137_TARGET",
    "PROPOSAL_ACTIONS",
    "Change",
    "Comparison",
    "Frontier",
    "FrontierPoint",
    "MarginalPrice",
    "Proposal",
    "ProposalEvaluation",
    "ReachableRatio",
    "Violation",
    "compare_with_optimal",
    "evaluate_proposal",
    "forced_data",
    "format_proposal_text",
    "frontier",
    "frontier_ratios",
    "further_changes",
    "highest_reachable_ratio",
    "marginal_price",
    "read_proposal",
    "rent_flows",
    "saturated_plan",
    "share_more",
]
