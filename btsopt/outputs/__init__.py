"""Outputs: plan and table files, GeoJSON, the summary and the planners' reports."""

from btsopt.outputs.checkpoint import Checkpoint, default_checkpoint_period
from btsopt.outputs.files import (
    OUTPUT_MARKER,
    atomic_write_text,
    earlier_outputs,
    foreign_files,
    mark_outputs,
    prepare_out_dir,
    write_plan_elsewhere,
    write_result,
    write_result_to_streams,
)
from btsopt.outputs.geojson import hamlets_geojson, sites_geojson
from btsopt.outputs.html import ChartPoint, frontier_points, frontier_svg, render_html
from btsopt.outputs.mapview import LegendEntry, MapFeature, MapLayer, MapStyle
from btsopt.outputs.report import render_report
from btsopt.outputs.tables import (
    SITE_STATUSES,
    PlanTables,
    area_frame,
    build_tables,
    cost_frame,
    hamlets_frame,
    kpi_frame,
    operators_frame,
    plan_frame,
    site_status,
    sites_frame,
    tenancies_frame,
    worklist_frame,
)

__all__ = [
    "OUTPUT_MARKER",
    "SITE_STATUSES",
    "ChartPoint",
    "Checkpoint",
    "LegendEntry",
    "MapFeature",
    "MapLayer",
    "MapStyle",
    "PlanTables",
    "area_frame",
    "atomic_write_text",
    "build_tables",
    "cost_frame",
    "default_checkpoint_period",
    "earlier_outputs",
    "foreign_files",
    "frontier_points",
    "frontier_svg",
    "hamlets_frame",
    "hamlets_geojson",
    "kpi_frame",
    "mark_outputs",
    "operators_frame",
    "plan_frame",
    "prepare_out_dir",
    "render_html",
    "render_report",
    "site_status",
    "sites_frame",
    "sites_geojson",
    "tenancies_frame",
    "write_plan_elsewhere",
    "worklist_frame",
    "write_result",
    "write_result_to_streams",
]
