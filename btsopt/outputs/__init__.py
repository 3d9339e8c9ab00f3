"""Outputs: plan and table files, the summary and the planners' report."""

from btsopt.outputs.files import (
    atomic_write_text,
    hamlets_frame,
    plan_frame,
    sites_frame,
    write_result,
)
from btsopt.outputs.report import render_report

__all__ = [
    "atomic_write_text",
    "hamlets_frame",
    "plan_frame",
    "render_report",
    "sites_frame",
    "write_result",
]
