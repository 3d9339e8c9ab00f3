"""Building a scenario in memory: hamlets, existing sites, dead spots, candidates.

The steps are those of the package docstring (:mod:`btsopt.generate`); every
random draw comes from one ``numpy.random.default_rng(seed)`` stream in a
fixed order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from btsopt.data import AREA_TYPES
from btsopt.generate.demand import capacity_shortfall, demand_mbps, full_capacity_mbps
from btsopt.generate.geometry import (
    _edge_distance,
    _inside,
    _keep_inside,
    _pairs,
    _Plane,
    _sample_inside,
    region_polygon,
)
from btsopt.generate.params import (
    _SYLLABLES,
    _WARDS,
    DENSE_URBAN,
    RURAL,
    SUBURBAN,
    URBAN,
    GeneratorParams,
)
from btsopt.radio.pathloss import max_range_km


def _fixed(values: np.ndarray, decimals: int) -> tuple[list[str], np.ndarray]:
    """Text with fixed decimals and the floats a reader parses back from it."""
    text = [f"{v:.{decimals}f}" for v in values.tolist()]
    return text, np.array([float(t) for t in text])


def _ranges(params: GeneratorParams, heights: np.ndarray) -> np.ndarray:
    """(sites, operators, area types) maximum range in km."""
    area = np.arange(len(AREA_TYPES))[None, :]
    return np.stack([
        max_range_km(params.radio_model, op.frequency_mhz, op.max_path_loss_db,
                     heights[:, None], params.rx_height_m, area)
        for op in params.operators
    ], axis=1)


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    short = total - int(out.sum())
    if short:
        order = np.lexsort((np.arange(len(raw)), -(raw - out)))  # ties by index: stable
        out[order[:short]] += 1
    return out


def _weighted_order(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """A random order in which heavier items come first (Efraimidis-Spirakis keys)."""
    keys = np.log(rng.uniform(1e-300, 1.0, len(weights))) / weights
    return np.argsort(-keys, kind="stable")


@dataclass
class _Hamlets:
    lon: np.ndarray
    lat: np.ndarray
    lon_text: list[str]
    lat_text: list[str]
    xy: np.ndarray
    area: np.ndarray
    population: np.ndarray
    name: list[str]
    commune: list[str]
    district: list[str]
    town_distance: np.ndarray  # plane km to the nearest town
    edge_distance: np.ndarray  # plane km to the region boundary


@dataclass
class _Sites:
    lon: np.ndarray
    lat: np.ndarray
    lon_text: list[str]
    lat_text: list[str]
    height: np.ndarray
    height_text: list[str]
    existing: np.ndarray
    owner: list[str]
    tenants: np.ndarray  # (sites, operators) bool
    allowed_only_owner: np.ndarray
    ids: list[str] = field(default_factory=list)


def _make_hamlets(
    rng: np.random.Generator, params: GeneratorParams, plane: _Plane, poly_xy: np.ndarray
) -> _Hamlets:
    n = params.n_hamlets
    towns = params.towns
    t_xy = plane.to_xy(np.array([t.lon for t in towns]), np.array([t.lat for t in towns]))
    t_w = np.array([t.weight for t in towns], dtype=float)
    radius = np.sqrt(t_w)  # km; urban radius scales with sqrt(weight)

    # Town hamlets: Gaussian around each town, count by weight.
    n_town = round(params.town_hamlet_share * n)
    per_town = _largest_remainder(t_w, n_town)
    town_of = np.repeat(np.arange(len(towns)), per_town)
    town_pts = _keep_inside(rng, t_xy[town_of], 1.3 * radius[town_of], poly_xy)

    # Rural hamlets: commune clusters spread over the region.
    n_rural = n - n_town
    n_communes = max(1, round(n_rural / params.hamlets_per_commune))
    area_plane = 0.5 * abs(np.dot(poly_xy[:, 0], np.roll(poly_xy[:, 1], -1))
                           - np.dot(poly_xy[:, 1], np.roll(poly_xy[:, 0], -1)))
    centres = _sample_inside(rng, n_communes, poly_xy)
    commune_of = rng.integers(0, n_communes, n_rural)
    sigma = np.full(n_rural, 0.45 * math.sqrt(area_plane / n_communes))
    rural_pts = _keep_inside(rng, centres[commune_of], sigma, poly_xy)

    xy = np.vstack((town_pts, rural_pts))
    lon, lat = plane.to_lonlat(xy)
    lon_text, lon = _fixed(lon, 6)
    lat_text, lat = _fixed(lat, 6)
    xy = plane.to_xy(lon, lat)

    # Clutter from the nearest town in scaled distance.
    town_tree = cKDTree(t_xy)
    k = min(8, len(towns))
    dist, idx = town_tree.query(xy, k=k)
    dist, idx = dist.reshape(n, k), idx.reshape(n, k)
    scaled = dist / radius[idx]
    best = np.argmin(scaled, axis=1)
    u = scaled[np.arange(n), best]
    near_town = idx[np.arange(n), best]
    is_city = t_w[near_town] >= params.city_weight
    area = np.full(n, RURAL, dtype=np.int8)
    area[u < 3.2] = SUBURBAN
    area[u < 1.6] = URBAN
    area[(u < 0.9) & is_city] = DENSE_URBAN

    # Districts: the town nearest in distance discounted by size.
    district_town = np.empty(n, dtype=np.int64)
    district_town[:n_town] = town_of
    c_dist, c_idx = town_tree.query(centres, k=k)
    c_dist, c_idx = c_dist.reshape(n_communes, k), c_idx.reshape(n_communes, k)
    c_town = c_idx[np.arange(n_communes), np.argmin(c_dist / t_w[c_idx] ** 0.25, axis=1)]
    district_town[n_town:] = c_town[commune_of]

    commune, district = _name_communes(rng, params, town_of, commune_of, c_town, xy, n_town)
    population = _populations(rng, params, area)
    # Readable order (district, commune, north to south), then number the hamlets.
    o = np.array(sorted(range(n), key=lambda i: (district[i], commune[i], -lat[i], lon[i])))
    ol = o.tolist()
    commune = [commune[i] for i in ol]
    return _Hamlets(
        lon=lon[o], lat=lat[o], lon_text=[lon_text[i] for i in ol],
        lat_text=[lat_text[i] for i in ol], xy=xy[o], area=area[o], population=population[o],
        name=_name_hamlets(commune, area[o]), commune=commune,
        district=[district[i] for i in ol], town_distance=dist.min(axis=1)[o],
        edge_distance=_edge_distance(xy[o], poly_xy),
    )


def _name_communes(
    rng: np.random.Generator, params: GeneratorParams, town_of: np.ndarray,
    commune_of: np.ndarray, c_town: np.ndarray, xy: np.ndarray, n_town: int,
) -> tuple[list[str], list[str]]:
    """Commune and district labels: wards in cities, a town commune, rural communes."""
    towns = params.towns
    commune = [""] * len(xy)
    district = [""] * len(xy)
    for t, town in enumerate(towns):
        members = np.flatnonzero(town_of == t)
        dname = town.district or f"Huyện {town.name}"
        if town.weight >= params.city_weight and members.size:
            n_wards = max(1, round(members.size / params.hamlets_per_commune))
            seeds = members[rng.choice(members.size, n_wards, replace=False)]
            ward = cKDTree(xy[seeds]).query(xy[members])[1]
            ward = np.asarray(ward).reshape(-1)
            for m, w in zip(members.tolist(), ward.tolist(), strict=True):
                base = _WARDS[w % len(_WARDS)]
                label = base if w < len(_WARDS) else f"{base} {w // len(_WARDS) + 1}"
                commune[m], district[m] = f"Phường {label}", dname
        else:
            for m in members.tolist():
                commune[m], district[m] = f"Thị trấn {town.name}", dname
    # Rural communes: unique names within each district.
    names: list[str] = []
    used: dict[int, set[str]] = {}
    syll = len(_SYLLABLES)
    for c, t in enumerate(c_town.tolist()):
        prefix = towns[t].commune_prefix
        taken = used.setdefault(t, set())
        for attempt in range(64):
            a, b = rng.integers(0, syll, 2).tolist()
            label = f"{prefix} {_SYLLABLES[b]}" if prefix else f"{_SYLLABLES[a]} {_SYLLABLES[b]}"
            if attempt >= 32:
                label = f"{label} {c + 1}"
            if label not in taken and _SYLLABLES[b] != prefix:
                break
        taken.add(label)
        names.append(f"Xã {label}")
    for m, c in enumerate(commune_of.tolist()):
        t = int(c_town[c])
        commune[n_town + m] = names[c]
        district[n_town + m] = towns[t].district or f"Huyện {towns[t].name}"
    return commune, district


def _name_hamlets(commune: list[str], area: np.ndarray) -> list[str]:
    """'Tổ dân phố n' in wards and towns, 'Xóm n' in rural communes."""
    counter: dict[str, int] = {}
    out = []
    for c, a in zip(commune, area.tolist(), strict=True):
        counter[c] = counter.get(c, 0) + 1
        urban_unit = c.startswith(("Phường", "Thị trấn")) and a != RURAL
        out.append(f"{'Tổ dân phố' if urban_unit else 'Xóm'} {counter[c]}")
    return out


def _populations(
    rng: np.random.Generator, params: GeneratorParams, area: np.ndarray
) -> np.ndarray:
    """Log-normal sizes, rescaled so that the total and the urban share are exact."""
    weight = rng.lognormal(0.0, 0.45, len(area))
    urban = area <= URBAN
    total_urban = round(params.population * (1.0 - params.rural_share)) if urban.any() else 0
    pop = np.zeros(len(area), dtype=np.int64)
    pop[urban] = _largest_remainder(weight[urban], total_urban)
    pop[~urban] = _largest_remainder(weight[~urban], params.population - total_urban)
    return pop


def _place_near(
    rng: np.random.Generator, anchors_xy: np.ndarray, max_km: np.ndarray, poly_xy: np.ndarray
) -> np.ndarray:
    """Points uniform in a disc of radius ``max_km`` around anchors, kept inside."""
    r = max_km * np.sqrt(rng.uniform(0.0, 1.0, len(anchors_xy)))
    phi = rng.uniform(0.0, 2 * math.pi, len(anchors_xy))
    pts = anchors_xy + np.column_stack((r * np.cos(phi), r * np.sin(phi)))
    outside = ~_inside(pts, poly_xy)
    pts[outside] = anchors_xy[outside]  # anchors are inside the region
    return pts


def _site_block(
    params: GeneratorParams, plane: _Plane, xy: np.ndarray, height: np.ndarray, existing: bool
) -> _Sites:
    lon, lat = plane.to_lonlat(xy)
    lon_text, lon = _fixed(lon, 6)
    lat_text, lat = _fixed(lat, 6)
    height_text, height = _fixed(height, 1)
    n, k = len(xy), len(params.operators)
    return _Sites(
        lon=lon, lat=lat, lon_text=lon_text, lat_text=lat_text, height=height,
        height_text=height_text, existing=np.full(n, existing), owner=[""] * n,
        tenants=np.zeros((n, k), dtype=bool), allowed_only_owner=np.zeros(n, dtype=bool),
    )


def _take(s: _Sites, idx: np.ndarray) -> _Sites:
    ix = idx.tolist()
    return _Sites(
        lon=s.lon[idx], lat=s.lat[idx], lon_text=[s.lon_text[i] for i in ix],
        lat_text=[s.lat_text[i] for i in ix], height=s.height[idx],
        height_text=[s.height_text[i] for i in ix], existing=s.existing[idx],
        owner=[s.owner[i] for i in ix], tenants=s.tenants[idx],
        allowed_only_owner=s.allowed_only_owner[idx],
    )


def _concat(a: _Sites, b: _Sites) -> _Sites:
    return _Sites(
        lon=np.concatenate((a.lon, b.lon)), lat=np.concatenate((a.lat, b.lat)),
        lon_text=a.lon_text + b.lon_text, lat_text=a.lat_text + b.lat_text,
        height=np.concatenate((a.height, b.height)), height_text=a.height_text + b.height_text,
        existing=np.concatenate((a.existing, b.existing)), owner=a.owner + b.owner,
        tenants=np.vstack((a.tenants, b.tenants)),
        allowed_only_owner=np.concatenate((a.allowed_only_owner, b.allowed_only_owner)),
    )


def _existing_pool(
    rng: np.random.Generator, params: GeneratorParams, plane: _Plane, poly_xy: np.ndarray,
    h: _Hamlets, weakest: np.ndarray,
) -> _Sites:
    """Two demand-weighted passes over the hamlets: anchors of would-be towers, in order."""
    n = params.n_hamlets
    # Urban hamlets are served first: small cells need more towers per hamlet.
    w = np.array([4.0, 3.0, 1.5, 1.0])[h.area] * np.sqrt(h.population / h.population.mean() + 0.1)
    passes = 1 + (params.n_existing_sites > 0.6 * n)
    order = np.concatenate([_weighted_order(rng, w) for _ in range(passes)])
    heights = rng.uniform(*params.existing_height_m, len(order))
    # Within half the weakest operator's range, so any tenant covers its anchor.
    xy = _place_near(rng, h.xy[order], 0.5 * weakest[h.area[order]], poly_xy)
    pool = _site_block(params, plane, xy, heights, existing=True)

    # Owners by site share; a few tower-company towers.
    ops = params.operators
    share = np.array([op.site_share for op in ops], dtype=float)
    share /= share.sum()
    m = len(order)
    owner_k = rng.choice(len(ops), m, p=share)
    towerco = rng.uniform(size=m) < params.towerco_share
    pool.tenants[np.arange(m), owner_k] = True
    # Low-discrepancy flags: any prefix of the pool has the shared ratio.
    pos = np.arange(m)
    shared = (np.floor((pos + 1) * params.existing_shared_ratio)
              - np.floor(pos * params.existing_shared_ratio)) > 0
    third = shared & (rng.uniform(size=m) < 0.15)
    for extra in (shared, third):
        p = np.where(pool.tenants, 0.0, share[None, :])
        p /= p.sum(axis=1, keepdims=True)
        pick = (rng.uniform(size=(m, 1)) > np.cumsum(p, axis=1)).sum(axis=1)
        pick = np.minimum(pick, len(ops) - 1)
        pool.tenants[np.flatnonzero(extra), pick[extra]] = True
    pool.owner = ["towerco" if t else ops[k].id for t, k in zip(towerco.tolist(),
                                                                owner_k.tolist(), strict=True)]
    single = pool.tenants.sum(axis=1) == 1
    pool.allowed_only_owner = single & ~towerco & (rng.uniform(size=m) < params.restricted_share)
    return pool


def _choose_existing(
    rng: np.random.Generator, params: GeneratorParams, h: _Hamlets, pool: _Sites,
    plane: _Plane,
) -> np.ndarray:
    """Pool indices of the existing towers, with pockets left unserved."""
    n = params.n_hamlets
    ranges = _ranges(params, pool.height)  # (pool, ops, areas)
    hi, sj, d = _pairs(h.lon, h.lat, pool.lon, pool.lat, float(ranges.max()))
    # A pair covers when some tenant of the site reaches the hamlet.
    reach = ranges[sj, :, h.area[hi]]  # (pairs, ops)
    covers = (pool.tenants[sj] & (d[:, None] <= reach)).any(axis=1)
    hi, sj = hi[covers], sj[covers]
    n_take = min(params.n_existing_sites, len(pool.lon))

    def select(q: np.ndarray, s: float) -> np.ndarray:
        return np.flatnonzero(q >= s)[:n_take]

    def dead(chosen: np.ndarray) -> int:
        on = np.zeros(len(pool.lon), dtype=bool)
        on[chosen] = True
        hit = np.zeros(n, dtype=bool)
        hit[hi[on[sj]]] = True
        return int(n - hit.sum())

    target = params.target_dead_hamlets
    n_pockets = max(1, round(target / params.hamlets_per_pocket)) if target else 0
    if n_pockets == 0:
        return np.arange(n_take)
    # Pocket centres: rural hamlets in the remoter half (from the towns) and the
    # outer quarter (near the coast and borders), farther ones more likely.
    eligible = np.flatnonzero(h.area == RURAL)
    if eligible.size == 0:
        eligible = np.arange(n)
    far = h.town_distance[eligible] >= np.median(h.town_distance[eligible])
    outer = h.edge_distance[eligible] <= np.quantile(h.edge_distance[eligible], 0.25)
    if np.count_nonzero(far & outer) >= 5 * n_pockets:
        eligible = eligible[far & outer]
    elif np.count_nonzero(far) >= n_pockets:
        eligible = eligible[far]
    order = eligible[_weighted_order(rng, h.town_distance[eligible] ** 2 + 1e-9)]
    base = rng.uniform(0.7, 1.3, n_pockets)
    # Spread the pockets: at least a pocket's typical diameter apart.
    min_gap = 2.0 * math.sqrt(params.area_km2 * target / n / n_pockets / math.pi)
    centres: list[int] = []
    for i in order.tolist():
        if len(centres) == n_pockets:
            break
        if centres and np.min(np.hypot(*(h.xy[centres] - h.xy[i]).T)) < min_gap:
            continue
        centres.append(i)
    base = base[: len(centres)]
    pool_xy = plane.to_xy(pool.lon, pool.lat)
    kq = min(8, len(centres))
    dist, idx = cKDTree(h.xy[centres]).query(pool_xy, k=kq)
    dist, idx = dist.reshape(len(pool_xy), kq), idx.reshape(len(pool_xy), kq)
    q = (dist / base[idx]).min(axis=1)  # pocket-radius scale at which a tower goes

    lo, hi_s = 0.0, float(q.max()) + 1.0
    best = select(q, 0.0)
    best_gap = abs(dead(best) - target)
    for _ in range(40):
        mid = 0.5 * (lo + hi_s)
        chosen = select(q, mid)
        count = dead(chosen)
        if abs(count - target) < best_gap or (
            abs(count - target) == best_gap and count <= target
        ):
            best, best_gap = chosen, abs(count - target)
        if count == target:
            break
        if count < target:
            lo = mid
        else:
            hi_s = mid
    return best


def _admissible(sites: _Sites, params: GeneratorParams) -> np.ndarray:
    """(sites, ops) whether an operator may be placed on a site under the written policy."""
    k = len(params.operators)
    ops = [op.id for op in params.operators]
    allowed = np.ones((len(sites.lon), k), dtype=bool)
    only = np.flatnonzero(sites.allowed_only_owner)
    allowed[only] = False
    for j in only.tolist():
        allowed[j, ops.index(sites.owner[j])] = True
    # Full towers admit only their tenants. The 3-tenant limit is used for every
    # variant so that all variants of a seed share the same sites.
    full = sites.tenants.sum(axis=1) >= 3
    allowed[full] = sites.tenants[full]
    return allowed


def _reach(
    params: GeneratorParams, h: _Hamlets, sites: _Sites, *masks: np.ndarray
) -> list[np.ndarray]:
    """Per (sites, ops) mask, (hamlets, ops): operator k covers hamlet i from a
    site j with ``mask[j, k]``. The pairs within reach are found once for all masks."""
    n, k = params.n_hamlets, len(params.operators)
    outs = [np.zeros((n, k), dtype=bool) for _ in masks]
    if len(sites.lon) == 0:
        return outs
    ranges = _ranges(params, sites.height)
    hi, sj, d = _pairs(h.lon, h.lat, sites.lon, sites.lat, float(ranges.max()))
    within = d[:, None] <= ranges[sj, :, h.area[hi]]
    for out, mask in zip(outs, masks, strict=True):
        ok = mask[sj] & within
        for op in range(k):
            out[hi[ok[:, op]], op] = True
    return outs


def _repair(
    rng: np.random.Generator, params: GeneratorParams, plane: _Plane, h: _Hamlets,
    need: np.ndarray,
) -> _Sites:
    """Candidates at needy hamlets until each is reachable by every operator."""
    order = need[rng.permutation(need.size)]
    heights = rng.uniform(*params.candidate_height_m, order.size)
    _, heights = _fixed(heights, 1)
    rng_km = _ranges(params, heights).min(axis=1)  # (needy, areas): weakest operator
    own = rng_km[np.arange(order.size), h.area[order]]
    offset = 0.25 * own * np.sqrt(rng.uniform(size=order.size))
    phi = rng.uniform(0.0, 2 * math.pi, order.size)
    tree = cKDTree(h.xy[order])
    fixed = np.zeros(order.size, dtype=bool)
    chosen = []
    for m in range(order.size):
        if fixed[m]:
            continue
        chosen.append(m)
        # Neighbours within the weakest range (less the offset) are fixed as well.
        near = np.asarray(tree.query_ball_point(h.xy[order[m]], float(rng_km[m].max())))
        if near.size:
            d = np.hypot(*(h.xy[order[near]] - h.xy[order[m]]).T)
            fixed[near[d + offset[m] <= 0.9 * rng_km[m, h.area[order[near]]]]] = True
        fixed[m] = True
    chosen_ix = np.array(chosen, dtype=np.int64)
    xy = h.xy[order[chosen_ix]] + np.column_stack(
        (offset[chosen_ix] * np.cos(phi[chosen_ix]), offset[chosen_ix] * np.sin(phi[chosen_ix]))
    )
    return _site_block(params, plane, xy, heights[chosen_ix], existing=False)


CAPACITY_REPAIR_ROUNDS = 30
"""Rounds of the capacity repair (each adds a candidate beside every short hamlet)."""

CAPACITY_MARGIN = 0.9
"""Share of a site's full capacity the capacity repair counts on: the written
scenario's radio model may reach a few hamlets fewer than the generator's ranges."""


def _capacity_need(params: GeneratorParams, h: _Hamlets, sites: _Sites) -> np.ndarray:
    """Hamlets some operator cannot serve even with every admissible tenancy at
    ``max_carriers`` (a maximum flow per operator; see ``capacity_shortfall``)."""
    demand = demand_mbps(params.demand, h.population)
    capacity = CAPACITY_MARGIN * full_capacity_mbps(params.demand)
    admit = _admissible(sites, params) | sites.tenants
    ranges = _ranges(params, sites.height)
    hi, sj, d = _pairs(h.lon, h.lat, sites.lon, sites.lat, float(ranges.max()))
    within = d[:, None] <= ranges[sj, :, h.area[hi]]
    short = np.zeros(params.n_hamlets, dtype=bool)
    for op in range(len(params.operators)):
        ok = within[:, op] & admit[sj, op]
        left = capacity_shortfall(hi[ok], sj[ok], demand[:, op], float(capacity[op]),
                                  len(sites.lon))
        short |= left > 0
    return np.flatnonzero(short)


@dataclass
class _Result:
    hamlets: _Hamlets
    sites: _Sites
    dead: int
    polygon: np.ndarray


def _build(params: GeneratorParams) -> _Result:
    rng = np.random.default_rng(params.seed)
    poly = region_polygon(params)
    centre = poly.mean(axis=0)
    plane = _Plane(float(centre[0]), float(centre[1]))
    poly_xy = plane.to_xy(poly[:, 0], poly[:, 1])
    h = _make_hamlets(rng, params, plane, poly_xy)

    # Weakest operator's range per clutter at the lowest existing height.
    weakest = _ranges(params, np.array([params.existing_height_m[0]]))[0].min(axis=0)
    pool = _existing_pool(rng, params, plane, poly_xy, h, weakest)
    chosen = _choose_existing(rng, params, h, pool, plane)
    existing = _take(pool, chosen)

    # Which hamlets today's tenancies leave uncovered.
    covered = _reach(params, h, existing, existing.tenants)[0].any(axis=1)
    dead = np.flatnonzero(~covered)

    # Candidates near dead spots (within a quarter of the weakest range) and with demand.
    n_near = round(params.candidates_per_dead_hamlet * dead.size)
    near_anchor = dead[np.resize(rng.permutation(dead.size), n_near)] if dead.size else dead
    w = np.sqrt(h.population / h.population.mean() + 0.1)
    extra_anchor = rng.choice(params.n_hamlets, params.extra_candidates, p=w / w.sum())
    anchors = np.concatenate((near_anchor, extra_anchor)).astype(np.int64)
    cand_height = rng.uniform(*params.candidate_height_m, anchors.size)
    spread = np.where(np.arange(anchors.size) < n_near, 0.25, 1.0)
    cand_xy = _place_near(rng, h.xy[anchors], spread * weakest[h.area[anchors]], poly_xy)
    sites = _concat(existing, _site_block(params, plane, cand_xy, cand_height, existing=False))

    # Repair until full coverage is feasible for every variant.
    for _ in range(10):
        admit = _admissible(sites, params) | sites.tenants
        reach_any, reach_cand = _reach(params, h, sites, admit, admit & ~sites.existing[:, None])
        need = np.flatnonzero(~reach_any.all(axis=1) | (~covered & ~reach_cand.all(axis=1)))
        if need.size == 0:
            break
        sites = _concat(sites, _repair(rng, params, plane, h, need))
    else:  # pragma: no cover - the repair places a site within range of each needy hamlet
        raise RuntimeError("could not make full coverage feasible")
    if params.demand is not None:
        # Capacity repair: candidates beside hamlets whose traffic no split over the
        # reaching sites carries, even with every one at max_carriers.
        for _ in range(CAPACITY_REPAIR_ROUNDS):
            need = _capacity_need(params, h, sites)
            if need.size == 0:
                break
            sites = _concat(sites, _repair(rng, params, plane, h, need))
        else:  # pragma: no cover - each round adds capacity beside every short hamlet
            raise RuntimeError("could not make the [demand] capacity feasible")
    n_exist = int(sites.existing.sum())
    sites.ids = [f"S{j + 1:05d}" for j in range(n_exist)] + [
        f"C{j + 1:05d}" for j in range(len(sites.lon) - n_exist)
    ]
    return _Result(h, sites, int(dead.size), poly)
