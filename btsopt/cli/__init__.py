"""The ``btsopt`` command line.

Exit status: 0 success; 1 no feasible plan; 2 bad input (a message naming
file, line and field on stderr, never a traceback); 3 an output could not be
written.

One module per family of subcommands, each importing the shared helpers of
:mod:`btsopt.cli.common` (reading a scenario with its warnings, exit codes,
formatting, JSON, error handling):

================================  ==========================================
:mod:`btsopt.cli.solve`           ``solve``, ``evaluate``, ``validate``
:mod:`btsopt.cli.proposals`       ``evaluate --proposal``, ``frontier``
:mod:`btsopt.cli.generate`        ``generate``
:mod:`btsopt.cli.bench`           ``bench``, ``bench-plot``
:mod:`btsopt.cli.settings`        ``settings``
================================  ==========================================

To add a subcommand (e.g. ``settings``): write ``btsopt/cli/NAME.py`` with
``add_parsers(subparsers)``, which adds the subparser(s) (every option with a
help text that states its default) and binds each to a ``cmd_*(args) -> int``
function with ``set_defaults(func=...)``; then list the module in
:data:`SUBCOMMAND_MODULES`. Raise :class:`~btsopt.errors.ScenarioError` for bad
input and return an ``EXIT_*`` code of :mod:`btsopt.cli.common`;
:func:`main` prints the error and turns it into the exit status.

The CLI is the top layer: nothing below it imports from ``btsopt.cli``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from btsopt.cli import bench, generate, proposals, settings, solve
from btsopt.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_NO_PLAN,
    EXIT_OK,
    EXIT_OUTPUT,
    parse_params,
    run_command,
)

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_NO_PLAN",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "SUBCOMMAND_MODULES",
    "build_parser",
    "main",
    "parse_params",
]

SUBCOMMAND_MODULES = (solve, proposals, generate, bench, settings)
"""Modules whose ``add_parsers`` make up the command line, in the order of ``--help``."""


def build_parser() -> argparse.ArgumentParser:
    """The ``btsopt`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="btsopt", description="Least-cost shared BTS site plans with proven bounds."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMAND_MODULES:
        module.add_parsers(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``btsopt`` console script."""
    args = build_parser().parse_args(argv)
    return run_command(args.func, args)
