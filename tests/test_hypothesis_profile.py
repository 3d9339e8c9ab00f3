"""The hypothesis profile of CI (tests/conftest.py): the same cases on every run."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st


def draws() -> list[int]:
    """What a test drawing integers sees under the loaded profile."""
    seen: list[int] = []

    @settings(max_examples=20, database=None)
    @given(st.integers(0, 10**9))
    def record(value: int) -> None:
        seen.append(value)

    record()
    return seen


def test_ci_loads_the_derandomized_profile() -> None:
    assert settings.get_profile("ci").derandomize
    assert settings.default.derandomize == bool(os.environ.get("CI"))
    if os.environ.get("CI"):
        assert draws() == draws()  # the same cases every run
