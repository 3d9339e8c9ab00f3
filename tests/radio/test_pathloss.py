"""Path loss against values worked out by hand from the spec's formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from btsopt.radio.pathloss import haversine_km, max_range_km, path_loss_db

DENSE_URBAN, URBAN, SUBURBAN, RURAL = range(4)

# Hand computation, f = 1800 MHz, hb = 30 m, hm = 1.5 m:
#   log f = 3.2552725, log hb = 1.4771213
#   a(hm) = (1.1*3.2552725 - 0.7)*1.5 - (1.56*3.2552725 - 0.8) = 4.3212 - 4.2782 = 0.0429813
#   COST-231 urban at 1 km: 46.3 + 33.9*3.2552725 - 13.82*1.4771213 - 0.0429813 + 0
#                         = 46.3 + 110.353738 - 20.413816 - 0.042981 = 136.196948 (to 6 decimals)
#   slope = 44.9 - 6.55*1.4771213 = 44.9 - 9.675144 = 35.224856 per decade of distance
#   suburban correction: 2*(log(1800/28))^2 + 5.4 = 2*(1.8081145)^2 + 5.4 = 11.938556
#   rural correction: 4.78*3.2552725^2 - 18.33*3.2552725 + 40.94 = 50.652700 - 59.669145 + 40.94
#                   = 31.923555
COST231_URBAN_1KM = 136.196948
SLOPE = 35.224856


@pytest.mark.parametrize(
    ("area", "distance", "expected"),
    [
        (URBAN, 1.0, COST231_URBAN_1KM),
        (DENSE_URBAN, 1.0, COST231_URBAN_1KM + 3.0),
        (URBAN, 10.0, COST231_URBAN_1KM + SLOPE),
        (SUBURBAN, 1.0, COST231_URBAN_1KM - 11.938556),
        (RURAL, 1.0, COST231_URBAN_1KM - 31.923555),
    ],
)
def test_cost231_hata_by_hand(area: int, distance: float, expected: float) -> None:
    loss = path_loss_db("cost231-hata", distance, 1800.0, 30.0, 1.5, area)
    assert float(loss) == pytest.approx(expected, abs=1e-5)


def test_okumura_hata_by_hand() -> None:
    # f = 900, hb = 30, hm = 1.5: log f = 2.9542425
    # a(hm) = (1.1*2.9542425 - 0.7)*1.5 - (1.56*2.9542425 - 0.8) = 3.8244999 - 3.8086183 = 0.0158817
    # urban 1 km: 69.55 + 26.16*2.9542425 - 13.82*1.4771213 - 0.0158817
    #           = 69.55 + 77.282984 - 20.413816 - 0.015882 = 126.403286
    # rural: minus (4.78*2.9542425^2 - 18.33*2.9542425 + 40.94) = 41.717683 - 54.151265 + 40.94
    #      = 28.506418 -> 97.896868
    assert float(path_loss_db("okumura-hata", 1.0, 900.0, 30.0, 1.5, URBAN)) == pytest.approx(
        126.403286, abs=1e-5
    )
    # Okumura-Hata has no dense-urban term: same as urban.
    assert float(path_loss_db("okumura-hata", 1.0, 900.0, 30.0, 1.5, DENSE_URBAN)) == pytest.approx(
        126.403286, abs=1e-5
    )
    assert float(path_loss_db("okumura-hata", 1.0, 900.0, 30.0, 1.5, RURAL)) == pytest.approx(
        97.896868, abs=1e-5
    )


def test_max_range_inverts_path_loss() -> None:
    reach = max_range_km("cost231-hata", 1800.0, 140.0, 30.0, 1.5, URBAN)
    # 140 = 136.196948 + 35.224856 log d  ->  d = 10^(3.803052/35.224856) = 1.282227 km
    assert float(reach) == pytest.approx(1.282227, rel=1e-5)
    assert float(path_loss_db("cost231-hata", reach, 1800.0, 30.0, 1.5, URBAN)) == pytest.approx(140.0)


def test_zero_distance_is_always_covered() -> None:
    assert path_loss_db("cost231-hata", 0.0, 1800.0, 30.0, 1.5, RURAL) == -math.inf


def test_haversine_known_distance() -> None:
    # One degree of longitude on the equator: 2*pi*6371.0088/360 = 111.19508 km.
    assert float(haversine_km(0.0, 0.0, 1.0, 0.0)) == pytest.approx(111.19508, abs=1e-4)
    assert float(haversine_km(106.0, 20.0, 106.0, 20.0)) == 0.0
    assert np.all(haversine_km([0, 10], [0, 0], [0, 10], [1, 1]) > 111.0)
