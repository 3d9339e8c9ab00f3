"""One benchmark run in a fresh process:
``python -m btsopt.bench.worker RESULT.json [PARENT_PID]``.

The task comes as JSON on stdin (see :class:`~btsopt.bench.run.RunTask`);
the result row, with the process's peak resident memory, is written to
``RESULT.json``. A failure is written as a row with status ``error``. Given
the parent's process id, the run ends (removing ``RESULT.json``'s folder,
the parent's temporary folder) once the parent is gone
(:func:`btsopt.lifeline.exit_with_parent`).
"""

from __future__ import annotations

import json
import shutil
import sys
import traceback
from pathlib import Path
from typing import Any

from btsopt.bench.run import ERROR, RunTask, _record, execute
from btsopt.lifeline import exit_with_parent


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process so far, in MiB."""
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Linux reports KiB, macOS bytes.
        return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    except ImportError:  # Windows: the current RSS is the closest psutil offers
        import psutil

        info = psutil.Process().memory_info()
        return getattr(info, "peak_wset", info.rss) / (1024 * 1024)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0])
    if len(argv) > 1:
        exit_with_parent(int(argv[1]), lambda: shutil.rmtree(out.parent, ignore_errors=True))
    task = RunTask.from_json(sys.stdin.read())
    try:
        row: dict[str, Any] = execute(task)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a row, the sweep goes on
        traceback.print_exc()
        row = _record(task, status=ERROR, error=f"{type(exc).__name__}: {exc}")
    row["peak_rss_mb"] = peak_rss_mb()
    out.write_text(json.dumps(row, allow_nan=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
