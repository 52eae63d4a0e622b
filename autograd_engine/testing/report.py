"""The report a teaching-exercise check returns, and what every check shares to write one.

A check runs the student's code through :func:`_call_student`, so an exception becomes a kind
message instead of a stack trace, and it stops early by raising :class:`_Stop` with a finished
:class:`CheckReport`. The helpers below write numbers, tables and names as a student reads them.
"""

from __future__ import annotations

import html
import inspect
import math
import numbers
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, NoReturn

from ..errors import describe
from ..ops import Op
from ..value import Value

__all__ = ["CheckReport"]

Status = Literal["passed", "failed", "not done"]


_HEADINGS: dict[str, str] = {
    "passed": "✔ Passed",
    "failed": "✘ Not quite",
    "not done": "… Not done yet",
}
_COLOURS: dict[str, tuple[str, str]] = {  # (border, background) for Jupyter
    "passed": ("#2e7d32", "#f1f8e9"),
    "failed": ("#c62828", "#fdecea"),
    "not done": ("#9e9e9e", "#f5f5f5"),
}


@dataclass(frozen=True, repr=False)
class CheckReport:
    """The outcome of a check, written for the student.

    It is true when the check passed, so an autograder can write ``assert report, report``.
    Print it, or leave it as the last line of a notebook cell, to read the message; in Jupyter it
    shows as a coloured box.

    Attributes:
        status: ``"passed"``, ``"failed"`` or ``"not done"`` (the student's code still raises
            ``NotImplementedError``).
        summary: one sentence: what was checked and how it went.
        details: the numbers side by side where the difference is largest, or "".
        hint: the likely mistake behind the numbers, and what to try, or "".
        point: the inputs where the difference is largest, by name, or None.
        got: the student's number there, or None.
        expected: the correct number there, or None.
        checked: how many numbers were compared.
        failures: how many of them differed.
    """

    status: Status
    summary: str
    details: str = ""
    hint: str = ""
    point: dict[str, float] | None = None
    got: float | None = None
    expected: float | None = None
    checked: int = 0
    failures: int = 0

    @property
    def passed(self) -> bool:
        """True when the student's code is right."""
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = textwrap.wrap(f"{_HEADINGS[self.status]}: {self.summary}", 96)
        if self.details:
            lines.append(textwrap.indent(self.details, "    "))
        if self.hint:
            lines.extend(textwrap.wrap(f"Hint: {self.hint}", 96, subsequent_indent="      "))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        border, background = _COLOURS[self.status]
        parts = [
            f'<div style="border-left: 5px solid {border}; background: {background}; '
            'padding: 0.5em 1em; margin: 0.3em 0; color: #212121">',
            f"<b>{html.escape(_HEADINGS[self.status])}:</b> {html.escape(self.summary)}",
        ]
        if self.details:
            parts.append(
                '<pre style="background: transparent; margin: 0.5em 0">'
                f"{html.escape(self.details)}</pre>"
            )
        if self.hint:
            parts.append(f"<div><b>Hint:</b> {html.escape(self.hint)}</div>")
        parts.append("</div>")
        return "".join(parts)


class _Stop(Exception):  # noqa: N818  (control flow, not an error)
    """Raised inside a check to end it early with a finished report (never escapes a check)."""

    def __init__(self, report: CheckReport) -> None:
        super().__init__(report.summary)
        self.report = report


def _fail(summary: str, hint: str = "", **fields: Any) -> NoReturn:
    raise _Stop(CheckReport("failed", summary, hint=hint, **fields))


def _call_student(
    what: str,
    where: str,
    function: Callable[..., Any],
    *args: Any,
    tolerate: tuple[type[Exception], ...] = (),
) -> Any:
    """Run the student's code; turn an exception into a kind report instead of a stack trace.

    Exceptions of the ``tolerate`` types pass through unchanged, for the caller to judge.
    """
    try:
        return function(*args)
    except NotImplementedError as exc:
        raise _Stop(_not_done(what, exc)) from None
    except _Stop:
        raise
    except tolerate:
        raise
    except Exception as exc:
        _fail(f"{what} raised {_exception_text(exc)} {where}.", _exception_hint(exc))


def _not_done(what: str, exc: NotImplementedError) -> CheckReport:
    said = f' ("{exc}")' if str(exc) else ""
    return CheckReport(
        "not done",
        f"{what} still raises NotImplementedError{said}. Replace that line with your code, then "
        "run this cell again.",
    )


def _exception_text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _exception_hint(exc: BaseException) -> str:
    """A likely cause for the usual exceptions in students' code."""
    text = str(exc)
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
    if isinstance(exc, TypeError) and "not iterable" in text:
        return "something expected a tuple or a list but got a single number."
    return ""


# ------------------------------------------------------------------------------------------------
# Small helpers for numbers and messages
# ------------------------------------------------------------------------------------------------


def _num(x: float) -> str:
    """A number as students read it: 6 significant digits, no trailing noise."""
    return f"{x:.6g}"


def _close(got: float, expected: float, atol: float, rtol: float) -> bool:
    return abs(got - expected) <= atol + rtol * abs(expected)


def _where(names: Sequence[str], point: Sequence[float]) -> str:
    return "at " + ", ".join(f"{n} = {_num(x)}" for n, x in zip(names, point))


def _show(x: Any) -> str:
    """What the student's code returned, for a message: ``None``, or a type and a value."""
    if x is None:
        return "None"
    if isinstance(x, float):
        return f"the float {_num(x)}"
    return describe(x)


def _as_number(x: Any) -> float | None:
    """A finite float from a number or a Value, or None when ``x`` is neither (or not finite)."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _factor_text(r: float) -> str:
    """``2``, ``1/2`` or ``0.731``: a ratio written as simply as it honestly can be."""
    simple = Fraction(r).limit_denominator(12)
    if abs(float(simple) - r) <= 1e-3 * abs(r):
        return str(simple)
    return f"{r:.3g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns of text, the first left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "   ".join(cells).rstrip()

    return "\n".join(line(row) for row in [header, *rows])


def _parameter_names(function: Callable[..., Any]) -> tuple[list[str], bool] | None:
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


def _check_count(who: str, name: str, count: Any) -> None:
    """Refuse a number of points or steps that is not a whole number of at least 1 (an author's
    mistake: with none, a check would pass without checking anything)."""
    if isinstance(count, bool) or not isinstance(count, numbers.Integral):
        raise TypeError(f"{who}() expects {name} to be a whole number, got {describe(count)}")
    if count < 1:
        raise ValueError(
            f"{who}() expects {name} to be at least 1, got {count}: with none, nothing would be "
            "checked"
        )


def _title(obj: Any) -> str:
    """How the student's op or function is named in messages: ``MySigmoid``, ``my_backward``."""
    if isinstance(obj, Op):
        return type(obj).__name__
    name = str(getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj))
    return name.rpartition("<locals>.")[2]  # a function defined inside another: its own name


def _parameter_labels(module: Any, params: list[Value]) -> list[str]:
    """How a module's parameters are named in messages: by ``named_parameters()`` where the
    module has it (``layers.0.neurons.1.w.2``), else by label or position."""
    named = getattr(module, "named_parameters", None)
    if callable(named):
        try:
            pairs = list(named())
            if len(pairs) == len(params):
                return [str(name) for name, _ in pairs]
        except Exception:
            pass
    return [p.label or f"parameter {i}" for i, p in enumerate(params)]
