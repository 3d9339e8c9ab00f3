"""Helper processes end with their parent and remove their files, however it ends."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
from processes import alive, python, wait_until

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

# A parent that starts a helper; the helper owns a folder it must remove on exit.
PARENT = """
import os, subprocess, sys, time
folder = sys.argv[1]
os.mkdir(folder)
helper = subprocess.Popen([sys.executable, "-c", '''
import shutil, sys, threading
from btsopt.lifeline import exit_with_parent
exit_with_parent(int(sys.argv[2]), lambda: shutil.rmtree(sys.argv[1], ignore_errors=True))
print("ready", flush=True)
threading.Event().wait()
''', folder, str(os.getpid())])
print(helper.pid, flush=True)
time.sleep(600)
"""


def _start(tmp_path: Path):
    folder = tmp_path / "helper-folder"
    parent = python(PARENT.replace("sys.argv[1]", repr(str(folder)), 1), tmp_path)
    helper = int(parent.stdout.readline())
    assert parent.stdout.readline().strip() == "ready"
    return parent, helper, folder


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_helper_ends_and_cleans_up_when_its_parent_dies(tmp_path: Path, how) -> None:
    parent, helper, folder = _start(tmp_path)
    parent.send_signal(how)
    parent.wait(10)
    assert wait_until(lambda: not alive(helper), 10)
    assert not folder.exists()


def test_helper_cleans_up_on_sigterm(tmp_path: Path) -> None:
    parent, helper, folder = _start(tmp_path)
    try:
        os.kill(helper, signal.SIGTERM)
        assert wait_until(lambda: not alive(helper), 10)
        assert not folder.exists()
        assert alive(parent.pid)
    finally:
        parent.kill()
        parent.wait()


def test_helper_whose_parent_is_already_gone_ends_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "helper-folder"
    folder.mkdir()
    # A parent id that is not this helper's parent: as if it had died already.
    helper = python(
        "import shutil, threading\n"
        "from btsopt.lifeline import exit_with_parent\n"
        f"exit_with_parent(1, lambda: shutil.rmtree({str(folder)!r}))\n"
        "threading.Event().wait()\n", tmp_path)
    assert helper.wait(10) == 1
    assert not folder.exists()
