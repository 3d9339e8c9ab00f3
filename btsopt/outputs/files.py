"""Writing a result: plan.csv, summary.json, sites.csv, hamlets.csv, worklist.csv, GeoJSON, reports.

Files are written atomically (to a temporary name, then renamed), so an
interrupted run never leaves half a file. The tables behind them are built
once (:func:`~btsopt.outputs.tables.build_tables`) and shared by every format.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from btsopt.data import ProblemData
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
from btsopt.result import Result

__all__ = [
    "OUTPUT_MARKER",
    "atomic_write_text",
    "earlier_outputs",
    "foreign_files",
    "mark_outputs",
    "hamlets_frame",
    "plan_frame",
    "sites_frame",
    "worklist_csv",
    "write_lines",
    "write_result",
]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
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
