"""Outputs that cannot be written: one line naming the file and the reason, exit
status 3, no half file, and a solved plan saved elsewhere or printed on request."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import TINY

from btsopt.cli import EXIT_OUTPUT, main
from btsopt.errors import OutputError
from btsopt.outputs import atomic_write_text, files

from .tiny_plan import TINY_PLAN_ROWS


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch) -> Path:
    """The system temporary directory, for this test alone."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "8k"):
    """A tiny tmpfs at ``folder`` (needs root on Linux), else ``None``."""
    folder.mkdir()
    mounted = sys.platform.startswith("linux") and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True, check=False).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False)


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _one_error_line(capsys) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, lines
    assert "Traceback" not in "\n".join(lines)
    return errors[0]


def test_a_failed_write_leaves_no_half_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "plan.csv"
    target.write_text("old\n")
    monkeypatch.setattr(files.os, "replace", _no_space)
    with pytest.raises(OutputError, match="plan.csv: No space left on device"):
        atomic_write_text(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


def test_out_naming_a_file_exits_3_before_solving(tmp_path: Path, capsys) -> None:
    existing = tmp_path / "plan.csv"
    existing.write_text("site_id,operator_id,action\n")
    assert main(["solve", str(TINY), "--out", str(existing), "--quiet"]) == EXIT_OUTPUT
    line = _one_error_line(capsys)
    assert str(existing) in line and "not a folder" in line
    assert existing.read_text() == "site_id,operator_id,action\n"


def test_full_disk_exits_3_and_saves_the_plan(tmp_path: Path, private_tmp: Path, capsys,
                                              monkeypatch) -> None:
    with full_disk(tmp_path / "full") as mounted:
        if not mounted:  # no tmpfs to fill: the disk fills at the third file
            calls = {"n": 0}
            real = files.os.fdopen

            def fdopen(*args, **kwargs):
                calls["n"] += 1
                return _no_space() if calls["n"] >= 3 else real(*args, **kwargs)

            monkeypatch.setattr(files.os, "fdopen", fdopen)
        out = tmp_path / "full" / "out"
        assert main(["solve", str(TINY), "--out", str(out), "--quiet"]) == EXIT_OUTPUT
        line = _one_error_line(capsys)
        assert "No space left on device" in line and str(out) in line
        # Whole files only: no temporary file, nothing half written.
        assert not [p for p in out.iterdir() if p.name.startswith(".")]
        if (out / "plan.csv").exists():
            assert len(list(csv.reader(io.StringIO((out / "plan.csv").read_text())))) == 5
    # The plan was saved where the message says.
    rescue = Path(line.split("the plan was saved in ")[1])
    assert rescue.parent == private_tmp
    rows = list(csv.reader(io.StringIO((rescue / "plan.csv").read_text())))
    assert [tuple(r) for r in rows[1:]] == TINY_PLAN_ROWS
    assert json.loads((rescue / "summary.json").read_text())["status"] == "optimal"


def test_permission_denied_exits_3(tmp_path: Path, private_tmp: Path, capsys,
                                   monkeypatch) -> None:
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(files.tempfile, "mkstemp", denied)
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "--out", str(out), "--quiet"]) == EXIT_OUTPUT
    line = _one_error_line(capsys)
    assert f"cannot write {out / 'plan.csv'}: Permission denied" in line
    # Where no file can be written, it says how to get the plan all the same.
    assert "--out -" in line


def test_out_dash_prints_the_plan_and_the_summary(capsys) -> None:
    assert main(["solve", str(TINY), "--out", "-", "--quiet"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(captured.out)))
    assert rows[0] == ["site_id", "operator_id", "action"]
    assert [tuple(r) for r in rows[1:]] == TINY_PLAN_ROWS
    summary = json.loads(captured.err[: captured.err.index("\n}\n") + 2])
    assert summary["status"] == "optimal"
