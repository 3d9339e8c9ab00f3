"""Reading a scenario (``scenario.toml`` plus its tables) into :class:`ProblemData`.

Implements ``scenario-format.md`` exactly: every key, column and default.
Errors are :class:`~btsopt.errors.ScenarioError` naming the file, row and
column; unknown TOML keys become warnings (to catch typos).
"""

from __future__ import annotations

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
from btsopt.reading.tables import Table, read_table

_TOP_KEYS = {
    "name", "description", "currency", "targets", "economics", "policy", "radio",
    "operators", "tables",
}
_OPERATOR_KEYS = {
    "id", "name", "frequency_mhz", "max_path_loss_db", "radius_km", "tenancy_capex",
    "tenancy_opex_per_year",
}
_TABLE_KEYS = {"hamlets", "sites", "tenancies"}


class _Toml:
    """Typed access to the TOML document with errors naming the key."""

    def __init__(self, path: Path, warnings: list[str]) -> None:
        self.path = path
        self.warnings = warnings

    def error(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(message, file=str(self.path), column=key)

    def warn_unknown(self, table: dict[str, Any], known: set[str], prefix: str) -> None:
        for key in table:
            if key not in known:
                self.warnings.append(f"{self.path}: unknown key '{prefix}{key}' ignored")

    def section(self, doc: dict[str, Any], name: str) -> dict[str, Any]:
        value = doc.get(name, {})
        if not isinstance(value, dict):
            raise self.error(name, f"[{name}] must be a table")
        return value

    def number(
        self,
        table: dict[str, Any],
        key: str,
        default: float,
        prefix: str,
        *,
        minimum: float | None = None,
        integer: bool = False,
        positive: bool = False,
        allow_inf: bool = False,
    ) -> float:
        name = prefix + key
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(name, f"must be a number, got {value!r}")
        if math.isnan(value) or (math.isinf(value) and not allow_inf):
            raise self.error(name, f"must be a finite number, got {value!r}")
        if integer and value != int(value):
            raise self.error(name, f"must be a whole number, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.error(name, f"must be at least {minimum:g}, got {value!r}")
        if positive and value <= 0:
            raise self.error(name, f"must be greater than 0, got {value!r}")
        return int(value) if integer else float(value)

    def boolean(self, table: dict[str, Any], key: str, default: bool, prefix: str) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise self.error(prefix + key, f"must be true or false, got {value!r}")
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
            raise self.error(prefix + key, f"must be text, got {value!r}")
        if choices is not None and value not in choices:
            raise self.error(
                prefix + key, f"'{value}' is not one of {', '.join(repr(c) for c in choices)}"
            )
        return value


def _read_targets(toml: _Toml, doc: dict[str, Any], num_operators: int) -> Targets:
    t = toml.section(doc, "targets")
    known = {f.name for f in fields(Targets)}
    toml.warn_unknown(t, known, "targets.")
    coverage = t.get("coverage", "any")
    if isinstance(coverage, bool) or not isinstance(coverage, str | int):
        raise toml.error("targets.coverage", f"must be 'any', 'each' or an integer, got {coverage!r}")
    if isinstance(coverage, str) and coverage not in ("any", "each"):
        raise toml.error("targets.coverage", f"must be 'any', 'each' or an integer, got {coverage!r}")
    if isinstance(coverage, int) and not 1 <= coverage <= num_operators:
        raise toml.error(
            "targets.coverage",
            f"{coverage} operators per hamlet asked, but the scenario has {num_operators}",
        )
    share = toml.number(t, "hamlet_coverage", 1.0, "targets.", minimum=0.0)
    if share > 1.0:
        raise toml.error("targets.hamlet_coverage", f"must be at most 1.0, got {share!r}")
    ratio = toml.number(t, "shared_site_ratio", 0.30, "targets.", minimum=0.0)
    if ratio > 1.0:
        raise toml.error("targets.shared_site_ratio", f"must be at most 1.0, got {ratio!r}")
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
    toml.warn_unknown(e, {f.name for f in fields(Economics)}, "economics.")
    defaults = Economics()
    values: dict[str, Any] = {}
    for f in fields(Economics):
        values[f.name] = toml.number(
            e, f.name, getattr(defaults, f.name), "economics.", minimum=0.0,
            integer=f.name == "horizon_years",
        )
    return Economics(**values)


def _read_policy(toml: _Toml, doc: dict[str, Any]) -> Policy:
    p = toml.section(doc, "policy")
    toml.warn_unknown(p, {f.name for f in fields(Policy)}, "policy.")
    return Policy(
        max_tenants=toml.number(p, "max_tenants", 3, "policy.", minimum=1, integer=True),
        allow_decommission=toml.boolean(p, "allow_decommission", False, "policy."),
        allow_relocation=toml.boolean(p, "allow_relocation", False, "policy."),
    )


def _read_radio(toml: _Toml, doc: dict[str, Any]) -> Radio:
    r = toml.section(doc, "radio")
    toml.warn_unknown(r, {f.name for f in fields(Radio)}, "radio.")
    return Radio(
        model=toml.text(r, "model", "cost231-hata", "radio.", RADIO_MODELS),
        rx_height_m=toml.number(r, "rx_height_m", 1.5, "radio.", positive=True),
    )


def _read_operators(
    toml: _Toml, doc: dict[str, Any], radio: Radio, economics: Economics
) -> tuple[Operator, ...]:
    entries = doc.get("operators")
    if not isinstance(entries, list) or not entries:
        raise toml.error("operators", "at least one [[operators]] entry is required")
    operators: list[Operator] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        prefix = f"operators[{n}]."
        if not isinstance(entry, dict):
            raise toml.error(f"operators[{n}]", "must be a table")
        toml.warn_unknown(entry, _OPERATOR_KEYS, prefix)
        op_id = toml.text(entry, "id", None, prefix).strip()
        if not op_id:
            raise toml.error(prefix + "id", "must not be empty")
        if op_id in seen:
            raise toml.error(prefix + "id", f"duplicate operator id '{op_id}'")
        seen.add(op_id)
        fixed = radio.model == "fixed-radius"
        radius = None
        if fixed:
            radius = _read_radius(toml, entry, prefix)
            frequency = toml.number(entry, "frequency_mhz", 0.0, prefix, minimum=0.0)
            max_loss = toml.number(entry, "max_path_loss_db", math.inf, prefix, allow_inf=True)
        else:
            if "frequency_mhz" not in entry:
                raise toml.error(prefix + "frequency_mhz", "required unless radio.model = 'fixed-radius'")
            if "max_path_loss_db" not in entry:
                raise toml.error(prefix + "max_path_loss_db", "required unless radio.model = 'fixed-radius'")
            frequency = toml.number(entry, "frequency_mhz", 0.0, prefix, positive=True)
            max_loss = toml.number(entry, "max_path_loss_db", 0.0, prefix)
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
    if not isinstance(radius, dict):
        raise toml.error(prefix + "radius_km", "required with radio.model = 'fixed-radius': "
                         "a table of km per clutter class")
    toml.warn_unknown(radius, set(AREA_TYPES), prefix + "radius_km.")
    out = {}
    for clutter in AREA_TYPES:
        if clutter not in radius:
            raise toml.error(prefix + f"radius_km.{clutter}", "required key is missing")
        out[clutter] = toml.number(radius, clutter, 0.0, prefix + "radius_km.", minimum=0.0)
    return out


def _resolve_table_path(toml: _Toml, tables: dict[str, Any], key: str, required: bool) -> Path | None:
    if key not in tables:
        if required:
            raise toml.error(f"tables.{key}", "required key is missing")
        return None
    value = tables[key]
    if not isinstance(value, str) or not value.strip():
        raise toml.error(f"tables.{key}", f"must be a file name, got {value!r}")
    # Relative to the TOML file, as the spec says; kept unresolved so messages stay short.
    return toml.path.parent / value


def _read_hamlets(table: Table, targets: Targets, num_operators: int) -> Hamlets:
    table.require("id", "lon", "lat", "population")
    ids = table.unique_ids()
    area_text = [str(v).lower() for v in table.text("area_type", "rural")]
    area = np.empty(len(table), dtype=np.int8)
    for row, value in enumerate(area_text):
        if value == "":
            value = "rural"
        if value not in AREA_TYPES:
            raise table.error(
                f"'{value}' is not an area type ({', '.join(AREA_TYPES)})", row, "area_type"
            )
        area[row] = AREA_TYPES.index(value)
    default_need = {"any": 1, "each": num_operators}.get(targets.coverage, targets.coverage)
    need = table.number("min_operators", float(default_need), minimum=0, integer=True)
    too_many = np.flatnonzero(need > num_operators)
    if too_many.size:
        row = int(too_many[0])
        raise table.error(
            f"{int(need[row])} operators needed but the scenario has {num_operators}",
            row, "min_operators",
        )
    return Hamlets(
        ids=ids,
        lon=table.number("lon", minimum=-180.0, maximum=180.0),
        lat=table.number("lat", minimum=-90.0, maximum=90.0),
        population=table.number("population", minimum=0.0),
        area_type=area,
        min_operators=need.astype(np.int16),
        name=tuple(str(v) for v in table.text("name")),
        commune=tuple(str(v) for v in table.text("commune")),
        district=tuple(str(v) for v in table.text("district")),
    )


def _read_sites(
    table: Table, economics: Economics, policy: Policy, operators: tuple[Operator, ...],
    warnings: list[str],
) -> Sites:
    table.require("id", "lon", "lat", "status")
    ids = table.unique_ids()
    status = [str(v).lower() for v in table.required_text("status")]
    existing = np.empty(len(table), dtype=bool)
    for row, value in enumerate(status):
        if value not in ("existing", "candidate"):
            raise table.error(f"'{value}' must be 'existing' or 'candidate'", row, "status")
        existing[row] = value == "existing"
    capex = table.number("capex", economics.new_site_capex, minimum=0.0)
    given = table.text("capex") != ""
    if np.any(existing & given & (capex > 0)):
        row = int(np.flatnonzero(existing & given & (capex > 0))[0])
        warnings.append(
            f"{table.path}: row {row + 1}, column 'capex': build cost on an existing site ignored"
        )
    capex = np.where(existing, 0.0, capex)

    op_index = {op.id: k for k, op in enumerate(operators)}
    allowed = np.ones((len(table), len(operators)), dtype=bool)
    for row, cell in enumerate(table.text("allowed_operators")):
        names = [n.strip() for n in str(cell).split(";") if n.strip()]
        if not names:
            continue
        allowed[row] = False
        for name in names:
            if name not in op_index:
                raise table.error(f"unknown operator '{name}'", row, "allowed_operators")
            allowed[row, op_index[name]] = True

    locked = np.full(len(table), LOCK_NONE, dtype=np.int8)
    for row, cell in enumerate(table.text("locked")):
        value = str(cell).lower()
        if value in ("", "none"):
            continue
        if value not in ("in", "out"):
            raise table.error(f"'{cell}' must be 'in', 'out' or empty", row, "locked")
        locked[row] = LOCK_IN if value == "in" else LOCK_OUT

    return Sites(
        ids=ids,
        lon=table.number("lon", minimum=-180.0, maximum=180.0),
        lat=table.number("lat", minimum=-90.0, maximum=90.0),
        existing=existing,
        height_m=table.number("height_m", 30.0, strictly_positive=True),
        owner=tuple(str(v) for v in table.text("owner")),
        max_tenants=table.number(
            "max_tenants", float(policy.max_tenants), minimum=1, integer=True
        ).astype(np.int32),
        capex=capex,
        opex_per_year=table.number("opex_per_year", economics.site_opex_per_year, minimum=0.0),
        rent_per_year=table.number("rent_per_year", economics.rent_per_year, minimum=0.0),
        allowed=allowed,
        locked=locked,
    )


def _read_tenancies(table: Table, sites: Sites, operators: tuple[Operator, ...]) -> np.ndarray:
    table.require("site_id", "operator_id")
    site_index = {sid: j for j, sid in enumerate(sites.ids)}
    op_index = {op.id: k for k, op in enumerate(operators)}
    tenancies = np.zeros((len(sites), len(operators)), dtype=bool)
    for row, (site_id, op_id) in enumerate(
        zip(table.required_text("site_id"), table.required_text("operator_id"), strict=True)
    ):
        if site_id not in site_index:
            raise table.error(f"unknown site '{site_id}'", row, "site_id")
        if op_id not in op_index:
            raise table.error(f"unknown operator '{op_id}'", row, "operator_id")
        j, k = site_index[site_id], op_index[op_id]
        if not sites.existing[j]:
            raise table.error(
                f"site '{site_id}' is a candidate; tenancies are only on existing sites",
                row, "site_id",
            )
        if tenancies[j, k]:
            raise table.error(f"duplicate tenancy of '{op_id}' on '{site_id}'", row, "operator_id")
        tenancies[j, k] = True
        if tenancies[j].sum() > sites.max_tenants[j]:
            raise table.error(
                f"site '{site_id}' has more existing tenants than its max_tenants "
                f"({sites.max_tenants[j]})", row, "site_id",
            )
    return tenancies


def read_scenario(path: str | Path) -> ProblemData:
    """Read and validate a scenario.

    Parameters
    ----------
    path
        The scenario TOML; table paths in it are relative to it.

    Returns
    -------
    ProblemData
        Immutable, validated data; non-fatal remarks in ``warnings``.

    Raises
    ------
    ScenarioError
        On any malformed or inconsistent input, naming file, row and column.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError("scenario file not found", file=str(path))
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"TOML syntax error: {exc}", file=str(path)) from None
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text", file=str(path)) from None

    warnings: list[str] = []
    toml = _Toml(path, warnings)
    toml.warn_unknown(doc, _TOP_KEYS, "")
    name = toml.text(doc, "name", None, "")
    economics = _read_economics(toml, doc)
    radio = _read_radio(toml, doc)
    operators = _read_operators(toml, doc, radio, economics)
    targets = _read_targets(toml, doc, len(operators))
    policy = _read_policy(toml, doc)
    tables = toml.section(doc, "tables")
    toml.warn_unknown(tables, _TABLE_KEYS, "tables.")

    hamlets = _read_hamlets(
        read_table(_resolve_table_path(toml, tables, "hamlets", True)), targets, len(operators)
    )
    sites = _read_sites(
        read_table(_resolve_table_path(toml, tables, "sites", True)), economics, policy,
        operators, warnings,
    )
    tenancy_path = _resolve_table_path(toml, tables, "tenancies", False)
    if tenancy_path is None:
        tenancies = np.zeros((len(sites), len(operators)), dtype=bool)
    else:
        tenancies = _read_tenancies(read_table(tenancy_path), sites, operators)

    return ProblemData(
        name=name,
        description=toml.text(doc, "description", "", ""),
        currency=toml.text(doc, "currency", "VND_million", ""),
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
    )
