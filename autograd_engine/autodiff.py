"""Reverse-mode differentiation: ``backward``, the functional ``grad`` and ``zero_grad``.

Both walk the graph in the order of :func:`autograd_engine.graph.topological_order`, reversed, and
apply each op's ``backward`` rule (the chain rule: upstream gradient times local derivative).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from .errors import DomainError, describe
from .grad_mode import enable_grad
from .graph import topological_order

if TYPE_CHECKING:
    from .value import Value

__all__ = ["backward", "backward_step", "grad", "zero_grad"]


def _check_terms(node: Value, terms: Any) -> None:
    """Raise a clear TypeError when an op's backward broke its contract (one term per input)."""
    op = node._operation
    # a list is accepted too, as the unrolled one- and two-input paths unpack any sequence
    if not isinstance(terms, (tuple, list)) or len(terms) != len(node._prev):
        got = f"{len(terms)} terms" if isinstance(terms, (tuple, list)) else type(terms).__name__
        raise TypeError(
            f"{type(op).__name__}.backward must return a tuple with one term per input "
            f"({len(node._prev)}), got {got}: {terms!r}"
        )


def _backward_error(node: Value, exc: BaseException) -> Exception:
    """The error for a derivative that failed while back-propagating through ``node``."""
    op = node._operation
    if op is None:  # a leaf: the gradient that arrived at it overflowed
        label = f" (label {node.label!r})" if node.label else ""
        return DomainError(
            f"backward: the gradient of the leaf {node.data!r}{label} is not finite ({exc}). "
            "No grad was changed by this call"
        )
    parents = ", ".join(
        f"{p.data!r}" + (f" (label {p.label!r})" if p.label else "") for p in node._prev
    )
    if _is_unpacking_error(exc):
        return TypeError(
            f"{type(op).__name__}.backward must return a tuple with one term per input "
            f"({len(node._prev)}): {exc}. No grad was changed by this call"
        )
    reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
    return DomainError(
        f"backward through {op.name} failed at inputs ({parents}): {reason}. "
        "No grad was changed by this call"
    )


def _is_unpacking_error(exc: BaseException) -> bool:
    """True for Python's own error when backward's unrolled one- and two-input paths unpack what
    a rule returned and it is not a tuple of one term per input (a bare number, a wrong count)."""
    return isinstance(exc, (ValueError, TypeError)) and "unpack" in str(exc)


def backward(root: Value, create_graph: bool = False) -> None:
    """Add d(root)/d(node) to ``node.grad`` for every node below ``root`` (see Value.backward)."""
    order = topological_order(root)
    if create_graph:
        with enable_grad():  # create_graph asks for a graph, even inside no_grad (as in PyTorch)
            gradients = _gradients(order, create_graph=True)
            # every sum first: one that overflows raises before any grad has changed
            totals = [gradients[n] if _is_zero(n.grad) else n.grad + gradients[n] for n in order]
        for node, total in zip(order, totals):
            node.grad = total
        return
    # Each call adds this pass's gradient exactly once to every node. The pass accumulates into
    # .grad starting from zero (fast attribute access), then the earlier values are added back.
    earlier = [node.grad for node in order]
    accumulating = any(earlier)  # False on a first pass or after zero_grad: nothing to add back
    if accumulating:
        for node in order:
            node.grad = 0.0
    root.grad = 1.0
    node = root
    try:
        for node in reversed(order):
            g = node.grad
            if g - g != 0.0:  # inf or NaN: a gradient overflowed (checked at leaves too)
                raise OverflowError(f"the gradient arriving at this node is {g!r}")
            op = node._operation
            if op is None:  # a leaf: nothing below it
                continue
            # chain rule: each parent gets the upstream grad times its local derivative, added
            # to what it already has (a parent used twice gets both terms)
            parents = node._prev
            if len(parents) == 2:
                a, b = parents
                term_a, term_b = op.backward(g, node.data, a.data, b.data)
                a.grad += term_a
                b.grad += term_b
            elif len(parents) == 1:
                (a,) = parents
                (term_a,) = op.backward(g, node.data, a.data)
                a.grad += term_a
            else:
                terms = op.backward(g, node.data, *[p.data for p in parents])
                _check_terms(node, terms)
                for parent, term in zip(parents, terms):
                    parent.grad += term
    except BaseException as exc:  # undo this pass whatever stopped it (even Ctrl-C), then report
        for n, old in zip(order, earlier):
            n.grad = old
        if isinstance(exc, (ArithmeticError, ValueError)) or _is_unpacking_error(exc):
            raise _backward_error(node, exc) from None
        raise
    if not accumulating:
        return
    # add the earlier grads back: every sum first, then the assignments, so that a sum that
    # overflows (a float, or a Value left by a create_graph pass) leaves no grad changed
    totals = []
    for n, old in zip(order, earlier):
        if _is_zero(old):
            totals.append(n.grad)
            continue
        try:
            total = old + n.grad
            if type(total) is float and total - total != 0.0:
                raise OverflowError(total)
        except (ArithmeticError, ValueError):
            for m, before in zip(order, earlier):
                m.grad = before
            label = f" (label {n.label!r})" if n.label else ""
            raise DomainError(
                f"backward: adding this pass's gradient {n.grad!r} to the earlier grad {old!r} "
                f"of the node {n.data!r}{label} overflows. Call zero_grad() between passes. "
                "No grad was changed by this call"
            ) from None
        totals.append(total)
    for n, total in zip(order, totals):
        n.grad = total


def backward_step(node: Value) -> None:
    """Propagate ``node.grad`` one step: add grad times local derivative to each input's grad."""
    op = node._operation
    if op is None:
        return
    try:
        terms = op.backward(float(node.grad), node.data, *[p.data for p in node._prev])
    except (ArithmeticError, ValueError) as exc:
        raise _backward_error(node, exc) from None
    _check_terms(node, terms)
    for parent, term in zip(node._prev, terms):
        parent.grad += term


def _is_zero(x: Any) -> bool:
    return type(x) is float and x == 0.0


def _gradients(order: list[Value], create_graph: bool) -> dict[Value, Any]:
    """d(root)/d(node) for every node of ``order`` (root last), without touching any ``.grad``.

    With ``create_graph`` the gradients are computed with Value arithmetic, so they are Values
    with a graph of their own; otherwise they are floats.
    """
    from .value import Value

    root = order[-1]
    gradients: dict[Value, Any] = {root: Value(1.0) if create_graph else 1.0}
    node = root
    try:
        for node in reversed(order):
            g = gradients[node]  # complete: every node that uses `node` came before it
            op = node._operation
            if op is None:
                continue
            if create_graph:
                terms = op.backward(g, node, *node._prev)
            else:
                terms = op.backward(g, node.data, *[p.data for p in node._prev])
            _check_terms(node, terms)
            for parent, term in zip(node._prev, terms):
                gradients[parent] = gradients[parent] + term if parent in gradients else term
        if not create_graph:  # (Value arithmetic checks its own results)
            for node in gradients:  # `node` names the culprit in the error below
                g = gradients[node]
                if g - g != 0.0:
                    raise OverflowError(f"the gradient arriving at this node is {g!r}")
    except (ArithmeticError, ValueError) as exc:
        if isinstance(exc, DomainError):
            raise
        raise _backward_error(node, exc) from None
    if create_graph:
        for node, g in gradients.items():
            if not isinstance(g, Value):
                gradients[node] = Value(g)
    return gradients


@overload
def grad(
    output: Value, inputs: Sequence[Value], create_graph: Literal[False] = False
) -> list[float]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: Literal[True]) -> list[Value]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: bool) -> list[Any]: ...


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """The gradients d(output)/d(input) for each input, without touching any ``.grad``.

    Args:
        output: the Value to differentiate.
        inputs: the Values to differentiate with respect to. An input that ``output`` does not
            depend on gets 0.
        create_graph: if True, return Values with a graph of their own, so they can be
            differentiated again (a second derivative, a Hessian entry, a Newton step).

    Returns:
        One gradient per input: floats, or Values when ``create_graph`` is True.

    Example:
        >>> from autograd_engine import Value, grad
        >>> x = Value(3.0)
        >>> (dy,) = grad(x ** 3, [x], create_graph=True)   # 3 x^2 = 27
        >>> (d2y,) = grad(dy, [x])                         # 6 x = 18
        >>> dy.data, d2y
        (27.0, 18.0)
    """
    from .value import Value

    if not isinstance(output, Value):
        raise TypeError(f"grad() expects a Value as output, got {describe(output)}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad() expects Values as inputs, got {describe(x)} at position {i}")
    if create_graph:
        with enable_grad():  # create_graph asks for a graph, even inside no_grad (as in PyTorch)
            gradients = _gradients(topological_order(output), create_graph)
    else:
        gradients = _gradients(topological_order(output), create_graph)
    zero = Value(0.0) if create_graph else 0.0
    return [gradients.get(x, zero) for x in inputs]


def zero_grad(root: Value) -> None:
    """Set ``grad`` to 0.0 on ``root`` and every node below it."""
    for node in topological_order(root):
        node.grad = 0.0
