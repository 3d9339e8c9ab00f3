"""Write the catalogues of broken and of valid-but-odd scenarios in ``tests/data/``.

Each case is the tiny scenario (embedded below, so the catalogue does not
drift when ``scenarios/tiny`` changes) with one damage, plus what the error
must name: the file, the 1-based data row, the column (or TOML key) and a
fragment of the message. The expectations go to ``broken/cases.toml``, which
``tests/reading/test_scenario.py`` reads.

Run from the repository root after changing a case::

    python tests/data/make_catalogue.py
"""

from __future__ import annotations

import codecs
import json
import re
import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BROKEN = HERE / "broken"
VALID_DIR = HERE / "valid"

TOML = """\
# A five-hamlet scenario small enough to solve by hand.
name = "tiny"
description = "Five hamlets on a line, two operators, two existing and two candidate sites"
currency = "VND_million"

[targets]
coverage = "any"
hamlet_coverage = 1.0
shared_site_ratio = 0.30
sharing = "hard"

[economics]
horizon_years = 10
discount_rate = 0.08
new_site_capex = 1500
site_opex_per_year = 120
tenancy_capex = 400
tenancy_opex_per_year = 60
decommission_cost = 100
rent_per_year = 90

[policy]
max_tenants = 3

[radio]
model = "fixed-radius"

[[operators]]
id = "alpha"
name = "Alpha Mobile"
radius_km = { dense_urban = 0.5, urban = 1.0, suburban = 1.5, rural = 2.5 }

[[operators]]
id = "beta"
name = "Beta Telecom"
radius_km = { dense_urban = 0.5, urban = 1.0, suburban = 1.5, rural = 2.5 }
tenancy_capex = 450

[tables]
hamlets = "hamlets.csv"
sites = "sites.csv"
tenancies = "tenancies.csv"
"""

HAMLETS = """\
id,lon,lat,population,area_type,name,commune,district
H1,106.00,20.0,400,rural,Thôn Một,Xã A,Huyện X
H2,106.02,20.0,300,rural,Thôn Hai,Xã A,Huyện X
H3,106.04,20.0,500,rural,Thôn Ba,Xã B,Huyện X
H4,106.10,20.0,200,rural,Xóm Bốn,Xã C,Huyện Y
H5,106.12,20.0,250,rural,Xóm Năm,Xã C,Huyện Y
"""

SITES = """\
id,lon,lat,status,height_m,owner,capex
E1,106.01,20.0,existing,30,alpha,
E2,106.04,20.0,existing,30,beta,
C1,106.11,20.0,candidate,30,,1500
C2,106.12,20.0,candidate,30,,1000
"""

TENANCIES = """\
site_id,operator_id
E1,alpha
E2,beta
"""

Files = dict[str, bytes]


@dataclass(frozen=True)
class Case:
    """One broken scenario and the error it must give."""

    name: str
    what: str
    damage: Callable[[Files], None]
    file: str
    message: str
    row: int | None = None
    column: str | None = None


def replace(file: str, old: str, new: str) -> Callable[[Files], None]:
    """Damage: replace one exact text in a file (it must be there)."""

    def apply(files: Files) -> None:
        text = files[file].decode("utf-8")
        assert old in text, (file, old)
        files[file] = text.replace(old, new, 1).encode("utf-8")

    return apply


def put(file: str, content: str | bytes) -> Callable[[Files], None]:
    """Damage: a file's whole content."""

    def apply(files: Files) -> None:
        files[file] = content if isinstance(content, bytes) else content.encode("utf-8")

    return apply


def add_column(file: str, name: str, values: dict[int, str]) -> Callable[[Files], None]:
    """Damage: a new last column, empty but for ``values`` (1-based data row -> cell)."""

    def apply(files: Files) -> None:
        lines = files[file].decode("utf-8").splitlines()
        lines[0] += "," + name
        for row in range(1, len(lines)):
            lines[row] += "," + values.get(row, "")
        files[file] = ("\n".join(lines) + "\n").encode("utf-8")

    return apply


def drop(file: str) -> Callable[[Files], None]:
    def apply(files: Files) -> None:
        del files[file]

    return apply


def both(*damages: Callable[[Files], None]) -> Callable[[Files], None]:
    def apply(files: Files) -> None:
        for damage in damages:
            damage(files)

    return apply


T, H, S, N = "scenario.toml", "hamlets.csv", "sites.csv", "tenancies.csv"

CASES: list[Case] = [
    # ---- TOML syntax and types
    Case("toml_syntax_error", "unterminated string", replace(T, 'name = "tiny"', 'name = "tiny'),
         T, "TOML syntax error"),
    Case("toml_text_for_number", "horizon_years = \"ten\"",
         replace(T, "horizon_years = 10", 'horizon_years = "ten"'), T, "must be a number",
         column="economics.horizon_years"),
    Case("toml_number_for_text", "name = 5", replace(T, 'name = "tiny"', "name = 5"), T,
         "must be text", column="name"),
    Case("toml_bool_for_number", "site_opex_per_year = true",
         replace(T, "site_opex_per_year = 120", "site_opex_per_year = true"), T,
         "must be a number", column="economics.site_opex_per_year"),
    Case("toml_text_for_bool", "allow_decommission = \"yes\"",
         replace(T, "max_tenants = 3", 'max_tenants = 3\nallow_decommission = "yes"'), T,
         "must be true or false", column="policy.allow_decommission"),
    Case("toml_nan", "discount_rate = nan", replace(T, "discount_rate = 0.08",
                                                    "discount_rate = nan"), T,
         "finite", column="economics.discount_rate"),
    Case("toml_section_not_table", "targets = 1 instead of a [targets] table",
         both(replace(T, "[targets]\ncoverage = \"any\"\nhamlet_coverage = 1.0\n"
                      "shared_site_ratio = 0.30\nsharing = \"hard\"\n", ""),
              replace(T, 'currency = "VND_million"', 'currency = "VND_million"\ntargets = 1')),
         T, "must be a table", column="targets"),
    # ---- missing TOML keys
    Case("missing_name", "no name", replace(T, 'name = "tiny"\n', ""), T,
         "required key is missing", column="name"),
    Case("empty_name", "name = \"\"", replace(T, 'name = "tiny"', 'name = ""'), T,
         "must not be empty", column="name"),
    Case("missing_operators", "no [[operators]]",
         replace(T, TOML[TOML.index("[[operators]]"):TOML.index("[tables]")], ""), T,
         "[[operators]]", column="operators"),
    Case("operators_not_array", "operators = \"alpha\"",
         both(replace(T, TOML[TOML.index("[[operators]]"):TOML.index("[tables]")], ""),
              replace(T, 'currency = "VND_million"',
                      'currency = "VND_million"\noperators = "alpha"')), T,
         "[[operators]]", column="operators"),
    Case("missing_tables_hamlets", "[tables] without hamlets",
         replace(T, 'hamlets = "hamlets.csv"\n', ""), T, "required key is missing",
         column="tables.hamlets"),
    Case("missing_tables_section", "no [tables]",
         replace(T, TOML[TOML.index("[tables]"):], ""), T, "[tables]", column="tables"),
    Case("missing_operator_id", "second operator without id",
         replace(T, 'id = "beta"\n', ""), T, "required key is missing",
         column="operators[1].id"),
    Case("empty_operator_id", "operator id \"\"", replace(T, 'id = "beta"', 'id = " "'), T,
         "must not be empty", column="operators[1].id"),
    Case("missing_frequency", "cost231-hata model, operator without frequency_mhz",
         replace(T, 'model = "fixed-radius"', 'model = "cost231-hata"'), T,
         "required key is missing", column="operators[0].frequency_mhz"),
    Case("duplicate_operator_id", "two operators 'alpha'",
         replace(T, 'id = "beta"', 'id = "alpha"'), T, "duplicate operator id",
         column="operators[1].id"),
    Case("unknown_radio_model", "radio.model = \"hata\"",
         replace(T, 'model = "fixed-radius"', 'model = "hata"'), T, "is not one of",
         column="radio.model"),
    Case("fixed_radius_without_radius", "fixed-radius, operator without radius_km",
         replace(T, 'name = "Alpha Mobile"\nradius_km = { dense_urban = 0.5, urban = 1.0, '
                 'suburban = 1.5, rural = 2.5 }', 'name = "Alpha Mobile"'), T,
         "required with radio.model = 'fixed-radius'", column="operators[0].radius_km"),
    Case("radius_missing_class", "radius_km without rural",
         replace(T, "suburban = 1.5, rural = 2.5 }\n\n[[operators]]",
                 "suburban = 1.5 }\n\n[[operators]]"), T, "required key is missing",
         column="operators[0].radius_km.rural"),
    # ---- targets, economics, policy out of range
    Case("coverage_k_too_high", "coverage = 3 with two operators",
         replace(T, 'coverage = "any"', "coverage = 3"), T, "the scenario has 2",
         column="targets.coverage"),
    Case("coverage_unknown_word", "coverage = \"most\"",
         replace(T, 'coverage = "any"', 'coverage = "most"'), T, "must be 'any', 'each'",
         column="targets.coverage"),
    Case("hamlet_coverage_above_one", "hamlet_coverage = 95 (a percentage)",
         replace(T, "hamlet_coverage = 1.0", "hamlet_coverage = 95"), T, "from 0 to 1",
         column="targets.hamlet_coverage"),
    Case("shared_ratio_above_one", "shared_site_ratio = 1.5",
         replace(T, "shared_site_ratio = 0.30", "shared_site_ratio = 1.5"), T, "from 0 to 1",
         column="targets.shared_site_ratio"),
    Case("bad_sharing", "sharing = \"maybe\"",
         replace(T, 'sharing = "hard"', 'sharing = "maybe"'), T, "is not one of",
         column="targets.sharing"),
    Case("negative_economics", "tenancy_capex = -400",
         replace(T, "tenancy_capex = 400", "tenancy_capex = -400"), T, "at least 0",
         column="economics.tenancy_capex"),
    Case("negative_operator_capex", "operator tenancy_capex = -1",
         replace(T, "tenancy_capex = 450", "tenancy_capex = -1"), T, "at least 0",
         column="operators[1].tenancy_capex"),
    Case("discount_rate_percent", "discount_rate = 8 (meant 8%)",
         replace(T, "discount_rate = 0.08", "discount_rate = 8"), T, "at most 1",
         column="economics.discount_rate"),
    Case("horizon_absurd", "horizon_years = 10000",
         replace(T, "horizon_years = 10", "horizon_years = 10000"), T, "at most 100",
         column="economics.horizon_years"),
    Case("horizon_fraction", "horizon_years = 10.5",
         replace(T, "horizon_years = 10", "horizon_years = 10.5"), T, "whole number",
         column="economics.horizon_years"),
    Case("max_tenants_zero", "policy.max_tenants = 0",
         replace(T, "max_tenants = 3", "max_tenants = 0"), T, "at least 1",
         column="policy.max_tenants"),
    Case("rx_height_negative", "radio.rx_height_m = -1.5",
         replace(T, 'model = "fixed-radius"', 'model = "fixed-radius"\nrx_height_m = -1.5'), T,
         "greater than 0", column="radio.rx_height_m"),
    # ---- table files
    Case("table_file_missing", "tables.hamlets names a file that is not there",
         replace(T, 'hamlets = "hamlets.csv"', 'hamlets = "hamlet.csv"'), "hamlet.csv",
         "file not found"),
    Case("unknown_table_extension", "hamlets.xlsx",
         both(replace(T, 'hamlets = "hamlets.csv"', 'hamlets = "hamlets.xlsx"'),
              put("hamlets.xlsx", b"PK\x03\x04 not really a workbook")),
         "hamlets.xlsx", "unknown table format"),
    Case("empty_file", "hamlets.csv of zero bytes", put(H, b""), H, "empty"),
    Case("header_only", "hamlets.csv with a header and no rows",
         put(H, HAMLETS.splitlines()[0] + "\n"), H, "no hamlets"),
    Case("no_sites", "sites.csv with a header and no rows, no tenancies",
         both(put(S, SITES.splitlines()[0] + "\n"), put(N, "site_id,operator_id\n")), S,
         "no sites"),
    Case("not_utf8", "hamlets.csv in Windows-1258 instead of UTF-8",
         put(H, HAMLETS.encode().replace("Thôn Hai".encode(), "Thôn Hai".encode("cp1258"))),
         H, "not UTF-8 text", row=2),
    Case("ragged_rows", "a hamlet row with one value too many",
         replace(H, "H3,106.04,20.0,500,rural,Thôn Ba,Xã B,Huyện X",
                 "H3,106.04,20.0,500,rural,Thôn Ba,Xã B,Huyện X,extra"), H,
         "row has 9 values but the header has 8 columns", row=3),
    Case("ragged_short_row", "a site row with values missing",
         replace(S, "C1,106.11,20.0,candidate,30,,1500", "C1,106.11,20.0"), S,
         "row has 3 values but the header has 7 columns", row=3),
    Case("decimal_comma_in_comma_file", "lon 106,02 unquoted in a ','-separated file",
         replace(H, "H2,106.02,", "H2,106,02,"), H, "decimal comma", row=2),
    Case("quoted_decimal_comma_in_comma_file", "lon \"106,02\" in a ','-separated file",
         replace(H, "H2,106.02,", 'H2,"106,02",'), H, "ambiguous", row=2, column="lon"),
    Case("thousands_separator_semicolon_file", "population 1.234,5 in a ';' file",
         put(H, HAMLETS.replace(",", ";").replace("H1;106.00;20.0;400", "H1;106,00;20,0;1.234,5")),
         H, "thousands separators", row=1, column="population"),
    Case("duplicate_column", "hamlets.csv names 'lat' twice",
         put(H, HAMLETS.replace("area_type", "lat", 1)), H, "twice", column="lat"),
    # ---- hamlets
    Case("missing_column_population", "hamlets.csv without population",
         put(H, "\n".join(",".join(line.split(",")[:3] + line.split(",")[4:])
                          for line in HAMLETS.splitlines()) + "\n"), H,
         "missing required column", column="population"),
    Case("empty_required_cell", "hamlet H3 without lat",
         replace(H, "H3,106.04,20.0,", "H3,106.04,,"), H, "empty value", row=3, column="lat"),
    Case("empty_id", "a hamlet without id", replace(H, "H4,", ","), H, "empty value", row=4,
         column="id"),
    Case("nan_number", "population NaN", replace(H, "H2,106.02,20.0,300", "H2,106.02,20.0,NaN"),
         H, "not a finite number", row=2, column="population"),
    Case("inf_number", "height_m inf", replace(S, "E1,106.01,20.0,existing,30",
                                               "E1,106.01,20.0,existing,inf"), S,
         "not a finite number", row=1, column="height_m"),
    Case("minus_inf_number", "lon -inf", replace(H, "H4,106.10,", "H4,-inf,"), H,
         "not a finite number", row=4, column="lon"),
    Case("non_numeric_number", "population 'many'", replace(H, "20.0,500,", "20.0,many,"), H,
         "'many' is not a number", row=3, column="population"),
    Case("huge_number", "population 1e999 overflows", replace(H, "20.0,500,", "20.0,1e999,"),
         H, "too large", row=3, column="population"),
    Case("latitude_out_of_range", "lat 95", replace(H, "H5,106.12,20.0", "H5,106.12,95.0"), H,
         "outside the latitude range", row=5, column="lat"),
    Case("longitude_out_of_range", "lon 190", replace(S, "C2,106.12,", "C2,190.12,"), S,
         "outside the longitude range", row=4, column="lon"),
    Case("lon_lat_swapped", "H2 typed as lon 20, lat 106.02",
         replace(H, "H2,106.02,20.0", "H2,20.0,106.02"), H, "swapped", row=2, column="lat"),
    Case("duplicate_hamlet_id", "two hamlets 'H2'", replace(H, "H3,", "H2,"), H,
         "duplicate id 'H2' (first on line 3)", row=3, column="id"),
    Case("negative_population", "population -5", replace(H, "20.0,400,", "20.0,-5,"), H,
         "below the minimum 0", row=1, column="population"),
    Case("unknown_area_type", "area_type 'jungle'",
         replace(H, "250,rural", "250,jungle"), H, "'jungle' is not an area type", row=5,
         column="area_type"),
    Case("min_operators_too_high", "min_operators 3 with two operators",
         put(H, HAMLETS.replace("district\n", "district,min_operators\n")
             .replace("Huyện X\n", "Huyện X,1\n").replace("Huyện Y\n", "Huyện Y,3\n")), H,
         "3 operators needed but the scenario has 2", row=4, column="min_operators"),
    Case("min_operators_fraction", "min_operators 1.5",
         put(H, HAMLETS.replace("district\n", "district,min_operators\n")
             .replace("Huyện X\n", "Huyện X,1.5\n").replace("Huyện Y\n", "Huyện Y,1\n")), H,
         "not a whole number", row=1, column="min_operators"),
    # ---- sites
    Case("duplicate_site_id", "two sites 'C1'", replace(S, "C2,", "C1,"), S,
         "duplicate id 'C1'", row=4, column="id"),
    Case("bad_status", "status 'planned'", replace(S, "candidate,30,,1500", "planned,30,,1500"),
         S, "'planned' is not one of", row=3, column="status"),
    Case("empty_status", "status empty", replace(S, "candidate,30,,1000", ",30,,1000"), S,
         "empty value", row=4, column="status"),
    Case("bad_locked", "locked 'maybe'", add_column(S, "locked", {2: "maybe"}), S,
         "'maybe' is not a lock", row=2, column="locked"),
    Case("unknown_allowed_operator", "allowed_operators 'alpha;gamma'",
         add_column(S, "allowed_operators", {3: '"alpha;gamma"'}), S,
         "unknown operator 'gamma'", row=3, column="allowed_operators"),
    Case("site_max_tenants_zero", "a site with max_tenants 0",
         add_column(S, "max_tenants", {4: "0"}), S, "below the minimum 1", row=4,
         column="max_tenants"),
    Case("zero_height", "height_m 0", replace(S, "C1,106.11,20.0,candidate,30",
                                              "C1,106.11,20.0,candidate,0"), S,
         "greater than 0", row=3, column="height_m"),
    Case("negative_capex", "capex -1000", replace(S, ",,1000", ",,-1000"), S,
         "below the minimum 0", row=4, column="capex"),
    # ---- tenancies
    Case("missing_tenancy_column", "tenancies.csv without operator_id",
         put(N, "site_id\nE1\nE2\n"), N, "missing required column", column="operator_id"),
    Case("unknown_operator_in_tenancies", "tenancy of operator 'gamma'",
         replace(N, "E2,beta", "E2,gamma"), N, "unknown operator 'gamma'", row=2,
         column="operator_id"),
    Case("unknown_site_in_tenancies", "tenancy on site 'E3'", replace(N, "E2,beta", "E3,beta"),
         N, "unknown site 'E3'", row=2, column="site_id"),
    Case("tenancy_on_candidate", "tenancy on candidate C1", put(N, TENANCIES + "C1,alpha\n"), N,
         "is a candidate", row=3, column="site_id"),
    Case("duplicate_tenancy", "E1,alpha twice", put(N, TENANCIES + "E1,alpha\n"), N,
         "duplicate tenancy", row=3, column="operator_id"),
    Case("too_many_tenants", "two tenants on E1 whose max_tenants is 1",
         both(add_column(S, "max_tenants", {1: "1"}), put(N, TENANCIES + "E1,beta\n")), N,
         "more existing tenants than its max_tenants (1)", row=3, column="site_id"),
    # ---- other formats
    Case("geojson_not_point", "hamlets.geojson with a LineString",
         both(replace(T, 'hamlets = "hamlets.csv"', 'hamlets = "hamlets.geojson"'),
              drop(H),
              put("hamlets.geojson",
                  '{"type": "FeatureCollection", "features": [\n'
                  '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.0, 20.0]},'
                  ' "properties": {"id": "H1", "population": 400}},\n'
                  '{"type": "Feature", "geometry": {"type": "LineString", "coordinates": '
                  '[[106.0, 20.0], [106.1, 20.0]]}, "properties": {"id": "H2", "population": 300}}'
                  "\n]}\n")),
         "hamlets.geojson", "must be a Point", row=2, column="geometry"),
]


# --------------------------------------------------------------------------------------
# Valid but odd scenarios: tests/data/valid/<case>/, read by tests/reading/test_scenario.py


def _cells(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.splitlines()]


def semicolons(text: str, separator: str = ";") -> str:
    """The CSV as a decimal-comma spreadsheet exports it: ';' separators, '106,12'."""
    rows = _cells(text)
    out = []
    for row in rows:
        cells = [re.sub(r"^(-?\d+)\.(\d+)$", r"\1,\2", c) for c in row]
        out.append(separator.join(cells))
    return "\n".join(out) + "\n"


def quoted(text: str) -> str:
    """Every field quoted, as some GIS exports write them."""
    return "\n".join(",".join(f'"{c}"' for c in row) for row in _cells(text)) + "\n"


VIET_TOML = (TOML.replace('id = "alpha"', 'id = "viettel"')
             .replace('name = "Alpha Mobile"', 'name = "Tập đoàn Viettel"')
             .replace('id = "beta"', 'id = "mobifone"')
             .replace('name = "Beta Telecom"', 'name = "Tổng công ty Viễn thông MobiFone"'))
VIET_HAMLETS = """\
id,lon,lat,population,area_type,name,commune,district
Thôn_Đông,106.00,20.0,400,rural,Thôn Đông,Xã Hải Đường,Huyện Hải Hậu
Thôn_Tây,106.02,20.0,300,rural,Thôn Tây,Xã Hải Đường,Huyện Hải Hậu
Xóm_Chợ,106.04,20.0,500,rural,Xóm Chợ,Xã Nghĩa Hưng,Huyện Hải Hậu
Xóm_Đình,106.10,20.0,200,rural,Xóm Đình,Xã Trực Ninh,Huyện Trực Ninh
Ấp_Mới,106.12,20.0,250,rural,Ấp Mới,Xã Trực Ninh,Huyện Trực Ninh
"""
VIET_SITES = """\
id,lon,lat,status,height_m,owner,capex,allowed_operators
Trạm_Đông,106.01,20.0,existing,30,viettel,,
Trạm_Chợ,106.04,20.0,existing,30,mobifone,,
Đồi_Thông,106.11,20.0,candidate,30,,1500,viettel;mobifone
Bãi_Biển,106.12,20.0,candidate,30,,1000,mobifone
"""
# Decomposed accents (as macOS writes them) must still match the sites' ids.
VIET_TENANCIES = unicodedata.normalize("NFD", "site_id,operator_id\nTrạm_Đông,viettel\n"
                                       "Trạm_Chợ,mobifone\n")

GEO_HAMLETS = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "id": hid,
         "geometry": {"type": "Point", "coordinates": [lon, 20.0]},
         "properties": {"population": pop, "area_type": "rural", "name": name}}
        for hid, lon, pop, name in (("H1", 106.00, 400, "Thôn Một"), ("H2", 106.02, 300, "Thôn Hai"),
                                    ("H3", 106.04, 500, "Thôn Ba"), ("H4", 106.10, 200, "Xóm Bốn"),
                                    ("H5", 106.12, 250, "Xóm Năm"))
    ],
}
GEO_SITES = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, 20.0]},
         "properties": {"id": sid, "status": status, "height_m": 30, "owner": owner,
                        "capex": capex}}
        for sid, lon, status, owner, capex in (
            ("E1", 106.01, "existing", "alpha", None), ("E2", 106.04, "existing", "beta", None),
            ("C1", 106.11, "candidate", None, 1500), ("C2", 106.12, "candidate", None, 1000))
    ],
}


def _crlf(files: Files) -> None:
    for name in files:
        files[name] = files[name].replace(b"\n", b"\r\n")


def _bom(files: Files) -> None:
    for name in files:
        files[name] = codecs.BOM_UTF8 + files[name]


def _utf16_tabs(files: Files) -> None:
    for name in (H, S, N):
        text = semicolons(files[name].decode(), separator="\t").replace("\n", "\r\n")
        files[name] = text.encode("utf-16")


MINIMAL_TOML = """\
name = "minimal"

[radio]
model = "fixed-radius"

[[operators]]
id = "alpha"
radius_km = { dense_urban = 0.5, urban = 1.0, suburban = 1.5, rural = 2.5 }

[[operators]]
id = "beta"
radius_km = { dense_urban = 0.5, urban = 1.0, suburban = 1.5, rural = 2.5 }

[tables]
hamlets = "hamlets.csv"
sites = "sites.csv"
"""


@dataclass(frozen=True)
class Valid:
    """One valid but odd scenario and the warnings it must give (fragments)."""

    name: str
    what: str
    change: Callable[[Files], None]
    warnings: tuple[str, ...] = ()


VALID: list[Valid] = [
    Valid("utf8_bom", "every file, TOML included, starts with a UTF-8 byte order mark", _bom),
    Valid("crlf", "Windows line endings in every file", _crlf),
    Valid("vietnamese_ids", "ids, names and operators with diacritics; NFD in tenancies",
          both(put(T, VIET_TOML), put(H, VIET_HAMLETS), put(S, VIET_SITES),
               put(N, VIET_TENANCIES))),
    Valid("extra_columns", "columns the format does not know, in every table",
          both(add_column(H, "elevation_m", {1: "3", 2: "4"}),
               add_column(H, "note", {3: "near the dyke"}),
               add_column(S, "remarks", {1: "rooftop"}),
               add_column(N, "since", {1: "2015", 2: "2019"}))),
    Valid("semicolon_decimal_comma", "';'-separated with decimal commas, as a VN/EU "
          "spreadsheet exports", lambda files: files.update(
              {name: semicolons(files[name].decode()).encode() for name in (H, S, N)})),
    Valid("excel_sep_hint", "Excel's 'sep=;' first line, decimal commas",
          lambda files: files.update(
              {name: ("sep=;\n" + semicolons(files[name].decode())).encode()
               for name in (H, S, N)})),
    Valid("utf16_tabs", "Excel 'Unicode text': UTF-16 with BOM, tabs, CRLF, decimal commas",
          _utf16_tabs),
    Valid("quoted_fields", "every field quoted; a name with a comma and a quote",
          both(lambda files: files.update(
              {name: quoted(files[name].decode()).encode() for name in (H, S, N)}),
              replace(H, '"Thôn Một"', '"Thôn Một, ""Mới"""'))),
    Valid("whitespace_and_case", "spaces around values, 'EXISTING', 'Rural', "
          "'Dense Urban', '3.0' in whole-number columns",
          both(put(H, HAMLETS.replace(",rural,", ", Rural ,").replace("H1,106.00,20.0",
                                                                      " H1 , 106.00 ,20.0 ")
                   .replace("H5,106.12,20.0,250, Rural ", "H5,106.12,20.0,250,Dense Urban")
                   .replace("district\n", "district,min_operators\n")
                   .replace("Huyện X\n", "Huyện X, 1.0\n").replace("Huyện Y\n", "Huyện Y,\n")),
               put(S, SITES.replace("existing", " EXISTING ").replace("candidate", "Candidate")
                   .replace("capex\n", "capex,max_tenants,locked\n")
                   .replace("alpha,\n", "alpha,,3.0, IN\n").replace("beta,\n", "beta,,2,\n")
                   .replace(",1500\n", ",1500,,Out\n").replace(",1000\n", ",1000,4e0,\n")),
               replace(T, 'model = "fixed-radius"', 'model = "Fixed-Radius"'))),
    Valid("header_case", "upper-case column names (ID, LON, LAT, ...)",
          lambda files: files.update({
              name: (files[name].decode().split("\n", 1)[0].upper() + "\n"
                     + files[name].decode().split("\n", 1)[1]).encode()
              for name in (H, S, N)})),
    Valid("blank_lines_and_padding", "blank lines, trailing separators, no final newline",
          both(put(H, HAMLETS.replace("\nH3", "\n\nH3").replace("Huyện Y\n", "Huyện Y,,\n")
                   .rstrip("\n")),
               put(S, "\n" + SITES + "\n\n"))),
    Valid("tenancies_header_only", "tenancies.csv with a header and no rows",
          put(N, "site_id,operator_id\n")),
    Valid("no_tenancies_table", "no tables.tenancies key", both(
        replace(T, 'tenancies = "tenancies.csv"\n', ""), drop(N))),
    Valid("defaults_only", "only the required keys: every default applies", both(
        put(T, MINIMAL_TOML), drop(N))),
    Valid("geojson_tables", "hamlets and sites as GeoJSON Points", both(
        replace(T, 'hamlets = "hamlets.csv"', 'hamlets = "hamlets.geojson"'),
        replace(T, 'sites = "sites.csv"', 'sites = "sites.geojson"'),
        drop(H), drop(S),
        put("hamlets.geojson", json.dumps(GEO_HAMLETS, ensure_ascii=False, indent=1)),
        put("sites.geojson", json.dumps(GEO_SITES, ensure_ascii=False, indent=1)))),
    Valid("hata_model", "cost231-hata with frequencies and link budgets", both(
        replace(T, 'model = "fixed-radius"', 'model = "cost231-hata"\nrx_height_m = 1.5'),
        replace(T, 'name = "Alpha Mobile"', 'name = "Alpha Mobile"\nfrequency_mhz = 1800\n'
                'max_path_loss_db = 135'),
        replace(T, 'name = "Beta Telecom"', 'name = "Beta Telecom"\nfrequency_mhz = 900\n'
                'max_path_loss_db = 130'))),
    # ---- valid, with warnings
    Valid("unknown_toml_keys", "a misspelt key and an unknown section", both(
        replace(T, "horizon_years = 10", "horizon_year = 10"),
        replace(T, 'currency = "VND_million"', 'currency = "VND_million"\nauthor = "planner"')),
        ("unknown key 'economics.horizon_year' ignored (did you mean "
         "'economics.horizon_years'?)", "unknown key 'author' ignored")),
    Valid("far_outlier", "hamlet H5 in range but thousands of km away (lon 20, lat 60)",
          replace(H, "H5,106.12,20.0", "H5,20.0,60.0"),
          ("hamlets.csv: line 6, column 'lon': point (20, 60) is 7,874 km from the bulk",)),
    Valid("misspelt_column", "sites.csv with 'max_tenant' (ignored, with a warning)",
          add_column(S, "max_tenant", {1: "1"}),
          ("column 'max_tenant' is not used (did you mean 'max_tenants'?)",)),
    Valid("capex_on_existing", "a build cost on an existing site",
          replace(S, "E1,106.01,20.0,existing,30,alpha,", "E1,106.01,20.0,existing,30,alpha,900"),
          ("sites.csv: line 2, column 'capex': build cost on an existing site ignored",)),
    Valid("frequency_in_ghz", "frequency_mhz = 1.8", both(
        replace(T, 'model = "fixed-radius"', 'model = "cost231-hata"'),
        replace(T, 'name = "Alpha Mobile"', 'name = "Alpha Mobile"\nfrequency_mhz = 1.8\n'
                'max_path_loss_db = 135'),
        replace(T, 'name = "Beta Telecom"', 'name = "Beta Telecom"\nfrequency_mhz = 900\n'
                'max_path_loss_db = 130')),
        ("frequency_mhz': 1.8 MHz is very low",)),
]


def write_valid(root: Path = VALID_DIR) -> int:
    """Write every valid case folder and ``cases.toml``; returns the number of cases."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    manifest = [
        "# Valid but odd scenarios (written by make_catalogue.py): each must read, with",
        "# exactly the warnings listed (a fragment of each; none when the list is empty).",
        "",
    ]
    for case in VALID:
        files = base_files()
        case.change(files)
        folder = root / case.name
        folder.mkdir()
        for name, content in files.items():
            (folder / name).write_bytes(content)
        manifest.append(f"[{case.name}]")
        manifest.append(f"what = {_toml_string(case.what)}")
        manifest.append("warnings = [" + ", ".join(_toml_string(w) for w in case.warnings)
                        + "]")
        manifest.append("")
    (root / "cases.toml").write_text("\n".join(manifest), encoding="utf-8")
    return len(VALID)


def base_files() -> Files:
    """The undamaged tiny scenario."""
    return {T: TOML.encode(), H: HAMLETS.encode(), S: SITES.encode(), N: TENANCIES.encode()}


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_catalogue(root: Path = BROKEN) -> int:
    """Write every case folder and ``cases.toml``; returns the number of cases."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    manifest = [
        "# Broken scenarios and the error each must give (written by make_catalogue.py).",
        "# file: the file the message names; row: 1-based data row; line: that row's line as an",
        "# editor shows it (the message names it; the header is line 1); column: column or TOML",
        "# key; message: a fragment of the message. Absent row/column: the error has none.",
        "",
    ]
    for case in CASES:
        files = base_files()
        case.damage(files)
        folder = root / case.name
        folder.mkdir()
        for name, content in files.items():
            (folder / name).write_bytes(content)
        manifest.append(f"[{case.name}]")
        manifest.append(f"what = {_toml_string(case.what)}")
        manifest.append(f"file = {_toml_string(case.file)}")
        if case.row is not None:
            manifest.append(f"row = {case.row}")
            if case.file.endswith(".csv"):
                manifest.append(f"line = {case.row + 1}")
        if case.column is not None:
            manifest.append(f"column = {_toml_string(case.column)}")
        manifest.append(f"message = {_toml_string(case.message)}")
        manifest.append("")
    (root / "cases.toml").write_text("\n".join(manifest), encoding="utf-8")
    return len(CASES)


if __name__ == "__main__":
    print(f"{write_catalogue()} broken scenarios written to {BROKEN}")
    print(f"{write_valid()} valid scenarios written to {VALID_DIR}")
