"""``btsopt settings``: the core's settings as a commented TOML file to copy and edit."""

from __future__ import annotations

import argparse
from pathlib import Path

from btsopt.cli.common import EXIT_OK
from btsopt.solvers.core import CoreSettings
from btsopt.solvers.core.settings import defaults_toml


def cmd_settings(args: argparse.Namespace) -> int:
    """Print the defaults (or, with ``--check FILE``, that file's settings in full)."""
    if args.check:
        print(CoreSettings.from_toml(Path(args.check)).to_toml(comments=True), end="")
    else:
        print(defaults_toml(), end="")
    return EXIT_OK


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``settings``."""
    p = subparsers.add_parser(
        "settings", help="print the core's settings as a TOML file to copy and edit",
        description="Print every setting of the solver core with its default, the reason for "
                    "it and its range, as TOML that `btsopt solve --settings FILE` reads "
                    "back. A phase is switched off with `enabled = false` in its table.",
        epilog="Exit status: 0 printed, 2 a bad settings file (unknown key or bad value).")
    p.add_argument("--check", metavar="FILE",
                   help="read FILE (unknown keys and bad values are errors) and print the "
                        "full settings it gives (default: print the defaults)")
    p.set_defaults(func=cmd_settings)
