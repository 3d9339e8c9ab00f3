"""Outputs: plan and table files, GeoJSON, the summary and the planners' reports."""

from btsopt.outputs.files import RESULT_FILES, atomic_write_text, write_result
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
    "RESULT_FILES",
    "SITE_STATUSES",
    "ChartPoint",
    "LegendEntry",
    "MapFeature",
    "MapLayer",
    "MapStyle",
    "PlanTables",
    "area_frame",
    "atomic_write_text",
    "build_tables",
    "cost_frame",
    "frontier_points",
    "frontier_svg",
    "hamlets_frame",
    "hamlets_geojson",
    "kpi_frame",
    "operators_frame",
    "plan_frame",
    "render_html",
    "render_report",
    "site_status",
    "sites_frame",
    "sites_geojson",
    "tenancies_frame",
    "worklist_frame",
    "write_result",
]
