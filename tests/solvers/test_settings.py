"""CoreSettings: defaults, TOML round trip, clear errors on unknown or bad keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btsopt import SolveParams
from btsopt.errors import ScenarioError
from btsopt.solvers.core.settings import (
    COMPONENTS,
    CoreSettings,
    LnsSettings,
    defaults_toml,
    describe,
)


def test_defaults_round_trip_through_toml_exactly() -> None:
    defaults = CoreSettings()
    assert CoreSettings.from_toml(defaults.to_toml()) == defaults
    assert CoreSettings.from_toml(defaults_toml()) == defaults
    assert CoreSettings.from_toml("") == defaults  # every key may be left out


def test_every_setting_has_a_reason_and_every_component_a_table() -> None:
    keys = [key for key, _, _ in describe()]
    assert len(keys) == len(set(keys)) >= 60
    assert all(why for _, _, why in describe())
    text = defaults_toml()
    for name in COMPONENTS:
        assert f"[{name}]" in text


@settings(max_examples=30, deadline=None)
@given(rows_share=st.floats(1e-9, 1.0), steps=st.integers(0, 10**6),
       grow=st.floats(1.0, 1e6), enabled=st.booleans())
def test_changed_values_round_trip_exactly(rows_share, steps, grow, enabled) -> None:
    changed = CoreSettings(lns=LnsSettings(rows_share=rows_share, max_steps=steps, grow=grow,
                                           enabled=enabled))
    assert CoreSettings.from_toml(changed.to_toml()) == changed


NEW_KEYS = {"subgradient.price_cap_factor": 0.0, "subgradient.price_cap_offset": 2.5,
            "subgradient.min_step_gap": 1e-3, "lp.integral_tolerance": 0.01,
            "background_lp.stall_chunks": 0, "background_lp.stall_tolerance": 1e-4,
            "lns.scatter_every": 0}


def test_the_last_constants_are_printed_and_round_trip() -> None:
    # The Lagrangian's price cap and step floor, RENS's integral tolerance,
    # the background LP's stall rule and the LNS's mix of neighbourhoods:
    # printed with a reason, read back exactly.
    text = defaults_toml()
    described = {key: default for key, default, _ in describe()}
    for key in NEW_KEYS:
        table, name = key.split(".")
        assert f"\n{name} = " in text.split(f"[{table}]")[1].split("\n[")[0]
        assert described[key] == getattr(getattr(CoreSettings(), table), name)
    changed = CoreSettings().with_values(NEW_KEYS)
    assert CoreSettings.from_toml(changed.to_toml()) == changed
    assert changed.to_dict()["background_lp"]["stall_chunks"] == 0


def test_a_file_changes_only_its_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[lns]\nenabled = false\n\n[time]\nlp = 0.5\n")
    loaded = CoreSettings.from_toml(path)
    assert not loaded.lns.enabled and loaded.time.lp == 0.5
    assert loaded.lns.rows_share == LnsSettings().rows_share
    assert loaded.disabled() == ["lns"]
    assert loaded == CoreSettings().with_values({"lns.enabled": False, "time.lp": 0.5})


@pytest.mark.parametrize(("text", "key", "words"), [
    ("[lns]\nrows_shar = 0.3\n", "lns.rows_shar", "unknown setting"),
    ("[lsn]\nenabled = false\n", "lsn", "unknown settings table"),
    ("[lns]\nrows_share = 1.5\n", "lns.rows_share", "out of range"),
    ("[lns]\nrows_share = 0.0\n", "lns.rows_share", "out of range"),
    ("[subgradient]\niterations = 0\n", "subgradient.iterations", "out of range"),
    ("[subgradient]\niterations = 2.5\n", "subgradient.iterations", "expected int"),
    ("[lns]\nenabled = 1\n", "lns.enabled", "expected bool"),
    ("[time]\nlp = \"half\"\n", "time.lp", "expected float"),
    ("[time]\nlp = nan\n", "time.lp", "expected float"),
    ("lns = 3\n", "lns", "must be a table"),
    ("[lp]\nintegral_tolerance = 0.6\n", "lp.integral_tolerance", "out of range"),
    ("[background_lp]\nstall_chunks = -1\n", "background_lp.stall_chunks", "out of range"),
    ("[subgradient]\nprice_cap_factor = -1.0\n", "subgradient.price_cap_factor",
     "out of range"),
])
def test_bad_settings_name_the_key_and_the_file(tmp_path: Path, text, key, words) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        CoreSettings.from_toml(path)
    assert caught.value.column == key
    assert caught.value.file == str(path)
    assert words in caught.value.message
    assert str(path) in str(caught.value) and key in str(caught.value)


def test_invalid_toml_is_a_scenario_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[lns\n")
    with pytest.raises(ScenarioError, match="invalid TOML"):
        CoreSettings.from_toml(path)
    with pytest.raises(ScenarioError, match="cannot read"):
        CoreSettings.from_toml(tmp_path / "missing.toml")


def test_an_integer_is_accepted_where_a_float_is_expected() -> None:
    loaded = CoreSettings.from_toml("[lns]\nstep_time_limit = 3\n")
    assert loaded.lns.step_time_limit == 3.0
    assert isinstance(loaded.lns.step_time_limit, float)
    assert CoreSettings.from_toml(loaded.to_toml()) == loaded


def test_solve_params_load_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "params.toml"
    path.write_text('time_limit = 20\nseed = 3\n[options]\npresolve = "off"\n'
                    "[lns]\nenabled = false\n[core.time]\nlp = 0.5\n")
    params = SolveParams.from_toml(path)
    assert (params.time_limit, params.seed, params.options) == (20, 3, {"presolve": "off"})
    assert not params.core.lns.enabled and params.core.time.lp == 0.5
    assert SolveParams.from_toml(defaults_toml()) == SolveParams()
    path.write_text("time_limt = 20\n")
    with pytest.raises(ScenarioError) as caught:
        SolveParams.from_toml(path)
    assert caught.value.column == "time_limt" and caught.value.file == str(path)
    path.write_text("time_limit = -1\n")
    with pytest.raises(ScenarioError, match="time_limit"):
        SolveParams.from_toml(path)
