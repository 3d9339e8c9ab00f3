"""``btsopt generate``: a seeded synthetic scenario (Nam Định or a benchmark family member)."""

from __future__ import annotations

import argparse

from btsopt.cli.common import EXIT_OK
from btsopt.errors import ScenarioError
from btsopt.generate import generate_command


def cmd_generate(args: argparse.Namespace) -> int:
    """``btsopt generate --preset P --out DIR ...``."""
    try:
        generate_command(args.preset, args.out, args.seed, size=args.size, variant=args.variant,
                         demand=args.demand)
    except ValueError as exc:
        raise ScenarioError(str(exc), column="--preset/--size/--variant") from None
    return EXIT_OK


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``generate``."""
    p = subparsers.add_parser("generate", help="write a synthetic scenario (seeded)")
    p.add_argument("--preset", default="nam-dinh")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--size", default=None, help="family size S, M, L or XL")
    p.add_argument("--variant", default=None,
                   help="brownfield, consolidation, each or greenfield")
    p.add_argument("--demand", action="store_true",
                   help="declare [demand] (Vietnamese market shares and traffic)")
    p.set_defaults(func=cmd_generate)
