"""Writing a built scenario as files (format v1) with fixed decimals, so that
the same parameters give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from btsopt.data import AREA_TYPES
from btsopt.generate.build import _build, _Result
from btsopt.generate.network import make_road_network, write_road_network
from btsopt.generate.params import (
    GeneratorParams,
    family_params,
    nam_dinh,
    nam_dinh_companions,
    with_demand,
    with_network,
)


def _toml_text(params: GeneratorParams) -> str:
    v = params.variant
    coverage = '"each"' if v == "each" else '"any"'
    max_tenants = len(params.operators) if v == "each" else 3
    relocate = "true" if v == "consolidation" else "false"
    desc = params.description.replace("\\", "\\\\").replace('"', '\\"')
    lines = [
        f'name = "{params.name}"',
        f'description = "{desc}"',
        'currency = "VND_million"',
        "",
        "[targets]",
        f"coverage = {coverage}",
        "hamlet_coverage = 1.0",
        f"shared_site_ratio = {params.target_shared_ratio:.2f}",
        'sharing = "hard"',
        "",
        "[economics]",
        "horizon_years = 10",
        "discount_rate = 0.08",
        "new_site_capex = 1500",
        "site_opex_per_year = 120",
        "tenancy_capex = 400",
        "tenancy_opex_per_year = 60",
        "decommission_cost = 100",
        "rent_per_year = 90",
        "",
        "[policy]",
        f"max_tenants = {max_tenants}",
        f"allow_decommission = {relocate}",
        f"allow_relocation = {relocate}",
        "",
        "[radio]",
        f'model = "{params.radio_model}"',
        f"rx_height_m = {params.rx_height_m}",
    ]
    if params.demand is not None:
        lines += ["", *params.demand.toml_lines()]
    if params.network is not None:
        lines += ["", *params.network.toml_lines()]
    for k, op in enumerate(params.operators):
        lines += [
            "",
            "[[operators]]",
            f'id = "{op.id}"',
            f'name = "{op.name}"',
            f"frequency_mhz = {op.frequency_mhz:g}",
            f"max_path_loss_db = {op.max_path_loss_db:g}",
        ]
        if params.demand is not None:
            lines += params.demand.carriers[k].toml_lines()
    lines += [
        "",
        "[tables]",
        'hamlets = "hamlets.csv"',
        'sites = "sites.csv"',
        'tenancies = "tenancies.csv"',
        "",
    ]
    return "\n".join(lines)


def _write(path: Path, header: str, rows: list[str]) -> None:
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode("utf-8"))


def _write_files(params: GeneratorParams, result: _Result, out_dir: Path) -> Path:
    h, s = result.hamlets, result.sites
    greenfield = params.variant == "greenfield"
    area_names = AREA_TYPES
    hamlet_rows = []
    for i in range(params.n_hamlets):
        for text in (h.name[i], h.commune[i], h.district[i]):
            if "," in text or '"' in text:  # pragma: no cover - names are generated
                raise ValueError(f"label {text!r} would need CSV quoting")
        hamlet_rows.append(
            f"H{i + 1:05d},{h.name[i]},{h.commune[i]},{h.district[i]},"
            f"{h.lon_text[i]},{h.lat_text[i]},{int(h.population[i])},{area_names[h.area[i]]}"
        )
    op_ids = [op.id for op in params.operators]
    site_rows, tenancy_rows = [], []
    for j in range(len(s.lon)):
        exists = bool(s.existing[j]) and not greenfield
        owner = s.owner[j] if exists else ""
        allowed = s.owner[j] if exists and s.allowed_only_owner[j] else ""
        status = "existing" if exists else "candidate"
        site_rows.append(
            f"{s.ids[j]},{s.lon_text[j]},{s.lat_text[j]},{status},{s.height_text[j]},"
            f"{owner},{allowed}"
        )
        if exists:
            tenancy_rows += [f"{s.ids[j]},{op_ids[k]}" for k in np.flatnonzero(s.tenants[j])]
    out_dir.mkdir(parents=True, exist_ok=True)
    header = "id,name,commune,district,lon,lat,population,area_type"
    ground = params.network or params.ground_network
    if ground is not None:
        # The ground network ([network]): roads and fibre files, and which hamlets
        # have fibre today. Built on the coordinates as written.
        lon = np.array([float(t) for t in h.lon_text])
        lat = np.array([float(t) for t in h.lat_text])
        roads = make_road_network(lon, lat, h.population, np.array(h.commune, dtype=object),
                                  np.array(h.district, dtype=object), params.seed, ground)
        write_road_network(roads, [f"OLT-H{i + 1:05d}" for i in roads.olt.tolist()],
                           out_dir)
        header += ",ftth"
        hamlet_rows = [f"{row},{'true' if has else 'false'}"
                       for row, has in zip(hamlet_rows, roads.ftth.tolist(), strict=True)]
    _write(out_dir / "hamlets.csv", header, hamlet_rows)
    _write(out_dir / "sites.csv",
           "id,lon,lat,status,height_m,owner,allowed_operators", site_rows)
    _write(out_dir / "tenancies.csv", "site_id,operator_id", tenancy_rows)
    toml = out_dir / "scenario.toml"
    toml.write_bytes(_toml_text(params).encode("utf-8"))
    return toml


def generate_scenario(params: GeneratorParams, out_dir: str | Path) -> Path:
    """Generate a scenario and write it into ``out_dir``.

    Parameters
    ----------
    params
        What to generate; the same params give byte-identical files.
    out_dir
        Directory to write ``scenario.toml``, ``hamlets.csv``, ``sites.csv``
        and ``tenancies.csv`` into (created if missing; files overwritten).

    Returns
    -------
    Path
        The ``scenario.toml`` written.
    """
    result = _build(params)
    return _write_files(params, result, Path(out_dir))


def generate_family(
    size: str, variant: str = "brownfield", out_dir: str | Path = ".", seed: int = 1,
    demand: bool = False, network: bool = False,
) -> Path:
    """Generate one benchmark family member (see :func:`family_params`).

    Parameters
    ----------
    size
        ``"S"``, ``"M"``, ``"L"`` or ``"XL"``.
    variant
        ``"brownfield"``, ``"consolidation"``, ``"each"`` or ``"greenfield"``.
    out_dir
        Output directory.
    seed
        Generator seed.
    demand
        Declare ``[demand]`` (:func:`~btsopt.generate.params.with_demand`).
    network
        Declare ``[network]`` and write its ground network
        (:func:`~btsopt.generate.params.with_network`).

    Returns
    -------
    Path
        The ``scenario.toml`` written.
    """
    params = family_params(size, variant, seed)
    params = with_demand(params) if demand else params
    return generate_scenario(with_network(params) if network else params, out_dir)


def write_companions(companions: dict[str, GeneratorParams], out_dir: str | Path) -> list[Path]:
    """Write further scenario TOMLs over tables already written into ``out_dir``.

    Parameters
    ----------
    companions
        File name -> parameters; each must make the same tables as the
        scenario in ``out_dir`` (e.g. :func:`~btsopt.generate.params.nam_dinh_companions`).
    out_dir
        The folder of the scenario.

    Returns
    -------
    list of Path
        The files written.
    """
    written = []
    for name, params in companions.items():
        if params.variant == "greenfield":
            raise ValueError(f"{name}: a greenfield variant has tables of its own")
        path = Path(out_dir) / name
        path.write_bytes(_toml_text(params).encode("utf-8"))
        written.append(path)
    return written


def generate_command(
    preset: str, out_dir: str | Path, seed: int | None = None, size: str | None = None,
    variant: str | None = None, demand: bool = False,
) -> Path:
    """Generate a preset or a family member and print one line about it.

    The Nam Định brownfield scenario (without ``demand``) comes with its
    companions (:data:`~btsopt.generate.params.NAM_DINH_COMPANIONS`) over the
    same tables.

    Parameters
    ----------
    preset
        ``"nam-dinh"`` or ``"family"`` (then ``size`` is required).
    out_dir
        Output directory.
    seed
        Seed; default 137 for Nam Định, 1 for families.
    size
        Family size ``S``, ``M``, ``L`` or ``XL``.
    variant
        One of :data:`VARIANTS` (default ``brownfield``).
    demand
        Declare ``[demand]`` in ``scenario.toml``.

    Returns
    -------
    Path
        The ``scenario.toml`` written.
    """
    variant = variant or "brownfield"
    companions: dict[str, GeneratorParams] = {}
    if preset in ("nam-dinh", "nam_dinh"):
        params = nam_dinh(seed=137 if seed is None else seed, variant=variant)
        if variant == "brownfield" and not demand:
            companions = nam_dinh_companions(params.seed)
    elif preset == "family":
        if size is None:
            raise ValueError("preset 'family' needs a size (S, M, L or XL)")
        params = family_params(size.upper(), variant, 1 if seed is None else seed)
    else:
        raise ValueError(f"unknown preset {preset!r} (expected 'nam-dinh' or 'family')")
    params = with_demand(params) if demand else params
    result = _build(params)
    toml = _write_files(params, result, Path(out_dir))
    also = write_companions(companions, out_dir)
    s = result.sites
    greenfield = params.variant == "greenfield"
    n_exist = 0 if greenfield else int(s.existing.sum())
    tenancies = 0 if greenfield else int(s.tenants[s.existing].sum())
    dead = params.n_hamlets if greenfield else result.dead
    print(
        f"wrote {toml}: {params.name}, {params.n_hamlets} hamlets, {n_exist} existing sites, "
        f"{len(s.lon) - n_exist} candidates, {tenancies} tenancies, "
        f"{dead} hamlets without coverage today (seed {params.seed}, variant {params.variant}"
        + (", with [demand]" if demand else "") + ")"
        + (f"; also {', '.join(p.name for p in also)}" if also else "")
    )
    return toml
