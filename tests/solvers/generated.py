"""Small generated provinces for the core's tests, with their proven optimum."""

from __future__ import annotations

from btsopt import SolveParams, read_scenario, solve
from btsopt.generate import generate_family
from btsopt.model import build_model
from btsopt.radio import compute_coverage
from btsopt.solvers.core.structure import core_structure


def generated_province(tmp_path_factory, variant: str, seed: int):
    """(data, model, core, optimum) of the S family ``variant`` at ``seed``;
    the optimum proven by HiGHS (gap 0)."""
    folder = tmp_path_factory.mktemp(f"s-{variant}-{seed}")
    data = read_scenario(generate_family("S", variant, folder, seed))
    model = build_model(data, compute_coverage(data))
    core = core_structure(model, data)
    optimum = solve(data, SolveParams(backend="highs", gap=0.0, time_limit=120)).objective
    return data, model, core, optimum
