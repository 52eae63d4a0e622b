r"""Grading a class: run a student's notebook in a subprocess, run the teacher's checks on what it
defines, and write Gradescope's ``results.json`` (or otter-grader test files).

The teacher's *checks file* is plain Python: every top-level statement that calls a check is one
graded test, named by the comment line just above it; other statements (imports, helpers) run
first, once. For example::

    from autograd_engine import Value
    from autograd_engine.testing import check_op, check_module

    # Task 1: the derivative of sigmoid
    check_op(MySigmoid(), reference=Value.sigmoid, points=2)

    # Task 2: a neuron
    check_module(MyNeuron(3, activation="tanh"), points=2)

Run ``python -m autograd_engine.testing grade submission.ipynb --checks checks.py``. The notebook
runs in a fresh Python process with a time limit for the whole run (and one per cell, and one per
check), its printing captured; every code cell runs even after one fails, so a broken cell costs
only the tasks that need it. Nothing needs the network. Without ``--checks``, the check cells of
the notebook itself are graded: fine for a self-check, but a student can edit them.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import pprint
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..files import output_path, write_atomically
from .common import exception_text, recorded_reports
from .guard import CapturedOutput, TimeLimitExceeded, run_with_time_limit

__all__ = [
    "CheckStatement",
    "GradedTest",
    "grade_notebook",
    "gradescope_results",
    "main",
    "otter_test_files",
    "read_checks",
]

#: Seconds the whole notebook may run in its subprocess, by default.
NOTEBOOK_TIME_LIMIT = 120.0

#: Seconds one cell of the notebook may run, by default.
CELL_TIME_LIMIT = 30.0

_CHECKS = ("check_op", "check_module", "check_backward", "check_training_step")


@dataclass(frozen=True)
class GradedTest:
    """One graded test: a check statement of the checks file, and how it went."""

    name: str
    score: float
    max_score: float
    passed: bool
    output: str

    def to_gradescope(self) -> dict[str, Any]:
        """The test as an entry of Gradescope's ``tests`` list."""
        return {
            "name": self.name,
            "score": round(self.score, 4),
            "max_score": round(self.max_score, 4),
            "status": "passed" if self.passed else "failed",
            "output": self.output,
            "visibility": "visible",
        }


@dataclass(frozen=True)
class CheckStatement:
    """A top-level statement of a checks file: its source, and its test name if it is a check."""

    source: str
    test: str | None  # None: setup (an import, a helper)
    points: float  # the ``points=`` it gives its check, 1 if none (for a test that cannot run)


def read_checks(source: str) -> list[CheckStatement]:
    """Split a checks file (or the check cells of a notebook) into statements, each check call a
    test named by the comment line above it, or by its own first line."""
    tree = ast.parse(source)
    lines = source.splitlines()
    statements = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        text = ast.get_source_segment(source, node) or ""
        calls = [
            call
            for call in ast.walk(node)
            if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id in _CHECKS
        ]
        if not calls:
            statements.append(CheckStatement(text, None, 0.0))
            continue
        above = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
        name = above.lstrip("#").strip() if above.startswith("#") else text.splitlines()[0]
        points = 0.0
        for call in calls:
            given = [k.value for k in call.keywords if k.arg == "points"]
            value = given[0].value if given and isinstance(given[0], ast.Constant) else 1.0
            points += float(value) if isinstance(value, (int, float)) else 1.0
        statements.append(CheckStatement(text, name, points))
    return statements


def notebook_code(path: Path) -> list[str]:
    """The code cells of a notebook, with IPython's ``%magic`` and ``!shell`` lines left out."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        kept = [line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))]
        code.append("\n".join(kept))
    return code


def _is_check_cell(code: str) -> bool:
    try:
        return any(s.test is not None for s in read_checks(code))
    except SyntaxError:
        return False


# ------------------------------------------------------------------------------------------------
# The child process: run the notebook, then the checks
# ------------------------------------------------------------------------------------------------


def _run_child(notebook: Path, checks: Path | None, cell_limit: float, result: Path) -> None:
    """Run in the subprocess: every cell of the notebook, then every check; write the tests."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    cells = notebook_code(notebook)
    if checks is not None:
        check_source = checks.read_text(encoding="utf-8")
    else:
        check_source = "\n\n".join(c for c in cells if _is_check_cell(c))
        cells = [c for c in cells if not _is_check_cell(c)]
    problems = []
    output = CapturedOutput()
    for number, code in enumerate(cells, 1):
        problem = _run_code(code, namespace, cell_limit, output, f"cell {number}")
        if problem:
            problems.append(problem)
    tests = []
    statements = read_checks(check_source)
    for statement in (s for s in statements if s.test is None):
        problem = _run_code(statement.source, namespace, cell_limit, output, "the checks' setup")
        if problem:
            problems.append(problem)
    for statement in (s for s in statements if s.test is not None):
        tests.append(_run_test(statement, namespace, cell_limit))
    data = {
        "tests": [t.__dict__ for t in tests],
        "problems": problems,
        "output": output.trimmed(max_lines=20),
    }
    write_atomically(result, json.dumps(data))


def _run_code(
    code: str, namespace: dict[str, Any], limit: float, output: CapturedOutput, where: str
) -> str:
    """Run one cell; return "" or what went wrong, in a line."""
    try:
        compiled = compile(code, where, "exec")
        run_with_time_limit(lambda: exec(compiled, namespace), limit, output)
    except KeyboardInterrupt:
        raise
    except TimeLimitExceeded:
        return f"{where} ran for more than {limit:g} s and was stopped."
    except BaseException as exc:  # the student's code: whatever it raises, go on
        return f"{where} raised {exception_text(exc)}."
    return ""


def _run_test(statement: CheckStatement, namespace: dict[str, Any], limit: float) -> GradedTest:
    name = statement.test or statement.source
    with recorded_reports() as reports:
        problem = _run_code(statement.source, namespace, limit, CapturedOutput(), name)
    if problem or not reports:
        said = problem or "it made no check."
        return GradedTest(
            name,
            0.0,
            statement.points or 1.0,
            False,
            f"This test could not run: {said} Does the notebook define every name the task asks "
            "for, and does it run from top to bottom?",
        )
    return GradedTest(
        name,
        sum(r.score for r in reports),
        sum(r.max_score for r in reports),
        all(r.passed for r in reports),
        "\n\n".join(str(r) for r in reports),
    )


# ------------------------------------------------------------------------------------------------
# The parent process: the subprocess with a time limit, and the outputs
# ------------------------------------------------------------------------------------------------


def grade_notebook(
    notebook: str | os.PathLike[str],
    checks: str | os.PathLike[str] | None = None,
    *,
    time_limit: float = NOTEBOOK_TIME_LIMIT,
    cell_time_limit: float = CELL_TIME_LIMIT,
) -> tuple[list[GradedTest], str]:
    """Run a student's notebook in a subprocess and grade it with the checks file.

    Args:
        notebook: the student's ``.ipynb``.
        checks: the teacher's checks file; None to grade the notebook's own check cells.
        time_limit: seconds for the whole run; past it the subprocess is killed.
        cell_time_limit: seconds for each cell and each check statement.

    Returns:
        The tests, and a note for the student on what went wrong outside them ("" if nothing).
    """
    notebook_path = Path(notebook).expanduser().resolve()
    checks_path = Path(checks).expanduser().resolve() if checks is not None else None
    expected = read_checks(
        checks_path.read_text(encoding="utf-8")
        if checks_path is not None
        else "\n\n".join(c for c in notebook_code(notebook_path) if _is_check_cell(c))
    )
    with tempfile.TemporaryDirectory(prefix="grading-") as folder:
        result = Path(folder) / "result.json"
        command = [
            sys.executable,
            "-m",
            "autograd_engine.testing.grading",
            "--child",
            str(notebook_path),
            str(checks_path or ""),
            str(cell_time_limit),
            str(result),
        ]
        try:
            finished = subprocess.run(
                command,
                cwd=notebook_path.parent,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=time_limit,
                check=False,
            )
            stopped = "" if result.exists() else _stopped(finished.returncode, finished.stderr)
        except subprocess.TimeoutExpired:
            stopped = (
                f"The notebook ran for more than {time_limit:g} s and was stopped: an endless "
                "loop, or a very long training run?"
            )
        if stopped:
            failed = [
                GradedTest(s.test or "", 0.0, s.points or 1.0, False, stopped)
                for s in expected
                if s.test is not None
            ]
            return failed, stopped
        data = json.loads(result.read_text(encoding="utf-8"))
    tests = [GradedTest(**t) for t in data["tests"]]
    note = "\n".join(data["problems"])
    if data["output"]:
        note += ("\n" if note else "") + "The notebook printed:\n" + data["output"]
    return tests, note


def _stopped(code: int, stderr: bytes) -> str:
    last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return (
        f"The notebook stopped the grader (exit code {code}) before any check ran"
        + (f": {last[0]}" if last[0] else "")
        + ". Look for os._exit(), or code that crashes Python itself."
    )


def gradescope_results(tests: Sequence[GradedTest], note: str, seconds: float) -> dict[str, Any]:
    """Gradescope's ``results.json``: the total score, and one entry per test."""
    return {
        "score": round(sum(t.score for t in tests), 4),
        "execution_time": round(seconds, 2),
        "output": note,
        "stdout_visibility": "visible",
        "tests": [t.to_gradescope() for t in tests],
    }


def otter_test_files(checks_source: str) -> dict[str, str]:
    """otter-grader test files (its "OK format"), one per check of a checks file.

    Each is a doctest that runs the setup and the check, and prints the report when it does not
    pass, so the student sees it in otter's output. Put them in the assignment's ``tests/``
    folder; ``otter`` grades them like any other test, with the points of each check.
    """
    statements = read_checks(checks_source)
    setup = [s.source for s in statements if s.test is None]
    files = {}
    for number, statement in enumerate((s for s in statements if s.test is not None), 1):
        code = [*setup, f"report = {statement.source.strip()}"]
        lines = []
        for block in code:
            block_lines = block.splitlines()
            lines.append(">>> " + block_lines[0])
            lines.extend("... " + line for line in block_lines[1:])
        lines += [">>> report.passed or print(report)", "True"]
        test = {
            "name": f"q{number}",
            "points": statement.points or 1.0,
            "suites": [
                {
                    "cases": [{"code": "\n".join(lines), "hidden": False, "locked": False}],
                    "scored": True,
                    "setup": "",
                    "teardown": "",
                    "type": "doctest",
                }
            ],
        }
        files[f"q{number}.py"] = (
            f"# {statement.test}\nOK_FORMAT = True\n\ntest = {pprint.pformat(test, indent=4)}\n"
        )
    return files


# ------------------------------------------------------------------------------------------------
# The command line
# ------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m autograd_engine.testing grade ...`` and ``... otter ...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--child"]:
        notebook, checks, limit, result = args[1:5]
        _run_child(Path(notebook), Path(checks) if checks else None, float(limit), Path(result))
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m autograd_engine.testing",
        description="Grade students' notebooks with autograd_engine's exercise checks.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one notebook; write results.json")
    grade.add_argument("notebook", help="the student's .ipynb")
    grade.add_argument("--checks", help="the teacher's checks file (.py); default: its check cells")
    grade.add_argument(
        "--out", default="results.json", help="where to write (default results.json)"
    )
    grade.add_argument(
        "--time-limit", type=float, default=NOTEBOOK_TIME_LIMIT, help="seconds for the notebook"
    )
    grade.add_argument(
        "--cell-time-limit", type=float, default=CELL_TIME_LIMIT, help="seconds for each cell"
    )
    otter = commands.add_parser("otter", help="write otter-grader test files from a checks file")
    otter.add_argument("checks", help="the teacher's checks file (.py)")
    otter.add_argument("folder", help="the folder to write q1.py, q2.py, ... into")
    options = parser.parse_args(args)
    if options.command == "otter":
        source = Path(options.checks).expanduser().read_text(encoding="utf-8")
        for name, text in otter_test_files(source).items():
            path = write_atomically(output_path(Path(options.folder) / name, {"py"}), text)
            print(f"wrote {path}")
        return 0
    started = time.monotonic()
    tests, note = grade_notebook(
        options.notebook,
        options.checks,
        time_limit=options.time_limit,
        cell_time_limit=options.cell_time_limit,
    )
    results = gradescope_results(tests, note, time.monotonic() - started)
    out = write_atomically(
        output_path(options.out, {"json"}, "grading results"), json.dumps(results, indent=2)
    )
    for test in tests:
        mark = "passed" if test.passed else "FAILED"
        print(f"{test.score:g}/{test.max_score:g}  {mark:6}  {test.name}")
    total = sum(t.max_score for t in tests)
    print(f"score {results['score']:g} of {total:g}; wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
