"""``btsopt settings`` and ``--settings``: the printed defaults read back to the same plan."""

from __future__ import annotations

from pathlib import Path

from conftest import TINY

from btsopt.cli import main
from btsopt.solvers.core import CoreSettings


def test_printed_defaults_give_the_same_plan_as_no_settings(tmp_path: Path, capsys) -> None:
    assert main(["settings"]) == 0
    settings = tmp_path / "s.toml"
    settings.write_text(capsys.readouterr().out, encoding="utf-8")
    assert CoreSettings.from_toml(settings) == CoreSettings()
    plain, tuned = tmp_path / "plain", tmp_path / "tuned"
    assert main(["solve", str(TINY), "--out", str(plain), "--quiet", "--gap", "0"]) == 0
    assert main(["solve", str(TINY), "--out", str(tuned), "--quiet", "--gap", "0",
                 "--settings", str(settings)]) == 0
    assert (plain / "plan.csv").read_text() == (tuned / "plan.csv").read_text()


def test_an_ablation_file_reaches_the_core(tmp_path: Path, capsys) -> None:
    settings = tmp_path / "no-lp.toml"
    settings.write_text("[lp]\nenabled = false\n\n[local_search]\nenabled = false\n")
    assert main(["settings", "--check", str(settings)]) == 0
    printed = capsys.readouterr().out
    assert CoreSettings.from_toml(printed).disabled() == ["lp", "local_search"]
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "--out", str(out), "--quiet", "--settings",
                 str(settings)]) == 0
    assert "5,826.0" in capsys.readouterr().out


def test_bad_settings_exit_2_naming_file_and_key(tmp_path: Path, capsys) -> None:
    settings = tmp_path / "bad.toml"
    settings.write_text("[lns]\nrows_share = 3\n")
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "--out", str(out), "--settings", str(settings)]) == 2
    error = capsys.readouterr().err
    assert str(settings) in error and "lns.rows_share" in error and "out of range" in error
    assert not out.exists()
    assert main(["settings", "--check", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err
