"""Without the graphviz package, a notebook that stops only because it cannot draw is skipped."""

from autograd_engine.conftest import pytest_runtest_makereport  # noqa: F401  (the pytest hook)
