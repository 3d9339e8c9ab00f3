"""Markdown tables of ``btsopt bench`` CSV files (used to write benchmarks/README.md).

Usage::

    PYTHONPATH=. python benchmarks/report.py benchmarks/reports/scp-20s.csv [MORE.csv ...]
    PYTHONPATH=. python benchmarks/report.py "A.csv#plain-highs,plain-cpsat" B.csv

Prints one summary line per solver and one table line per instance (objective,
gap and time of each solver; the best known value, the best plan and the best
bound of any run). "Best" is the best-known value where
``benchmarks/best_known.csv`` has one, else the best plan any run in the given
files found.
"""

from __future__ import annotations

import sys

from btsopt.bench.instances import natural_key
from btsopt.bench.runner import read_runs, summarize


def _num(value: float | None, spec: str) -> str:
    if value is None:
        return "-"
    return format(0.0 if abs(value) < 1e-9 else value, spec)  # no "-0.000%"


def _best(rows: list[dict], name: str) -> tuple[float | None, float | None, float | None]:
    """Best known value, best objective found and best bound of any run, for an instance."""
    mine = [r for r in rows if r["instance"] == name]
    known = next((r["best_known"] for r in mine if r["best_known"] is not None), None)
    found = min((r["objective"] for r in mine if r["objective"] is not None), default=None)
    bound = max((r["lower_bound"] for r in mine if r["lower_bound"] is not None), default=None)
    return known, found, bound


def with_best_found(rows: list[dict]) -> list[dict]:
    """Rows whose ``gap_to_best`` is measured against the best plan any run found
    where no best-known value exists (generated instances)."""
    out = []
    for row in rows:
        known, found, _ = _best(rows, row["instance"])
        row = dict(row)
        if known is None and found is not None and row["objective"] is not None:
            row["gap_to_best"] = (row["objective"] - found) / max(abs(found), 1e-12)
        out.append(row)
    return out


def _label(row: dict, rows: list[dict]) -> str:
    """The solver's name, with its settings when the rows hold several."""
    several = len({r["settings"] for r in rows}) > 1
    return f"{row['solver']} [{row['settings']}]" if several else row["solver"]


def instance_table(rows: list[dict]) -> str:
    """One line per instance, a column group per solver (and settings)."""
    solvers = list(dict.fromkeys(_label(r, rows) for r in rows))
    instances = sorted(dict.fromkeys(r["instance"] for r in rows), key=natural_key)
    index = {(r["instance"], _label(r, rows)): r for r in rows}
    head = ["instance", "best known", "best found", "best bound"]
    for solver in solvers:
        head += [f"{solver} objective", "gap", "time s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in instances:
        known, found, bound = _best(rows, name)
        cells = [name, _num(known, ",.6g"), _num(found, ",.2f"), _num(bound, ",.2f")]
        for solver in solvers:
            row = index.get((name, solver))
            if row is None:
                cells += ["", "", ""]
                continue
            objective = _num(row["objective"], ",.2f")
            if row["status"] not in ("optimal", "feasible"):
                objective = row["status"]
            cells += [objective, _num(row["gap"], ".2%"), _num(row["wall_time_s"], ".2f")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_table(rows: list[dict]) -> str:
    """One line per solver: counts, mean gaps and times."""
    head = ["solver", "runs", "optimal", "with plan", "at best", "mean gap",
            "max gap", "mean gap to best", "mean time s", "sh. geo. mean s", "total s",
            "max peak MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    several = len({r["settings"] for r in rows}) > 1
    for s in summarize(with_best_found(rows)):
        at_best = f"{s['at_best']}/{s['with_best']}" if s["with_best"] else "-"
        label = f"{s['solver']} [{s['settings']}]" if several else s["solver"]
        lines.append("| " + " | ".join([
            label, str(s["runs"]), str(s["optimal"]), str(s["with_plan"]), at_best,
            _num(s["mean_gap"], ".3%"), _num(s["max_gap"], ".2%"),
            _num(s["mean_gap_to_best"], ".3%"), _num(s["mean_time_s"], ".2f"),
            _num(s["sgm_time_s"], ".2f"), _num(s["total_time_s"], ".0f"),
            _num(s["max_peak_rss_mb"], ".0f"),
        ]) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    rows = [row for spec in argv for row in read_runs(spec)]
    print(summary_table(rows))
    print()
    print(instance_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
