"""Writing a result: plan.csv, summary.json, sites.csv, hamlets.csv, worklist.csv, GeoJSON, reports.

Files are written atomically (to a temporary name in the same folder, then
renamed), so an interrupted run or a full disk never leaves half a file. A
write that fails raises :class:`~btsopt.errors.OutputError` naming the file
and the reason. The tables behind them are built once
(:func:`~btsopt.outputs.tables.build_tables`) and shared by every format.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from btsopt.data import ProblemData
from btsopt.errors import OutputError
from btsopt.network.fibre import fibre_plan
from btsopt.outputs.fibre import fibre_geojson, fibre_layers, ftth_html_section
from btsopt.outputs.geojson import hamlets_geojson, sites_geojson
from btsopt.outputs.html import render_html
from btsopt.outputs.report import render_report
from btsopt.outputs.tables import (
    build_tables,
    hamlets_frame,
    plan_frame,
    sites_frame,
)
from btsopt.plan import Plan
from btsopt.result import Result

__all__ = [
    "RESCUE_PREFIX",
    "OUTPUT_MARKER",
    "atomic_write_text",
    "earlier_outputs",
    "foreign_files",
    "mark_outputs",
    "hamlets_frame",
    "plan_csv_text",
    "plan_frame",
    "prepare_out_dir",
    "sites_frame",
    "summary_text",
    "worklist_csv",
    "write_lines",
    "write_plan_elsewhere",
    "write_result",
    "write_result_to_streams",
]

RESCUE_PREFIX = "btsopt-plan-"
"""Name prefix of the folder in the system's temporary directory that takes a
solved plan when its output folder cannot (see :func:`write_plan_elsewhere`)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one.

    Raises
    ------
    OutputError
        When the file cannot be written (the temporary file is removed).
    """
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OutputError):
            raise
        raise OutputError.from_os_error(path, exc) from exc
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def prepare_out_dir(out_dir: str | Path) -> Path:
    """Create the output folder if missing; fail early if it cannot take files.

    Raises
    ------
    OutputError
        When ``out_dir`` is a file, cannot be created or is not writable.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError("it is a file, not a folder", file=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError.from_os_error(out, exc) from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {out}: permission denied")
    return out


def plan_csv_text(data: ProblemData, plan: Plan | None) -> str:
    """The text of ``plan.csv`` (only its header without a plan); with ``[demand]``
    the column ``carriers`` too, as in the final plan (checkpoints, ``--out -``)."""
    with_carriers = data.demand is not None
    if plan is None:
        return "site_id,operator_id,action" + (",carriers" if with_carriers else "") + "\n"
    return _csv_text(plan_frame(data, plan, carriers=with_carriers))


def summary_text(data: ProblemData, result: Result, **extra: Any) -> str:
    """The text of ``summary.json``: :meth:`Result.summary` with the scenario's
    name and currency, and ``extra`` keys."""
    summary = result.summary()
    summary["scenario"] = data.name
    summary["currency"] = data.currency
    summary.update(extra)
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
OUTPUT_MARKER = ".btsopt-outputs"
"""The file in an output folder that lists, one name a line, what btsopt wrote there.

``btsopt solve`` replaces a folder whose every file is listed (its own earlier
outputs) and refuses one with other files (see :func:`foreign_files`).
"""


def mark_outputs(out_dir: str | Path, names: Iterable[str]) -> None:
    """Add ``names`` (files in ``out_dir``) to the folder's :data:`OUTPUT_MARKER`.

    Anything that writes into an output folder beside :func:`write_result`
    (e.g. a checkpoint) lists its files here, so that a later run may replace
    them.
    """
    out = Path(out_dir)
    listed = set(_listed(out) or ()) | {Path(name).name for name in names}
    atomic_write_text(out / OUTPUT_MARKER, "".join(f"{name}\n" for name in sorted(listed)))


def _listed(out: Path) -> list[str] | None:
    try:
        text = (out / OUTPUT_MARKER).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    return [line.strip() for line in text.splitlines() if line.strip()]


def earlier_outputs(out_dir: str | Path) -> list[Path]:
    """The files btsopt wrote in ``out_dir`` before (its marker's list and the marker)."""
    out = Path(out_dir)
    listed = _listed(out)
    if listed is None:
        return []
    return [out / name for name in listed if (out / name).is_file()] + [out / OUTPUT_MARKER]


def foreign_files(out_dir: str | Path) -> list[str]:
    """Entries of ``out_dir`` that btsopt did not write there, sorted.

    Empty when the folder does not exist, is empty, or holds only files its
    :data:`OUTPUT_MARKER` lists (and the leftovers of an interrupted atomic
    write of one of them, ``.NAME.*``). Without a marker every entry is foreign.
    """
    out = Path(out_dir)
    if not out.is_dir():
        return []
    ours = set(_listed(out) or ())
    foreign = []
    for entry in out.iterdir():
        name = entry.name
        if name == OUTPUT_MARKER or (name in ours and entry.is_file()):
            continue
        if name.startswith(".") and any(name.startswith(f".{own}.") for own in ours):
            continue
        foreign.append(name)
    return sorted(foreign)


def _csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def worklist_csv(worklist: pd.DataFrame) -> str:
    """``worklist.csv`` text: money rounded to 0.001 of the currency unit."""
    money = ["capex", "opex_npv", "decommission", "cost", "rent_npv"]
    return _csv_text(worklist.round({column: 3 for column in money}))


def write_result(
    data: ProblemData,
    result: Result,
    out_dir: str | Path,
    *,
    frontier: Any = None,
) -> list[Path]:
    """Write every output of ``btsopt solve`` into ``out_dir``.

    Parameters
    ----------
    data
        The problem solved.
    result
        What :func:`btsopt.solve` returned.
    out_dir
        Folder to write into (created if missing).
    frontier
        Optional sharing/cost frontier drawn in ``report.html`` (see
        :func:`btsopt.outputs.html.frontier_points`).

    Returns
    -------
    list of Path
        The files written: ``plan.csv``, ``sites.csv``, ``hamlets.csv``,
        ``sites.geojson``, ``hamlets.geojson``, ``worklist.csv`` (these six
        only with a plan), ``fibre.geojson`` (with a plan and a
        ``[network]``), ``summary.json``, ``report.md`` and ``report.html``.
        They are listed in the folder's :data:`OUTPUT_MARKER`.

    Raises
    ------
    OutputError
        When a file cannot be written; the files before it are whole, no
        file is half written.
    """
    out = prepare_out_dir(out_dir)
    written: list[Path] = []

    def put(name: str, text: str) -> None:
        atomic_write_text(out / name, text)
        written.append(out / name)

    summary = result.summary()
    summary["scenario"] = data.name
    summary["currency"] = data.currency
    # With [demand] plan.csv gains the carriers of each tenancy (scenario format v2).
    plan_columns = ["site_id", "operator_id", "action"]
    if data.demand is not None:
        plan_columns.append("carriers")
        if result.evaluation is not None and result.evaluation.demand is not None:
            summary.setdefault("demand", result.evaluation.demand)
    tables = None
    # New fibre after the plan ([network]): shared trenches and FTTH.
    fibre = None if result.plan is None else fibre_plan(data, result.plan)
    if fibre is not None:
        summary.update(fibre.summary())
        put("fibre.geojson", fibre_geojson(data, fibre))
    if result.plan is not None:
        tables = build_tables(data, result)
        put("plan.csv", _csv_text(tables.tenancies[plan_columns]))
        put("sites.csv", _csv_text(tables.sites))
        put("hamlets.csv", _csv_text(tables.hamlets))
        put("sites.geojson", sites_geojson(tables.sites))
        put("hamlets.geojson", hamlets_geojson(tables.hamlets))
        put("worklist.csv", worklist_csv(tables.worklist))
    else:
        put("plan.csv", ",".join(plan_columns) + "\n")
    put("summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    put("report.md", render_report(data, result, fibre=fibre, tables=tables))
    put("report.html", render_html(
        data, result, frontier=frontier, tables=tables,
        layers=() if fibre is None else fibre_layers(data, fibre),
        sections=() if fibre is None else (ftth_html_section(data, fibre),)))
    mark_outputs(out, [path.name for path in written])
    return written


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` (newline-terminated) atomically."""
    atomic_write_text(path, "".join(f"{line}\n" for line in lines))


def write_result_to_streams(data: ProblemData, result: Result, plan_stream: TextIO,
                            summary_stream: TextIO) -> None:
    """``--out -``: ``plan.csv`` to one stream (standard output), ``summary.json``
    to the other (standard error); no other file."""
    plan_stream.write(plan_csv_text(data, result.plan))
    plan_stream.flush()
    summary_stream.write(summary_text(data, result))
    summary_stream.flush()


def write_plan_elsewhere(data: ProblemData, result: Result) -> Path | None:
    """After the output folder failed: ``plan.csv`` and ``summary.json`` into a
    new folder in the system's temporary directory (``btsopt-plan-*``), so a
    solved plan is not lost.

    Returns
    -------
    Path or None
        The folder, or ``None`` when it could not be written either (it is
        then removed).
    """
    if result.plan is None:
        return None
    folder = None
    try:
        folder = Path(tempfile.mkdtemp(prefix=RESCUE_PREFIX))
        atomic_write_text(folder / "plan.csv", plan_csv_text(data, result.plan))
        atomic_write_text(folder / "summary.json", summary_text(data, result))
    except OSError:  # OutputError too
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        return None
    return folder
