"""Fixtures of the output tests: the tiny scenario, its optimum and its outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from btsopt.data import ProblemData
from btsopt.reading import read_scenario
from btsopt.result import Result

from .tiny_plan import TINY, TINY_PLAN_ROWS, make_result, plan_from_rows


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: renders report.html in headless Chromium (skipped without it)"
    )


@pytest.fixture(scope="session")
def tiny_data() -> ProblemData:
    return read_scenario(TINY)


@pytest.fixture(scope="session")
def tiny_result(tiny_data: ProblemData) -> Result:
    return make_result(tiny_data, plan_from_rows(tiny_data, TINY_PLAN_ROWS))


@pytest.fixture(scope="session")
def tiny_out(tiny_data: ProblemData, tiny_result: Result,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """``write_result`` of the tiny optimum: (folder, paths returned)."""
    from btsopt.outputs import write_result

    out = tmp_path_factory.mktemp("tiny-out")
    return out, write_result(tiny_data, tiny_result, out)
