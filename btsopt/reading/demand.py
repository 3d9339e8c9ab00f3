"""Reading ``[demand]`` (scenario format v2) into :class:`~btsopt.data.Demand`.

``[demand]``, the operators' capacity keys, the optional column
``hamlets.subscriptions`` and ``tenancies.carriers`` are read here, exactly as
``scenario-format.md`` ("Version 2") says. Without a ``[demand]`` section the
scenario is a v1 one: the capacity keys and columns are ignored (with a
warning) and :func:`read_demand` returns ``None``.

Choices made where the format is silent:

- ``market_share`` left out on some operators: they share what the others
  leave of 1 equally (all left out: 1/K each, the spec's default);
- an empty ``subscriptions`` cell takes population x subscriptions_per_100 /
  100; an empty ``carriers`` cell takes 1;
- ``sectors`` and ``max_carriers`` are whole numbers of at least 1, the
  radio figures are positive, costs and traffic are not negative.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

from btsopt.data import Demand, Hamlets
from btsopt.errors import ScenarioError
from btsopt.reading.tables import Table, show

DEMAND_KEYS = ("subscriptions_per_100", "busy_hour_mbps", "user_mbps", "keep_service")
"""Keys of ``[demand]``."""

OPERATOR_DEMAND_KEYS = (
    "market_share", "sectors", "carrier_mhz", "spectral_efficiency", "peak_mbps",
    "max_carriers", "carrier_capex", "carrier_opex_per_year",
)
"""Keys ``[[operators]]`` gains with ``[demand]``."""

HAMLET_DEMAND_COLUMNS = ("subscriptions",)
TENANCY_DEMAND_COLUMNS = ("carriers",)

_SHARE_TOL = 1e-9  # shares written with 2 decimals may add up to 1 + rounding


class KeyReader(Protocol):
    """What :func:`read_demand` needs of the scenario reader's typed TOML access."""

    def error(self, key: str, message: str) -> ScenarioError: ...

    def warn(self, key: str, message: str) -> None: ...

    def warn_unknown(self, table: dict[str, Any], known: tuple[str, ...], prefix: str) -> None:
        ...

    def section(self, doc: dict[str, Any], name: str) -> dict[str, Any]: ...

    def number(self, table: dict[str, Any], key: str, default: float, prefix: str,
               **checks: Any) -> Any: ...

    def boolean(self, table: dict[str, Any], key: str, default: bool, prefix: str) -> bool: ...


def _operator_entries(doc: dict[str, Any]) -> list[dict[str, Any]]:
    entries = doc.get("operators")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _warn_ignored(
    toml: KeyReader, doc: dict[str, Any], hamlet_table: Table, tenancy_table: Table | None,
    warnings: list[str],
) -> None:
    """A v1 scenario with capacity keys or columns: they do nothing without [demand]."""
    for n, entry in enumerate(_operator_entries(doc)):
        for key in OPERATOR_DEMAND_KEYS:
            if key in entry:
                toml.warn(f"operators[{n}].{key}", "ignored without a [demand] section")
    for table, column in ((hamlet_table, "subscriptions"), (tenancy_table, "carriers")):
        if table is not None and table.has(column):
            warnings.append(f"{table.path}: column '{column}' ignored without a [demand] "
                            "section in the scenario")


def _market_shares(toml: KeyReader, entries: list[dict[str, Any]]) -> np.ndarray:
    given = [
        toml.number(e, "market_share", 0.0, f"operators[{n}].", minimum=0.0, maximum=1.0)
        if "market_share" in e else math.nan
        for n, e in enumerate(entries)
    ]
    shares = np.asarray(given, dtype=float)
    missing = np.isnan(shares)
    known = float(shares[~missing].sum())
    if known > 1.0 + _SHARE_TOL:
        last = int(np.flatnonzero(~missing)[-1])
        raise toml.error(
            f"operators[{last}].market_share",
            f"market shares add up to {known:g}, above 1 (a share is a fraction of the "
            "subscriptions: 0.25 = 25%)",
        )
    if missing.any():
        shares[missing] = max(1.0 - known, 0.0) / int(missing.sum())
    return shares


def _operator_numbers(
    toml: KeyReader, entries: list[dict[str, Any]], user_mbps: float
) -> dict[str, np.ndarray]:
    columns: dict[str, list[Any]] = {key: [] for key in OPERATOR_DEMAND_KEYS[1:]}
    for n, entry in enumerate(entries):
        prefix = f"operators[{n}]."
        columns["sectors"].append(toml.number(entry, "sectors", 3, prefix, minimum=1,
                                               integer=True))
        columns["carrier_mhz"].append(toml.number(entry, "carrier_mhz", 20.0, prefix,
                                                   positive=True))
        columns["spectral_efficiency"].append(
            toml.number(entry, "spectral_efficiency", 1.5, prefix, positive=True))
        peak = toml.number(entry, "peak_mbps", 150.0, prefix, positive=True)
        if peak <= user_mbps:
            raise toml.error(
                prefix + "peak_mbps",
                f"{peak:g} Mb/s must exceed demand.user_mbps ({user_mbps:g}): a carrier "
                "cannot give users more than its peak rate",
            )
        columns["peak_mbps"].append(peak)
        columns["max_carriers"].append(toml.number(entry, "max_carriers", 3, prefix,
                                                    minimum=1, integer=True))
        columns["carrier_capex"].append(toml.number(entry, "carrier_capex", 150.0, prefix,
                                                     minimum=0.0))
        columns["carrier_opex_per_year"].append(
            toml.number(entry, "carrier_opex_per_year", 15.0, prefix, minimum=0.0))
    return {key: np.asarray(values) for key, values in columns.items()}


def _subscriptions(table: Table, hamlets: Hamlets, per_100: float) -> np.ndarray:
    default = hamlets.population * per_100 / 100.0
    if not table.has("subscriptions"):
        return default
    given = table.text("subscriptions") != ""
    values = table.number("subscriptions", 0.0, minimum=0.0)
    return np.where(given, values, default)


def _carriers_today(
    table: Table | None, tenancies: np.ndarray, site_ids: tuple[str, ...],
    operator_ids: tuple[str, ...], max_carriers: np.ndarray,
) -> np.ndarray:
    carriers = tenancies.astype(np.int64)
    if table is None or not table.has("carriers"):
        return carriers
    counts = table.integers("carriers", 1, minimum=1)
    site_index = {sid: j for j, sid in enumerate(site_ids)}
    op_index = {oid: k for k, oid in enumerate(operator_ids)}
    # The tenancy reader has checked every row's ids already.
    for row, (site_id, op_id) in enumerate(
        zip(table.text("site_id"), table.text("operator_id"), strict=True)
    ):
        k = op_index[op_id]
        if counts[row] > max_carriers[k]:
            raise table.error(
                f"{counts[row]} carriers, above max_carriers of {show(op_id)} "
                f"({max_carriers[k]})", row, "carriers",
            )
        carriers[site_index[site_id], k] = counts[row]
    return carriers


def read_demand(
    toml: KeyReader,
    doc: dict[str, Any],
    hamlet_table: Table,
    hamlets: Hamlets,
    tenancy_table: Table | None,
    tenancies: np.ndarray,
    site_ids: tuple[str, ...],
    operator_ids: tuple[str, ...],
    warnings: list[str],
) -> Demand | None:
    """Read ``[demand]`` with the operators' capacity keys and the capacity columns.

    Parameters
    ----------
    toml
        The scenario reader's typed TOML access (errors name the file and key).
    doc
        The parsed scenario TOML.
    hamlet_table, hamlets
        The hamlet table as read, and the hamlets made of it.
    tenancy_table, tenancies
        The tenancy table (``None`` when the scenario has none) and the
        (sites x operators) existing tenancies made of it.
    site_ids, operator_ids
        Ids in the order of the data's rows and columns.
    warnings
        Non-fatal remarks are appended here.

    Returns
    -------
    Demand or None
        ``None`` when the scenario has no ``[demand]`` section (v1).

    Raises
    ------
    ScenarioError
        Naming file, row and key: market shares above 1 in total,
        ``peak_mbps <= user_mbps``, negative demand or subscriptions,
        carriers below 1, not whole, or above ``max_carriers``.
    """
    if "demand" not in doc:
        _warn_ignored(toml, doc, hamlet_table, tenancy_table, warnings)
        return None
    section = toml.section(doc, "demand")
    toml.warn_unknown(section, DEMAND_KEYS, "demand.")
    per_100 = toml.number(section, "subscriptions_per_100", 85.0, "demand.", minimum=0.0)
    busy_hour = toml.number(section, "busy_hour_mbps", 0.1, "demand.", minimum=0.0)
    user_mbps = toml.number(section, "user_mbps", 70.0, "demand.", positive=True)
    keep_service = toml.boolean(section, "keep_service", True, "demand.")
    entries = _operator_entries(doc)
    numbers = _operator_numbers(toml, entries, user_mbps)
    return Demand(
        subscriptions_per_100=per_100,
        busy_hour_mbps=busy_hour,
        user_mbps=user_mbps,
        keep_service=keep_service,
        subscriptions=_subscriptions(hamlet_table, hamlets, per_100),
        market_share=_market_shares(toml, entries),
        sectors=numbers["sectors"].astype(np.int64),
        carrier_mhz=numbers["carrier_mhz"].astype(float),
        spectral_efficiency=numbers["spectral_efficiency"].astype(float),
        peak_mbps=numbers["peak_mbps"].astype(float),
        max_carriers=numbers["max_carriers"].astype(np.int64),
        carrier_capex=numbers["carrier_capex"].astype(float),
        carrier_opex_per_year=numbers["carrier_opex_per_year"].astype(float),
        carriers_today=_carriers_today(tenancy_table, tenancies, site_ids, operator_ids,
                                       numbers["max_carriers"]),
    )
