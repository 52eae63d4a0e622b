r"""``check_op``: an op's (or a function's) derivative against central finite differences.

The student's ``backward`` is called at seeded random points of the domain and at the edge
points, with ``grad = 1`` and with ``grad =`` :data:`UPSTREAM`; the truth is
:func:`autograd_engine.gradcheck.numerical_gradient` of the reference (or of the student's own
forward). Where the points come from is the grader's choice: the check call, else the reference
op, never the student's class. A difference is explained by the typical mistake it points to.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

from .. import autodiff
from .. import ops as engine_ops
from ..autodiff import grad
from ..errors import describe
from ..grad_mode import enable_grad, no_grad
from ..gradcheck import numerical_gradient
from ..gradcheck import value_at as _evaluate
from ..ops import Op
from ..value import Value
from .common import (
    Parts,
    Stop,
    as_number,
    at,
    call_student,
    check_count,
    check_points,
    close,
    factor_text,
    fail,
    give_up,
    num,
    parameter_names,
    run_check,
    show,
    table,
    title_of,
)
from .guard import DEFAULT_TIME_LIMIT, watch_calls
from .report import CheckReport

__all__ = ["EDGE_STEP", "KINK_MARGIN", "UPSTREAM", "check_op"]

#: The gradient "arriving from above" in the second run of every backward: a value other than 1
#: reveals a rule that forgets to multiply by ``grad`` (the chain rule).
UPSTREAM = 2.5

#: Random sample points keep at least this far from an op's kinks (relu at 0).
KINK_MARGIN = 0.05

#: The step of the one-sided differences taken at edge points.
EDGE_STEP = 1e-6

_FORWARD, _RULE, _ENGINE = "forward", "rule", "engine"


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
    watched: dict[CodeType, str] = field(default_factory=dict)  # calls a backward may not make

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
        where = at(self.names, point)
        if self.op is not None:
            result = call_student(self.forward_name, where, self.op.forward, *point)
        else:
            with no_grad():
                inputs = [Value(x) for x in point]
                result = call_student(self.forward_name, where, self.function, *inputs)
        value = as_number(result)
        if value is None:
            if isinstance(result, bool):
                hint = _term_hint(result)
            elif self.op is None:
                hint = (
                    "the function should compute a Value from its inputs, for example "
                    "`return (x * y).tanh()`. Did you forget `return`?"
                )
            else:
                hint = (
                    "forward computes the op's value from plain floats, for example "
                    "`return 1.0 / (1.0 + math.exp(-x))`. Did you forget `return`?"
                )
            fail(
                f"{self.forward_name} returned {show(result)} {where}; it should return a "
                "finite number.",
                hint,
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
        where = at(self.names, point)
        if self.op is None:
            inputs = [Value(x) for x in point]
            out = call_student(self.title, where, self.function, *inputs)
            if not isinstance(out, Value):
                return (0.0,) * len(point)  # a constant: no input reaches the output
            root = out if upstream == 1.0 else out * upstream
            return tuple(
                call_student(self.backward_name, where, grad, root, inputs, tolerate=tolerate)
            )
        out_value = self.value(point)
        with watch_calls(self.watched) as seen:
            terms = call_student(
                self.backward_name,
                where,
                self.op.backward,
                upstream,
                out_value,
                *point,
                tolerate=tolerate,
            )
        self._judge_calls(seen.arguments, point)
        return self._checked_terms(terms, where)

    def _judge_calls(self, calls: dict[str, list[tuple[Any, ...]]], point: Sequence[float]) -> None:
        """Give up on a backward that does not compute the derivative itself."""
        rule = self.backward_name
        asked = (
            "The exercise asks for the derivative's formula: work it out on paper, then return "
            "grad times it, one term per input."
        )
        if _ENGINE in calls:
            give_up(f"{rule} lets the engine differentiate (backward() or grad()).", asked)
        if _RULE in calls:
            give_up(f"{rule} calls the engine's own rule for this op instead of its own.", asked)
        moved = [args[1:] for args in calls.get(_FORWARD, []) if list(args[1:]) != list(point)]
        if moved:
            give_up(
                f"{rule} calls forward at points other than its input: that estimates the "
                "derivative by finite differences instead of computing it.",
                asked + " (Inside backward, `out` already holds forward's value at the input.)",
            )

    def _checked_terms(self, terms: Any, where: str) -> tuple[float, ...]:
        rule, n = self.backward_name, len(self.names)
        wanted = ", ".join(f"grad * df/d{name}" for name in self.names)
        shape = f"({wanted}{',' if n == 1 else ''})"
        if terms is None:
            fail(
                f"{rule} returned None {where}.",
                f"did you forget `return`? backward must return a tuple with one term per input: "
                f"return {shape}",
            )
        if isinstance(terms, (Value, numbers.Number)):
            fail(
                f"{rule} returned a single number ({show(terms)}) {where}, not a tuple.",
                f"put it in a tuple, one term per input: `return {shape}`"
                + (" (mind the comma: it makes the tuple)." if n == 1 else "."),
            )
        if not isinstance(terms, (tuple, list)):
            fail(
                f"{rule} returned {show(terms)} {where}; it should return a tuple of {n} "
                f"number(s).",
                f"write `return {shape}`.",
            )
        if len(terms) != n:
            fail(
                f"{rule} returned {len(terms)} term(s) {where}, but this op has {n} input(s) "
                f"({', '.join(self.names)}): {show(terms)}.",
                f"return exactly one term per input, in the order of forward's inputs: {shape}.",
            )
        values = []
        for name, term in zip(self.names, terms):
            value = as_number(term)
            if value is None:
                fail(
                    f"{rule} returned {show(term)} as the term for {name} {where}; it should "
                    "be a finite number.",
                    _term_hint(term),
                )
            values.append(value)
        return tuple(values)


@dataclass(frozen=True)
class _Places:
    """Where check_op looks: the domain, the kinks and the edge points, each None when the check
    call does not say (the reference, else the defaults, decide)."""

    domain: Sequence[tuple[float, float]] | None
    edge_points: Sequence[Sequence[float]] | None
    kinks: Sequence[float] | None


def _subject(op_or_function: Any, places: _Places, reference_op: Op | None) -> _Subject:
    """Normalise what check_op was given (an Op, an Op class, or a function of Values).

    The domain, kinks and edge points come from the check call, else from the reference op,
    else (with no reference at all) from an op's own class, else the defaults: a student cannot
    move the points the grader samples by editing their own class.
    """
    if isinstance(op_or_function, type) and issubclass(op_or_function, Op):
        try:
            op_or_function = op_or_function()
        except TypeError as exc:
            raise TypeError(
                f"check_op() got the class {op_or_function.__name__}, which needs arguments to "
                f"be created ({exc}); pass an instance instead, like {op_or_function.__name__}(...)"
            ) from None
    source: Op | None = reference_op
    if isinstance(op_or_function, Op):
        op = op_or_function
        if source is None:
            source = op  # no reference: the op is checked against its own forward
        own_domain = tuple(tuple(d) for d in (places.domain or source.domain))
        n = op.arity or source.arity or len(own_domain)
        return _Subject(
            title=title_of(op),
            names=_input_names(parameter_names(op.forward), n),
            domain=_domain_for(own_domain, n, title_of(op)),
            edge_points=_edges_for(
                source.edge_points if places.edge_points is None else places.edge_points, n
            ),
            kinks=tuple(source.kinks if places.kinks is None else places.kinks),
            op=op,
            function=op,
            watched=_watched(op, reference_op),
        )
    if not callable(op_or_function):
        raise TypeError(
            "check_op() expects an Op (an instance or a class) or a function of Values, got "
            f"{describe(op_or_function)}"
        )
    signature = parameter_names(op_or_function)
    if places.domain is not None:
        n = len(places.domain)
    elif source is not None and source.arity:
        n = source.arity
    elif signature is not None and signature[0] and not signature[1]:
        n = len(signature[0])
    else:
        raise TypeError(
            f"check_op() cannot tell how many inputs {title_of(op_or_function)} takes; pass "
            "domain=[(low, high), ...] with one interval per input"
        )
    given: tuple[tuple[float, ...], ...] = ((-3.0, 3.0),)
    if places.domain is not None:
        given = tuple(tuple(d) for d in places.domain)
    elif source is not None:
        given = tuple(tuple(d) for d in source.domain)
    edges = places.edge_points
    if edges is None:
        edges = source.edge_points if source is not None else ()
    kinks = places.kinks
    if kinks is None:
        kinks = source.kinks if source is not None else ()
    return _Subject(
        title=title_of(op_or_function),
        names=_input_names(signature, n),
        domain=_domain_for(given, n, title_of(op_or_function)),
        edge_points=_edges_for(edges, n),
        kinks=tuple(kinks),
        op=None,
        function=op_or_function,
    )


def _watched(op: Op, reference_op: Op | None) -> dict[CodeType, str]:
    """The functions a student's backward may not call: its own forward at other points (finite
    differences), the reference's rule, and the engine's differentiation."""
    if type(op).__module__.startswith(engine_ops.__name__.rpartition(".")[0] + "."):
        return {}  # the engine's own op, checked by its authors
    watched: dict[CodeType, str] = {
        autodiff.backward.__code__: _ENGINE,
        autodiff.grad.__code__: _ENGINE,
        Value.backward.__code__: _ENGINE,
        numerical_gradient.__code__: _ENGINE,
    }
    forward = getattr(type(op).forward, "__code__", None)
    if forward is not None:
        watched[forward] = _FORWARD
    for rule_owner in (reference_op, *_ops_named(op.name)):
        rule = getattr(type(rule_owner).backward, "__code__", None) if rule_owner else None
        if rule is not None:
            watched[rule] = _RULE
    return watched


def _ops_named(name: str) -> list[Op]:
    """The engine's ops of the same name (a student's ``relu`` may borrow ``Relu.backward``)."""
    return [op for op in vars(engine_ops).values() if isinstance(op, Op) and op.name == name]


def _term_hint(term: Any) -> str:
    if isinstance(term, bool):
        return (
            "True and False come from a comparison like `x > 0`; the term must be a number: "
            "grad times the derivative (for a jump, pick the branch with `if`)."
        )
    if term is None:
        return "None usually means a missing value: every term must be a number."
    if isinstance(term, numbers.Real) and not isinstance(term, Value):
        try:
            float(term)
        except Exception:
            return "this number cannot be turned into a float: return a plain float (or a Value)."
    if isinstance(term, (numbers.Number, Value)):
        return "nan or inf usually comes from a division by zero or an overflow."
    return "each term must be a number (or a Value): grad times the local derivative."


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
    points: float = 1.0,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> CheckReport:
    r"""Check an op's derivative at many points against central finite differences.

    The derivative is checked at ``n_points`` seeded random points of the ``domain`` (kept
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
        domain: one ``(low, high)`` interval per input; default: the reference op's ``domain``
            (a Value method like ``Value.relu`` stands for its op), else ``(-3, 3)``. Only with
            no reference at all does the student's op supply it (then its own forward is the
            truth anyway).
        edge_points: extra points to check, at the edge of the domain; default: as for domain.
        kinks: points where the derivative jumps, kept away from; default: as for domain.
        n_points: how many random points to check.
        seed: the seed of the random points (the same seed gives the same points).
        second_order: also check second derivatives, through ``create_graph=True``, against
            finite differences of the (checked) first derivatives; this catches a backward
            written with ``math.*`` functions, which cut the graph.
        atol, rtol: a number passes when ``|got - expected| <= atol + rtol * |expected|``.
        points: what the check is worth, shared equally by its parts (forward, derivative,
            chain rule, edge points, second derivatives); every part runs.
        time_limit: seconds the check may run (None: no limit), so that an endless loop in the
            student's code ends with a report instead of a hang.

    Returns:
        A :class:`CheckReport`: true when every derivative agrees; otherwise the worst point, the
        numbers side by side and a hint (a sign error, a missing ``grad *``, the derivative of the
        other input, a constant factor, ...). A backward that does not compute the derivative
        itself (it calls the reference's rule, the engine's ``backward``, or ``forward`` at other
        points) gets no points, whatever its numbers.

    Example:
        >>> from autograd_engine.ops import Tanh
        >>> bool(check_op(Tanh()))
        True
    """
    check_count("check_op", "n_points", n_points)
    points = check_points("check_op", points)
    truth, reference_op = _reference(reference)
    subject = _subject(op_or_function, _Places(domain, edge_points, kinks), reference_op)
    if truth is None:
        truth = subject.function
    sample = _sample_points(subject.domain, subject.kinks, n_points, seed)
    first, chain = "derivative with grad = 1", f"chain rule: grad = {num(UPSTREAM)}"
    names = [*(["forward"] if reference is not None else []), first, chain]
    if subject.edge_points:
        names.append("edge points")
    if second_order:
        names.append("second derivatives")

    def body(parts: Parts) -> CheckReport:
        if reference is not None:
            parts.run(
                "forward",
                lambda: _check_forward(subject, truth, [*sample, *subject.edge_points], atol, rtol),
            )
        groups: list[tuple[list[str], Callable[[], list[_Entry]]]] = [
            ([first, chain], lambda: [e for p in sample for e in _entries_at(subject, truth, p)])
        ]
        if subject.edge_points:
            groups.append(
                (
                    ["edge points"],
                    lambda: [
                        e
                        for p in subject.edge_points
                        for e in _edge_entries_at(subject, truth, reference_op, p)
                    ],
                )
            )
        if second_order:
            groups.append(
                (
                    ["second derivatives"],
                    lambda: [e for p in sample for e in _second_order_entries_at(subject, p)],
                )
            )
        entries: list[_Entry] = []
        for group, collect in groups:
            try:
                entries.extend(collect())
            except Stop as stop:
                if stop.final:
                    raise
                for name in group:
                    parts.record(name, stop.report)
        report = _derivative_report(subject, entries, reference is not None, atol, rtol)
        selectors: list[tuple[str, Callable[[_Entry], bool]]] = [
            (first, lambda e: e.order == 1 and not e.edge and e.upstream == 1.0),
            (chain, lambda e: e.order == 1 and not e.edge and e.upstream != 1.0),
            ("edge points", lambda e: e.edge),
            ("second derivatives", lambda e: e.order == 2),
        ]
        for e_name, belongs in selectors:
            if e_name in names and e_name not in parts.failures:
                bad = any(belongs(e) and e.badness(atol, rtol) > 0.0 for e in entries)
                parts.record(e_name, report if bad else None)
        return report

    return run_check(
        f"check_op({subject.title})", subject.backward_name, names, points, time_limit, body
    )


def _on_values(function: Callable[..., Any]) -> Callable[..., Any]:
    """A reference that takes Values: ``function`` itself, or, for a float function like
    ``math.tanh`` (which refuses a Value), ``function`` of the Values' numbers."""

    def on_values(*values: Value) -> Any:
        try:
            return function(*values)
        except TypeError:
            return function(*[v.data for v in values])

    return on_values


def _reference(reference: Any) -> tuple[Callable[..., Any] | None, Op | None]:
    """The function whose finite differences are the truth (None: the student's own forward),
    and the op that settles edge points and supplies the domain, if there is one: the reference
    itself, or the op behind a Value method like ``Value.relu``."""
    if reference is None:
        return None, None
    if isinstance(reference, type) and issubclass(reference, Op):
        reference = reference()
    if isinstance(reference, Op):
        return reference, reference
    if callable(reference):
        name = getattr(reference, "__name__", "")
        if getattr(Value, name, None) is reference:
            ops = _ops_named(name)
            return reference, ops[0] if len(ops) == 1 else None
        return _on_values(reference), None
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
    wrong = [(p, got, want) for p, got, want in pairs if not close(got, want, atol, rtol)]
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
            hint = f"your values are {factor_text(ratios[0])} times the right ones everywhere."
    fail(
        f"{subject.forward_name} gives a wrong value at {len(wrong)} of {len(pairs)} points; "
        f"the largest difference is {at(subject.names, point)}.",
        hint,
        details=table(["", "yours", "expected"], [["f", num(got), num(want)]]),
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
    where = at(subject.names, point)
    partials = call_student(subject.forward_name, where, _numeric_partials, truth, point)
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
    where = at(subject.names, point)
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
            left = call_student(
                subject.forward_name, where, _one_sided_slope, truth, point, i, -1.0
            )
            right = call_student(
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
    where = at(subject.names, point)
    n = len(point)

    def first_derivative(i: int) -> Callable[..., float]:
        # The float path of the student's derivative, already checked against the truth: its
        # finite differences are the second derivatives that create_graph must reproduce.
        def d_i(*values: Value) -> float:
            with enable_grad():  # numerical_gradient evaluates under no_grad
                return subject.derivative([v.data for v in values], 1.0)[i]

        return d_i

    def analytic() -> list[list[float]]:
        inputs = [Value(x) for x in point]
        out = subject.function(*inputs)
        if not isinstance(out, Value):
            return [[0.0] * n for _ in range(n)]
        firsts = grad(out, inputs, create_graph=True)
        return [grad(first, inputs) for first in firsts]

    hessian = call_student(
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
            f"{edge_text}, with grad = 1 and grad = {num(UPSTREAM)} arriving from above.",
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
        f"{at(subject.names, worst.point)}"
        + (
            f", with grad = {num(worst.upstream)} arriving from above."
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
        return num(e.low)
    return f"{num(e.low)} .. {num(e.high)}"


def _details(subject: _Subject, entries: list[_Entry], atol: float, rtol: float) -> str:
    rows = []
    for e in entries:
        got = "raised" if e.got is None else num(e.got)
        mark = "<- differs" if e.badness(atol, rtol) > 0.0 else ""
        rows.append([_entry_name(subject, e), got, _expected_text(e), mark])
    return table(["", "yours", "expected", ""], rows)


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
        return close(a, b, atol, rtol)

    n = len(subject.names)
    sized = [e for e in bad if e.expected is not None and abs(e.expected) > 1e-6]
    if not sized:
        example = at(subject.names, bad[0].point)
        return (
            f"the right derivative is 0 at every point that differs ({example}, for one), but "
            "yours is not: does your rule miss a case, like an `if` for one side of a kink?"
        )
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
            factor = factor_text(sum(ratios) / len(ratios))
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
        return close(a, b, atol, rtol)

    if all(near(float(e.got or 0.0), float(e.expected or 0.0) / u) for e in bad):
        return (
            f"your answer is right when grad = 1, but with grad = {num(u)} arriving from above "
            "it does not change: multiply by `grad` (the chain rule: upstream gradient times "
            "local derivative)."
        )
    if all(near(float(e.got or 0.0), float(e.expected or 0.0) * u) for e in bad):
        return (
            f"your answer is right when grad = 1, but with grad = {num(u)} it grows {num(u)} "
            "times too much: multiply by `grad` once, not twice."
        )
    return (
        "your answer is right when grad = 1 but not for other values of grad: each term must be "
        "`grad` times the local derivative (the chain rule)."
    )


def _edge_hint(subject: _Subject, e: _Entry) -> str:
    where = at(subject.names, e.point)
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
