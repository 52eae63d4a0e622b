"""``check_backward``: a backward pass written by hand for a tiny graph, against the engine's.

One copy of the graph goes through the student's function, another through the engine's
``grad``; every gradient the student sets must match. A difference is explained with the chain
rule's terms from :func:`autograd_engine.stepper.backward_steps`, starting from the first wrong
node going back from the root, and with the order in which the student read and set each grad.
"""

from __future__ import annotations

import functools
import inspect
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import CodeType
from typing import Any

from .. import autodiff
from ..autodiff import grad
from ..errors import describe
from ..graph import topological_order
from ..stepper import backward_steps
from ..value import Value
from .common import (
    Parts,
    as_number,
    call_student,
    check_count,
    check_points,
    close,
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

__all__ = ["check_backward"]

_ENGINE: dict[CodeType, str] = {
    Value.backward.__code__: "backward",
    autodiff.backward.__code__: "backward",
    autodiff.grad.__code__: "grad",
    autodiff.backward_step.__code__: "backward_step",
}


def check_backward(
    student_backward: Callable[..., Any],
    graph: Callable[..., Value],
    *,
    domain: tuple[float, float] = (-2.0, 2.0),
    n_points: int = 5,
    seed: int = 0,
    atol: float = 1e-6,
    rtol: float = 1e-6,
    points: float = 1.0,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
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
        points: what the check is worth, shared equally by the nodes' grads (one part per
            node); every part runs.
        time_limit: seconds the check may run (None: no limit).

    Returns:
        A :class:`CheckReport`; on a difference, a table of every node's grad, yours next to the
        engine's, the first wrong one going back from the root, and a hint (a missing root grad
        of 1, a missing chain-rule factor, ``=`` instead of ``+=`` for a node used twice, a grad
        read before it was set ...). A function that calls ``backward()`` or ``grad()`` instead
        of setting the grads itself gets no points.
    """
    check_count("check_backward", "n_points", n_points)
    points = check_points("check_backward", points)
    leaves_info = parameter_names(graph)
    if leaves_info is None or not leaves_info[0] or leaves_info[1]:
        raise TypeError(
            "check_backward() expects graph to be a function with one named parameter per leaf, "
            f"like def tiny_graph(a, b, c), got {describe(graph)}"
        )
    leaf_names = leaves_info[0]
    _, sample_nodes = _build(graph, leaf_names, [0.5] * len(leaf_names))
    wanted = _keyword_names(student_backward) or list(sample_nodes)
    # Parts in backward order: the root first, as the student fills them in.
    order = {name: i for i, name in enumerate(reversed(list(sample_nodes)))}
    wanted_parts = sorted((n for n in wanted if n in sample_nodes), key=order.__getitem__)
    setup = _Setup(
        student_backward,
        graph,
        leaf_names,
        wanted,
        domain,
        n_points,
        seed,
        atol,
        rtol,
        title_of(student_backward),
    )
    return run_check(
        f"check_backward({setup.title})",
        setup.title,
        [f"{name}.grad" for name in wanted_parts] or ["gradients"],
        points,
        time_limit,
        setup.run,
    )


@dataclass(frozen=True)
class _Setup:
    """What check_backward was asked to do."""

    student: Callable[..., Any]
    graph: Callable[..., Value]
    leaf_names: list[str]
    wanted: list[str]
    domain: tuple[float, float]
    n_points: int
    seed: int
    atol: float
    rtol: float
    title: str

    def close(self, got: float | None, want: float) -> bool:
        return got is not None and close(got, want, self.atol, self.rtol)

    def run(self, parts: Parts) -> CheckReport:
        rng = random.Random(self.seed)
        checked = 0
        for _ in range(self.n_points):
            values = [round(rng.uniform(*self.domain), 3) for _ in self.leaf_names]
            theirs, their_nodes = _build(self.graph, self.leaf_names, values)
            mine, my_nodes = _build(self.graph, self.leaf_names, values)
            missing = [name for name in self.wanted if name not in my_nodes]
            if missing:
                fail(
                    f"{self.title} asks for node(s) {', '.join(missing)}, but the graph has only "
                    f"{', '.join(my_nodes)}.",
                    "keep the parameter names of the function you were given.",
                )
            where = "with " + ", ".join(f"{n} = {num(v)}" for n, v in zip(self.leaf_names, values))
            given = {n: my_nodes[n] for n in self.wanted}
            with _tracked(list(my_nodes.values())) as log, watch_calls(_ENGINE) as seen:
                returned = call_student(self.title, where, functools.partial(self.student, **given))
            if seen.arguments:
                called = sorted(seen.arguments)[0]
                give_up(
                    f"{self.title} calls {called}(), which lets the engine fill in every grad.",
                    "the exercise asks you to apply the chain rule yourself: set each node's "
                    "`.grad` by hand, from the root back to the leaves.",
                )
            expected = dict(zip(their_nodes, grad(theirs, list(their_nodes.values()))))
            backward_order = [n for n in reversed(list(my_nodes)) if n in self.wanted]
            rows, wrong = [], []
            for name in backward_order:
                got = as_number(my_nodes[name].grad)
                want = expected[name]
                ok = self.close(got, want)
                mark = "" if ok else "<- differs"
                rows.append([f"{name}.grad", "?" if got is None else num(got), num(want), mark])
                if not ok:
                    wrong.append((name, got, want))
            checked += len(self.wanted)
            if not wrong:
                continue
            first = wrong[0][0]
            report = CheckReport(
                "failed",
                f"{len(wrong)} of the {len(self.wanted)} gradients set by {self.title} "
                f"{'is' if len(wrong) == 1 else 'are'} off {where}; going back from the root, "
                f"the first wrong one is {first}.grad.",
                details=table(["", "yours", "expected", ""], rows),
                hint=_Hint(self, mine, my_nodes, expected, wrong, log, returned).text(),
                point=dict(zip(self.leaf_names, values)),
                got=wrong[0][1],
                expected=wrong[0][2],
                checked=checked,
                failures=len(wrong),
            )
            for name, _, _ in wrong:
                part = f"{name}.grad"
                if part in parts.names and part not in parts.failures:
                    parts.record(part, report)
        for name in parts.names:
            parts.record(name, parts.failures.get(name))
        return CheckReport(
            "passed",
            f"{self.title} sets every gradient like the engine's backward, for {self.n_points} "
            f"random choices of {', '.join(self.leaf_names)}.",
            checked=checked,
        )


_GRAD: Any = vars(Value)["grad"]  # the slot that holds a Value's grad
_events: list[list[tuple[str, str]]] = []  # the log of the running check, while it runs
_MAX_EVENTS = 10_000  # a hand-written pass reads and sets a few dozen grads, not more


def _read_grad(self: Value) -> Any:
    if _events and len(_events[-1]) < _MAX_EVENTS:
        _events[-1].append(("read", self.label))
    return _GRAD.__get__(self, Value)


def _write_grad(self: Value, value: Any) -> None:
    if _events and len(_events[-1]) < _MAX_EVENTS:
        _events[-1].append(("write", self.label))
    _GRAD.__set__(self, value)


_TRACKED_CLASSES: dict[type[Value], type[Value]] = {}


def _tracked_class(cls: type[Value]) -> type[Value]:
    """A subclass of ``cls`` (same memory layout) whose grad notes every read and write."""
    if cls not in _TRACKED_CLASSES:
        doc = "A Value whose grad notes every read and write in the log of the running check."
        namespace = {"__slots__": (), "__doc__": doc, "grad": property(_read_grad, _write_grad)}
        _TRACKED_CLASSES[cls] = type(cls.__name__, (cls,), namespace)
    return _TRACKED_CLASSES[cls]


@contextmanager
def _tracked(nodes: list[Value]) -> Iterator[list[tuple[str, str]]]:
    """Note, in order, every read and write of these nodes' grads while the block runs."""
    log: list[tuple[str, str]] = []
    classes = [type(node) for node in nodes]
    for node, cls in zip(nodes, classes):
        node.__class__ = _tracked_class(cls)
    _events.append(log)
    try:
        yield log
    finally:
        _events.remove(log)
        for node, cls in zip(nodes, classes):
            node.__class__ = cls


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
    """Build one copy of the graph; return its root and its labelled nodes by label, in
    topological order (leaves first)."""
    leaves = [Value(v, label=n) for n, v in zip(leaf_names, values)]
    root = graph(*leaves)
    if not isinstance(root, Value):
        raise TypeError(f"check_backward(): graph must return a Value, got {describe(root)}")
    nodes = {node.label: node for node in topological_order(root) if node.label}
    return root, nodes


@dataclass(frozen=True)
class _Hint:
    """What a failed hand-written backward pass most likely got wrong."""

    setup: _Setup
    root: Value
    nodes: dict[str, Value]
    expected: dict[str, float]
    wrong: list[tuple[str, float | None, float]]  # in backward order: the first wrong first
    log: list[tuple[str, str]]  # ("read" | "write", label), in the order they happened
    returned: Any

    def near(self, a: float | None, b: float) -> bool:
        return self.setup.close(a, b)

    def text(self) -> str:
        names = {node: name for name, node in self.nodes.items()}
        root_name = names.get(self.root, "L")
        written = {label for event, label in self.log if event == "write"}
        if not written and self.returned is not None:
            return (
                f"your function returned {show(self.returned)} and set no grad. The exercise asks "
                f"you to set each node's grad on the node itself (`{root_name}.grad = 1.0`, "
                "...) and to return nothing."
            )
        if any(name == root_name for name, _, _ in self.wrong):
            return (
                f"start from the end: {root_name}.grad = 1.0, because "
                f"d{root_name}/d{root_name} = 1."
            )
        early = self._read_before_set()
        if early is not None:
            return (
                f"you used {early}.grad before you set it (it was still 0.0), so every grad "
                f"computed from it is off. Go from the end backwards: set {early}.grad first, "
                f"then the grads of the nodes {early} is made of."
            )
        unset = [name for name, got, want in self.wrong if got == 0.0 and want != 0.0]
        if len(unset) == len(self.wrong) and not any(name in written for name in unset):
            return f"you have not set {', '.join(n + '.grad' for n in unset)} yet (still 0.0)."
        if all(self.near(-got if got is not None else None, want) for _, got, want in self.wrong):
            return "the sizes are right but the signs are not: look for a minus sign."
        return self._chain_rule_hint(names, root_name)

    def _read_before_set(self) -> str | None:
        """The first node whose grad was read before it was ever set, other than to add to it
        (``a.grad += ...`` reads a.grad first, rightly)."""
        written: set[str] = set()
        for i, (event, label) in enumerate(self.log):
            if event == "write":
                written.add(label)
                continue
            following = next((lb for ev, lb in self.log[i + 1 :] if ev == "write"), None)
            if label not in written and following != label and label in self.setup.wanted:
                return label
        return None

    def _chain_rule_hint(self, names: dict[Value, str], root_name: str) -> str:
        # For each wrong node: who uses it, and what each use contributes (the chain rule's
        # terms), with the local derivatives of the engine's own backward pass, step by step.
        uses: dict[str, list[tuple[str, float, float]]] = {}  # name -> (user, its grad, local)
        for step in backward_steps(self.root):
            user = names.get(step.node)
            if user is None:
                continue
            for update in step.updates:
                if update.parent in names:
                    uses.setdefault(names[update.parent], []).append(
                        (user, self.expected[user], update.local_derivative)
                    )
        for name, got, _ in self.wrong:
            terms = uses.get(name, [])
            if len(terms) > 1 and any(self.near(got, g * local) for _, g, local in terms):
                return (
                    f"{name} is used {len(terms)} times in the graph, and your {name}.grad holds "
                    f"only one of its contributions. Add them all up (+=): the chain rule sums "
                    "over every use."
                )
            if len(terms) == 1:
                user, user_grad, local = terms[0]
                if self.near(got, local) and not self.near(got, user_grad * local):
                    return (
                        f"{name}.grad is d{user}/d{name} = {num(local)}, the local derivative "
                        f"only. Multiply it by {user}.grad (the chain rule: d{root_name}/d{name} "
                        f"= d{root_name}/d{user} * d{user}/d{name})."
                    )
                node = self.nodes[name]
                if (
                    self.nodes[user]._op == "*"
                    and self.near(got, user_grad * node.data)
                    and not self.near(got, user_grad * local)
                ):
                    return (
                        f"for {name}.grad you multiplied by {name}'s own value; the derivative of "
                        "a product with respect to one factor is the other factor: "
                        "d(u*v)/du = v."
                    )
                if got is not None and user_grad != 0.0 and local != 0.0:
                    return (
                        f"{name}.grad should be {user}.grad times d{user}/d{name} = "
                        f"{num(user_grad)} * {num(local)} = {num(user_grad * local)}; "
                        f"yours is {num(got)}. Look at how {user} is computed from {name}."
                    )
        return (
            "go backwards from the root, one node at a time: each grad is the grad of the node "
            "that uses it times the local derivative, summed over every use."
        )
