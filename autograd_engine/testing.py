r"""Checks for teaching exercises: compare a student's op, module, backward or training step with
the engine, and explain any difference in plain words.

Each check runs the student's code on seeded random inputs, compares it with a trusted answer
(central finite differences, or the engine itself) and returns a :class:`CheckReport`: true when
the code is right, and a message for the student otherwise (which input, what they got, what was
expected, and a hint that names the likely mistake). A check never lets the student's exception
escape: an error becomes a kind message, and code that still raises ``NotImplementedError`` (the
blank of an exercise) is reported as "Not done yet", so a blank notebook runs top to bottom.

Writing an exercise::

    from autograd_engine import Op, Value
    from autograd_engine.testing import check_op

    class MySigmoid(Op):
        name, symbol, arity = "my_sigmoid", "σ", 1

        def forward(self, x):
            return 1.0 / (1.0 + math.exp(-x))

        def backward(self, grad, out, x):
            raise NotImplementedError("your code here")

    check_op(MySigmoid(), reference=Value.sigmoid)   # the last line of the cell: shows the report

Mistakes on the author's side (a wrong argument to a check) still raise ``TypeError`` or
``ValueError``, as anywhere else in the package.
"""

from __future__ import annotations

import copy
import html
import inspect
import math
import numbers
import random
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, NoReturn

from . import nn
from .autodiff import grad
from .errors import describe
from .grad_mode import enable_grad, no_grad
from .gradcheck import _evaluate, numerical_gradient
from .graph import topological_order
from .ops import Op
from .stepper import backward_steps
from .value import Value

__all__ = [
    "CheckReport",
    "check_backward",
    "check_module",
    "check_op",
    "check_training_step",
]

Status = Literal["passed", "failed", "not done"]

#: The gradient "arriving from above" in the second run of every backward: a value other than 1
#: reveals a rule that forgets to multiply by ``grad`` (the chain rule).
UPSTREAM = 2.5

#: Random sample points keep at least this far from an op's kinks (relu at 0).
KINK_MARGIN = 0.05

#: The step of the one-sided differences taken at edge points.
EDGE_STEP = 1e-6


# ------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# check_op
# ------------------------------------------------------------------------------------------------


@dataclass
class _Subject:
    """The op or function under test, with what check_op needs to know about it."""

    title: str
    names: tuple[str, ...]
    domain: tuple[tuple[float, float], ...]
    edge_points: tuple[tuple[float, ...], ...]
    kinks: tuple[float, ...]
    op: Op | None  # None: a function of Values
    function: Callable[..., Any]  # takes Values, returns a Value (the op itself for an op)

    @property
    def forward_name(self) -> str:
        """How the student's forward is named in messages."""
        return f"{self.title}.forward" if self.op is not None else self.title

    @property
    def backward_name(self) -> str:
        """How the student's derivative is named in messages."""
        return f"{self.title}.backward" if self.op is not None else f"backward through {self.title}"

    def value(self, point: Sequence[float]) -> float:
        """The student's forward at ``point``: a finite float, or a report that says why not."""
        where = _where(self.names, point)
        if self.op is not None:
            result = _call_student(self.forward_name, where, self.op.forward, *point)
        else:
            with no_grad():
                inputs = [Value(x) for x in point]
                result = _call_student(self.forward_name, where, self.function, *inputs)
        value = _as_number(result)
        if value is None:
            _fail(
                f"{self.forward_name} returned {_show(result)} {where}; it should return a "
                "finite number.",
                "forward computes the op's value from plain floats, for example "
                "`return 1.0 / (1.0 + math.exp(-x))`. Did you forget `return`?",
            )
        return value

    def derivative(
        self,
        point: Sequence[float],
        upstream: float,
        tolerate: tuple[type[Exception], ...] = (),
    ) -> tuple[float, ...]:
        """The student's ``upstream * df/dx_i`` for every input, checked for shape and type.

        Exceptions of the ``tolerate`` types raised by the student's backward pass through.
        """
        where = _where(self.names, point)
        if self.op is None:
            inputs = [Value(x) for x in point]
            out = _call_student(self.title, where, self.function, *inputs)
            if not isinstance(out, Value):
                return (0.0,) * len(point)  # a constant: no input reaches the output
            root = out if upstream == 1.0 else out * upstream
            return tuple(
                _call_student(self.backward_name, where, grad, root, inputs, tolerate=tolerate)
            )
        out_value = self.value(point)
        terms = _call_student(
            self.backward_name,
            where,
            self.op.backward,
            upstream,
            out_value,
            *point,
            tolerate=tolerate,
        )
        return self._checked_terms(terms, where)

    def _checked_terms(self, terms: Any, where: str) -> tuple[float, ...]:
        rule, n = self.backward_name, len(self.names)
        wanted = ", ".join(f"grad * df/d{name}" for name in self.names)
        shape = f"({wanted}{',' if n == 1 else ''})"
        if terms is None:
            _fail(
                f"{rule} returned None {where}.",
                f"did you forget `return`? backward must return a tuple with one term per input: "
                f"return {shape}",
            )
        if isinstance(terms, (Value, numbers.Number)):
            _fail(
                f"{rule} returned a single number ({_show(terms)}) {where}, not a tuple.",
                f"put it in a tuple, one term per input: `return {shape}`"
                + (" (mind the comma: it makes the tuple)." if n == 1 else "."),
            )
        if not isinstance(terms, (tuple, list)):
            _fail(
                f"{rule} returned {_show(terms)} {where}; it should return a tuple of {n} "
                f"number(s).",
                f"write `return {shape}`.",
            )
        if len(terms) != n:
            _fail(
                f"{rule} returned {len(terms)} term(s) {where}, but this op has {n} input(s) "
                f"({', '.join(self.names)}): {_show(terms)}.",
                f"return exactly one term per input, in the order of forward's inputs: {shape}.",
            )
        values = []
        for name, term in zip(self.names, terms):
            value = _as_number(term)
            if value is None:
                _fail(
                    f"{rule} returned {_show(term)} as the term for {name} {where}; it should "
                    "be a finite number.",
                    "nan or inf usually comes from a division by zero or an overflow; None from a "
                    "missing value.",
                )
            values.append(value)
        return tuple(values)


def _subject(
    op_or_function: Any,
    domain: Sequence[tuple[float, float]] | None,
    edge_points: Sequence[Sequence[float]] | None,
    kinks: Sequence[float] | None,
) -> _Subject:
    """Normalise what check_op was given (an Op, an Op class, or a function of Values)."""
    if isinstance(op_or_function, type) and issubclass(op_or_function, Op):
        try:
            op_or_function = op_or_function()
        except TypeError as exc:
            raise TypeError(
                f"check_op() got the class {op_or_function.__name__}, which needs arguments to "
                f"be created ({exc}); pass an instance instead, like {op_or_function.__name__}(...)"
            ) from None
    if isinstance(op_or_function, Op):
        op = op_or_function
        own_domain = tuple(tuple(d) for d in (domain if domain is not None else op.domain))
        n = op.arity or len(own_domain)
        return _Subject(
            title=_title(op),
            names=_input_names(_parameter_names(op.forward), n),
            domain=_domain_for(own_domain, n, _title(op)),
            edge_points=_edges_for(op.edge_points if edge_points is None else edge_points, n),
            kinks=tuple(op.kinks if kinks is None else kinks),
            op=op,
            function=op,
        )
    if not callable(op_or_function):
        raise TypeError(
            "check_op() expects an Op (an instance or a class) or a function of Values, got "
            f"{describe(op_or_function)}"
        )
    signature = _parameter_names(op_or_function)
    if domain is not None:
        n = len(domain)
    elif signature is not None and signature[0] and not signature[1]:
        n = len(signature[0])
    else:
        raise TypeError(
            f"check_op() cannot tell how many inputs {_title(op_or_function)} takes; pass "
            "domain=[(low, high), ...] with one interval per input"
        )
    given = tuple(tuple(d) for d in domain) if domain is not None else ((-3.0, 3.0),)
    return _Subject(
        title=_title(op_or_function),
        names=_input_names(signature, n),
        domain=_domain_for(given, n, _title(op_or_function)),
        edge_points=_edges_for(edge_points or (), n),
        kinks=tuple(kinks or ()),
        op=None,
        function=op_or_function,
    )


def _input_names(signature: tuple[list[str], bool] | None, n: int) -> tuple[str, ...]:
    """The inputs' names in messages: the forward's own parameter names when there are ``n`` of
    them, else ``x`` (one input) or ``x0, x1, ...``."""
    if signature is not None and not signature[1] and len(signature[0]) == n:
        return tuple(signature[0])
    return ("x",) if n == 1 else tuple(f"x{i}" for i in range(n))


def _domain_for(
    domain: tuple[tuple[float, ...], ...], n: int, title: str
) -> tuple[tuple[float, float], ...]:
    if len(domain) == 1 and n > 1:  # one interval given (or inherited from Op) for all inputs
        domain = domain * n
    if len(domain) != n or any(len(d) != 2 or not d[0] < d[1] for d in domain):
        raise ValueError(
            f"check_op() needs one interval (low, high) with low < high per input of {title} "
            f"({n} input(s)), got domain={domain!r}"
        )
    return tuple((float(d[0]), float(d[1])) for d in domain)


def _edges_for(edges: Sequence[Sequence[float]], n: int) -> tuple[tuple[float, ...], ...]:
    result = tuple(tuple(float(x) for x in e) for e in edges)
    for e in result:
        if len(e) != n:
            raise ValueError(f"each edge point needs {n} coordinate(s), got {e!r}")
    return result


def _sample_points(
    domain: Sequence[tuple[float, float]], kinks: Sequence[float], n: int, seed: int
) -> list[tuple[float, ...]]:
    """``n`` seeded points from the domain, rounded to 3 decimals, away from every kink."""
    rng = random.Random(seed)
    points: list[tuple[float, ...]] = []
    for _ in range(100 * n):
        if len(points) == n:
            break
        point = tuple(round(rng.uniform(low, high), 3) for low, high in domain)
        if all(abs(x - k) >= KINK_MARGIN for x in point for k in kinks):
            points.append(point)
    if len(points) < n:
        raise ValueError(
            f"check_op() found no points in domain {list(domain)} at least {KINK_MARGIN} away "
            f"from the kinks {list(kinks)}; widen the domain"
        )
    return points


@dataclass
class _Entry:
    """One compared number: the student's term for one input at one point, and the truth."""

    point: tuple[float, ...]
    index: int
    upstream: float
    got: float | None  # None: the student's backward raised (allowed only at some edge points)
    low: float | None  # the accepted range of the right answer; None: backward should raise
    high: float | None
    partials: tuple[float, ...]  # every expected partial at upstream 1, to spot a swapped input
    value: float  # f at the point
    edge: bool = False
    order: int = 1  # 2 for a second derivative

    @property
    def expected(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return 0.5 * (self.low + self.high)

    def badness(self, atol: float, rtol: float) -> float:
        """0 when right; otherwise how many tolerances away the student's number is."""
        if self.low is None or self.high is None:
            return 0.0 if self.got is None else math.inf
        if self.got is None:
            return math.inf
        tol = atol + rtol * max(abs(self.low), abs(self.high))
        gap = max(self.low - self.got, self.got - self.high, 0.0)
        return gap / tol if gap > tol else 0.0


def check_op(
    op_or_function: Op | type[Op] | Callable[..., Any],
    *,
    reference: Op | type[Op] | Callable[..., Any] | None = None,
    domain: Sequence[tuple[float, float]] | None = None,
    edge_points: Sequence[Sequence[float]] | None = None,
    kinks: Sequence[float] | None = None,
    n_points: int = 20,
    seed: int = 0,
    second_order: bool = False,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> CheckReport:
    r"""Check an op's derivative at many points against central finite differences.

    The derivative is checked at ``n_points`` seeded random points of the op's ``domain`` (kept
    :data:`KINK_MARGIN` away from its ``kinks``) and at each of its ``edge_points``, each time
    with ``grad = 1`` and with ``grad =`` :data:`UPSTREAM` arriving from above, so a rule that
    forgets the chain-rule factor ``grad`` is caught. At an edge point, where finite differences
    from both sides may differ (relu at 0) or one side is undefined (sqrt at 0), any value between
    the one-sided slopes is accepted, and so is raising ``ValueError`` when one side is undefined;
    with an Op as ``reference``, its own derivative there is the answer instead.

    Along the way the student's ``backward`` must return one finite number per input, and, with a
    ``reference``, the student's forward must agree with it.

    Args:
        op_or_function: the student's :class:`~autograd_engine.Op` (an instance, or a class that
            needs no arguments), or a function that takes one Value per input and returns a Value.
        reference: the right answer for the forward: an Op (its derivative also settles edge
            points), a function of Values like ``Value.sigmoid``, or a float function like
            ``math.tanh``. Finite differences of the reference, when given, are the expected
            derivatives; otherwise those of the student's own forward.
        domain: one ``(low, high)`` interval per input; default: the op's ``domain``, or
            ``(-3, 3)`` for each input of a function.
        edge_points: extra points to check, at the edge of the domain; default: the op's.
        kinks: points where the derivative jumps, kept away from; default: the op's.
        n_points: how many random points to check.
        seed: the seed of the random points (the same seed gives the same points).
        second_order: also check second derivatives, through ``create_graph=True``, against
            finite differences of the (checked) first derivatives; this catches a backward
            written with ``math.*`` functions, which cut the graph.
        atol, rtol: a number passes when ``|got - expected| <= atol + rtol * |expected|``.

    Returns:
        A :class:`CheckReport`: true when every derivative agrees; otherwise the worst point, the
        numbers side by side and a hint (a sign error, a missing ``grad *``, the derivative of the
        other input, a constant factor, ...).

    Example:
        >>> from autograd_engine.ops import Tanh
        >>> bool(check_op(Tanh()))
        True
    """
    _check_count("check_op", "n_points", n_points)
    subject = _subject(op_or_function, domain, edge_points, kinks)
    truth, reference_op = _reference(reference, subject)
    points = _sample_points(subject.domain, subject.kinks, n_points, seed)
    try:
        if reference is not None:
            _check_forward(subject, truth, [*points, *subject.edge_points], atol, rtol)
        entries: list[_Entry] = []
        for point in points:
            entries.extend(_entries_at(subject, truth, point))
        for point in subject.edge_points:
            entries.extend(_edge_entries_at(subject, truth, reference_op, point))
        if second_order:
            for point in points:
                entries.extend(_second_order_entries_at(subject, point))
    except _Stop as stop:
        return stop.report
    return _derivative_report(subject, entries, reference is not None, atol, rtol)


def _reference(reference: Any, subject: _Subject) -> tuple[Callable[..., Any], Op | None]:
    """The function whose finite differences are the truth, and the reference Op if any."""
    if reference is None:
        return subject.function, None
    if isinstance(reference, type) and issubclass(reference, Op):
        reference = reference()
    if isinstance(reference, Op):
        return reference, reference
    if callable(reference):
        return reference, None
    raise TypeError(
        "check_op(reference=...) expects an Op, a function of Values or a float function, got "
        f"{describe(reference)}"
    )


def _check_forward(
    subject: _Subject,
    truth: Callable[..., Any],
    points: Sequence[Sequence[float]],
    atol: float,
    rtol: float,
) -> None:
    """Compare the student's forward with the reference at every point; stop at a difference."""
    pairs = [(tuple(p), subject.value(p), _evaluate(truth, p)) for p in points]
    wrong = [(p, got, want) for p, got, want in pairs if not _close(got, want, atol, rtol)]
    if not wrong:
        return
    point, got, want = max(wrong, key=lambda w: abs(w[1] - w[2]))
    hint = "check the formula of forward against the math."
    sized = [(g, w) for _, g, w in wrong if abs(w) > 1e-9]
    if sized and len(sized) == len(wrong):
        ratios = [g / w for g, w in sized]
        if all(abs(r + 1.0) < 1e-6 for r in ratios):
            hint = "your values have the wrong sign: look for a minus sign."
        elif len(ratios) > 1 and max(ratios) - min(ratios) < 1e-6 * abs(ratios[0]):
            hint = f"your values are {_factor_text(ratios[0])} times the right ones everywhere."
    _fail(
        f"{subject.forward_name} gives a wrong value at {len(wrong)} of {len(pairs)} points; "
        f"the largest difference is {_where(subject.names, point)}.",
        hint,
        details=_table(["", "yours", "expected"], [["f", _num(got), _num(want)]]),
        point=dict(zip(subject.names, point)),
        got=got,
        expected=want,
        checked=len(pairs),
        failures=len(wrong),
    )


def _numeric_partials(truth: Callable[..., Any], point: Sequence[float]) -> tuple[float, ...]:
    """Central finite differences of the truth at a point inside the domain."""
    return tuple(numerical_gradient(truth, list(point)))


def _entries_at(
    subject: _Subject, truth: Callable[..., Any], point: tuple[float, ...]
) -> list[_Entry]:
    # The student's forward first, so that an error in it is reported at the point itself
    # rather than at a finite-difference neighbour.
    value = subject.value(point)
    where = _where(subject.names, point)
    partials = _call_student(subject.forward_name, where, _numeric_partials, truth, point)
    entries = []
    for upstream in (1.0, UPSTREAM):
        got = subject.derivative(point, upstream)
        for i, (g, e) in enumerate(zip(got, partials)):
            entries.append(
                _Entry(point, i, upstream, g, upstream * e, upstream * e, partials, value)
            )
    return entries


def _one_sided_slope(
    truth: Callable[..., Any], point: Sequence[float], index: int, side: float
) -> float | None:
    """The slope of the truth along input ``index`` on one side; None where it is undefined or
    infinite (it keeps growing as the step shrinks, like sqrt's at 0)."""

    def along(t: Value) -> Any:
        return truth(*[t if i == index else Value(x) for i, x in enumerate(point)])

    slopes = []
    for step in (EDGE_STEP, EDGE_STEP / 100):
        middle = point[index] + side * step / 2  # a central difference here is one-sided at x
        try:
            slopes.append(numerical_gradient(along, [middle], eps=step / 2)[0])
        except (ValueError, ArithmeticError):
            return None
    if abs(slopes[1]) > 3.0 * abs(slopes[0]) + 1.0:
        return None
    return slopes[0]


def _edge_entries_at(
    subject: _Subject,
    truth: Callable[..., Any],
    reference_op: Op | None,
    point: tuple[float, ...],
) -> list[_Entry]:
    """Entries at an edge point: the accepted range, or "raise", for each input."""
    where = _where(subject.names, point)
    value = subject.value(point)
    n = len(point)
    ranges: list[tuple[float | None, float | None]] = []
    if reference_op is not None:
        try:
            terms = reference_op.backward(1.0, reference_op.forward(*point), *point)
            ranges = [(float(t), float(t)) for t in terms]
        except (ValueError, ArithmeticError):
            ranges = [(None, None)] * n
    else:
        for i in range(n):
            left = _call_student(
                subject.forward_name, where, _one_sided_slope, truth, point, i, -1.0
            )
            right = _call_student(
                subject.forward_name, where, _one_sided_slope, truth, point, i, 1.0
            )
            if left is not None and right is not None:
                ranges.append((min(left, right), max(left, right)))
            else:
                # One side undefined (sqrt at 0): raising is right, and so is the other side's
                # slope; a missing high end marks "or raise".
                ranges.append((right if left is None else left, None))
    partials = tuple(0.0 if lo is None else lo for lo, _ in ranges)
    entries = []
    for upstream in (1.0, UPSTREAM):
        got = _edge_derivative(subject, point, upstream)
        for i, (low, high) in enumerate(ranges):
            accepted: tuple[float | None, float | None]
            if low is None or (high is None and got is None):
                accepted = (None, None)  # backward should raise (or may, with one side undefined)
            elif high is None:
                accepted = (upstream * low, upstream * low)
            else:
                a, b = sorted((upstream * low, upstream * high))
                accepted = (a, b)
            g = None if got is None else got[i]
            entries.append(
                _Entry(point, i, upstream, g, accepted[0], accepted[1], partials, value, edge=True)
            )
    return entries


def _edge_derivative(
    subject: _Subject, point: tuple[float, ...], upstream: float
) -> tuple[float, ...] | None:
    """The student's derivative at an edge point, or None if backward raised a domain error
    (``ValueError`` or ``ArithmeticError``, as for an infinite derivative)."""
    try:
        return subject.derivative(point, upstream, tolerate=(ValueError, ArithmeticError))
    except (ValueError, ArithmeticError):
        return None


def _second_order_entries_at(subject: _Subject, point: tuple[float, ...]) -> list[_Entry]:
    """Second derivatives through create_graph, against differences of the first derivatives."""
    where = _where(subject.names, point)
    n = len(point)

    def first_derivative(i: int) -> Callable[..., float]:
        # The float path of the student's derivative, already checked against the truth: its
        # finite differences are the second derivatives that create_graph must reproduce.
        def d_i(*values: Value) -> float:
            with enable_grad():  # numerical_gradient evaluates under no_grad
                return subject.derivative([float(v) for v in values], 1.0)[i]

        return d_i

    def analytic() -> list[list[float]]:
        inputs = [Value(x) for x in point]
        out = subject.function(*inputs)
        if not isinstance(out, Value):
            return [[0.0] * n for _ in range(n)]
        firsts = grad(out, inputs, create_graph=True)
        return [grad(first, inputs) for first in firsts]

    hessian = _call_student(
        f"{subject.backward_name} (called with Values, as backward(create_graph=True) does)",
        where,
        analytic,
    )
    value = subject.value(point)
    entries = []
    for i in range(n):
        row = numerical_gradient(first_derivative(i), list(point))
        for j in range(n):
            entries.append(
                _Entry(
                    point, i * n + j, 1.0, hessian[i][j], row[j], row[j], tuple(row), value, order=2
                )
            )
    return entries


def _derivative_report(
    subject: _Subject, entries: list[_Entry], has_reference: bool, atol: float, rtol: float
) -> CheckReport:
    bad = [e for e in entries if e.badness(atol, rtol) > 0.0]
    n_points = len({(e.point, e.edge) for e in entries})
    if not bad:
        second = " and second" if any(e.order == 2 for e in entries) else ""
        what = "the forward and first" if has_reference else "the first"
        edges = len(subject.edge_points)
        edge_text = f", including {edges} edge point(s)" if edges else ""
        return CheckReport(
            "passed",
            f"{subject.title}: {what}{second} derivatives are right at {n_points} points"
            f"{edge_text}, with grad = 1 and grad = {_num(UPSTREAM)} arriving from above.",
            checked=len(entries),
        )
    # Show the simplest failure: first derivatives before second ones, grad = 1 before others.
    simplest = min((e.order, e.upstream != 1.0) for e in bad)
    worst = max(
        (e for e in bad if (e.order, e.upstream != 1.0) == simplest),
        key=lambda e: e.badness(atol, rtol),
    )
    hint = _diagnose(subject, bad, worst, atol, rtol)
    row_entries = [
        e
        for e in entries
        if e.point == worst.point
        and e.upstream == worst.upstream
        and e.order == worst.order
        and e.edge == worst.edge
    ]
    kind = "second derivative" if worst.order == 2 else "derivative"
    summary = (
        f"the {kind} from {subject.backward_name} is off at "
        f"{len({e.point for e in bad})} of {n_points} points; the largest difference is "
        f"{_where(subject.names, worst.point)}"
        + (
            f", with grad = {_num(worst.upstream)} arriving from above."
            if worst.upstream != 1.0
            else "."
        )
    )
    return CheckReport(
        "failed",
        summary,
        details=_details(subject, row_entries, atol, rtol),
        hint=hint,
        point=dict(zip(subject.names, worst.point)),
        got=worst.got,
        expected=worst.expected,
        checked=len(entries),
        failures=len(bad),
    )


def _entry_name(subject: _Subject, e: _Entry) -> str:
    n = len(subject.names)
    if e.order == 2:
        i, j = divmod(e.index, n)
        if n == 1:
            return f"d2f/d{subject.names[0]}2"
        return f"d2f/d{subject.names[i]}d{subject.names[j]}"
    prefix = "grad * " if e.upstream != 1.0 else ""
    return f"{prefix}df/d{subject.names[e.index]}"


def _expected_text(e: _Entry) -> str:
    if e.low is None:
        return "should raise"
    if e.high is None or e.low == e.high:
        return _num(e.low)
    return f"{_num(e.low)} .. {_num(e.high)}"


def _details(subject: _Subject, entries: list[_Entry], atol: float, rtol: float) -> str:
    rows = []
    for e in entries:
        got = "raised" if e.got is None else _num(e.got)
        mark = "<- differs" if e.badness(atol, rtol) > 0.0 else ""
        rows.append([_entry_name(subject, e), got, _expected_text(e), mark])
    return _table(["", "yours", "expected", ""], rows)


def _diagnose(
    subject: _Subject,
    bad: list[_Entry],
    worst: _Entry,
    atol: float,
    rtol: float,
) -> str:
    """Name the typical mistake the numbers point to."""
    if worst.order == 2:
        if all(e.got == 0.0 for e in bad):
            return (
                "the first derivatives are right, but second derivatives come out 0: backward "
                "probably uses math.* functions (math.exp, math.tanh ...), which return plain "
                "floats and cut the graph. Use Python operators and the helpers in "
                "autograd_engine.functions, which work on floats and Values alike."
            )
        return (
            "the first derivatives are right but the second ones are not: write backward with "
            "Python operators and the helpers in autograd_engine.functions only, so that it "
            "also works on Values (backward(create_graph=True) calls it with Values)."
        )
    if worst.edge:
        return _edge_hint(subject, worst)
    smooth_bad = [e for e in bad if not e.edge and e.order == 1]
    at_one = [e for e in smooth_bad if e.upstream == 1.0]
    if at_one:
        return _formula_hint(subject, at_one, atol, rtol)
    return _chain_rule_hint(subject, smooth_bad, atol, rtol)


def _formula_hint(subject: _Subject, bad: list[_Entry], atol: float, rtol: float) -> str:
    """Hints for a derivative that is wrong even with grad = 1."""

    def near(a: float, b: float) -> bool:
        return _close(a, b, atol, rtol)

    n = len(subject.names)
    sized = [e for e in bad if e.expected is not None and abs(e.expected) > 1e-6]
    if sized and len(sized) == len(bad) and all(e.got == 0.0 for e in bad):
        if subject.op is None:
            return (
                "your derivative is 0 at every point that differs: no gradient reaches the "
                "inputs, so the graph is cut somewhere. Did you use .data, float(...) or a math.* "
                "function (like math.tanh)? Use Value operations (.tanh(), .exp()) instead."
            )
        return (
            "your derivative is 0 at every point that differs, where the right one is not: "
            "each term must be grad times the local derivative, not a placeholder 0."
        )
    if (
        sized
        and len(sized) == len(bad)
        and all(near(-float(e.got or 0.0), float(e.expected or 0.0)) for e in bad)
    ):
        return (
            "your derivative has the right size but the wrong sign at every point that "
            "differs: look for a missing or extra minus sign."
        )
    if n > 1 and all(
        any(k != e.index and near(float(e.got or 0.0), e.partials[k]) for k in range(n))
        for e in bad
    ):
        wrong = sorted({e.index for e in bad})
        if len(wrong) == n:
            return (
                "each of your derivatives matches the derivative with respect to another input: "
                "the terms look swapped. backward must return them in the order of forward's "
                f"inputs: (d/d{', d/d'.join(subject.names)})."
            )
        names = ", ".join(subject.names[i] for i in wrong)
        return (
            f"your term for {names} matches the derivative with respect to another input: you "
            f"may have differentiated with respect to the wrong variable. For {names}, treat "
            "the other inputs as constants."
        )
    if len(sized) == len(bad) and len(sized) >= 2:
        ratios = [float(e.got or 0.0) / float(e.expected or 1.0) for e in sized]
        if max(ratios) - min(ratios) <= 1e-3 * max(abs(r) for r in ratios):
            factor = _factor_text(sum(ratios) / len(ratios))
            return (
                f"your derivative is {factor} times the right one at every point that differs: "
                "the formula is right up to a constant factor. Look for a missing or extra "
                "constant (a 2 from a power, a 1/2 from a square root ...)."
            )
    if n == 1 and all(near(float(e.got or 0.0), e.value) for e in bad):
        return (
            "your numbers equal the function's value f(x), not its derivative: return "
            "grad times the derivative."
        )
    hint = (
        "the difference is not a sign or a constant factor, so the formula itself needs "
        "another look: work out the derivative on paper and evaluate it at the point above."
    )
    if subject.op is not None and n == 1:
        hint += (
            " Remember that backward receives both `out` (the op's result, f(x)) and `x` (its "
            "input); do not mix them up."
        )
    return hint


def _chain_rule_hint(subject: _Subject, bad: list[_Entry], atol: float, rtol: float) -> str:
    """Hints for a derivative that is right with grad = 1 but wrong with another grad."""
    u = UPSTREAM

    def near(a: float, b: float) -> bool:
        return _close(a, b, atol, rtol)

    if all(near(float(e.got or 0.0), float(e.expected or 0.0) / u) for e in bad):
        return (
            f"your answer is right when grad = 1, but with grad = {_num(u)} arriving from above "
            "it does not change: multiply by `grad` (the chain rule: upstream gradient times "
            "local derivative)."
        )
    if all(near(float(e.got or 0.0), float(e.expected or 0.0) * u) for e in bad):
        return (
            f"your answer is right when grad = 1, but with grad = {_num(u)} it grows {_num(u)} "
            "times too much: multiply by `grad` once, not twice."
        )
    return (
        "your answer is right when grad = 1 but not for other values of grad: each term must be "
        "`grad` times the local derivative (the chain rule)."
    )


def _edge_hint(subject: _Subject, e: _Entry) -> str:
    where = _where(subject.names, e.point)
    if e.low is None:
        return (
            f"{where} the derivative is infinite, or the op is undefined on one side: backward "
            "should raise ValueError with a short reason, like the built-in sqrt does at 0."
        )
    if e.got is None:
        return (
            f"{where} the derivative is finite ({_expected_text(e)}), so backward should return "
            "a number there instead of raising."
        )
    check = "Check which branch your `if` takes at exactly this point (x > 0 or x >= 0?)."
    if e.high is not None and e.low != e.high:
        return (
            f"{where} the derivative jumps (a kink): any value between the slope from the left "
            f"and the slope from the right ({_expected_text(e)}) is accepted. {check}"
        )
    if any(x in subject.kinks for x in e.point):
        return (
            f"{where} the derivative jumps (a kink), and the convention is {_expected_text(e)}, "
            f"as the reference does. {check}"
        )
    return f"{where} (an edge of the domain) your derivative differs. {check}"


# ------------------------------------------------------------------------------------------------
# check_module
# ------------------------------------------------------------------------------------------------


def check_module(
    module: Any,
    reference: Any = None,
    *,
    n_inputs: int | None = None,
    n_points: int = 5,
    seed: int = 0,
    atol: float = 1e-8,
    rtol: float = 1e-6,
) -> CheckReport:
    """Check a student's module (a neuron, a layer, an MLP) against the engine's ``nn``.

    Both get the same seeded random parameters (so a bias that starts at 0 cannot hide a
    forgotten bias; the student's own values come back afterwards) and are called on the same
    seeded random inputs; their outputs and gradients (with respect to every parameter and every
    input) must agree.

    Args:
        module: the student's module: anything callable on a list of numbers or Values, with a
            ``parameters()`` method.
        reference: the module to compare with. Default: when the student's class subclasses a
            class of :mod:`autograd_engine.nn` (``class MyNeuron(Neuron)``), that class's own
            ``__call__``, on the student's object. Otherwise a module with the same number of
            parameters, such as ``nn.Neuron(3, activation="tanh")``, matched in the order of
            ``parameters()``; its own values come back afterwards.
        n_inputs: the number of inputs; default: the module's ``nin``.
        n_points: how many random inputs to try.
        seed: the seed of the parameters and inputs.
        atol, rtol: the tolerance of the comparison (the same arithmetic in another order
            differs only by rounding).

    Returns:
        A :class:`CheckReport`; on a difference it names the output or parameter, shows both
        numbers and hints at the likely mistake (a missing bias or activation, a graph cut by
        ``.data`` or ``math.tanh``, ...).

    Example:
        >>> from autograd_engine.nn import Neuron
        >>> class MyNeuron(Neuron):
        ...     def __call__(self, x):
        ...         return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).relu()
        >>> bool(check_module(MyNeuron(3, seed=0)))
        True
    """
    _check_count("check_module", "n_points", n_points)
    title = type(module).__name__
    rng = random.Random(seed)
    try:
        params = _student_parameters(module)
        saved = [p.data for p in params]
        try:
            # Fresh random parameters for the check: a bias that starts at 0 would hide a
            # forgotten bias. The student's own values come back afterwards.
            for p in params:
                p.data = round(rng.uniform(-1.0, 1.0), 3)
            call, reference_params, restore = _reference_call(module, reference, params)
            try:
                return _compare_modules(
                    module,
                    params,
                    call,
                    reference_params,
                    title,
                    n_inputs if n_inputs is not None else _infer_inputs(module, reference),
                    n_points,
                    rng,
                    atol,
                    rtol,
                )
            finally:
                restore()
        finally:
            for p, old in zip(params, saved):
                p.data = old
    except _Stop as stop:
        return stop.report


def _reference_call(
    module: Any, reference: Any, params: list[Value]
) -> tuple[Callable[[Any], Any], list[Value], Callable[[], None]]:
    """How to call the reference, its parameters (matching ``params`` one to one), and how to
    undo the changes made to it for the check."""
    if reference is None:
        for base in type(module).__mro__[1:]:
            if (
                base.__module__ == nn.__name__
                and base is not nn.Module
                and "__call__" in vars(base)
            ):
                call = vars(base)["__call__"]
                return (lambda x, call=call: call(module, x)), params, (lambda: None)
        raise TypeError(
            f"check_module() needs reference=... for {type(module).__name__}, which does not "
            "subclass Neuron, Layer or MLP from autograd_engine.nn; pass a reference module "
            "with the same number of parameters, like nn.Neuron(3, activation='tanh')"
        )
    if not callable(reference) or not hasattr(reference, "parameters"):
        raise TypeError(
            "check_module(reference=...) expects a module (callable, with parameters()), got "
            f"{describe(reference)}"
        )
    theirs = list(reference.parameters())
    if len(params) != len(theirs):
        _fail(
            f"{type(module).__name__} has {len(params)} parameter(s), but the reference "
            f"{type(reference).__name__} has {len(theirs)}.",
            "check the shapes in __init__ (one weight per input, one bias per neuron), and that "
            "parameters() returns all of them.",
        )
    saved = [p.data for p in theirs]
    for p, q in zip(theirs, params):
        p.data = q.data

    def restore() -> None:
        for p, old in zip(theirs, saved):
            p.data = old

    return reference, theirs, restore


def _student_parameters(module: Any) -> list[Value]:
    title = type(module).__name__
    if not hasattr(module, "parameters"):
        _fail(
            f"{title} has no parameters() method.",
            "add `def parameters(self): return [...]` returning every weight and bias Value.",
        )
    params = _call_student(f"{title}.parameters", "", module.parameters)
    try:
        params = list(params)
    except TypeError:
        _fail(f"{title}.parameters() returned {_show(params)}; it should return a list.")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            _fail(
                f"{title}.parameters() returned {describe(p)} at position {i}; every parameter "
                "should be a Value.",
                "keep the weights as Values (Value(random.uniform(-1, 1))), not plain floats, "
                "so they get gradients.",
            )
    return params


def _infer_inputs(module: Any, reference: Any) -> int:
    for obj in (module, reference):
        nin = getattr(obj, "nin", None)
        if isinstance(nin, int) and not isinstance(nin, bool):
            return nin
    w = getattr(module, "w", None)
    if isinstance(w, (list, tuple)):
        return len(w)
    raise TypeError(
        f"check_module() cannot tell how many inputs {type(module).__name__} takes; pass "
        "n_inputs=..."
    )


def _outputs(result: Any, who: str, where: str) -> list[Value]:
    """A module's output as a list of Values, or a report explaining what is wrong with it."""
    items = result if isinstance(result, (list, tuple)) else [result]
    for item in items:
        if not isinstance(item, Value):
            number = _as_number(item) is not None
            _fail(
                f"{who} returned {_show(result)} {where}; it should return a Value"
                + (" (or a list of Values)." if isinstance(result, (list, tuple)) else "."),
                "a plain number has no graph, so no gradient can flow back to the weights: "
                "compute with Values only (no .data, no math.tanh; use .tanh())."
                if number
                else "did you forget `return`?"
                if item is None
                else "",
            )
    return list(items)


def _compare_modules(
    module: Any,
    params: list[Value],
    reference_call: Callable[[Any], Any],
    reference_params: list[Value],
    title: str,
    nin: int,
    n_points: int,
    rng: random.Random,
    atol: float,
    rtol: float,
) -> CheckReport:
    names = _parameter_labels(module, params)
    checked = 0
    for _ in range(n_points):
        xs = [Value(round(rng.uniform(-2.0, 2.0), 3), label=f"x{i}") for i in range(nin)]
        where = "on the input x = [" + ", ".join(_num(x.data) for x in xs) + "]"
        got = _outputs(_call_student(f"{title}.__call__", where, module, xs), title, where)
        want = _outputs(reference_call(xs), "the reference", where)
        if len(got) != len(want):
            _fail(
                f"{title} returned {len(got)} output(s) {where}, but {len(want)} were expected.",
                "return one Value per neuron (a single Value when there is one neuron).",
            )
        for k, (g, w) in enumerate(zip(got, want)):
            checked += 1
            if not _close(g.data, w.data, atol, rtol):
                label = "the output" if len(got) == 1 else f"output {k}"
                _fail(
                    f"{label} of {title} is wrong {where}.",
                    _forward_hint(
                        module,
                        xs,
                        g.data,
                        w.data,
                        reference_call,
                        k,
                        params,
                        reference_params,
                        atol,
                        rtol,
                    ),
                    details=_table(
                        ["", "yours", "expected"], [[label, _num(g.data), _num(w.data)]]
                    ),
                    got=g.data,
                    expected=w.data,
                    point={x.label: x.data for x in xs},
                    checked=checked,
                    failures=1,
                )
        # Gradients of a random mix of the outputs, so no error can hide behind another.
        weights = [round(rng.uniform(0.5, 1.5), 3) for _ in got]
        wrt = [*params, *xs]
        mine = _call_student(
            f"backward through {title}",
            where,
            grad,
            Value.sum([c * o for c, o in zip(weights, got)]),
            wrt,
        )
        theirs = grad(Value.sum([c * o for c, o in zip(weights, want)]), [*reference_params, *xs])
        labels = [*names, *[x.label for x in xs]]
        wrong = [
            (label, g, w)
            for label, g, w in zip(labels, mine, theirs)
            if not _close(g, w, atol, rtol)
        ]
        checked += len(wrt)
        if wrong:
            unreached = [label for label, g, _ in wrong if g == 0.0]
            if len(unreached) == len(wrong) and len(wrong) > len(wrt) // 2:
                hint = (
                    "your outputs are right, but no gradient reaches these numbers: the graph is "
                    "cut somewhere. Did you use .data, float(...) or a math.* function (like "
                    "math.tanh) inside __call__? Use Value operations (.tanh(), .relu()) instead."
                )
            elif len(unreached) == len(wrong):
                hint = (
                    f"no gradient reaches {', '.join(unreached)}: does your __call__ use "
                    f"{'it' if len(unreached) == 1 else 'them'}? (With these inputs the output "
                    "happens to match, but the gradient shows the difference.)"
                )
            else:
                hint = (
                    "your outputs are right but the gradients are not: check that every weight, "
                    "the bias and every input are used as Values, each exactly once."
                )
            rows = [[label, _num(g), _num(w)] for label, g, w in wrong[:8]]
            _fail(
                f"the gradients through {title} differ for {len(wrong)} of {len(wrt)} numbers "
                f"{where}.",
                hint,
                details=_table(["gradient of", "yours", "expected"], rows),
                got=wrong[0][1],
                expected=wrong[0][2],
                point={x.label: x.data for x in xs},
                checked=checked,
                failures=len(wrong),
            )
    return CheckReport(
        "passed",
        f"{title} gives the same outputs and gradients as the reference on {n_points} random "
        "inputs.",
        checked=checked,
    )


def _parameter_labels(module: Any, params: list[Value]) -> list[str]:
    named = getattr(module, "named_parameters", None)
    if callable(named):
        try:
            pairs = list(named())
            if len(pairs) == len(params):
                return [str(name) for name, _ in pairs]
        except Exception:
            pass
    return [p.label or f"parameter {i}" for i, p in enumerate(params)]


def _forward_hint(
    module: Any,
    xs: list[Value],
    got: float,
    want: float,
    reference_call: Callable[[Any], Any],
    k: int,
    params: list[Value],
    reference_params: list[Value],
    atol: float,
    rtol: float,
) -> str:
    """Name a neuron's typical mistakes: a missing activation or bias, a sign."""
    w, b = getattr(module, "w", None), getattr(module, "b", None)
    if (
        isinstance(w, (list, tuple))
        and isinstance(b, Value)
        and all(isinstance(wi, Value) for wi in w)
    ):
        weighted = math.fsum(wi.data * x.data for wi, x in zip(w, xs))
        if _close(got, weighted + b.data, atol, rtol):
            return (
                "your number is the weighted sum plus bias, before the activation: apply the "
                "activation (for example .tanh()) to it."
            )
        index = next((i for i, p in enumerate(params) if p is b), None)
        if index is not None:
            bias = reference_params[index]  # the reference's copy of b (b itself for a subclass)
            saved = bias.data
            bias.data = 0.0
            try:
                without_bias = _outputs(reference_call(xs), "the reference", "")[k].data
            finally:
                bias.data = saved
            if _close(got, without_bias, atol, rtol):
                return (
                    "your number is what the neuron gives without its bias: add self.b to the sum."
                )
        if _close(got, weighted, atol, rtol):
            return (
                "your number is the weighted sum alone: add the bias self.b, then apply the "
                "activation."
            )
    if _close(-got, want, atol, rtol):
        return "your output has the wrong sign: look for a minus sign."
    return (
        "compute act(w0*x0 + w1*x1 + ... + b) with the module's own weights, bias and activation."
    )


# ------------------------------------------------------------------------------------------------
# check_backward
# ------------------------------------------------------------------------------------------------


def check_backward(
    student_backward: Callable[..., Any],
    graph: Callable[..., Value],
    *,
    domain: tuple[float, float] = (-2.0, 2.0),
    n_points: int = 5,
    seed: int = 0,
    atol: float = 1e-6,
    rtol: float = 1e-6,
) -> CheckReport:
    """Check a student's backward pass written by hand for a tiny graph, against the engine.

    ``graph`` builds the graph from its leaves; every node the student works with gets a label,
    and the leaves are labelled with ``graph``'s parameter names. The student's function takes
    the nodes it needs by label, as keyword arguments, and sets their ``.grad``::

        def tiny_graph(a, b, c):
            e = a * b;  e.label = "e"
            L = e + c;  L.label = "L"
            return L

        def my_backward(L, e, a, b, c):
            L.grad = 1.0
            ...

        check_backward(my_backward, tiny_graph)

    For each seeded random choice of the leaves, one copy of the graph goes through the
    student's function and another through the engine's ``backward``; every grad the student
    was given must match.

    Args:
        student_backward: the student's function; its parameter names are node labels.
        graph: builds the graph from one Value per leaf and returns the root.
        domain: the interval the leaves are drawn from.
        n_points: how many random choices of the leaves to try.
        seed: the seed of the leaves.
        atol, rtol: the tolerance of the comparison.

    Returns:
        A :class:`CheckReport`; on a difference, a table of every node's grad, yours next to the
        engine's, and a hint (a missing root grad of 1, a missing chain-rule factor, ``=``
        instead of ``+=`` for a node used twice, ...).
    """
    _check_count("check_backward", "n_points", n_points)
    leaves_info = _parameter_names(graph)
    if leaves_info is None or not leaves_info[0] or leaves_info[1]:
        raise TypeError(
            "check_backward() expects graph to be a function with one named parameter per leaf, "
            f"like def tiny_graph(a, b, c), got {describe(graph)}"
        )
    leaf_names = leaves_info[0]
    wanted = _keyword_names(student_backward)
    rng = random.Random(seed)
    title = _title(student_backward)
    checked = 0
    try:
        for _ in range(n_points):
            values = [round(rng.uniform(*domain), 3) for _ in leaf_names]
            theirs, their_nodes = _build(graph, leaf_names, values)
            mine, my_nodes = _build(graph, leaf_names, values)
            if wanted is None:
                wanted = list(my_nodes)
            missing = [name for name in wanted if name not in my_nodes]
            if missing:
                _fail(
                    f"{title} asks for node(s) {', '.join(missing)}, but the graph has only "
                    f"{', '.join(my_nodes)}.",
                    "keep the parameter names of the function you were given.",
                )
            where = "with " + ", ".join(f"{n} = {_num(v)}" for n, v in zip(leaf_names, values))
            given = {n: my_nodes[n] for n in wanted}
            _call_student(title, where, lambda given=given: student_backward(**given))
            expected = dict(zip(their_nodes, grad(theirs, list(their_nodes.values()))))
            rows, wrong = [], []
            for name in wanted:
                got = _as_number(my_nodes[name].grad)
                want = expected[name]
                ok = got is not None and _close(got, want, atol, rtol)
                rows.append(
                    [
                        f"{name}.grad",
                        "?" if got is None else _num(got),
                        _num(want),
                        "" if ok else "<- differs",
                    ]
                )
                if not ok:
                    wrong.append((name, got, want))
            checked += len(wanted)
            if wrong:
                name, got, want = max(
                    wrong, key=lambda w: math.inf if w[1] is None else abs(w[1] - w[2])
                )
                _fail(
                    f"{len(wrong)} of the {len(wanted)} gradients set by {title} "
                    f"{'is' if len(wrong) == 1 else 'are'} off {where}.",
                    _backward_hint(mine, my_nodes, expected, wrong, atol, rtol),
                    details=_table(["", "yours", "expected", ""], rows),
                    point=dict(zip(leaf_names, values)),
                    got=got,
                    expected=want,
                    checked=checked,
                    failures=len(wrong),
                )
    except _Stop as stop:
        return stop.report
    return CheckReport(
        "passed",
        f"{title} sets every gradient like the engine's backward, for {n_points} random choices "
        f"of {', '.join(leaf_names)}.",
        checked=checked,
    )


def _keyword_names(function: Callable[..., Any]) -> list[str] | None:
    """The parameter names of the student's function, or None if it takes ``**nodes``."""
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(
            f"check_backward() expects a Python function, got {describe(function)}"
        ) from None
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _build(
    graph: Callable[..., Value], leaf_names: list[str], values: list[float]
) -> tuple[Value, dict[str, Value]]:
    """Build one copy of the graph; return its root and its labelled nodes by label."""
    leaves = [Value(v, label=n) for n, v in zip(leaf_names, values)]
    root = graph(*leaves)
    if not isinstance(root, Value):
        raise TypeError(f"check_backward(): graph must return a Value, got {describe(root)}")
    nodes = {node.label: node for node in topological_order(root) if node.label}
    return root, nodes


def _backward_hint(
    root: Value,
    nodes: dict[str, Value],
    expected: dict[str, float],
    wrong: list[tuple[str, float | None, float]],
    atol: float,
    rtol: float,
) -> str:
    def near(a: float | None, b: float) -> bool:
        return a is not None and _close(a, b, atol, rtol)

    names = {node: name for name, node in nodes.items()}
    root_name = names.get(root)
    if root_name is not None and any(name == root_name for name, _, _ in wrong):
        return f"start from the end: {root_name}.grad = 1.0, because d{root_name}/d{root_name} = 1."
    unset = [name for name, got, want in wrong if got == 0.0 and want != 0.0]
    if len(unset) == len(wrong):
        return f"you have not set {', '.join(n + '.grad' for n in unset)} yet (still 0.0)."
    if all(near(-got if got is not None else None, want) for _, got, want in wrong):
        return "the sizes are right but the signs are not: look for a minus sign."
    # For each wrong node: who uses it, and what each use contributes (the chain rule's terms),
    # with the local derivatives of the engine's own backward pass, step by step.
    uses: dict[str, list[tuple[str, float, float]]] = {}  # name -> (child, child grad, local)
    for step in backward_steps(root):
        child_name = names.get(step.node)
        if child_name is None:
            continue
        for update in step.updates:
            if update.parent in names:
                uses.setdefault(names[update.parent], []).append(
                    (child_name, expected[child_name], update.local_derivative)
                )
    for name, got, _ in wrong:
        terms = uses.get(name, [])
        if len(terms) > 1 and any(near(got, g * local) for _, g, local in terms):
            return (
                f"{name} is used {len(terms)} times in the graph, and your {name}.grad holds only "
                f"one of its contributions. Add them all up (+=): the chain rule sums over "
                "every use."
            )
        if len(terms) == 1:
            user, user_grad, local = terms[0]
            if near(got, local) and not near(got, user_grad * local):
                return (
                    f"{name}.grad is d{user}/d{name} = {_num(local)}, the local derivative only. "
                    f"Multiply it by {user}.grad (the chain rule: d{root_name or 'L'}/d{name} = "
                    f"d{root_name or 'L'}/d{user} * d{user}/d{name})."
                )
            node = nodes[name]
            if (
                nodes[user]._op == "*"
                and near(got, user_grad * node.data)
                and not near(got, user_grad * local)
            ):
                return (
                    f"for {name}.grad you multiplied by {name}'s own value; the derivative of a "
                    f"product with respect to one factor is the other factor: d(u*v)/du = v."
                )
    return (
        "go backwards from the root, one node at a time: each grad is the grad of the node that "
        "uses it times the local derivative, summed over every use."
    )


# ------------------------------------------------------------------------------------------------
# check_training_step
# ------------------------------------------------------------------------------------------------


def _mse_step(model: Any, xs: list[list[float]], ys: list[float], learning_rate: float) -> Value:
    """The reference: mean squared error, zero the grads, backward, one step of gradient descent."""
    predictions = [model(x) for x in xs]
    loss = Value.sum([(p - y) ** 2 for p, y in zip(predictions, ys)]) / len(ys)
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss


def _default_data(seed: int) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    xs = [[round(rng.uniform(-1.0, 1.0), 3), round(rng.uniform(-1.0, 1.0), 3)] for _ in range(8)]
    ys = [1.0 if a * b > 0 else -1.0 for a, b in xs]
    return xs, ys


def check_training_step(
    student_step: Callable[..., Any],
    *,
    model: Any = None,
    data: tuple[Sequence[Any], Sequence[float]] | None = None,
    reference: Callable[..., Any] | None = None,
    steps: int = 5,
    learning_rate: float = 0.1,
    seed: int = 0,
    atol: float = 1e-8,
    rtol: float = 1e-6,
) -> CheckReport:
    """Check a student's training step, ``step(model, xs, ys, learning_rate) -> loss``.

    Two identical models take ``steps`` steps side by side, one with the student's function and
    one with the reference; after every step the returned loss and every parameter must agree.
    The default reference computes the mean squared error of ``model(x)`` against ``y`` over the
    whole data set, sets every ``grad`` to 0, calls ``loss.backward()`` and moves each parameter
    by ``-learning_rate * grad``.

    Args:
        student_step: the student's function; it changes the model's parameters in place and
            returns the loss (a Value or a number) computed before the update.
        model: a module to copy for both runs, or a function that builds a fresh one; default: a
            seeded ``MLP(2, [4, 1], activation="tanh")``.
        data: ``(xs, ys)``; default: 8 seeded points in 2D with targets +1/-1.
        reference: the right step, with the same signature; default: as described above.
        steps: how many steps to take.
        learning_rate: passed to both steps.
        seed: the seed of the default model and data.
        atol, rtol: the tolerance of the comparison.

    Returns:
        A :class:`CheckReport`; on a difference it shows the step, the loss and a parameter side
        by side and hints at the likely mistake (a missing ``zero_grad``, a step uphill, a sum
        instead of a mean, ...).
    """
    _check_count("check_training_step", "steps", steps)
    xs, ys = (
        ([list(x) for x in data[0]], [float(y) for y in data[1]]) if data else _default_data(seed)
    )
    reference = reference or _mse_step

    def fresh() -> Any:
        if model is None:
            return nn.MLP(2, [4, 1], activation="tanh", seed=seed)
        if callable(model) and not hasattr(model, "parameters"):
            return model()
        return copy.deepcopy(model)

    mine, theirs = fresh(), fresh()
    title = _title(student_step)
    losses: list[float] = []
    total = [0.0 for _ in theirs.parameters()]  # the sum of every step's gradients so far
    try:
        for step in range(steps):
            where = f"at step {step + 1}"
            before = [p.data for p in theirs.parameters()]
            result = _call_student(title, where, student_step, mine, xs, ys, learning_rate)
            expected_loss = float(reference(theirs, xs, ys, learning_rate))
            grads = [float(p.grad) for p in theirs.parameters()]
            total = [t + g for t, g in zip(total, grads)]
            _compare_step(
                title,
                step,
                mine,
                theirs,
                before,
                total,
                result,
                expected_loss,
                learning_rate,
                len(ys),
                atol,
                rtol,
            )
            losses.append(expected_loss)
    except _Stop as stop:
        return stop.report
    return CheckReport(
        "passed",
        f"{title} matches the reference step for {steps} steps; the loss went from "
        f"{_num(losses[0])} to {_num(losses[-1])}.",
        checked=steps,
    )


def _compare_step(
    title: str,
    step: int,
    mine: Any,
    theirs: Any,
    before: list[float],
    accumulated: list[float],
    result: Any,
    expected_loss: float,
    learning_rate: float,
    n: int,
    atol: float,
    rtol: float,
) -> None:
    """Stop the check with a report if the student's step differs from the reference's."""
    where = f"at step {step + 1}"
    got_loss = _as_number(result)
    if got_loss is None:
        _fail(
            f"{title} returned {_show(result)} {where}; it should return the loss.",
            "end the function with `return loss`." if result is None else "",
        )
    now_mine = [p.data for p in mine.parameters()]
    now_theirs = [p.data for p in theirs.parameters()]
    if not _close(got_loss, expected_loss, atol, rtol):
        if _close(got_loss, expected_loss * n, atol, rtol):
            hint = (
                f"your loss is {n} times the expected one: that is the sum of the squared errors; "
                f"take their mean (divide by len(ys))."
            )
        elif step > 0 and _close(now_mine[0], before[0], atol, rtol):
            hint = "the loss should fall as the parameters change; are they being updated?"
        else:
            hint = (
                "compute the loss of the current model before updating it: the mean of "
                "(model(x) - y)**2 over the data."
            )
        _fail(
            f"the loss returned by {title} differs {where}.",
            hint,
            details=_table(
                ["", "yours", "expected"], [["loss", _num(got_loss), _num(expected_loss)]]
            ),
            got=got_loss,
            expected=expected_loss,
            checked=step + 1,
            failures=1,
        )
    wrong = [
        i for i, (a, b) in enumerate(zip(now_mine, now_theirs)) if not _close(a, b, atol, rtol)
    ]
    if not wrong:
        return
    i = max(wrong, key=lambda k: abs(now_mine[k] - now_theirs[k]))
    moves = [(now_mine[k] - before[k], now_theirs[k] - before[k]) for k in wrong]
    sized = [(m, t) for m, t in moves if abs(t) > 1e-12]
    hint = (
        "after loss.backward(), move every parameter against its gradient: "
        "p.data -= learning_rate * p.grad."
    )
    if all(abs(m) <= 1e-15 for m, _ in moves):
        hint = (
            "your step did not change the parameters. After loss.backward(), update each one: "
            "p.data -= learning_rate * p.grad."
        )
    elif sized and all(_close(-m, t, atol, rtol) for m, t in sized):
        hint = (
            "your step goes uphill: the parameters move the wrong way, so the loss grows. "
            "Subtract learning_rate * p.grad instead of adding it."
        )
    elif step > 0 and all(
        _close(a - b, -learning_rate * g, atol, rtol)
        for a, b, g in zip(now_mine, before, accumulated)
    ):
        hint = (
            "the first step was right, but later ones move too far: the gradients of earlier "
            "steps are still in p.grad, because backward() adds to it. Set every p.grad = 0.0 "
            "(model.zero_grad()) before loss.backward()."
        )
    elif sized and len(sized) > 1:
        ratios = [m / t for m, t in sized]
        if max(ratios) - min(ratios) <= 1e-3 * max(abs(r) for r in ratios):
            hint = (
                f"your step is {_factor_text(sum(ratios) / len(ratios))} times the expected size: "
                "move each parameter by exactly learning_rate * p.grad."
            )
    _fail(
        f"after {title} {where}, {len(wrong)} of {len(now_mine)} parameters differ from the "
        "reference.",
        hint,
        details=_table(
            [_parameter_labels(mine, list(mine.parameters()))[i], "yours", "expected"],
            [
                ["before", _num(before[i]), _num(before[i])],
                ["after", _num(now_mine[i]), _num(now_theirs[i])],
            ],
        ),
        got=now_mine[i],
        expected=now_theirs[i],
        checked=step + 1,
        failures=len(wrong),
    )
