"""The package stays lint-clean and type-checks under mypy --strict (both configured in pyproject).

These run the tools the dev extra installs, so `pytest` in CI fails on a lint or type error, just
as it fails on a wrong derivative.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip(tool)
    return subprocess.run(
        [sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_no_lint_errors_in_the_package_tests_benchmarks_and_docs() -> None:
    result = run("ruff", "check", "--no-cache", "autograd_engine", "tests", "benchmarks", "docs")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_finds_no_type_errors_in_the_package() -> None:
    result = run("mypy", "--no-incremental")  # the files and --strict come from pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr
