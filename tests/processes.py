"""Helpers of tests that start and kill processes: is a process gone, which
btsopt folders are left in a temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_until(condition, seconds: float) -> bool:
    """Poll ``condition`` for up to ``seconds``; its last value."""
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def btsopt_leftovers(tmp: Path) -> list[str]:
    """Names under ``tmp`` that btsopt made (folders or files)."""
    return sorted(path.name for path in tmp.iterdir() if path.name.startswith("btsopt-"))


def child_env(tmp: Path) -> dict[str, str]:
    """Environment of a child Python: btsopt importable, temporary files in ``tmp``."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}


def python(code: str, tmp: Path, **kwargs) -> subprocess.Popen:
    """Start ``python -c code`` with :func:`child_env`."""
    return subprocess.Popen([sys.executable, "-c", code], env=child_env(tmp), text=True,
                            stdout=subprocess.PIPE, **kwargs)


def descendants(pid: int) -> list[int]:
    """Process ids of every descendant of ``pid`` (empty once it is gone)."""
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
