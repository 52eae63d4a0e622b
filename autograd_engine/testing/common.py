"""What every check shares: running its parts under a guard, calling the student's code, and
writing numbers, tables and names as a student reads them.

A check names its parts, then runs each with :meth:`Parts.run`; a part fails by raising
:class:`Stop` with a finished report (:func:`fail`). :func:`run_check` runs the whole check under
a time limit with the student's output captured, and turns anything the student's code raises
(even ``SystemExit``) into a failed report. Only a teacher's Ctrl-C (``KeyboardInterrupt``) stops
it.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from fractions import Fraction
from typing import Any, NoReturn

from ..errors import describe
from ..gradcheck import close_enough as close
from ..ops import Op
from ..value import Value
from .guard import CapturedOutput, TimeLimitExceeded, run_with_time_limit
from .report import CheckReport, Part

__all__ = [
    "Parts",
    "Stop",
    "as_number",
    "at",
    "call_student",
    "check_count",
    "check_points",
    "close",
    "exception_hint",
    "exception_text",
    "factor_text",
    "fail",
    "give_up",
    "num",
    "parameter_labels",
    "parameter_names",
    "recorded_reports",
    "run_check",
    "show",
    "table",
    "title_of",
]


class Stop(Exception):  # noqa: N818  (control flow, not an error)
    """Ends a part of a check with a finished report; with ``final``, the whole check (a cheat)."""

    def __init__(self, report: CheckReport, final: bool = False) -> None:
        super().__init__(report.summary)
        self.report = report
        self.final = final


def fail(summary: str, hint: str = "", **fields: Any) -> NoReturn:
    """End the current part with a failed report."""
    raise Stop(CheckReport("failed", summary, hint=hint, **fields))


def give_up(summary: str, hint: str = "") -> NoReturn:
    """End the whole check with a failed report worth no points (code that does not do what
    the exercise asks, however right its numbers)."""
    raise Stop(CheckReport("failed", summary, hint=hint), final=True)


_running: list[str] = []  # what student code runs now, innermost last, for the time-limit text


def call_student(
    what: str,
    where: str,
    function: Callable[..., Any],
    *args: Any,
    tolerate: tuple[type[Exception], ...] = (),
) -> Any:
    """Run the student's code; turn anything it raises into a kind report instead of a trace.

    Exceptions of the ``tolerate`` types pass through unchanged, for the caller to judge.
    ``SystemExit``, ``GeneratorExit`` and the like become a report too; ``KeyboardInterrupt``
    (the teacher's Ctrl-C) and the time limit pass through.
    """
    _running.append(what)
    try:
        return function(*args)
    except NotImplementedError as exc:
        raise Stop(_not_done(what, exc), final=True) from None
    except (Stop, KeyboardInterrupt, TimeLimitExceeded):
        raise
    except tolerate:
        raise
    except BaseException as exc:
        fail(
            f"{what} raised {exception_text(exc)} {where}.".replace("  ", " "), exception_hint(exc)
        )
    finally:
        _running.pop()


def _not_done(what: str, exc: NotImplementedError) -> CheckReport:
    said = f'("{exc}")' if str(exc) else ""
    return CheckReport(
        "not done",
        f"{what} still raises `NotImplementedError{said}`. Replace that line with your code, "
        "then run this cell again.",
    )


class Parts:
    """The parts of one check, each worth an equal share of its points, and how each went."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.failures: dict[str, CheckReport] = {}
        self.done: set[str] = set()

    def run(self, name: str, function: Callable[[], None]) -> bool:
        """Run one part; a failure is recorded and the next part runs all the same."""
        if name not in self.names:
            raise ValueError(f"unknown part {name!r}; the parts are {self.names}")
        self.done.add(name)
        try:
            function()
        except Stop as stop:
            if stop.final:
                raise
            self.failures.setdefault(name, stop.report)  # the first failure tells the most
            return False
        return True

    def record(self, name: str, report: CheckReport | None) -> None:
        """Record a part judged elsewhere: failed with ``report``, or passed (None)."""
        self.done.add(name)
        if report is not None:
            self.failures.setdefault(name, report)

    def scored(self, points: float, all_lost: bool = False) -> tuple[Part, ...]:
        """Each part with its share of ``points``: earned when it ran and passed (and the check
        did not end early, ``all_lost``)."""
        share = points / len(self.names)
        parts = []
        for name in self.names:
            ok = not all_lost and name in self.done and name not in self.failures
            parts.append(Part(name, ok, share if ok else 0.0, share))
        return tuple(parts)

    def first_failure(self) -> CheckReport | None:
        for name in self.names:
            if name in self.failures:
                return self.failures[name]
        return None


def run_check(
    title: str,
    subject: str,
    part_names: Sequence[str],
    points: float,
    time_limit: float | None,
    body: Callable[[Parts], CheckReport],
) -> CheckReport:
    """Run a check's ``body`` under the guard and return its finished report.

    ``body`` runs every part through the :class:`Parts` it is given and returns the report for
    when all of them pass. ``subject`` names the student's code in messages.
    """
    parts = Parts(part_names)
    output = CapturedOutput()
    all_lost = False
    _running.clear()
    try:
        passed = run_with_time_limit(lambda: body(parts), time_limit, output)
        failure = parts.first_failure()
        report = passed if failure is None else failure
    except KeyboardInterrupt:
        raise
    except TimeLimitExceeded:
        running = _running[-1] if _running else subject
        report = CheckReport(
            "failed",
            f"{running} ran for more than {time_limit:g} s: an endless loop?",
            hint="look for a `while` loop whose condition never becomes false, or a loop that "
            "changes the list it runs over. A right answer takes a few milliseconds here.",
        )
        all_lost = True
    except Stop as stop:
        report, all_lost = stop.report, True
    except BaseException as exc:  # raised outside call_student: by a value the student returned
        report = CheckReport(
            "failed",
            f"the check could not finish: {exception_text(exc)}, from {subject} or a value it "
            "returned.",
            hint=exception_hint(exc)
            or "return plain numbers or Values, as the exercise asks (not objects of your own).",
        )
        all_lost = True
    finally:
        _running.clear()
    if report.status == "not done":
        all_lost = True
    final = replace(
        report, title=title, parts=parts.scored(points, all_lost), output=output.trimmed()
    )
    for box in _recorders:
        box.append(final)
    return final


_recorders: list[list[CheckReport]] = []


@contextmanager
def recorded_reports() -> Iterator[list[CheckReport]]:
    """Collect every report the checks return while the block runs (for the grading command)."""
    box: list[CheckReport] = []
    _recorders.append(box)
    try:
        yield box
    finally:
        _recorders.remove(box)


def check_points(who: str, points: Any) -> float:
    """Refuse points that are not a positive finite number (an author's mistake)."""
    if isinstance(points, bool) or not isinstance(points, numbers.Real):
        raise TypeError(f"{who}() expects points to be a number, got {describe(points)}")
    value = float(points)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{who}() expects points to be a positive number, got {points}")
    return value


def exception_text(exc: BaseException) -> str:
    """``ValueError: math domain error``: the exception's type, and its message if it has one."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def exception_hint(exc: BaseException) -> str:
    """A likely cause for the usual exceptions in students' code."""
    text = str(exc)
    if isinstance(exc, SystemExit):
        return (
            "`exit()`, `quit()` or `sys.exit()` ends the whole program: remove it, and let your "
            "code finish by returning."
        )
    if isinstance(exc, GeneratorExit):
        return "GeneratorExit belongs to Python's generators: do not raise it yourself."
    if isinstance(exc, ZeroDivisionError):
        return "a division by zero. Check the formula at this point, or divide by something else."
    if isinstance(exc, AttributeError) and "'float' object has no attribute" in text:
        return (
            "a Value method (like .tanh() or .exp()) was called on a plain float. Inside backward "
            "the inputs may be floats: use the helpers in autograd_engine.functions "
            "(tanh, exp, log, sigmoid ...), which work on floats and Values alike."
        )
    if isinstance(exc, NameError):
        return "a name is not defined: check its spelling, and run the cells above this one first."
    if isinstance(exc, OverflowError):
        return "a number grew too large for a float. Look for an exp() of a large number."
    if isinstance(exc, TypeError) and "'method' object is not iterable" in text:
        return (
            "a method was used without calling it: write `model.parameters()`, with the "
            "brackets, to get the list."
        )
    if isinstance(exc, TypeError) and "not iterable" in text:
        return "something expected a tuple or a list but got a single number."
    if isinstance(exc, RecursionError):
        return "a function calls itself without end: check what your method calls."
    return ""


def num(x: float) -> str:
    """A number as students read it: 6 significant digits, no trailing noise, never ``-0``.

    Example:
        >>> num(-0.0), num(1 / 3), num(-2e-9)
        ('0', '0.333333', '-2e-09')
    """
    return f"{x + 0.0:.6g}"  # + 0.0 turns -0.0 into 0.0


def at(names: Sequence[str], point: Sequence[float]) -> str:
    """``at x = 1, y = -2``: a point, by the inputs' names."""
    return "at " + ", ".join(f"{n} = {num(x)}" for n, x in zip(names, point))


def show(x: Any) -> str:
    """What the student's code returned, for a message: ``None``, or a type and a value."""
    if x is None:
        return "None"
    if isinstance(x, bool):
        return f"the bool {x}"
    if isinstance(x, float):
        return f"the float {num(x)}"
    try:
        return describe(x)
    except Exception:  # a student's object whose repr raises
        return f"a {type(x).__name__} object"


def as_number(x: Any) -> float | None:
    """A finite float from a number or a Value, or None when ``x`` is neither (or not finite).

    A bool is not a number here: ``True`` from a comparison is a mistake, not a 1.
    """
    if isinstance(x, Value):
        value = x.data
    elif isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    else:
        try:
            value = float(x)
        except Exception:  # a student's number type whose __float__ raises
            return None
    return value if isinstance(value, float) and math.isfinite(value) else None


def factor_text(r: float) -> str:
    """``2``, ``1/2`` or ``0.731``: a ratio written as simply as it honestly can be."""
    simple = Fraction(r).limit_denominator(12)
    if abs(float(simple) - r) <= 1e-3 * abs(r):
        return str(simple)
    return f"{r:.3g}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns of text, the first left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "   ".join(cells).rstrip()

    return "\n".join(line(row) for row in [header, *rows])


def parameter_names(function: Callable[..., Any]) -> tuple[list[str], bool] | None:
    """The names of a function's positional parameters, and whether it takes ``*args``."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    names = []
    star = False
    for p in signature.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty:
            names.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            star = True
    return names, star


def check_count(who: str, name: str, count: Any) -> None:
    """Refuse a number of points or steps that is not a whole number of at least 1 (an author's
    mistake: with none, a check would pass without checking anything)."""
    if isinstance(count, bool) or not isinstance(count, numbers.Integral):
        raise TypeError(f"{who}() expects {name} to be a whole number, got {describe(count)}")
    if count < 1:
        raise ValueError(
            f"{who}() expects {name} to be at least 1, got {count}: with none, nothing would be "
            "checked"
        )


def title_of(obj: Any) -> str:
    """How the student's op or function is named in messages: ``MySigmoid``, ``my_backward``."""
    if isinstance(obj, Op):
        return type(obj).__name__
    name = str(getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj))
    return name.rpartition("<locals>.")[2]  # a function defined inside another: its own name


def parameter_labels(module: Any, params: list[Value]) -> list[str]:
    """How a module's parameters are named in messages: by ``named_parameters()`` where the
    module has it (``layers.0.neurons.1.w.2``), else by label or position."""
    named = getattr(module, "named_parameters", None)
    if callable(named):
        try:
            pairs = list(named())
            if len(pairs) == len(params) and all(q is p for (_, q), p in zip(pairs, params)):
                return [str(name) for name, _ in pairs]
        except Exception:
            pass
    return [p.label or f"parameter {i}" for i, p in enumerate(params)]
