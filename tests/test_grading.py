"""Grading a class: the grading command turns a notebook into Gradescope's results.json,
otter-grader can run the same checks, and a report reads well anywhere, in Jupyter and as JSON.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from autograd_engine import Op, Value
from autograd_engine.testing import CheckReport, Part, check_op
from autograd_engine.testing.common import num
from autograd_engine.testing.grading import grade_notebook, notebook_code, otter_test_files
from autograd_engine.testing.guard import (
    CapturedOutput,
    TimeLimitExceeded,
    run_with_time_limit,
)
from autograd_engine.testing.report import wrap

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "07_exercises_solutions.ipynb"
BLANK = NOTEBOOKS / "07_exercises.ipynb"
CHECKS = ROOT / "docs" / "07_exercises_checks.py"
RIGHT_BACKWARD = "(grad * out * (1.0 - out),)"


def notebook_with(tmp_path: Path, replacements: dict[str, str], name: str = "s.ipynb") -> Path:
    """The solutions notebook with some code replaced, as a student might hand it in."""
    data = json.loads(SOLUTIONS.read_text(encoding="utf-8"))
    for cell in data["cells"]:
        text = "".join(cell["source"])
        for old, new in replacements.items():
            text = text.replace(old, new)
        cell["source"] = text
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def grade(*args: str, cwd: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "autograd_engine.testing", "grade", *args, "--out", "r.json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "wrote" in done.stdout, done.stdout + done.stderr
    results: dict[str, Any] = json.loads((cwd / "r.json").read_text(encoding="utf-8"))
    return results


# ------------------------------------------------------------------------------------------------
# The grading command
# ------------------------------------------------------------------------------------------------


def test_the_grading_command_writes_gradescope_results_for_the_solutions(tmp_path: Path) -> None:
    results = grade(str(SOLUTIONS), "--checks", str(CHECKS), cwd=tmp_path)
    assert set(results) == {"score", "execution_time", "output", "stdout_visibility", "tests"}
    assert results["score"] == 10
    assert [t["name"] for t in results["tests"]] == [
        "Task 1: the derivative of sigmoid",
        "Task 2: a neuron's forward pass",
        "Task 3: backward by hand, on the teacher's copy of the graph",
        "Task 4: a training step",
    ]
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] == "passed" and test["score"] == test["max_score"]
    assert "accuracy on the training data" in results["output"]  # the notebook's own printing


def test_the_blank_notebook_scores_zero_and_says_not_done_yet(tmp_path: Path) -> None:
    results = grade(str(BLANK), "--checks", str(CHECKS), cwd=tmp_path)
    assert results["score"] == 0
    assert all("Not done yet" in t["output"] for t in results["tests"])


def test_partial_credit_a_hanging_cell_and_an_exit_cost_only_their_own_tasks(
    tmp_path: Path,
) -> None:
    student = notebook_with(
        tmp_path,
        {
            RIGHT_BACKWARD: "(out * (1.0 - out),)",  # Task 1: the chain rule is missing
            "return total.tanh()": "while True:\n            pass",  # Task 2 hangs
            "    b.grad = e.grad * a.data\n": "    b.grad = e.grad * a.data\n    sys.exit(0)\n",
            "random.seed(7)": "random.seed(7)\nimport sys\nwhile True:  # a stray endless loop\n"
            "    if random.random() > 2:\n        break\n",
        },
    )
    results = grade(str(student), "--checks", str(CHECKS), "--cell-time-limit", "3", cwd=tmp_path)
    by_name = {t["name"].split(":")[0]: t for t in results["tests"]}
    task1, task2, task3, task4 = (by_name[f"Task {i}"] for i in range(1, 5))
    assert 0 < task1["score"] < task1["max_score"]  # forward and derivative right: partial credit
    assert "multiply by `grad`" in task1["output"]
    assert task2["score"] == 0 and "endless loop" in task2["output"]
    assert task3["score"] == 0 and "sys.exit()" in task3["output"]
    assert task4["status"] == "passed"
    assert "cell 1 ran for more than 3 s" in results["output"]


def test_a_notebook_that_runs_too_long_or_kills_python_gets_zero_and_a_reason(
    tmp_path: Path,
) -> None:
    slow = notebook_with(tmp_path, {"import math\n": "import math\nimport time\ntime.sleep(60)\n"})
    tests, note = grade_notebook(slow, CHECKS, time_limit=3.0, cell_time_limit=30.0)
    assert "ran for more than 3 s" in note
    assert [t.score for t in tests] == [0, 0, 0, 0] and [t.max_score for t in tests] == [2, 2, 3, 3]
    killer = notebook_with(tmp_path, {"import math\n": "import math\nimport os\nos._exit(7)\n"})
    tests, note = grade_notebook(killer, CHECKS)
    assert "exit code 7" in note and all(t.score == 0 for t in tests)


def test_without_a_checks_file_the_notebooks_own_check_cells_are_graded(tmp_path: Path) -> None:
    tests, _ = grade_notebook(SOLUTIONS)
    assert len(tests) == 4 and all(t.passed for t in tests)
    magic = notebook_with(tmp_path, {"import math\n": "%matplotlib inline\nimport math\n"})
    assert "%matplotlib inline" in magic.read_text(encoding="utf-8")
    assert all("%matplotlib" not in code for code in notebook_code(magic))


def test_otter_grader_test_files_run_the_same_checks_as_doctests() -> None:
    files = otter_test_files(CHECKS.read_text(encoding="utf-8"))
    assert sorted(files) == ["q1.py", "q2.py", "q3.py", "q4.py"]

    def run_otter_style(namespace: dict[str, Any]) -> list[tuple[float, bool, str]]:
        """What otter does with an OK-format file: run each case as a doctest in the
        notebook's namespace; the case's points go to the test when it passes."""
        outcomes = []
        for text in files.values():
            scope: dict[str, Any] = {}
            exec(text, scope)
            assert scope["OK_FORMAT"] is True
            test = scope["test"]
            (suite,) = test["suites"]
            (case,) = suite["cases"]
            parsed = doctest.DocTestParser().get_doctest(case["code"], dict(namespace), "q", "", 0)
            report = io.StringIO()
            result = doctest.DocTestRunner().run(parsed, out=report.write)
            outcomes.append((test["points"], result.failed == 0, report.getvalue()))
        return outcomes

    solved = run_notebook(SOLUTIONS)
    assert [(p, ok) for p, ok, _ in run_otter_style(solved)] == [
        (2, True),
        (2, True),
        (3, True),
        (3, True),
    ]
    blank = run_notebook(BLANK)
    outcomes = run_otter_style(blank)
    assert not any(ok for _, ok, _ in outcomes)
    assert "Not done yet" in outcomes[0][2]  # the student sees the report in otter's output


def run_notebook(path: Path) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for code in notebook_code(path):
            exec(compile(code, path.name, "exec"), namespace)
    return namespace


# ------------------------------------------------------------------------------------------------
# The guard: time limits, exits, output
# ------------------------------------------------------------------------------------------------


class Slow(Op):
    name, symbol, arity = "slow", "slow", 1

    def forward(self, x: float) -> float:
        return x

    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        while True:
            pass


def test_the_time_limit_is_configurable_and_ends_an_endless_loop_kindly() -> None:
    started = time.monotonic()
    report = check_op(Slow(), time_limit=0.2)
    assert time.monotonic() - started < 2.0
    assert not report and "ran for more than 0.2 s: an endless loop?" in str(report)
    assert report.score == 0 and report.max_score == 1


def test_the_time_limit_works_off_the_main_thread_too() -> None:
    box: dict[str, CheckReport] = {}
    worker = threading.Thread(target=lambda: box.update(r=check_op(Slow(), time_limit=0.2)))
    worker.start()
    worker.join(5.0)
    assert not worker.is_alive()
    assert "endless loop" in str(box["r"])


def test_an_outer_alarm_survives_a_check_inside_it() -> None:
    signal.setitimer(signal.ITIMER_REAL, 30.0)
    try:
        assert check_op(Slow(), time_limit=0.1).status == "failed"
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25.0 < remaining <= 30.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)


def test_a_teachers_ctrl_c_still_stops_the_run() -> None:
    class Interrupted(Slow):
        def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check_op(Interrupted())


def test_captured_output_keeps_the_start_and_counts_the_rest() -> None:
    output = CapturedOutput(keep=100)

    def chatter() -> None:
        for i in range(100_000):
            print("line", i)

    run_with_time_limit(chatter, 10.0, output)
    shown = output.trimmed()
    assert shown.splitlines()[:2] == ["line 0", "line 1"]
    assert len(shown.splitlines()) <= 9 and "100000 more line" not in shown
    assert output.lines == 100_000 and output.characters > 1_000_000
    with pytest.raises(TimeLimitExceeded):
        run_with_time_limit(lambda: time.sleep(5), 0.1)


# ------------------------------------------------------------------------------------------------
# How a report reads
# ------------------------------------------------------------------------------------------------


def failing() -> CheckReport:
    class NoGrad(Op):
        name, symbol, arity = "no_grad", "ng", 1

        def forward(self, x: float) -> float:
            return 1.0 / (1.0 + 2.718281828459045 ** (-x))

        def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
            print("checking", x)
            return (out * (1.0 - out),)

    return check_op(NoGrad(), reference=Value.sigmoid)


def test_reports_fit_80_columns_and_never_split_code() -> None:
    text = str(failing())
    assert max(len(line) for line in text.splitlines()) <= 80
    for line in text.splitlines():
        assert line.count("`") % 2 == 0, line  # every `code` span opens and closes on one line
    assert wrap("a `b c d` e", 4) == ["a", "`b c d`", "e"]


def test_reports_fall_back_to_ascii_where_stdout_cannot_encode_the_marks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = failing()
    cp1252 = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    monkeypatch.setattr(sys, "stdout", cp1252)
    text = str(report)
    print(report)  # must not raise UnicodeEncodeError
    assert text.startswith("[x] Not quite") and "✘" not in text and "✔" not in text
    monkeypatch.undo()
    assert str(report).startswith("✘ Not quite")


def test_tables_never_show_minus_zero() -> None:
    class Doubled(Op):
        name, symbol, arity = "doubled", "d", 2

        def forward(self, a: float, b: float) -> float:
            return 2.0 * a

        def backward(self, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
            return (3.0 * grad, -0.0)  # the second term is a negative zero

    report = check_op(Doubled(), reference=lambda a, b: a * 2.0 + b * 0.0)
    assert not report and "df/db" in report.details
    assert "-0" not in report.details.replace("-0.", "")  # no "-0" cell (a "-0.5" is fine)
    assert num(-0.0) == "0"


def test_html_shows_code_as_code_and_escapes_the_rest() -> None:
    page = failing()._repr_html_()
    assert "<code>grad</code>" in page and "`" not in page
    assert "<b>Points:</b>" in page and "checking" in page


def test_points_and_the_dict_of_a_report() -> None:
    report = failing()
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["status"] == "failed" and data["passed"] is False
    assert data["max_score"] == 1.0 and 0 < data["score"] < 1
    assert [p["name"] for p in data["parts"]] == [
        "forward",
        "derivative with grad = 1",
        "chain rule: grad = 2.5",
    ]
    assert [p["passed"] for p in data["parts"]] == [True, True, False]
    assert "checking" in data["output"] and data["message"] == str(report)
    assert check_op(Slow(), time_limit=0.1, points=4).max_score == 4
    assert Part("x", True, 1.0, 1.0).points == 1.0
    with pytest.raises(ValueError, match="positive"):
        check_op(Slow(), points=0)


def test_the_readme_shows_the_grading_commands_real_output(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("python -m autograd_engine.testing grade submission.ipynb")[1]
    shown = [line[2:] for line in block.split("```")[0].splitlines()[1:]]
    # the student of the README: no bias in the neuron, = instead of += in Task 3
    notebook_with(
        tmp_path,
        {"total = self.b": "total = 0", "a.grad += e.grad": "a.grad = e.grad"},
        "submission.ipynb",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograd_engine.testing",
            "grade",
            "submission.ipynb",
            "--checks",
            str(CHECKS),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.splitlines()[:-1] == shown[:-1]
    assert done.stdout.splitlines()[-1].startswith(shown[-1].split(";")[0])
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 8.125
    assert "without its bias" in results["tests"][1]["output"]
    task3 = " ".join(results["tests"][2]["output"].split())
    assert "the first wrong one is a.grad" in task3 and "Add them all up (+=)" in task3
