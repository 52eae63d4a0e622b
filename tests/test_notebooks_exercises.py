"""The exercises notebook and its solutions: blanks say "Not done yet", solutions pass every check.

``pytest --nbmake`` already runs both notebooks in a kernel and fails on an error, but a failing
check does not raise, so it cannot tell "Not done yet" from "Passed". Here every code cell runs in
this process, top to bottom, and the value of each check cell (the report it displays) is
inspected. The outputs saved in the notebooks must come from such a run too.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from autograd_engine.testing import CheckReport

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
BLANK = NOTEBOOKS / "07_exercises.ipynb"
SOLUTIONS = NOTEBOOKS / "07_exercises_solutions.ipynb"
BLANK_MARK = 'raise NotImplementedError("your code here")'


def cells(path: Path) -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return cells


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def is_check_cell(cell: dict[str, Any]) -> bool:
    """A cell that runs a check: a line that starts with ``check_`` or assigns its report."""
    lines = source(cell).splitlines()
    return cell["cell_type"] == "code" and any(
        line.startswith("check_") or "= check_" in line for line in lines
    )


def run_cells(path: Path) -> list[tuple[dict[str, Any], Any]]:
    """Run every code cell in one namespace; return each with the value of its last expression."""
    namespace: dict[str, Any] = {"__name__": "__exercises__"}
    results = []
    for cell in cells(path):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse(source(cell))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, f"{path.name} cell", "exec"), namespace)
        value = None
        if last is not None:
            expression = ast.Expression(last.value)
            value = eval(compile(expression, f"{path.name} cell", "eval"), namespace)
        results.append((cell, value))
    return results


def check_reports(path: Path) -> list[CheckReport]:
    pytest.importorskip("graphviz")  # the notebooks draw graphs
    reports = [value for cell, value in run_cells(path) if is_check_cell(cell)]
    assert reports, f"{path.name} has no check cells"
    assert all(isinstance(r, CheckReport) for r in reports), reports
    return reports


def test_the_blank_notebook_runs_top_to_bottom_and_every_check_says_not_done_yet() -> None:
    reports = check_reports(BLANK)
    assert len(reports) == 4  # an op's derivative, a neuron, a manual backward, a training step
    for report in reports:
        assert report.status == "not done", str(report)
        assert str(report).startswith("… Not done yet:")
        assert "your code here" in str(report)


def test_every_check_in_the_solutions_notebook_passes() -> None:
    reports = check_reports(SOLUTIONS)
    assert len(reports) == 4
    for report in reports:
        assert report.passed, str(report)


def test_the_two_notebooks_differ_only_in_the_blanks_and_the_title() -> None:
    blank, solved = cells(BLANK), cells(SOLUTIONS)
    assert [c["cell_type"] for c in blank] == [c["cell_type"] for c in solved]
    blanks = 0
    for i, (b, s) in enumerate(zip(blank, solved)):
        if i == 0:  # the introduction names the notebook
            continue
        if BLANK_MARK in source(b):
            blanks += 1
            assert BLANK_MARK not in source(s)
            # the solution keeps the given lines (class and def headers, comments) of the blank
            given = [line for line in source(b).splitlines() if BLANK_MARK not in line]
            assert all(line in source(s).splitlines() for line in given), i
        else:
            assert source(b) == source(s), f"cell {i} differs"
    assert blanks == 4


@pytest.mark.parametrize(
    ("path", "expected"), [(BLANK, "Not done yet"), (SOLUTIONS, "Passed")], ids=["blank", "solved"]
)
def test_saved_outputs_come_from_a_clean_top_to_bottom_run(path: Path, expected: str) -> None:
    code_cells = [c for c in cells(path) if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code_cells]
    assert counts == list(range(1, len(code_cells) + 1)), counts
    for cell in code_cells:
        assert all(o["output_type"] != "error" for o in cell["outputs"])
    for cell in filter(is_check_cell, code_cells):
        text = "".join(
            "".join(o.get("data", {}).get("text/plain", "")) + "".join(o.get("text", ""))
            for o in cell["outputs"]
        )
        assert expected in text, source(cell)


def test_the_notebooks_use_only_the_public_api_and_seed_first() -> None:
    for path in (BLANK, SOLUTIONS):
        code = [source(c) for c in cells(path) if c["cell_type"] == "code"]
        assert "random.seed(" in code[0]
        assert all("sys.path" not in c and "._" not in c for c in code)
