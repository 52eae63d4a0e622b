"""The exercises notebook and its solutions: blanks say "Not done yet", solutions pass every check.

``pytest --nbmake`` already runs both notebooks in a kernel and fails on an error, but a failing
check does not raise, so it cannot tell "Not done yet" from "Passed". Here every code cell runs in
this process, top to bottom, and the value of each check cell (the report it displays) is
inspected. The outputs saved in the notebooks must come from such a run too.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from autograd_engine import Value, topological_order
from autograd_engine.testing import CheckReport, check_backward

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
DOCS = NOTEBOOKS.parent / "docs"
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
        assert "your code here" in " ".join(str(report).split())


def test_every_check_in_the_solutions_notebook_passes() -> None:
    reports = check_reports(SOLUTIONS)
    assert len(reports) == 4
    for report in reports:
        assert report.passed, str(report)


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_exercises", DOCS / "make_exercises.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_exercises_notebook_is_made_from_the_solutions_by_their_markers() -> None:
    generator = load_generator()
    solved = json.loads(SOLUTIONS.read_text(encoding="utf-8"))
    blank = json.loads(BLANK.read_text(encoding="utf-8"))
    assert generator.sources(blank) == generator.sources(generator.exercises_from(solved)), (
        "07_exercises.ipynb is out of step with the solutions: run python docs/make_exercises.py"
    )
    code = [c for c in cells(BLANK) if c["cell_type"] == "code"]
    assert sum(BLANK_MARK in source(c) for c in code) == 4
    assert all("SOLUTION" not in source(c) for c in cells(BLANK))
    assert "(solutions)" in source(cells(SOLUTIONS)[0])
    assert "(solutions)" not in source(cells(BLANK)[0])


def test_the_generator_blanks_at_the_markers_indentation_and_refuses_broken_markers() -> None:
    generator = load_generator()
    code = "def f(x):\n    # keep\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION"
    assert generator.blank_code(code) == f"def f(x):\n    # keep\n    {BLANK_MARK}"
    with pytest.raises(ValueError, match="without"):
        generator.blank_code("    ### BEGIN SOLUTION\n    return x")
    with pytest.raises(ValueError, match="without"):
        generator.blank_code("    ### END SOLUTION")


def test_task_3s_graph_uses_a_node_twice_so_plain_assignment_instead_of_adding_fails() -> None:
    graph_cell = next(c for c in cells(SOLUTIONS) if "def tiny_graph" in source(c))
    scope: dict[str, Any] = {}
    exec("from autograd_engine import Value, draw_dot\n" + source(graph_cell), scope)
    root = scope["tiny_graph"](*(Value(x, label=n) for n, x in zip("abcf", (1.0, 2.0, 3.0, 4.0))))
    uses = [parent.label for node in topological_order(root) for parent in node._prev]
    assert any(uses.count(label) > 1 for label in set(uses)), uses

    def assigns_instead_of_adding(L, g, d, e, f, c, a, b):  # noqa: N803
        L.grad = 1.0
        g.grad = L.grad
        a.grad = L.grad
        d.grad = g.grad * f.data
        f.grad = g.grad * d.data
        e.grad = d.grad
        c.grad = d.grad
        a.grad = e.grad * b.data  # = instead of +=
        b.grad = e.grad * a.data

    report = check_backward(assigns_instead_of_adding, scope["tiny_graph"])
    assert not report and "a is used 2 times" in " ".join(str(report).split()), str(report)


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
