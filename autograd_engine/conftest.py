"""pytest settings for the docstring examples (``--doctest-modules``), used only by pytest.

What draws needs the optional ``graphviz`` package (``pip install "autograd_engine[viz]"``).
Without it, a docstring example that stops only because graphviz is missing is reported as
skipped instead of failed; every other example still runs.
"""

from __future__ import annotations

import doctest
import importlib.util
from collections.abc import Generator

import pytest

HAS_GRAPHVIZ = importlib.util.find_spec("graphviz") is not None

#: Part of the ImportError that ``autograd_engine.viz`` raises when graphviz is missing.
MISSING_GRAPHVIZ = "needs the graphviz Python package"


def failed_for_want_of_graphviz(error: BaseException | None) -> bool:
    """True if a test failed only because the graphviz package is not installed."""
    if HAS_GRAPHVIZ or error is None:
        return False
    if isinstance(error, doctest.UnexpectedException):  # a docstring example raised
        error = error.exc_info[1]
    return MISSING_GRAPHVIZ in str(error)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.excinfo is not None and failed_for_want_of_graphviz(call.excinfo.value):
        path, line, _ = item.reportinfo()
        report.outcome = "skipped"
        report.longrepr = (str(path), (line or 0) + 1, "Skipped: needs the graphviz package")
    return report
