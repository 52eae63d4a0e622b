"""``check_backward``: a backward pass written by hand for a tiny graph, against the engine's.

One copy of the graph goes through the student's function, another through the engine's
``grad``; every gradient the student sets must match, and a difference is explained with the
chain rule's terms from :func:`autograd_engine.stepper.backward_steps`.
"""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import Callable
from typing import Any

from ..autodiff import grad
from ..errors import describe
from ..graph import topological_order
from ..stepper import backward_steps
from ..value import Value
from .report import (
    CheckReport,
    _as_number,
    _call_student,
    _check_count,
    _close,
    _fail,
    _num,
    _parameter_names,
    _Stop,
    _table,
    _title,
)

__all__ = ["check_backward"]


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
