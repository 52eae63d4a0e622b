"""pytest settings for the docstring examples (``--doctest-modules``), used only by pytest.

An example that draws needs the optional ``graphviz`` package (``pip install
"autograd_engine[viz]"``). Without it, such an example stops with the package's ImportError about
graphviz; that example is reported as skipped instead of failed, and every other example still runs.
"""

from __future__ import annotations

import doctest
import importlib.util
from collections.abc import Generator

import pytest

HAS_GRAPHVIZ = importlib.util.find_spec("graphviz") is not None


def _missing_graphviz(error: BaseException | None) -> bool:
    """True if a docstring example failed only because the graphviz package is not installed."""
    if HAS_GRAPHVIZ or not isinstance(error, doctest.UnexpectedException):
        return False
    raised = error.exc_info[1]
    return isinstance(raised, ImportError) and "graphviz" in str(raised)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.excinfo is not None and _missing_graphviz(call.excinfo.value):
        path, line, _ = item.reportinfo()
        report.outcome = "skipped"
        report.longrepr = (str(path), (line or 0) + 1, "Skipped: needs the graphviz package")
    return report
