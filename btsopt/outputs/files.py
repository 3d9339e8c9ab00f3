"""Writing a result: plan.csv, summary.json, sites.csv, hamlets.csv, report.md.

Files are written atomically (to a temporary name, then renamed), so an
interrupted run never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from btsopt.data import AREA_TYPES, ProblemData
from btsopt.evaluation import hamlet_coverage_sets
from btsopt.outputs.report import render_report
from btsopt.plan import Plan
from btsopt.result import Result


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def plan_frame(data: ProblemData, plan: Plan) -> pd.DataFrame:
    """``plan.csv`` rows: every outcome tenancy, and removed ones as ``remove``."""
    return pd.DataFrame(plan.rows(data), columns=["site_id", "operator_id", "action"])


def sites_frame(data: ProblemData, plan: Plan) -> pd.DataFrame:
    """Per site: status (kept, new, removed, unused), tenants, shared."""
    sites = data.sites
    tenants = plan.tenancies
    count = tenants.sum(axis=1)
    had = data.tenancies.any(axis=1)
    status = np.where(
        count > 0,
        np.where(sites.existing, "kept", "new"),
        np.where(had, "removed", "unused"),
    )
    ops = data.operator_ids
    added = tenants & ~data.tenancies
    return pd.DataFrame({
        "site_id": sites.ids,
        "lon": sites.lon,
        "lat": sites.lat,
        "existing": sites.existing,
        "owner": sites.owner,
        "status": status,
        "tenants": [";".join(ops[k] for k in np.flatnonzero(row)) for row in tenants],
        "tenant_count": count,
        "new_tenants": [";".join(ops[k] for k in np.flatnonzero(row)) for row in added],
        "shared": count >= 2,
        "max_tenants": sites.max_tenants,
    })


def hamlets_frame(data: ProblemData, plan: Plan, evaluation) -> pd.DataFrame:
    """Per hamlet: covered or not, by which operators and from which sites."""
    hamlets = data.hamlets
    pairs = hamlet_coverage_sets(data, plan)  # hamlets x (site*K + operator), sorted
    ops = data.operator_ids
    num_ops = data.num_operators
    by_ops = [
        ";".join(ops[k] for k in np.flatnonzero(row))
        for row in evaluation.hamlet_covering_operators
    ]
    by_sites = []
    for i in range(len(hamlets)):
        cols = pairs.indices[pairs.indptr[i] : pairs.indptr[i + 1]]
        by_sites.append(
            ";".join(f"{data.sites.ids[c // num_ops]}:{ops[c % num_ops]}" for c in cols)
        )
    return pd.DataFrame({
        "hamlet_id": hamlets.ids,
        "name": hamlets.name,
        "commune": hamlets.commune,
        "district": hamlets.district,
        "lon": hamlets.lon,
        "lat": hamlets.lat,
        "population": hamlets.population,
        "area_type": [AREA_TYPES[a] for a in hamlets.area_type],
        "required_operators": hamlets.min_operators,
        "covered": evaluation.hamlet_covered,
        "operator_count": evaluation.hamlet_operator_count,
        "operators": by_ops,
        "sites": by_sites,
    })


def write_result(data: ProblemData, result: Result, out_dir: str | Path) -> list[Path]:
    """Write every output of ``btsopt solve`` into ``out_dir``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(name: str, text: str) -> None:
        atomic_write_text(out / name, text)
        written.append(out / name)

    summary = result.summary()
    summary["scenario"] = data.name
    summary["currency"] = data.currency
    if result.plan is not None:
        put("plan.csv", _csv_text(plan_frame(data, result.plan)))
        put("sites.csv", _csv_text(sites_frame(data, result.plan)))
        put("hamlets.csv", _csv_text(hamlets_frame(data, result.plan, result.evaluation)))
    else:
        put("plan.csv", "site_id,operator_id,action\n")
    put("summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    put("report.md", render_report(data, result))
    return written


def write_lines(path: Path, lines: Iterable[str]) -> None:
    atomic_write_text(path, "".join(f"{line}\n" for line in lines))
