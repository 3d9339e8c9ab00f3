"""What a newcomer meets on the command line: the README's command run twice, messages
that name what they find, tables that add up, quiet broken pipes, options never ignored."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NAM_DINH, ROOT, TINY

from btsopt.cli import main
from btsopt.outputs import OUTPUT_MARKER
from btsopt.reading import read_scenario

README = ROOT / "README.md"


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The real command line in a fresh process, as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "btsopt.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _readme_solve_command() -> list[str]:
    """The ``btsopt solve ...`` of the README's first set-up command."""
    block = README.read_text(encoding="utf-8").split("```bash\n", 1)[1].split("```", 1)[0]
    first = [line for line in block.splitlines() if line.strip()][0]
    solve = first.split("&& btsopt ", 1)[1]
    return solve.split()


@pytest.mark.skipif(not NAM_DINH.exists(), reason="bundled scenario missing")
def test_readme_first_command_runs_twice_in_a_fresh_folder(tmp_path: Path) -> None:
    args = _readme_solve_command()
    assert args[:2] == ["solve", "scenarios/nam-dinh/scenario.toml"]
    shutil.copytree(NAM_DINH.parent, tmp_path / "scenarios" / "nam-dinh",
                    ignore=shutil.ignore_patterns("proposals"))
    first = _run([*args, "--quiet"], tmp_path)
    assert first.returncode == 0, first.stderr
    out = tmp_path / args[args.index("--out") + 1]
    plan = (out / "plan.csv").read_text(encoding="utf-8")
    second = _run([*args, "--quiet"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert (out / "plan.csv").read_text(encoding="utf-8") == plan  # deterministic
    assert "Traceback" not in first.stderr + second.stderr


def test_rerun_removes_an_earlier_runs_files_it_does_not_write(tiny_copy: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "--out", str(out), "--quiet"]) == 0
    assert (out / "sites.geojson").exists()
    # The same folder for a scenario with no plan: no GeoJSON is written, the old one goes.
    hamlets = tiny_copy.parent / "hamlets.csv"
    hamlets.write_text(hamlets.read_text(encoding="utf-8")
                       + "H9,107.50,20.0,80,rural,Xóm Xa,Xã Z,Huyện Z\n", encoding="utf-8")
    assert main(["solve", str(tiny_copy), "--out", str(out), "--quiet"]) == 1
    assert not (out / "sites.geojson").exists()
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["status"] == (
        "infeasible")
    assert (out / OUTPUT_MARKER).is_file()


def test_out_naming_a_file_is_an_output_error(tmp_path: Path, capsys) -> None:
    target = tmp_path / "plan.txt"
    target.write_text("not a folder", encoding="utf-8")
    assert main(["solve", str(TINY), "--out", str(target), "--quiet"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a folder" in err and "Traceback" not in err


def _with_far_hamlet(tiny_copy: Path, lock_nearest_out: bool = False) -> Path:
    hamlets = tiny_copy.parent / "hamlets.csv"
    hamlets.write_text(hamlets.read_text(encoding="utf-8")
                       + "H9,107.50,20.0,80,rural,Xóm Xa,Xã Z,Huyện Z\n", encoding="utf-8")
    if lock_nearest_out:
        # A site beside H9 that may not be used: it must not be called usable.
        sites = tiny_copy.parent / "sites.csv"
        lines = sites.read_text(encoding="utf-8").splitlines()
        lines = [lines[0] + ",locked"] + [line + "," for line in lines[1:]]
        lines.append("X1,107.51,20.0,candidate,30,,,out")
        sites.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tiny_copy


def test_validate_names_unreachable_hamlets_and_is_never_ok(tiny_copy: Path, capsys) -> None:
    scenario = _with_far_hamlet(tiny_copy)
    assert main(["validate", str(scenario)]) == 1  # as solve's "no plan"
    out = capsys.readouterr().out
    assert not out.startswith("ok")
    assert out.startswith("no plan possible: ")
    assert "hamlets no usable site can serve as their rule asks: 1 (H9)" in out
    assert "H9 (Xóm Xa): nearest usable site" in out


def test_a_locked_out_site_is_never_called_the_nearest_usable_one(tiny_copy: Path,
                                                                   capsys) -> None:
    scenario = _with_far_hamlet(tiny_copy, lock_nearest_out=True)
    assert main(["validate", str(scenario)]) == 1
    out = capsys.readouterr().out
    assert "nearest usable site X1" not in out
    assert re.search(r"nearer: site X1 at [\d.]+ km, locked out", out), out


def test_validate_and_solve_agree_on_an_unsolvable_scenario(tiny_copy: Path, tmp_path: Path,
                                                             capsys) -> None:
    scenario = _with_far_hamlet(tiny_copy)
    assert main(["validate", str(scenario)]) == 1
    validated = capsys.readouterr().out
    assert main(["solve", str(scenario), "--out", str(tmp_path / "o"), "--quiet"]) == 1
    assert "H9" in capsys.readouterr().err and "H9" in validated


def _party_rows(text: str) -> dict[str, float]:
    rows = {}
    for line in text.splitlines():
        match = re.match(r"\s+(\S.*?)\s{2,}(-?[\d,]+\.\d)\s", line)
        if match:
            rows[match.group(1)] = float(match.group(2).replace(",", ""))
    return rows


def test_evaluate_table_adds_up_to_the_system_cost_with_the_tower_companies(
        tmp_path: Path, capsys) -> None:
    # A tower company owns E2 in this copy, so its row is not zero.
    folder = tmp_path / "tiny"
    shutil.copytree(TINY.parent, folder)
    sites = folder / "sites.csv"
    text = sites.read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    owner = header.index("owner")
    for n, line in enumerate(lines[1:], 1):
        cells = line.split(",")
        if cells[0] == "E2":
            cells[owner] = "towerco"
            lines[n] = ",".join(cells)
    sites.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scenario = folder / "scenario.toml"
    out = tmp_path / "out"
    assert main(["solve", str(scenario), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(scenario), "--plan", str(out / "plan.csv")]) == 0
    text = capsys.readouterr().out
    rows = _party_rows(text)
    system = float(re.search(r"system cost \(NPV\)\s+([\d,.]+)", text).group(1).replace(",", ""))
    data = read_scenario(scenario)
    parties = [*data.operator_ids, "tower companies"]
    assert rows["tower companies"] > 0
    assert sum(rows[p] for p in parties) == pytest.approx(system, abs=0.1 * len(parties))
    assert rows["total"] == pytest.approx(system, abs=0.05)


def test_proposal_text_adds_up_with_the_tower_companies(tmp_path: Path, capsys) -> None:
    proposal = tmp_path / "p.csv"
    proposal.write_text("operator_id,site_id,action\nalpha,C2,build\n", encoding="utf-8")
    assert main(["evaluate", str(TINY), "--proposal", str(proposal)]) == 0
    text = capsys.readouterr().out
    assert "tower companies" in text
    costs = re.search(r"costs of all parties\s+([\d,.]+)\s+([\d,.]+)", text)
    system = re.search(r"system cost \(NPV\)\s+([\d,.]+)\s+([\d,.]+)", text)
    assert costs.groups() == system.groups()
    assert "in the network after the proposal" in text


def test_broken_pipe_ends_silently(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "--out", str(out), "--quiet"]) == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # `btsopt evaluate ... | head -1`: the reader leaves after one line.
    command = [sys.executable, "-m", "btsopt.cli", "evaluate", str(TINY), "--plan",
               str(out / "plan.csv")]
    shell = " ".join(f"'{part}'" for part in command) + " | head -1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", shell], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.stdout.startswith("scenario")
    assert result.stderr == "", result.stderr
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr
    assert result.returncode in (0, 141)  # 141: 128 + SIGPIPE, as other tools under pipefail


def test_blank_lines_before_the_header_count_in_line_numbers(tiny_copy: Path, capsys) -> None:
    tenancies = tiny_copy.parent / "tenancies.csv"
    tenancies.write_text("\n\nsite_id,operator_id\nE1,alpha\nE1,gamma\n", encoding="utf-8")
    assert main(["validate", str(tiny_copy)]) == 2
    err = capsys.readouterr().err
    # Line 5 as an editor shows it (two blank lines, the header, E1,alpha, then this row).
    assert "tenancies.csv, line 5, column 'operator_id'" in err, err


def test_generate_size_alone_means_the_family(tmp_path: Path, capsys) -> None:
    assert main(["generate", "--size", "S", "--variant", "greenfield", "--out",
                 str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "300 hamlets" in out and "variant greenfield" in out
    assert read_scenario(tmp_path / "s" / "scenario.toml").num_hamlets == 300
    assert main(["generate", "--preset", "nam-dinh", "--size", "S", "--out",
                 str(tmp_path / "x")]) == 2
    assert "--size" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_options_a_combination_ignores_are_errors(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "--out", str(out), "--quiet"]) == 0
    plan = str(out / "plan.csv")
    assert main(["evaluate", str(TINY), "--plan", plan, "--time-limit", "5"]) == 2
    assert "--time-limit" in capsys.readouterr().err
    assert main(["evaluate", str(TINY), "--plan", plan, "--against-optimal"]) == 2
    proposal = tmp_path / "p.csv"
    proposal.write_text("operator_id,site_id,action\nalpha,C2,build\n", encoding="utf-8")
    assert main(["evaluate", str(TINY), "--proposal", str(proposal), "--backend", "scip"]) == 2
    assert "--against-optimal" in capsys.readouterr().err
    assert main(["frontier", str(TINY), "--ratios", "0.3", "--points", "4", "--out",
                 str(tmp_path / "f")]) == 2
    assert main(["bench", "--list", "tiny"]) == 2


def test_an_html_report_into_a_missing_folder_is_one_line_exit_3(tmp_path: Path,
                                                                   capsys) -> None:
    out = tmp_path / "out"
    assert main(["solve", str(TINY), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    html = tmp_path / "no-such-folder" / "plan.html"
    assert main(["evaluate", str(TINY), "--plan", str(out / "plan.csv"), "--html",
                 str(html)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err and "no-such-folder" in err
