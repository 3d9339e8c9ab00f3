"""Performance profiles of a benchmark CSV: share of runs within a gap, against time.

For each solver (and settings, when there are several) and each gap
threshold, the curve at time t is the share of that solver's runs that ended
with a proven gap at most the threshold within t seconds. A run that stopped at
its time limit with a gap of 0.5% counts for the 1% panel at its end time: the
CSV holds final figures only, so that is when the gap is known to be reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from btsopt.bench.runner import read_csv

DEFAULT_THRESHOLDS: tuple[float, ...] = (1e-4, 0.01, 0.05)


def _label(threshold: float) -> str:
    return "gap <= 0.01% (optimal)" if threshold <= 1e-4 else f"gap <= {threshold:.0%}"


def performance_profile(
    rows: list[dict[str, Any]],
    out: str | Path,
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS,
    title: str | None = None,
) -> Path:
    """Draw the profile of benchmark rows into a PNG.

    Parameters
    ----------
    rows
        Run rows (as written by the runner, or read back with
        :func:`btsopt.bench.runner.read_csv`).
    out
        PNG file to write.
    thresholds
        Gap thresholds, one panel each.
    title
        Figure title (default: the number of runs and instances).
    """
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    if not rows:
        raise ValueError("no runs to plot")
    settings = {row["settings"] for row in rows}
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        label = row["solver"] if len(settings) == 1 else f"{row['solver']} [{row['settings']}]"
        groups.setdefault(label, []).append(row)
    times = [r["wall_time_s"] for r in rows if r.get("wall_time_s")]
    limits = [r["time_limit"] for r in rows if r.get("time_limit")]
    t_min = max(min(times, default=0.01), 1e-3)
    t_max = max(max(times, default=1.0), max(limits, default=1.0))

    fig, axes = plt.subplots(1, len(thresholds), figsize=(4.6 * len(thresholds), 4.0),
                             sharey=True, squeeze=False)
    for ax, threshold in zip(axes[0], thresholds, strict=True):
        for label, group in sorted(groups.items()):
            done = sorted(
                r["wall_time_s"] for r in group
                if r.get("gap") is not None and r["gap"] <= threshold + 1e-12
                and r.get("wall_time_s") is not None
            )
            xs = [t_min / 1.5] + [max(t, t_min) for t in done] + [t_max * 1.5]
            ys = [0.0] + [(n + 1) / len(group) for n in range(len(done))]
            ys.append(ys[-1])
            ax.step(xs, ys, where="post", label=label, linewidth=1.6)
        for limit in sorted(set(limits)):
            ax.axvline(limit, color="grey", linestyle=":", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xlim(t_min / 1.5, t_max * 1.5)
        ax.set_ylim(0, 1.02)
        ax.set_title(_label(threshold))
        ax.set_xlabel("wall time (s)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("share of runs")
    axes[0][-1].legend(loc="lower right", fontsize="small")
    instances = len({r["instance"] for r in rows})
    fig.suptitle(title or f"Performance profile: {len(rows)} runs on {instances} instances")
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def plot_csv(csv_path: str | Path, out: str | Path,
             thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS) -> Path:
    """:func:`performance_profile` of a CSV written by ``btsopt bench --csv``."""
    rows = read_csv(csv_path)
    return performance_profile(rows, out, thresholds)
