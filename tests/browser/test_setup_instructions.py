"""The README's set-up section says what the project needs, and CI does what it says: the Python
version, the dev extra with JupyterLab and Playwright, and the system packages the browser tests
use. (No browser needed.)
"""

from __future__ import annotations

import re

import pytest

from .browser_pages import ROOT

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")

README = (ROOT / "README.md").read_text(encoding="utf-8")
SETUP = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_setup_names_the_python_version_pyproject_requires() -> None:
    required = PYPROJECT["project"]["requires-python"]
    assert required.startswith(">=")
    assert f"Python {required[2:]} or newer" in SETUP


def test_setup_makes_and_activates_a_virtual_environment_before_installing() -> None:
    venv = SETUP.index("python3 -m venv .venv && source .venv/bin/activate")
    assert venv < SETUP.index('pip install -e ".[dev]"') < SETUP.index("\npytest\n")


def test_the_dev_extra_has_what_the_notebooks_and_browser_tests_need() -> None:
    dev = PYPROJECT["project"]["optional-dependencies"]["dev"]
    names = {re.split(r"[<>=\[]", spec)[0] for spec in dev}
    assert {"jupyterlab", "playwright", "nbconvert", "mistune"} <= names
    assert "autograd_engine[viz,progress,widgets]" in dev  # ipywidgets, for notebook 02's stepper
    assert "jupyter lab notebooks/" in SETUP


def test_ci_installs_the_system_packages_the_readme_names() -> None:
    named = re.search(r"apt-get install ([a-z0-9 -]+)`", SETUP)
    assert named is not None, "the set-up section names no apt-get install line"
    packages = set(named[1].split())
    assert {"chromium", "fonts-dejavu-core", "fonts-liberation"} <= packages
    installed = re.search(r"apt-get install[^\n]*\n\s*([a-z0-9 -]+)", CI)
    assert installed is not None, ".ci/run installs no system packages"
    assert set(installed[1].split()) == packages


def test_ci_runs_exactly_the_readme_commands() -> None:
    commands = [line for line in CI.splitlines() if line and not line.lstrip().startswith("#")]
    assert commands[-2:] == ['pip install -e ".[dev]"', "pytest"]


def test_ci_compares_micrograds_whole_demo_as_the_readme_says() -> None:
    # the README's "Coming from micrograd" says CI runs all 100 steps of micrograd's demo
    assert "AUTOGRAD_ENGINE_SLOW_TESTS=1`, which CI sets" in README
    assert "\nexport AUTOGRAD_ENGINE_SLOW_TESTS=1\n" in CI
