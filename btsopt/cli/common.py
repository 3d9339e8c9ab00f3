"""What every ``btsopt`` subcommand shares: exit codes, reading a scenario,
option parsing, number formatting, JSON output and error handling.

Every subcommand module imports its helpers from here, so a message or an
exit status reads the same in every command.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from btsopt.data import ProblemData
from btsopt.errors import OutputError, ScenarioError
from btsopt.reading import read_scenario

EXIT_OK = 0
"""Success."""
EXIT_NO_PLAN = 1
"""No feasible plan (the message says why)."""
EXIT_NOT_ADMISSIBLE = EXIT_NO_PLAN
"""A proposal breaks a rule: its outcome is not an admissible plan."""
EXIT_BAD_INPUT = 2
"""Bad input: one line naming file, row and column."""
EXIT_OUTPUT = 3
"""An output could not be written (the message names the file and the reason)."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C outside a solve (a solve writes its best plan instead)."""
EXIT_BROKEN_PIPE = 141
"""The reader of stdout went away (``btsopt ... | head``): 128 + SIGPIPE, as other tools."""


def read_scenario_warned(path: str) -> ProblemData:
    """Read a scenario and print its warnings (``warning: ...``) on stderr."""
    data = read_scenario(path)
    for warning in data.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return data


def _parse_value(text: str) -> Any:
    """``--param`` values: bool, int, float, else text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_params(items: Sequence[str]) -> dict[str, Any]:
    """``key=value`` pairs into a dict (values typed)."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(f"--param expects key=value, got '{item}'")
        key, value = item.split("=", 1)
        out[key.strip()] = _parse_value(value.strip())
    return out


GAP_VOCABULARY = (
    "Gaps: the console shows them as percentages (0.1%); summary.json and --json hold "
    "fractions (0.001 = 0.1%). Status 'optimal' means proven within the stopping gap "
    "(--gap): no plan costs less than the lower bound, and this plan is within the gap of "
    "it; only --gap 0 asks for a proof of the exact optimum."
)
"""What a gap and "optimal" mean, for the epilog of every command that shows them."""

EXIT_STATUS_HELP = (
    "Exit status: 0 success, 1 no feasible plan, 2 bad input (one line naming file, line and "
    "column), 3 an output cannot be written."
)


def parse_gap(text: str) -> float:
    """A relative gap given as a fraction (``0.001``) or a percentage (``0.1%``)."""
    value = text.strip()
    try:
        gap = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a gap: {text!r} (a fraction such as 0.001, or a percentage such as 0.1%)"
        ) from None
    if not 0.0 <= gap < 1.0:
        raise argparse.ArgumentTypeError(f"gap {text!r} must be from 0 to 1 (0% to 100%)")
    return gap


def positive_seconds(text: str) -> float:
    """A time limit in seconds, greater than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text!r}")
    return value


def at_least_one(text: str) -> int:
    """A count of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def refuse_ignored(args: argparse.Namespace, defaults: dict[str, Any], why: str) -> None:
    """Bad input when an option this combination would ignore was given.

    ``defaults`` maps attribute names of ``args`` to their defaults; an option
    set to anything else is named in the error, with ``why`` (e.g. "used only
    with --against-optimal"). Options are never ignored silently.
    """
    given = [name for name, default in defaults.items() if getattr(args, name) != default]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise ScenarioError(f"{flags}: {why}")


def fmt(value: float | None, spec: str) -> str:
    """``value`` formatted, ``-`` for none or a non-finite number."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, spec)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _finite_only(value: Any) -> Any:
    """Non-finite floats become null: JSON has no inf/nan."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_only(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_only(v) for v in value]
    return value


def to_json(payload: Any) -> str:
    """``payload`` as indented JSON: numpy scalars as numbers, inf/nan as null."""
    return json.dumps(_finite_only(payload), indent=2, ensure_ascii=False,
                      default=_json_default)


def run_command(command, args) -> int:
    """Run one subcommand and turn every expected failure into its exit status.

    Bad input (:class:`~btsopt.errors.ScenarioError`) prints ``error: ...`` and
    returns :data:`EXIT_BAD_INPUT`; an output that cannot be written
    (:class:`~btsopt.errors.OutputError`, or any other ``OSError`` left
    over) :data:`EXIT_OUTPUT`; never a traceback. Ctrl-C outside a solve returns :data:`EXIT_INTERRUPTED`; a
    closed stdout (``| head``) ends silently with :data:`EXIT_BROKEN_PIPE`.
    """
    try:
        status = int(command(args))
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_OUTPUT
    except BrokenPipeError:
        # Whatever is still buffered for the closed pipe goes nowhere, silently.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        # Readers turn their own failures into ScenarioErrors: what is left is an
        # output that cannot be written (no such folder, a file where a folder
        # should be, permission, disk full).
        where = exc.filename if exc.filename is not None else "output"
        print(f"error: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_OUTPUT
    except KeyboardInterrupt as exc:
        print("interrupted", file=sys.stderr)
        # A second stop signal N during a solve (btsopt.progress.Aborted): 128 + N.
        return 128 + exc.signum if hasattr(exc, "signum") else EXIT_INTERRUPTED
