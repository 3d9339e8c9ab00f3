"""Helper processes that never outlive the process that started them.

A helper (the background LP, a benchmark run) is a fresh interpreter. When
its parent ends in any way, including ``kill -9``, which runs no clean-up,
the helper must notice, remove what it left on disk and end too.
:func:`exit_with_parent` arranges that from inside the helper:

- on Linux the kernel sends the helper ``SIGTERM`` when its parent dies
  (``PR_SET_PDEATHSIG``, set through ``ctypes``);
- a watcher thread learns of ``SIGTERM`` and ``SIGHUP`` through
  :func:`signal.set_wakeup_fd` (so at once, even while the main thread is
  inside a solver's C code, where Python signal handlers cannot run) and,
  between signals, checks every :data:`PARENT_CHECK_SECONDS` that the parent
  is still the same process (on every POSIX system: an orphan is adopted by
  another process, so its parent id changes).

Either way the helper runs its clean-up and ends at once with
:func:`os._exit`. The parent's side is :func:`end_process`, which its
context managers and ``weakref.finalize`` (run at interpreter exit) call.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

PARENT_CHECK_SECONDS = 0.2
"""How often a helper checks that its parent still lives (when no signal says so)."""

END_GRACE_SECONDS = 5.0
"""How long :func:`end_process` waits after ``SIGTERM`` before ``SIGKILL``."""

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP) if hasattr(signal, "SIGHUP") else ()


def _ask_kernel_for_parent_death_signal() -> bool:
    """Linux only: have the kernel send ``SIGTERM`` when the parent dies."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def exit_with_parent(parent_pid: int, cleanup: Callable[[], None],
                     interval: float = PARENT_CHECK_SECONDS) -> threading.Thread | None:
    """In a helper process: end it (after ``cleanup``) once ``parent_pid`` is gone
    or ``SIGTERM``/``SIGHUP`` arrives.

    Call it from the helper's main thread, before its work starts. It takes
    over the wake-up file descriptor of :mod:`signal`.

    Parameters
    ----------
    parent_pid
        The process that started this one (given on the command line, so
        that a parent which died before this call is noticed too).
    cleanup
        Removes the helper's files; must not raise.
    interval
        Seconds between checks of the parent.

    Returns
    -------
    threading.Thread or None
        The watcher thread (a daemon); ``None`` when the parent was already
        gone, in which case this call does not return.
    """
    _ask_kernel_for_parent_death_signal()
    wakeup = None
    if _EXIT_SIGNALS and sys.platform != "win32":
        # The C-level handler writes each signal's number to the pipe; the
        # Python-level one (run only when the main thread is free) does nothing.
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        for number in _EXIT_SIGNALS:
            signal.signal(number, _noted_by_the_watcher)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        wakeup = read_end
    if os.getppid() != parent_pid:
        _end(cleanup, 1)

    def watch() -> None:
        while True:
            if wakeup is not None:
                readable, _, _ = select.select([wakeup], [], [], interval)
                for number in os.read(wakeup, 64) if readable else b"":
                    if number in _EXIT_SIGNALS:
                        _end(cleanup, 128 + number)
            else:
                time.sleep(interval)
            if os.getppid() != parent_pid:
                _end(cleanup, 1)

    watcher = threading.Thread(target=watch, name="btsopt-exit-with-parent", daemon=True)
    watcher.start()
    return watcher


def _noted_by_the_watcher(signum, frame) -> None:
    """Python-level handler of the exit signals: the watcher thread acts on them."""


def _end(cleanup: Callable[[], None], status: int) -> None:
    with contextlib.suppress(Exception):
        cleanup()
    os._exit(status)


def end_process(process: subprocess.Popen, grace: float = END_GRACE_SECONDS) -> None:
    """In the parent: end a helper (``SIGTERM``, then ``SIGKILL`` after ``grace``
    seconds) and reap it, so that neither a process nor a zombie stays."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
    process.wait()
