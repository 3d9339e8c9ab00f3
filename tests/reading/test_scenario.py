"""Reading scenarios: the tiny scenario field by field, and the catalogues.

``tests/data/broken/`` holds one broken scenario per folder and
``cases.toml`` with the error each must give; ``tests/data/valid/`` holds odd
but valid ones. Both are written by ``tests/data/make_catalogue.py``.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import tomllib
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from btsopt.cli import main
from btsopt.data import AREA_TYPES, LOCK_IN, LOCK_NONE, LOCK_OUT, ProblemData
from btsopt.errors import ScenarioError
from btsopt.reading import read_scenario

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny" / "scenario.toml"
DATA = ROOT / "tests" / "data"
BROKEN = DATA / "broken"
VALID = DATA / "valid"
BROKEN_CASES: dict[str, dict] = tomllib.loads((BROKEN / "cases.toml").read_text("utf-8"))
VALID_CASES: dict[str, dict] = tomllib.loads((VALID / "cases.toml").read_text("utf-8"))
RURAL = AREA_TYPES.index("rural")


def _tiny_checks(data: ProblemData) -> None:
    """The values of scenarios/tiny (and of its re-encodings in tests/data/valid)."""
    assert data.num_hamlets == 5 and data.num_sites == 4 and data.num_operators == 2
    np.testing.assert_allclose(data.hamlets.lon, [106.00, 106.02, 106.04, 106.10, 106.12])
    np.testing.assert_allclose(data.hamlets.lat, [20.0] * 5)
    np.testing.assert_allclose(data.hamlets.population, [400, 300, 500, 200, 250])
    np.testing.assert_allclose(data.sites.lon, [106.01, 106.04, 106.11, 106.12])
    np.testing.assert_allclose(data.sites.capex, [0, 0, 1500, 1000])
    assert data.sites.existing.tolist() == [True, True, False, False]


# ---------------------------------------------------------------------------------------
# The tiny scenario, every field and default


def test_tiny_is_read_exactly() -> None:
    data = read_scenario(TINY)
    assert data.name == "tiny"
    assert data.description.startswith("Five hamlets on a line")
    assert data.currency == "VND_million"
    assert data.source == TINY
    assert data.warnings == ()

    t = data.targets
    assert (t.coverage, t.hamlet_coverage, t.shared_site_ratio, t.sharing) == (
        "any", 1.0, 0.30, "hard")
    assert math.isinf(t.budget) and t.coverage_mode == "hard"

    e = data.economics
    assert (e.horizon_years, e.discount_rate, e.new_site_capex, e.site_opex_per_year) == (
        10, 0.08, 1500.0, 120.0)
    assert (e.tenancy_capex, e.tenancy_opex_per_year, e.decommission_cost, e.rent_per_year) == (
        400.0, 60.0, 100.0, 90.0)
    assert isinstance(e.horizon_years, int)

    assert (data.policy.max_tenants, data.policy.allow_decommission,
            data.policy.allow_relocation) == (3, False, False)
    assert (data.radio.model, data.radio.rx_height_m) == ("fixed-radius", 1.5)

    alpha, beta = data.operators
    radius = {"dense_urban": 0.5, "urban": 1.0, "suburban": 1.5, "rural": 2.5}
    assert (alpha.id, alpha.name, alpha.radius_km) == ("alpha", "Alpha Mobile", radius)
    assert (alpha.tenancy_capex, alpha.tenancy_opex_per_year) == (400.0, 60.0)
    assert (beta.id, beta.name, beta.radius_km) == ("beta", "Beta Telecom", radius)
    assert (beta.tenancy_capex, beta.tenancy_opex_per_year) == (450.0, 60.0)
    assert alpha.frequency_mhz == 0.0 and math.isinf(alpha.max_path_loss_db)

    h = data.hamlets
    assert h.ids == ("H1", "H2", "H3", "H4", "H5")
    assert h.name == ("Thôn Một", "Thôn Hai", "Thôn Ba", "Xóm Bốn", "Xóm Năm")
    assert h.commune == ("Xã A", "Xã A", "Xã B", "Xã C", "Xã C")
    assert h.district == ("Huyện X",) * 3 + ("Huyện Y",) * 2
    assert h.area_type.tolist() == [RURAL] * 5
    assert h.min_operators.tolist() == [1] * 5  # coverage "any"
    _tiny_checks(data)

    s = data.sites
    assert s.ids == ("E1", "E2", "C1", "C2")
    assert s.owner == ("alpha", "beta", "", "")
    assert s.height_m.tolist() == [30.0] * 4
    assert s.max_tenants.tolist() == [3] * 4  # policy default
    assert s.opex_per_year.tolist() == [120.0] * 4
    assert s.rent_per_year.tolist() == [90.0] * 4
    assert s.allowed.shape == (4, 2) and s.allowed.all()
    assert s.locked.tolist() == [LOCK_NONE] * 4
    assert data.tenancies.tolist() == [[True, False], [False, True], [False, False],
                                       [False, False]]
    # Immutable downstream.
    with pytest.raises(ValueError):
        s.capex[0] = 1.0


def test_scenario_folder_stands_for_its_toml() -> None:
    assert read_scenario(TINY.parent).name == "tiny"


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="scenario file not found"):
        read_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="no scenario.toml"):
        read_scenario(tmp_path)


# ---------------------------------------------------------------------------------------
# The broken catalogue


def test_catalogue_is_large_enough() -> None:
    folders = {p.name for p in BROKEN.iterdir() if p.is_dir()}
    assert len(BROKEN_CASES) >= 35
    assert folders == set(BROKEN_CASES), "every folder has its expectation and vice versa"


@pytest.mark.parametrize("case", sorted(BROKEN_CASES))
def test_broken_scenario_error_names_file_row_and_column(case: str) -> None:
    expected = BROKEN_CASES[case]
    with pytest.raises(ScenarioError) as caught:
        read_scenario(BROKEN / case / "scenario.toml")
    error = caught.value
    assert Path(error.file).name == expected["file"], str(error)
    assert Path(error.file).parent.name == case
    assert error.row == expected.get("row"), str(error)
    assert error.column == expected.get("column"), str(error)
    assert expected["message"] in error.message, str(error)
    assert len(error.message) < 200, "messages stay short"


@pytest.mark.parametrize("case", sorted(BROKEN_CASES))
def test_broken_scenario_cli_exits_2_with_one_line(
    case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = BROKEN_CASES[case]
    status = main(["validate", str(BROKEN / case / "scenario.toml")])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("error: ") and "Traceback" not in line
    assert f"{case}/{expected['file']}" in line
    if "line" in expected:
        assert f", line {expected['line']}" in line
    elif "row" in expected:
        assert f", row {expected['row']}" in line
    if "column" in expected:
        assert f"column '{expected['column']}'" in line
    assert expected["message"] in line


def test_catalogue_matches_its_generator(tmp_path: Path) -> None:
    """The committed folders are what make_catalogue.py writes (no hand edits drift)."""
    spec = importlib.util.spec_from_file_location("make_catalogue", DATA / "make_catalogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_catalogue"] = module
    try:
        spec.loader.exec_module(module)
        module.write_catalogue(tmp_path / "broken")
        module.write_valid(tmp_path / "valid")
    finally:
        del sys.modules["make_catalogue"]
    for name in ("broken", "valid"):
        fresh = {p.relative_to(tmp_path / name): p.read_bytes()
                 for p in (tmp_path / name).rglob("*") if p.is_file()}
        committed = {p.relative_to(DATA / name): p.read_bytes()
                     for p in (DATA / name).rglob("*") if p.is_file()}
        assert fresh == committed, f"run tests/data/make_catalogue.py ({name})"


# ---------------------------------------------------------------------------------------
# Valid but odd files


def test_valid_folders_have_expectations() -> None:
    assert {p.name for p in VALID.iterdir() if p.is_dir()} == set(VALID_CASES)


@pytest.mark.parametrize("case", sorted(VALID_CASES))
def test_valid_scenario_reads_with_exactly_its_warnings(case: str) -> None:
    data = read_scenario(VALID / case / "scenario.toml")
    expected = VALID_CASES[case]["warnings"]
    assert len(data.warnings) == len(expected), data.warnings
    for fragment in expected:
        assert any(fragment in w for w in data.warnings), (fragment, data.warnings)
    assert all("\n" not in w for w in data.warnings)
    assert data.num_hamlets == 5 and data.num_sites == 4


# The far point (swapped coordinates, a warning) is a hamlet no site reaches.
UNSOLVABLE_VALID = {"far_outlier"}


@pytest.mark.parametrize("case", sorted(VALID_CASES))
def test_valid_scenario_validates_with_exit_0(
    case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Valid files, and solvable unless validate's own checks name why not.
    expected = 1 if case in UNSOLVABLE_VALID else 0
    assert main(["validate", str(VALID / case / "scenario.toml")]) == expected
    out, err = capsys.readouterr()
    assert out.startswith("no plan possible: " if expected else "ok: ")
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == len(VALID_CASES[case]["warnings"])


@pytest.mark.parametrize("case", [
    "utf8_bom", "crlf", "extra_columns", "semicolon_decimal_comma", "excel_sep_hint",
    "utf16_tabs", "quoted_fields", "header_case", "blank_lines_and_padding", "geojson_tables",
    "hata_model", "unknown_toml_keys", "misspelt_column", "capex_on_existing",
])
def test_reencoded_tiny_reads_the_same_values(case: str) -> None:
    data = read_scenario(VALID / case / "scenario.toml")
    _tiny_checks(data)
    assert data.hamlets.ids == ("H1", "H2", "H3", "H4", "H5")
    assert data.sites.ids == ("E1", "E2", "C1", "C2")
    assert int(data.tenancies.sum()) == (2 if case != "tenancies_header_only" else 0)
    assert data.name == "tiny"


def test_decimal_commas_read_as_numbers() -> None:
    for case in ("semicolon_decimal_comma", "excel_sep_hint", "utf16_tabs"):
        data = read_scenario(VALID / case)
        assert data.hamlets.lon[4] == 106.12  # written '106,12'
        assert data.sites.lon[2] == 106.11


def test_bom_toml_and_csv() -> None:
    assert (VALID / "utf8_bom" / "scenario.toml").read_bytes().startswith(b"\xef\xbb\xbf")
    data = read_scenario(VALID / "utf8_bom")
    assert data.hamlets.ids[0] == "H1"  # not '\ufeffid' mangling the first column


def test_vietnamese_ids_and_labels() -> None:
    data = read_scenario(VALID / "vietnamese_ids")
    assert data.hamlets.ids[:2] == ("Thôn_Đông", "Thôn_Tây")
    assert data.hamlets.ids[4] == "Ấp_Mới"
    assert data.hamlets.district[0] == "Huyện Hải Hậu"
    assert data.sites.ids == ("Trạm_Đông", "Trạm_Chợ", "Đồi_Thông", "Bãi_Biển")
    assert data.operator_ids == ("viettel", "mobifone")
    assert data.operators[1].name == "Tổng công ty Viễn thông MobiFone"
    # tenancies.csv is written decomposed (NFD) and still matches.
    raw = (VALID / "vietnamese_ids" / "tenancies.csv").read_text("utf-8")
    assert raw == unicodedata.normalize("NFD", raw)
    assert data.tenancies.tolist() == [[True, False], [False, True], [False, False],
                                       [False, False]]
    assert data.sites.allowed.tolist() == [[True, True], [True, True], [True, True],
                                           [False, True]]
    assert all(unicodedata.is_normalized("NFC", i) for i in data.sites.ids)


def test_quoted_fields_keep_commas_and_quotes() -> None:
    data = read_scenario(VALID / "quoted_fields")
    assert data.hamlets.name[0] == 'Thôn Một, "Mới"'


def test_whitespace_and_case() -> None:
    data = read_scenario(VALID / "whitespace_and_case")
    assert data.hamlets.ids[0] == "H1"
    assert data.hamlets.lon[0] == 106.0
    assert data.hamlets.area_type.tolist() == [RURAL] * 4 + [AREA_TYPES.index("dense_urban")]
    assert data.hamlets.min_operators.tolist() == [1] * 5
    assert data.sites.existing.tolist() == [True, True, False, False]
    assert data.sites.max_tenants.tolist() == [3, 2, 3, 4]  # '3.0', '2', default, '4e0'
    assert data.sites.locked.tolist() == [LOCK_IN, LOCK_NONE, LOCK_OUT, LOCK_NONE]
    assert data.radio.model == "fixed-radius"


def test_blank_lines_count_as_rows_like_a_spreadsheet() -> None:
    from btsopt.reading import read_table

    table = read_table(VALID / "blank_lines_and_padding" / "hamlets.csv")
    assert table.rows.tolist() == [1, 2, 4, 5, 6]
    assert list(table.columns) == ["id", "lon", "lat", "population", "area_type", "name",
                                   "commune", "district"]


def test_defaults_when_only_required_keys() -> None:
    data = read_scenario(VALID / "defaults_only")
    assert data.name == "minimal" and data.description == "" and data.currency == "VND_million"
    assert data.targets.coverage == "any" and data.targets.hamlet_coverage == 1.0
    assert data.targets.shared_site_ratio == 0.30 and data.targets.sharing == "hard"
    assert math.isinf(data.targets.budget)
    assert data.economics == type(data.economics)()
    assert data.policy.max_tenants == 3 and not data.policy.allow_decommission
    assert data.radio.rx_height_m == 1.5
    assert data.operators[0].name == "alpha"  # name defaults to the id
    assert data.operators[0].tenancy_capex == 400.0
    assert not data.tenancies.any() and data.tenancies.shape == (4, 2)


def test_geojson_feature_ids_and_properties() -> None:
    data = read_scenario(VALID / "geojson_tables")
    assert data.hamlets.name[0] == "Thôn Một"
    assert data.sites.owner == ("alpha", "beta", "", "")


def test_hata_operators() -> None:
    data = read_scenario(VALID / "hata_model")
    assert data.radio.model == "cost231-hata"
    assert [(op.frequency_mhz, op.max_path_loss_db) for op in data.operators] == [
        (1800.0, 135.0), (900.0, 130.0)]
    assert all(op.radius_km is None for op in data.operators)


def test_far_outlier_is_a_warning_not_an_error() -> None:
    data = read_scenario(VALID / "far_outlier")
    assert data.hamlets.lon[4] == 20.0 and data.hamlets.lat[4] == 60.0
    (warning,) = data.warnings
    assert "hamlets.csv: line 6" in warning


# ---------------------------------------------------------------------------------------
# Edits of the tiny scenario that the catalogues do not cover


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_coverage_forms(tiny_copy: Path) -> None:
    _edit(tiny_copy, 'coverage = "any"', 'coverage = "2"')
    assert read_scenario(tiny_copy).targets.coverage == 2
    _edit(tiny_copy, 'coverage = "2"', "coverage = 2.0")
    data = read_scenario(tiny_copy)
    assert data.targets.coverage == 2 and data.hamlets.min_operators.tolist() == [2] * 5
    _edit(tiny_copy, "coverage = 2.0", 'coverage = "EACH"')
    data = read_scenario(tiny_copy)
    assert data.targets.coverage == "each" and data.hamlets.min_operators.tolist() == [2] * 5
    _edit(tiny_copy, 'coverage = "EACH"', "coverage = 0")
    with pytest.raises(ScenarioError, match="0 operators per hamlet"):
        read_scenario(tiny_copy)


def test_budget_and_soft_targets(tiny_copy: Path) -> None:
    _edit(tiny_copy, 'sharing = "hard"', 'sharing = "soft"\nbudget = 20000\ncoverage_mode = "soft"')
    t = read_scenario(tiny_copy).targets
    assert (t.sharing, t.budget, t.coverage_mode) == ("soft", 20000.0, "soft")


def test_budget_inf_literal(tiny_copy: Path) -> None:
    _edit(tiny_copy, 'sharing = "hard"', 'sharing = "hard"\nbudget = inf')
    assert math.isinf(read_scenario(tiny_copy).targets.budget)


def test_high_discount_rate_warns(tiny_copy: Path) -> None:
    _edit(tiny_copy, "discount_rate = 0.08", "discount_rate = 0.5")
    data = read_scenario(tiny_copy)
    assert data.economics.discount_rate == 0.5
    assert any("0.08 means 8%" in w for w in data.warnings)


def test_tall_mast_warns(tiny_copy: Path) -> None:
    _edit(tiny_copy.parent / "sites.csv", "C1,106.11,20.0,candidate,30", "C1,106.11,20.0,candidate,3000")
    (warning,) = read_scenario(tiny_copy).warnings
    assert "line 4, column 'height_m'" in warning


def test_contradicted_tenancy_warns(tiny_copy: Path) -> None:
    sites = tiny_copy.parent / "sites.csv"
    sites.write_text(sites.read_text("utf-8").replace("capex\n", "capex,locked,allowed_operators\n")
                     .replace("alpha,\n", "alpha,,out,\n").replace("beta,\n", "beta,,,alpha\n")
                     .replace(",1500\n", ",1500,,\n").replace(",1000\n", ",1000,,\n"), "utf-8")
    warnings = read_scenario(tiny_copy).warnings
    assert len(warnings) == 2
    assert "locked out" in warnings[0] and "not in its allowed_operators" in warnings[1]


def test_operator_id_with_semicolon(tiny_copy: Path) -> None:
    _edit(tiny_copy, 'id = "beta"', 'id = "beta;gamma"')
    with pytest.raises(ScenarioError, match="must not contain ';'"):
        read_scenario(tiny_copy)


def test_per_hamlet_min_operators_override(tiny_copy: Path) -> None:
    hamlets = tiny_copy.parent / "hamlets.csv"
    lines = hamlets.read_text("utf-8").splitlines()
    lines = [lines[0] + ",min_operators"] + [line + ("," + ("2" if i == 1 else ""))
                                             for i, line in enumerate(lines[1:])]
    hamlets.write_text("\n".join(lines) + "\n", "utf-8")
    assert read_scenario(tiny_copy).hamlets.min_operators.tolist() == [1, 2, 1, 1, 1]


def test_site_columns_override_defaults(tiny_copy: Path) -> None:
    sites = tiny_copy.parent / "sites.csv"
    sites.write_text(
        "id,lon,lat,status,height_m,owner,max_tenants,capex,opex_per_year,rent_per_year\n"
        "E1,106.01,20.0,existing,45,towerco,2,,100,80\n"
        "E2,106.04,20.0,existing,,beta,,,,\n"
        "C1,106.11,20.0,candidate,30,,,1500,,\n"
        "C2,106.12,20.0,candidate,30,,,,,\n", "utf-8")
    s = read_scenario(tiny_copy).sites
    assert s.height_m.tolist() == [45.0, 30.0, 30.0, 30.0]
    assert s.max_tenants.tolist() == [2, 3, 3, 3]
    assert s.capex.tolist() == [0.0, 0.0, 1500.0, 1500.0]  # C2 takes new_site_capex
    assert s.opex_per_year.tolist() == [100.0, 120.0, 120.0, 120.0]
    assert s.rent_per_year.tolist() == [80.0, 90.0, 90.0, 90.0]
    assert s.owner[0] == "towerco"


def test_errors_have_no_traceback_for_unreadable_table(
    tiny_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tiny_copy.parent / "hamlets.csv").unlink()
    (tiny_copy.parent / "hamlets.csv").mkdir()
    assert main(["validate", str(tiny_copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a folder" in err


def test_control_characters_stay_out_of_messages(tiny_copy: Path) -> None:
    _edit(tiny_copy, 'currency = "VND_million"', 'currency = "VND_million"\n"a\\nb" = 1')
    (warning,) = read_scenario(tiny_copy).warnings
    assert "\n" not in warning and "a\\nb" in warning
    _edit(tiny_copy, 'id = "beta"', 'id = "be\\nta"')
    with pytest.raises(ScenarioError, match="one line") as caught:
        read_scenario(tiny_copy)
    assert "\n" not in str(caught.value)


def test_table_name_with_a_line_break(tiny_copy: Path) -> None:
    _edit(tiny_copy, 'sites = "sites.csv"', 'sites = "sites\\n.csv"')
    with pytest.raises(ScenarioError, match="must be a file name") as caught:
        read_scenario(tiny_copy)
    assert caught.value.column == "tables.sites" and "\n" not in str(caught.value)
