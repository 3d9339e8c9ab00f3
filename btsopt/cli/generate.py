"""``btsopt generate``: a seeded synthetic scenario (Nam Định or a benchmark family member)."""

from __future__ import annotations

import argparse

from btsopt.cli.common import EXIT_OK
from btsopt.errors import ScenarioError
from btsopt.generate import FAMILY_SIZES, VARIANTS, generate_command

PRESETS: dict[str, str] = {
    "nam-dinh": "the bundled synthetic Nam Định province (3,200 hamlets; seed 137)",
    "family": "a benchmark family member of --size S, M, L or XL (300 to 80,000 hamlets; "
              "seed 1)",
}
"""The presets of ``--preset``, with what each writes."""


def cmd_generate(args: argparse.Namespace) -> int:
    """``btsopt generate [--preset P] [--size S] --out DIR ...``.

    ``--size`` alone means ``--preset family`` (asking for a size asks for a
    family member); ``--size`` with ``--preset nam-dinh`` is an error, and so
    is ``--preset family`` without a size.
    """
    preset = args.preset
    if preset is None:
        preset = "family" if args.size is not None else "nam-dinh"
    if preset == "nam-dinh" and args.size is not None:
        raise ScenarioError("--size picks a benchmark family member; the nam-dinh preset has "
                            "one size: drop --size, or use --preset family", column="--size")
    if preset == "family" and args.size is None:
        raise ScenarioError("--preset family needs --size S, M, L or XL", column="--size")
    try:
        generate_command(preset, args.out, args.seed, size=args.size, variant=args.variant,
                         demand=args.demand)
    except ValueError as exc:
        raise ScenarioError(str(exc), column="--preset/--size/--variant") from None
    return EXIT_OK


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``generate``."""
    presets = "; ".join(f"{name}: {what}" for name, what in PRESETS.items())
    p = subparsers.add_parser(
        "generate", help="write a synthetic scenario (seeded)",
        description="Write a seeded synthetic scenario (scenario.toml, hamlets.csv, sites.csv, "
                    "tenancies.csv): the same preset, size, variant and seed give the same "
                    "bytes.",
        epilog="Exit status: 0 written, 2 bad options, 3 the files cannot be written.",
    )
    p.add_argument("--preset", choices=tuple(PRESETS), default=None,
                   help=f"what to generate: {presets} (default: nam-dinh, or family when "
                        "--size is given)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder to write into, created when missing; files of the same names "
                        "are overwritten (required; no default)")
    p.add_argument("--seed", type=int, default=None, metavar="N",
                   help="generator seed (default: 137 for nam-dinh, 1 for a family member)")
    p.add_argument("--size", choices=tuple(FAMILY_SIZES), default=None,
                   help="family size: " + ", ".join(
                       f"{size} {n:,} hamlets" for size, n in FAMILY_SIZES.items())
                   + "; implies --preset family (default: none)")
    p.add_argument("--variant", choices=VARIANTS, default="brownfield",
                   help="brownfield (the network as it is), consolidation (sites may be "
                        "decommissioned and tenancies moved), each (every operator covers "
                        "every hamlet) or greenfield (no network yet) (default: %(default)s)")
    p.add_argument("--demand", action="store_true",
                   help="declare [demand] (Vietnamese market shares and traffic) (default: "
                        "off)")
    p.set_defaults(func=cmd_generate)
