"""Reading a scenario (``scenario.toml`` plus its tables) into :class:`ProblemData`.

Implements ``scenario-format.md`` exactly: every key, column and default.
Errors are :class:`~btsopt.errors.ScenarioError` naming the file, line and
column; unknown TOML keys become warnings (to catch typos).

Choices made where the format is silent (extensions never reject a file the
format allows, except for values that cannot be meant):

- text choices (``status``, ``area_type``, ``locked``, ``radio.model``,
  ``targets.sharing``) are case-insensitive and ignore surrounding spaces;
  ``area_type`` also accepts ``dense urban`` / ``dense-urban``;
- whole-number fields accept ``3.0``; ``targets.coverage`` accepts ``"2"``;
- ``economics.horizon_years`` must be 0..100 and ``economics.discount_rate``
  0..1 (a rate of 8 is 800 %, almost surely meant as 0.08): both are errors
  beyond that; a rate above 0.3 is a warning;
- ``policy.max_tenants`` and a site's ``max_tenants`` must be at least 1;
- a table without rows is an error for hamlets ("no hamlets") and sites
  ("no sites"), and fine for tenancies;
- warnings (exit 0) for: unknown TOML keys, columns that look like a
  misspelt known column, points far outside the bulk of the others
  (swapped longitude/latitude that stays in range), a build cost on an
  existing site, frequencies that look like GHz, antenna heights above
  300 m, and existing tenancies that a site's ``locked``/``allowed_operators``
  contradict.
- the scenario path may be a folder holding ``scenario.toml``.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from btsopt.data import (
    AREA_TYPES,
    LOCK_IN,
    LOCK_NONE,
    LOCK_OUT,
    RADIO_MODELS,
    Economics,
    Hamlets,
    Operator,
    Policy,
    ProblemData,
    Radio,
    Sites,
    Targets,
)
from btsopt.errors import ScenarioError
from btsopt.reading.checks import far_points, robust_centre
from btsopt.reading.demand import (
    HAMLET_DEMAND_COLUMNS,
    OPERATOR_DEMAND_KEYS,
    TENANCY_DEMAND_COLUMNS,
    read_demand,
)
from btsopt.reading.network import read_network
from btsopt.reading.tables import (
    Table,
    decode_text,
    normalise_text,
    one_line,
    read_table,
    show,
)

_TOP_KEYS = (
    "name", "description", "currency", "targets", "economics", "policy", "radio",
    "operators", "tables", "demand", "network",
)
_OPERATOR_KEYS = (
    "id", "name", "frequency_mhz", "max_path_loss_db", "radius_km", "tenancy_capex",
    "tenancy_opex_per_year", *OPERATOR_DEMAND_KEYS,
)
_TABLE_KEYS = ("hamlets", "sites", "tenancies")
HAMLET_COLUMNS = ("id", "lon", "lat", "population", "area_type", "name", "commune",
                  "district", "min_operators", *HAMLET_DEMAND_COLUMNS)
SITE_COLUMNS = ("id", "lon", "lat", "status", "height_m", "owner", "max_tenants", "capex",
                "opex_per_year", "rent_per_year", "allowed_operators", "locked")
TENANCY_COLUMNS = ("site_id", "operator_id")

MAX_HORIZON_YEARS = 100
"""Longer horizons are rejected: opex over centuries is a typo, not a plan."""
HIGH_DISCOUNT_RATE = 0.3
TALL_MAST_M = 300.0
MAX_FAR_WARNINGS = 5


class _Toml:
    """Typed access to the TOML document with errors naming the key."""

    def __init__(self, path: Path, warnings: list[str]) -> None:
        self.path = path
        self.warnings = warnings

    def error(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(message, file=str(self.path), column=key)

    def warn(self, key: str, message: str) -> None:
        self.warnings.append(f"{self.path}: key '{key}': {message}")

    def warn_unknown(self, table: dict[str, Any], known: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.7)
                hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
                self.warnings.append(
                    f"{self.path}: unknown key '{prefix}{one_line(str(key))}' ignored{hint}"
                )

    def section(self, doc: dict[str, Any], name: str) -> dict[str, Any]:
        value = doc.get(name, {})
        if not isinstance(value, dict):
            raise self.error(name, f"[{name}] must be a table of keys, got {show(value)}")
        return value

    def number(
        self,
        table: dict[str, Any],
        key: str,
        default: float,
        prefix: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
        positive: bool = False,
        allow_inf: bool = False,
    ) -> Any:
        name = prefix + key
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(name, f"must be a number, got {show(value)}")
        if math.isnan(value) or (math.isinf(value) and not allow_inf):
            raise self.error(name, f"must be a finite number, got {show(value)}")
        if integer and (math.isinf(value) or value != int(value)):
            raise self.error(name, f"must be a whole number, got {show(value)}")
        if minimum is not None and value < minimum:
            raise self.error(name, f"must be at least {minimum:g}, got {show(value)}")
        if maximum is not None and value > maximum:
            raise self.error(name, f"must be at most {maximum:g}, got {show(value)}")
        if positive and value <= 0:
            raise self.error(name, f"must be greater than 0, got {show(value)}")
        return int(value) if integer else float(value)

    def boolean(self, table: dict[str, Any], key: str, default: bool, prefix: str) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise self.error(prefix + key, f"must be true or false, got {show(value)}")
        return value

    def text(
        self, table: dict[str, Any], key: str, default: str | None, prefix: str,
        choices: tuple[str, ...] | None = None,
    ) -> str:
        if key not in table:
            if default is None:
                raise self.error(prefix + key, "required key is missing")
            return default
        value = table[key]
        if not isinstance(value, str):
            raise self.error(prefix + key, f"must be text, got {show(value)}")
        value = normalise_text(value)
        if choices is not None:
            folded = value.lower()
            if folded not in choices:
                raise self.error(
                    prefix + key,
                    f"{show(value)} is not one of {', '.join(repr(c) for c in choices)}",
                )
            return folded
        return value


def _read_targets(toml: _Toml, doc: dict[str, Any], num_operators: int) -> Targets:
    t = toml.section(doc, "targets")
    toml.warn_unknown(t, tuple(f.name for f in fields(Targets)), "targets.")
    coverage: Any = t.get("coverage", "any")
    wrong = f"must be 'any', 'each' or a whole number of operators, got {show(coverage)}"
    if isinstance(coverage, str):
        coverage = coverage.strip().lower()
        if coverage.isdigit():
            coverage = int(coverage)
        elif coverage not in ("any", "each"):
            raise toml.error("targets.coverage", wrong)
    elif isinstance(coverage, float) and math.isfinite(coverage) and coverage == int(coverage):
        coverage = int(coverage)
    elif isinstance(coverage, bool) or not isinstance(coverage, int):
        raise toml.error("targets.coverage", wrong)
    if isinstance(coverage, int) and not 1 <= coverage <= num_operators:
        raise toml.error(
            "targets.coverage",
            f"{coverage} operators per hamlet asked, but the scenario has {num_operators}",
        )
    share = toml.number(t, "hamlet_coverage", 1.0, "targets.", minimum=0.0)
    if share > 1.0:
        raise toml.error("targets.hamlet_coverage",
                         f"must be a share from 0 to 1 (0.95 = 95%), got {show(share)}")
    ratio = toml.number(t, "shared_site_ratio", 0.30, "targets.", minimum=0.0)
    if ratio > 1.0:
        raise toml.error("targets.shared_site_ratio",
                         f"must be a share from 0 to 1 (0.3 = 30%), got {show(ratio)}")
    return Targets(
        coverage=coverage,
        hamlet_coverage=share,
        shared_site_ratio=ratio,
        sharing=toml.text(t, "sharing", "hard", "targets.", ("hard", "soft")),
        budget=toml.number(t, "budget", math.inf, "targets.", minimum=0.0, allow_inf=True),
        coverage_mode=toml.text(t, "coverage_mode", "hard", "targets.", ("hard", "soft")),
    )


def _read_economics(toml: _Toml, doc: dict[str, Any]) -> Economics:
    e = toml.section(doc, "economics")
    toml.warn_unknown(e, tuple(f.name for f in fields(Economics)), "economics.")
    defaults = Economics()
    values: dict[str, Any] = {}
    for f in fields(Economics):
        values[f.name] = toml.number(
            e, f.name, getattr(defaults, f.name), "economics.", minimum=0.0,
            integer=f.name == "horizon_years",
            maximum={"horizon_years": MAX_HORIZON_YEARS, "discount_rate": 1.0}.get(f.name),
        )
    if values["discount_rate"] > HIGH_DISCOUNT_RATE:
        toml.warn("economics.discount_rate",
                  f"{values['discount_rate']:g} is a rate of {values['discount_rate']:.0%} a "
                  "year; 0.08 means 8%")
    return Economics(**values)


def _read_policy(toml: _Toml, doc: dict[str, Any]) -> Policy:
    p = toml.section(doc, "policy")
    toml.warn_unknown(p, tuple(f.name for f in fields(Policy)), "policy.")
    return Policy(
        max_tenants=toml.number(p, "max_tenants", 3, "policy.", minimum=1, integer=True),
        allow_decommission=toml.boolean(p, "allow_decommission", False, "policy."),
        allow_relocation=toml.boolean(p, "allow_relocation", False, "policy."),
    )


def _read_radio(toml: _Toml, doc: dict[str, Any]) -> Radio:
    r = toml.section(doc, "radio")
    toml.warn_unknown(r, tuple(f.name for f in fields(Radio)), "radio.")
    return Radio(
        model=toml.text(r, "model", "cost231-hata", "radio.", RADIO_MODELS),
        rx_height_m=toml.number(r, "rx_height_m", 1.5, "radio.", positive=True),
    )


def _read_operators(
    toml: _Toml, doc: dict[str, Any], radio: Radio, economics: Economics
) -> tuple[Operator, ...]:
    entries = doc.get("operators")
    if "operators" not in doc:
        raise toml.error("operators", "required: at least one [[operators]] entry")
    if not isinstance(entries, list) or not entries:
        raise toml.error("operators", "must be one or more [[operators]] entries")
    operators: list[Operator] = []
    seen: set[str] = set()
    fixed = radio.model == "fixed-radius"
    for n, entry in enumerate(entries):
        prefix = f"operators[{n}]."
        if not isinstance(entry, dict):
            raise toml.error(f"operators[{n}]", "must be a table of keys")
        toml.warn_unknown(entry, _OPERATOR_KEYS, prefix)
        op_id = toml.text(entry, "id", None, prefix)
        if not op_id:
            raise toml.error(prefix + "id", "must not be empty")
        if not op_id.isprintable():
            raise toml.error(prefix + "id", f"{show(op_id)} must be one line of printable text")
        if ";" in op_id:
            # allowed_operators separates ids with ';'.
            raise toml.error(prefix + "id", f"{show(op_id)} must not contain ';'")
        if op_id in seen:
            raise toml.error(prefix + "id", f"duplicate operator id {show(op_id)}")
        seen.add(op_id)
        radius = None
        if fixed:
            radius = _read_radius(toml, entry, prefix)
            frequency = toml.number(entry, "frequency_mhz", 0.0, prefix, minimum=0.0)
            max_loss = toml.number(entry, "max_path_loss_db", math.inf, prefix, allow_inf=True)
        else:
            for key in ("frequency_mhz", "max_path_loss_db"):
                if key not in entry:
                    raise toml.error(prefix + key, "required key is missing (only "
                                     "radio.model = 'fixed-radius' does without it)")
            frequency = toml.number(entry, "frequency_mhz", 0.0, prefix, positive=True)
            max_loss = toml.number(entry, "max_path_loss_db", 0.0, prefix)
        if 0 < frequency < 100:
            toml.warn(prefix + "frequency_mhz", f"{frequency:g} MHz is very low: "
                      "a frequency in GHz? (1800 MHz = 1.8 GHz)")
        operators.append(
            Operator(
                id=op_id,
                name=toml.text(entry, "name", op_id, prefix),
                frequency_mhz=frequency,
                max_path_loss_db=max_loss,
                radius_km=radius,
                tenancy_capex=toml.number(
                    entry, "tenancy_capex", economics.tenancy_capex, prefix, minimum=0.0
                ),
                tenancy_opex_per_year=toml.number(
                    entry, "tenancy_opex_per_year", economics.tenancy_opex_per_year, prefix,
                    minimum=0.0,
                ),
            )
        )
    return tuple(operators)


def _read_radius(toml: _Toml, entry: dict[str, Any], prefix: str) -> dict[str, float]:
    radius = entry.get("radius_km")
    if radius is None:
        raise toml.error(prefix + "radius_km", "required with radio.model = 'fixed-radius': "
                         "km per clutter class, e.g. {rural = 5.0, ...}")
    if not isinstance(radius, dict):
        raise toml.error(prefix + "radius_km", "must be a table of km per clutter class, got "
                         f"{show(radius)}")
    toml.warn_unknown(radius, AREA_TYPES, prefix + "radius_km.")
    out = {}
    for clutter in AREA_TYPES:
        if clutter not in radius:
            raise toml.error(prefix + f"radius_km.{clutter}", "required key is missing")
        out[clutter] = toml.number(radius, clutter, 0.0, prefix + "radius_km.", minimum=0.0)
    return out


def _resolve_table_path(
    toml: _Toml, tables: dict[str, Any], key: str, required: bool
) -> Path | None:
    if key not in tables:
        if required:
            raise toml.error(f"tables.{key}", "required key is missing")
        return None
    value = tables[key]
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise toml.error(f"tables.{key}", f"must be a file name, got {show(value)}")
    # Relative to the TOML file, as the spec says; kept unresolved so messages stay short.
    return toml.path.parent / value.strip()


def _warn_misspelt_columns(table: Table, known: tuple[str, ...], warnings: list[str]) -> None:
    for found, meant in table.unused_columns(known):
        warnings.append(f"{table.path}: column {show(found)} is not used (did you mean "
                        f"'{meant}'?)")


def _coordinates(table: Table) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude columns, range-checked, with a hint for a swap."""
    lon = table.number("lon")
    lat = table.number("lat")
    for values, column, limit, other, other_limit in (
        (lat, "lat", 90.0, lon, 180.0), (lon, "lon", 180.0, lat, 90.0),
    ):
        outside = np.flatnonzero(np.abs(values) > limit)
        if outside.size:
            row = int(outside[0])
            # Swapped when each value would fit the other's range.
            swapped = abs(values[row]) <= other_limit and abs(other[row]) <= limit
            hint = " (longitude and latitude swapped?)" if swapped else ""
            name = "latitude" if column == "lat" else "longitude"
            raise table.error(
                f"{show(table.text(column)[row])} is outside the {name} range "
                f"[-{limit:g}, {limit:g}]{hint}", row, column,
            )
    return lon, lat


def _read_hamlets(table: Table, targets: Targets, num_operators: int) -> Hamlets:
    table.require("id", "lon", "lat", "population")
    if len(table) == 0:
        raise table.error("no hamlets: the table has a header but no rows")
    ids = table.unique_ids()
    lon, lat = _coordinates(table)
    population = table.number("population", minimum=0.0)
    area = table.choice("area_type", AREA_TYPES, "rural", what="an area type")
    default_need = {"any": 1, "each": num_operators}.get(targets.coverage, targets.coverage)
    need = table.integers("min_operators", int(default_need), minimum=0)
    too_many = np.flatnonzero(need > num_operators)
    if too_many.size:
        row = int(too_many[0])
        raise table.error(
            f"{int(need[row])} operators needed but the scenario has {num_operators}",
            row, "min_operators",
        )
    return Hamlets(
        ids=ids,
        lon=lon,
        lat=lat,
        population=population,
        area_type=area.astype(np.int8),
        min_operators=need.astype(np.int16),
        name=tuple(str(v) for v in table.text("name")),
        commune=tuple(str(v) for v in table.text("commune")),
        district=tuple(str(v) for v in table.text("district")),
    )


def _allowed_matrix(table: Table, operators: tuple[Operator, ...]) -> np.ndarray:
    op_index = {op.id: k for k, op in enumerate(operators)}
    allowed = np.ones((len(table), len(operators)), dtype=bool)
    cells = table.text("allowed_operators")
    rows_of: dict[str, list[int]] = {}
    for row, cell in enumerate(cells):
        if cell:
            rows_of.setdefault(str(cell), []).append(row)
    # Distinct lists are few even when sites are many: parse each once.
    for cell, rows in rows_of.items():
        names = [normalise_text(n) for n in cell.split(";")]
        names = [n for n in names if n]
        if not names:
            continue
        mask = np.zeros(len(operators), dtype=bool)
        for name in names:
            if name not in op_index:
                raise table.error(f"unknown operator {show(name)} (operators: "
                                  f"{', '.join(op_index)})", rows[0], "allowed_operators")
            mask[op_index[name]] = True
        allowed[rows] = mask
    return allowed


def _read_sites(
    table: Table, economics: Economics, policy: Policy, operators: tuple[Operator, ...],
    warnings: list[str],
) -> Sites:
    table.require("id", "lon", "lat", "status")
    if len(table) == 0:
        raise table.error("no sites: the table has a header but no rows")
    ids = table.unique_ids()
    lon, lat = _coordinates(table)
    existing = table.choice("status", ("existing", "candidate"), None) == 0
    height = table.number("height_m", 30.0, strictly_positive=True)
    tall = np.flatnonzero(height > TALL_MAST_M)
    if tall.size:
        warnings.append(f"{table.path}: {table.where(tall[0])}, column 'height_m': "
                        f"{height[tall[0]]:g} m is unusually tall (a height in cm or feet?)")
    capex = table.number("capex", economics.new_site_capex, minimum=0.0)
    given = table.text("capex") != ""
    priced = np.flatnonzero(existing & given & (capex > 0))
    if priced.size:
        warnings.append(
            f"{table.path}: {table.where(priced[0])}, column 'capex': build cost on an "
            "existing site ignored"
        )
    capex = np.where(existing, 0.0, capex)
    locks = table.choice("locked", ("none", "in", "out"), "none", what="a lock")
    locked = np.array([LOCK_NONE, LOCK_IN, LOCK_OUT], dtype=np.int8)[locks]
    return Sites(
        ids=ids,
        lon=lon,
        lat=lat,
        existing=existing,
        height_m=height,
        owner=tuple(str(v) for v in table.text("owner")),
        max_tenants=table.integers("max_tenants", policy.max_tenants, minimum=1).astype(
            np.int32
        ),
        capex=capex,
        opex_per_year=table.number("opex_per_year", economics.site_opex_per_year, minimum=0.0),
        rent_per_year=table.number("rent_per_year", economics.rent_per_year, minimum=0.0),
        allowed=_allowed_matrix(table, operators),
        locked=locked,
    )


def _read_tenancies(
    table: Table, sites: Sites, operators: tuple[Operator, ...], warnings: list[str]
) -> np.ndarray:
    table.require(*TENANCY_COLUMNS)
    site_index = {sid: j for j, sid in enumerate(sites.ids)}
    op_index = {op.id: k for k, op in enumerate(operators)}
    tenancies = np.zeros((len(sites), len(operators)), dtype=bool)
    site_ids = table.required_text("site_id")
    op_ids = table.required_text("operator_id")
    for row, (site_id, op_id) in enumerate(zip(site_ids, op_ids, strict=True)):
        if site_id not in site_index:
            raise table.error(f"unknown site {show(site_id)}", row, "site_id")
        if op_id not in op_index:
            raise table.error(f"unknown operator {show(op_id)} (operators: "
                              f"{', '.join(op_index)})", row, "operator_id")
        j, k = site_index[site_id], op_index[op_id]
        if not sites.existing[j]:
            raise table.error(
                f"site {show(site_id)} is a candidate; tenancies are only on existing sites",
                row, "site_id",
            )
        if tenancies[j, k]:
            raise table.error(f"duplicate tenancy of {show(op_id)} on {show(site_id)}", row,
                              "operator_id")
        tenancies[j, k] = True
        if tenancies[j].sum() > sites.max_tenants[j]:
            raise table.error(
                f"site {show(site_id)} has more existing tenants than its max_tenants "
                f"({sites.max_tenants[j]})", row, "site_id",
            )
        if sites.locked[j] == LOCK_OUT:
            warnings.append(f"{table.path}: {table.where(row)}: site {show(site_id)} is "
                            "locked out but has an existing tenancy")
        if not sites.allowed[j, k]:
            warnings.append(f"{table.path}: {table.where(row)}: {show(op_id)} is installed "
                            f"on {show(site_id)} but not in its allowed_operators")
    return tenancies


def _warn_far_points(
    hamlet_table: Table, hamlets: Hamlets, site_table: Table, sites: Sites,
    warnings: list[str],
) -> None:
    """Warn about points far outside the bulk of all hamlets and sites."""
    lon = np.concatenate([hamlets.lon, sites.lon])
    lat = np.concatenate([hamlets.lat, sites.lat])
    if lon.size < 3:
        return
    centre = robust_centre(lon, lat)
    for table, points in ((hamlet_table, hamlets), (site_table, sites)):
        index, distance = far_points(points.lon, points.lat, centre)
        for row, km in list(zip(index, distance, strict=True))[:MAX_FAR_WARNINGS]:
            warnings.append(
                f"{table.path}: {table.where(row)}, column 'lon': point "
                f"({points.lon[row]:g}, {points.lat[row]:g}) is {km:,.0f} km from the bulk "
                f"of the others (median {centre[2]:,.1f} km): longitude and latitude "
                "swapped or mistyped?"
            )
        if index.size > MAX_FAR_WARNINGS:
            warnings.append(f"{table.path}: {index.size - MAX_FAR_WARNINGS} more points far "
                            "from the others")


def _locate(path: Path) -> Path:
    if path.is_dir():
        # A scenario folder stands for the scenario.toml in it.
        inner = path / "scenario.toml"
        if not inner.is_file():
            raise ScenarioError("folder holds no scenario.toml", file=str(path))
        return inner
    if not path.is_file():
        raise ScenarioError("scenario file not found", file=str(path))
    return path


def _parse_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}",
                            file=str(path)) from None
    text = decode_text(raw, path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "unreadable"
        raise ScenarioError(f"TOML syntax error: {message}", file=str(path)) from None
    except RecursionError:
        raise ScenarioError("TOML syntax error: nested too deeply", file=str(path)) from None


def read_scenario(path: str | Path) -> ProblemData:
    """Read and validate a scenario.

    Parameters
    ----------
    path
        The scenario TOML (or a folder holding ``scenario.toml``); table
        paths in it are relative to it.

    Returns
    -------
    ProblemData
        Immutable, validated data; non-fatal remarks in ``warnings``.

    Raises
    ------
    ScenarioError
        On any malformed or inconsistent input, naming file, row and column.
    """
    path = _locate(Path(path))
    doc = _parse_toml(path)

    warnings: list[str] = []
    toml = _Toml(path, warnings)
    toml.warn_unknown(doc, _TOP_KEYS, "")
    name = toml.text(doc, "name", None, "")
    if not name:
        raise toml.error("name", "must not be empty")
    description = toml.text(doc, "description", "", "")
    currency = toml.text(doc, "currency", "VND_million", "")
    economics = _read_economics(toml, doc)
    radio = _read_radio(toml, doc)
    operators = _read_operators(toml, doc, radio, economics)
    targets = _read_targets(toml, doc, len(operators))
    policy = _read_policy(toml, doc)
    tables = toml.section(doc, "tables")
    if "tables" not in doc:
        raise toml.error("tables", "required: a [tables] section naming hamlets and sites")
    toml.warn_unknown(tables, _TABLE_KEYS, "tables.")
    hamlet_path = _resolve_table_path(toml, tables, "hamlets", True)
    site_path = _resolve_table_path(toml, tables, "sites", True)
    tenancy_path = _resolve_table_path(toml, tables, "tenancies", False)
    assert hamlet_path is not None and site_path is not None

    hamlet_table = read_table(hamlet_path)
    _warn_misspelt_columns(hamlet_table, HAMLET_COLUMNS, warnings)
    hamlets = _read_hamlets(hamlet_table, targets, len(operators))
    site_table = read_table(site_path)
    _warn_misspelt_columns(site_table, SITE_COLUMNS, warnings)
    sites = _read_sites(site_table, economics, policy, operators, warnings)
    tenancy_table = None
    if tenancy_path is None:
        tenancies = np.zeros((len(sites), len(operators)), dtype=bool)
    else:
        tenancy_table = read_table(tenancy_path)
        _warn_misspelt_columns(tenancy_table, TENANCY_COLUMNS + TENANCY_DEMAND_COLUMNS,
                               warnings)
        tenancies = _read_tenancies(tenancy_table, sites, operators, warnings)
    _warn_far_points(hamlet_table, hamlets, site_table, sites, warnings)
    demand = read_demand(toml, doc, hamlet_table, hamlets, tenancy_table, tenancies,
                         sites.ids, tuple(op.id for op in operators), warnings)
    network = read_network(toml, doc, hamlet_table, hamlets, sites)

    return ProblemData(
        name=name,
        description=description,
        currency=currency,
        targets=targets,
        economics=economics,
        policy=policy,
        radio=radio,
        operators=operators,
        hamlets=hamlets,
        sites=sites,
        tenancies=tenancies,
        source=path,
        warnings=tuple(warnings),
        demand=demand,
        network=network,
    )
