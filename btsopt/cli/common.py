"""What every ``btsopt`` subcommand shares: exit codes, reading a scenario,
option parsing, number formatting, JSON output and error handling.

Every subcommand module imports its helpers from here, so a message or an
exit status reads the same in every command.
"""

from __future__ import annotations

import json
import math
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
EXIT_BAD_INPUT = 2
"""Bad input: one line naming file, row and column."""
EXIT_OUTPUT = 3
"""An output could not be written (the message names the file and the reason)."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C outside a solve (a solve writes its best plan instead); a
second stop signal N during a solve exits with 128 + N (143 for ``SIGTERM``)."""


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
    returns :data:`EXIT_BAD_INPUT`, never a traceback; an output that cannot be
    written (:class:`~btsopt.errors.OutputError`) prints one line naming the
    file and the reason and returns :data:`EXIT_OUTPUT`; Ctrl-C outside a solve
    returns :data:`EXIT_INTERRUPTED`, a second stop signal during a solve
    (:class:`~btsopt.progress.Aborted`) 128 + its number.
    """
    try:
        return int(command(args))
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_OUTPUT
    except KeyboardInterrupt as exc:
        print("interrupted", file=sys.stderr)
        return 128 + exc.signum if hasattr(exc, "signum") else EXIT_INTERRUPTED
