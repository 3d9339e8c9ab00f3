"""Where the capacitated start adds a tenancy when none can go beside an
overloaded hamlet (``btsopt.solvers.capacity_start._relief_options``)."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from btsopt.solvers.capacity_start import _free_a_place, _relief_options


def _pairs(pairs: list[tuple[int, int]], rows: int, cols: int) -> sparse.csr_matrix:
    if not pairs:
        return sparse.csr_matrix((rows, cols))
    r, c = zip(*pairs, strict=True)
    return sparse.csr_matrix((np.ones(len(pairs)), (r, c)), shape=(rows, cols))


def test_own_sites_first_weighed_by_the_demand_left_over() -> None:
    # H0 is reached by S0 (open) and S1 (free to add): S1 is the option,
    # weighed by the demand left over in its reach, whatever the depth.
    reach = _pairs([(0, 0), (0, 1), (1, 1)], 2, 2)
    carrying = _pairs([(0, 0)], 2, 2)
    candidate = np.array([False, True])
    for depth in (0, 3):
        options, weight, area = _relief_options(reach, reach.T.tocsr(), carrying, 0, candidate,
                                                np.array([0.0, 7.0]), np.array([9.0, 4.0]),
                                                depth)
        assert options.tolist() == [1] and weight.tolist() == [7.0] and area.tolist() == [0]


def test_a_neighbour_relieves_an_overloaded_hamlet_whose_sites_are_all_taken() -> None:
    # H0 (overloaded) is reached only by S0, which the operator has already
    # and which H1 fills too; H1 is also reached by S3 (open, full of H2's
    # flow). S1 (free) reaches H2; S2 (free) reaches H3, which reaches S0 but
    # sends it nothing. Step 1: the area is H0 and H1 (H1's flow fills S0);
    # no candidate reaches them. Step 2: H2 joins (its flow fills S3, which
    # reaches H1); S1 reaches H2 and takes its 3 Mb/s, so S3 takes more of
    # H1 and S0 more of H0. H3 never joins (no flow from it), so S2 is never
    # an option.
    reach = _pairs([(0, 0), (1, 0), (1, 3), (2, 3), (2, 1), (3, 0), (3, 2)], 4, 4)
    by_site = reach.T.tocsr()
    carrying = _pairs([(0, 0), (0, 1), (3, 2)], 4, 4)   # sites x hamlets with flow
    candidate = np.array([False, True, True, False])
    demand = np.array([20.0, 5.0, 3.0, 2.0])
    relief = np.zeros(4)
    options, weight, _ = _relief_options(reach, by_site, carrying, 0, candidate, relief,
                                         demand, 1)
    assert options.size == 0 and weight.size == 0
    for depth in (2, 5):
        options, weight, area = _relief_options(reach, by_site, carrying, 0, candidate, relief,
                                                demand, depth)
        assert options.tolist() == [1] and area.tolist() == [0, 1, 2]
        assert weight.tolist() == [3.0]  # H2's demand
    # No candidate anywhere: nothing at any depth (the area stops growing).
    options, _, area = _relief_options(reach, by_site, carrying, 0, np.zeros(4, dtype=bool),
                                       relief, demand, 50)
    assert options.size == 0 and area.tolist() == [0, 1, 2]


class _Reach:
    """A coverage stand-in: one (hamlets x sites) matrix per operator."""

    def __init__(self, per_operator: list[sparse.csr_matrix]) -> None:
        self.per_operator = per_operator

    def for_operator(self, k: int) -> sparse.csc_matrix:
        return self.per_operator[k].tocsc()


def test_a_full_site_frees_a_place_only_where_the_other_operator_still_covers() -> None:
    # Sites S0 and S1 are full (max 2 tenants here: room 0). Operator 1's
    # tenancy on S0 covers H0, which its tenancy on S2 covers too: it may go.
    # Its tenancy on S1 alone covers H1: it stays, unless another active site
    # with room reaches H1 (S3, see below). Operator 0 (k) never gives up its
    # own places, and a tenancy that may not go (movable False) stays.
    op1 = _pairs([(0, 0), (0, 2), (1, 1), (1, 3)], 2, 4)
    coverage = _Reach([_pairs([], 2, 4), op1])
    x = np.array([[True, True], [True, True], [False, True], [False, False]])
    room = np.array([0, 0, 1, 0])
    cost = np.ones((4, 2))
    movable = np.ones((4, 2), dtype=bool)
    assert _free_a_place(coverage, x.copy(), movable, 0, np.array([1]), room.copy(),
                         cost) is None
    moved = x.copy()
    assert _free_a_place(coverage, moved, movable, 0, np.array([1, 0]), room.copy(),
                         cost) == 0
    assert moved[:, 1].tolist() == [False, True, True, False]
    movable[0, 1] = False
    assert _free_a_place(coverage, x.copy(), movable, 0, np.array([1, 0]), room.copy(),
                         cost) is None
    # Only operators after k give up a place.
    assert _free_a_place(coverage, x.copy(), np.ones((4, 2), dtype=bool), 1, np.array([0]),
                         room.copy(), cost) is None
    # S3 active with room reaches H1: operator 1 moves there and S1 is freed.
    x[3, 0], room[3] = True, 1
    moved, left = x.copy(), room.copy()
    assert _free_a_place(coverage, moved, np.ones((4, 2), dtype=bool), 0, np.array([1]), left,
                         cost) == 1
    assert moved[:, 1].tolist() == [True, False, True, True] and left[3] == 0
    # ... but not when S3 is not active (a new unshared site lowers the ratio).
    x[3, 0] = False
    assert _free_a_place(coverage, x.copy(), np.ones((4, 2), dtype=bool), 0, np.array([1]),
                         room.copy(), cost) is None


def test_co_tenants_restore_a_hard_sharing_target_where_they_add_least_demand() -> None:
    from types import SimpleNamespace

    from btsopt.solvers.capacity_start import _share_until_met

    # Six single-tenant sites (operator 0 on S0-S4, operator 1 on S5), none
    # shared: 30% of 6 active sites needs 2 shared. Operator 1 may join S0-S3
    # (S4 is full; nobody may join S5).
    # Joining S0 or S1 brings operator 1 the 8 Mb/s of H0, which it does not
    # cover yet (its tenancy on S5 covers H1 only); S2 and S3 reach H1 only.
    # At 10 per Mb/s, S0 and S1 cost 100 + 80; S2 costs 120, S3 110: S3 and
    # S2 are taken.
    op1 = _pairs([(0, 0), (0, 1), (1, 2), (1, 3), (1, 5)], 2, 6)
    coverage = _Reach([_pairs([], 2, 6), op1])
    x = np.zeros((6, 2), dtype=bool)
    x[:5, 0] = True
    x[5, 1] = True
    room = np.array([1, 1, 1, 1, 0, 2])
    cost = np.array([[0.0, 100.0], [0.0, 100.0], [0.0, 120.0], [0.0, 110.0], [0.0, 90.0],
                     [np.inf, np.inf]])
    demand = SimpleNamespace(demand_mbps=np.array([[0.0, 8.0], [0.0, 5.0]]))
    targets = SimpleNamespace(sharing="hard", shared_site_ratio=0.3)
    data = SimpleNamespace(targets=targets, demand=demand, num_operators=2)
    added = _share_until_met(data, coverage, x, room, cost, np.array([10.0, 10.0]))
    assert np.flatnonzero(added[:, 1]).tolist() == [2, 3] and not added[:, 0].any()
    assert x[[2, 3], 1].all() and room.tolist() == [1, 1, 0, 0, 0, 2]
    # Met now (2 of 6 active sites shared): nothing more.
    assert not _share_until_met(data, coverage, x, room, cost, np.array([10.0, 10.0])).any()
    # A soft target is the objective's business: nothing added.
    x[[2, 3], 1] = False
    data.targets = SimpleNamespace(sharing="soft", shared_site_ratio=0.3)
    assert not _share_until_met(data, coverage, x, room, cost, np.array([10.0, 10.0])).any()
