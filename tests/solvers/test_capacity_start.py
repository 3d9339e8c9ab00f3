"""The capacitated start's carriers (``btsopt.solvers.capacity_start``), on
instances small enough to enumerate."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from btsopt.solvers import capacity_start as start_module
from btsopt.solvers.capacity_start import (
    _cheapest_loads,
    _few_carriers,
    _max_flow,
    _new_demand_price,
)
from btsopt.solvers.core.settings import CapacitySettings
from btsopt.solvers.core.stop import MaxIterations

CARRIER_MBPS = 10.0


def _paid_carriers(load: np.ndarray, free: np.ndarray) -> int:
    return int(np.ceil(np.maximum(load - free * CARRIER_MBPS, 0) / CARRIER_MBPS - 1e-9).sum())


def _fewest_paid(supply, hamlet, site, free, most) -> int | None:
    """Enumerate every carrier count per site: the fewest paid carriers that carry all."""
    fits = [sum(extra) for extra in itertools.product(range(most), repeat=free.size)
            if not (_max_flow(supply, hamlet, site, (free + np.array(extra)) * CARRIER_MBPS)[1]
                    > 0).any()]
    return min(fits) if fits else None


def test_start_moves_the_paid_load_onto_one_site() -> None:
    # H0 (23 Mb/s) is reached by S1 only, H1 (23 Mb/s) by S0 and S1; 10 Mb/s
    # carriers, one free per site, at most 3. S1 filled to 3 carriers (H0 and
    # 7 of H1) and S0 at 2 (16 of H1) pay 3 carriers: the fewest (46 Mb/s
    # needs 5 carriers, 2 are free). The LP's flow puts all of H1 on S0 and
    # pays 2 carriers on each; slope scaling prices both alike, and taking one
    # off S0 while the demand still fits finds the fewest.
    supply = np.array([23.0, 23.0])
    hamlet, site = np.array([0, 1, 1]), np.array([1, 0, 1])
    free = np.ones(2)
    load = _cheapest_loads(supply, hamlet, site, free * CARRIER_MBPS, 2 * free * CARRIER_MBPS,
                           CARRIER_MBPS, rounds=4)
    assert load is not None and load.sum() == 46.0
    assert _paid_carriers(load, free) >= 3
    carriers = _few_carriers(supply, hamlet, site, free, 3, CARRIER_MBPS, 4, seconds=60)
    assert carriers is not None
    assert int((carriers - free).sum()) == 3 == _fewest_paid(supply, hamlet, site, free, 3)
    # More than every site at full carriers: no plan.
    assert _few_carriers(np.array([31.0]), np.array([0]), np.array([0]), np.ones(1), 3,
                         CARRIER_MBPS, 4, seconds=60) is None


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_cheapest_loads_carry_everything_and_never_beat_enumeration(data) -> None:
    num_h = data.draw(st.integers(1, 4))
    num_s = data.draw(st.integers(1, 3))
    reach = data.draw(st.lists(st.lists(st.booleans(), min_size=num_s, max_size=num_s),
                               min_size=num_h, max_size=num_h))
    reach = np.array(reach)
    reach[np.arange(num_h), data.draw(st.lists(st.integers(0, num_s - 1), min_size=num_h,
                                               max_size=num_h))] = True
    hamlet, site = np.nonzero(reach)
    supply = np.array(data.draw(st.lists(st.integers(1, 40), min_size=num_h, max_size=num_h)),
                      dtype=float)
    free = np.array(data.draw(st.lists(st.integers(1, 2), min_size=num_s, max_size=num_s)),
                    dtype=float)
    most = 3
    load = _cheapest_loads(supply, hamlet, site, free * CARRIER_MBPS,
                           (most - free) * CARRIER_MBPS, CARRIER_MBPS, rounds=3)
    fewest = _fewest_paid(supply, hamlet, site, free, most - int(free.min()) + 1)
    if load is None:
        assert (_max_flow(supply, hamlet, site, np.full(num_s, most * CARRIER_MBPS))[1] > 0).any()
        return
    assert load.sum() == supply.sum()
    assert (load <= most * CARRIER_MBPS + 1e-9).all()
    # The loads are a flow: carrying them at these carriers carries everything.
    carriers = np.ceil(load / CARRIER_MBPS - 1e-9)
    assert not (_max_flow(supply, hamlet, site, carriers * CARRIER_MBPS)[1] > 0).any()
    assert fewest is not None and _paid_carriers(load, free) >= fewest
    carriers = _few_carriers(supply, hamlet, site, free, most, CARRIER_MBPS, 3, seconds=60)
    assert carriers is not None and (carriers >= 1).all() and (carriers <= most).all()
    assert not (_max_flow(supply, hamlet, site, carriers * CARRIER_MBPS)[1] > 0).any()
    assert int(np.maximum(carriers - free, 0).sum()) >= fewest


def test_greenfield_demand_is_priced_higher() -> None:
    # Nothing kept (greenfield): the greenfield price; most demand kept: the
    # usual one; the threshold is the kept share of the demand (Mb/s).
    settings = CapacitySettings()
    cap = SimpleNamespace(demand=np.array([[10.0, 30.0], [20.0, 40.0]]))
    nothing = np.zeros((2, 2), dtype=bool)
    assert _new_demand_price(cap, nothing, settings) == settings.new_demand_price_greenfield
    most = np.array([[False, True], [False, True]])  # 70 of 100 Mb/s kept
    assert _new_demand_price(cap, most, settings) == settings.new_demand_price
    some = np.array([[True, False], [True, False]])  # 30 of 100
    assert _new_demand_price(cap, some, settings) == settings.new_demand_price_greenfield


class _Stopped(MaxIterations):
    """A stop that has already said so (no time left)."""

    def __init__(self) -> None:
        super().__init__(0)


def _counting_flows(monkeypatch) -> list[int]:
    """Count the min-cost flows :func:`_cheapest_loads` makes."""
    made: list[int] = []
    real = start_module.min_cost_flow.SimpleMinCostFlow

    def counted():
        made.append(1)
        return real()

    monkeypatch.setattr(start_module.min_cost_flow, "SimpleMinCostFlow", counted)
    return made


def test_cheapest_loads_stop_after_the_flows_the_stop_allows(monkeypatch) -> None:
    # The example above: 46 Mb/s over two sites. Four slope rounds make five
    # flows; a stop that allows one call (the check before the first flow)
    # leaves one, whose loads still carry everything.
    supply = np.array([23.0, 23.0])
    hamlet, site = np.array([0, 1, 1]), np.array([1, 0, 1])
    free, paid = np.full(2, CARRIER_MBPS), np.full(2, 2 * CARRIER_MBPS)
    made = _counting_flows(monkeypatch)
    _cheapest_loads(supply, hamlet, site, free, paid, CARRIER_MBPS, rounds=4)
    assert len(made) == 5
    made.clear()
    load = _cheapest_loads(supply, hamlet, site, free, paid, CARRIER_MBPS, rounds=4,
                           stop=MaxIterations(1))
    assert len(made) == 1
    assert load is not None and load.sum() == 46.0 and (load <= 30.0 + 1e-9).all()


def test_cheapest_loads_past_the_deadline_are_a_max_flows(monkeypatch) -> None:
    # Stopped before the first flow: no min-cost flow at all, the loads of a
    # max flow (which carry the demand), and None when it does not fit.
    supply = np.array([23.0, 23.0])
    hamlet, site = np.array([0, 1, 1]), np.array([1, 0, 1])
    made = _counting_flows(monkeypatch)
    load = _cheapest_loads(supply, hamlet, site, np.full(2, CARRIER_MBPS),
                           np.full(2, 2 * CARRIER_MBPS), CARRIER_MBPS, rounds=4, stop=_Stopped())
    assert made == []
    assert load is not None and load.sum() == 46.0
    carriers = np.ceil(load / CARRIER_MBPS - 1e-9)
    assert (carriers <= 3).all()
    assert not (_max_flow(supply, hamlet, site, carriers * CARRIER_MBPS)[1] > 0).any()
    assert _cheapest_loads(np.array([31.0]), np.array([0]), np.array([0]),
                           np.full(1, CARRIER_MBPS), np.full(1, 2 * CARRIER_MBPS),
                           CARRIER_MBPS, rounds=4, stop=_Stopped()) is None
    # _few_carriers past the deadline: those loads rounded up, no trimming.
    carriers = _few_carriers(supply, hamlet, site, np.ones(2), 3, CARRIER_MBPS, 4, seconds=60,
                             stop=_Stopped())
    assert carriers is not None
    assert not (_max_flow(supply, hamlet, site, carriers * CARRIER_MBPS)[1] > 0).any()
