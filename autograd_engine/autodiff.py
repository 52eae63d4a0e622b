"""Reverse-mode differentiation: ``backward``, the functional ``grad``, one step, and ``zero_grad``.

The chain-rule step at one node is written once, in :func:`chain_rule_terms`: it calls the op's
``backward`` rule, checks that it returned one term per input, converts each term by the numeric
policy and turns any failure into the one error message. Every path that differentiates uses it:
``backward``, ``grad``, ``Value._backward()`` / :func:`backward_step` and the step-through in
:mod:`autograd_engine.stepper`. They all visit the nodes in the order of
:func:`autograd_engine.graph.topological_order`, reversed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from .errors import DomainError, as_float, describe, is_real_number
from .grad_mode import enable_grad
from .graph import topological_order

if TYPE_CHECKING:
    from .value import Value

__all__ = [
    "assign_grads",
    "backward",
    "backward_step",
    "chain_rule_terms",
    "grad",
    "grad_sum",
    "not_finite_grad_error",
    "zero_grad",
]

_UNCHANGED = "No grad was changed by this call"


# -- the chain-rule step at one node ---------------------------------------------------------------


def chain_rule_terms(node: Value, grad: Any, *, create_graph: bool = False) -> tuple[Any, ...]:
    """The chain rule at one node: what each input of ``node`` receives from it.

    Calls the backward rule of the op that made ``node`` with the gradient ``grad`` arriving at
    ``node`` (floats, or Values when ``create_graph`` is True, so that the terms have a graph of
    their own), and returns one term per input, in operand order: ``grad`` times the partial
    derivative of ``node`` with respect to that input. Nothing is written to any ``.grad``.

    Each term is checked by the numeric policy: a float must be finite; another real number (an
    int, a Fraction, a numpy scalar) becomes a float exactly as a forward result does; with
    ``create_graph`` a Value is kept as it is. Anything else is an error naming the op.

    Args:
        node: the node to step through; a leaf gives ``()``.
        grad: d(root)/d(node), complete (every node that uses ``node`` has passed its term on).
        create_graph: call the rule with Values (``node`` and its inputs) instead of floats.

    Returns:
        One term per input of ``node``.

    Raises:
        DomainError: the rule failed (a derivative infinite where it is needed, ``sqrt`` at 0)
            or a term is not finite.
        TypeError: the rule broke the contract: not one term per input, or a term that is not a
            real number (a complex number, a str, a set ...).

    Example:
        >>> from autograd_engine import Value
        >>> a, b = Value(2.0), Value(3.0)
        >>> chain_rule_terms(a * b, 10.0)   # 10 * d(ab)/da, 10 * d(ab)/db
        (30.0, 20.0)
    """
    op = node._operation
    if op is None:  # a leaf: nothing below it
        return ()
    # The one place a rule is called. (A node written closure-style, micrograd's way, has a
    # value.ClosureOp, whose backward runs the user's function and returns what it added.)
    try:
        if create_graph:
            terms = op.backward(grad, node, *node._prev)
        else:
            terms = op.backward(grad, node.data, *[p.data for p in node._prev])
    except (ArithmeticError, ValueError) as exc:
        raise _rule_error(node, exc) from None
    return _checked_terms(node, terms, create_graph)


def _checked_terms(node: Value, terms: Any, create_graph: bool) -> tuple[Any, ...]:
    """The terms a rule returned, one per input, each converted by the numeric policy."""
    parents = node._prev
    if (type(terms) is not tuple and type(terms) is not list) or len(terms) != len(parents):
        got = f"{len(terms)} terms: " if isinstance(terms, (tuple, list)) else ""
        raise TypeError(
            f"{_rule_name(node)} must return a tuple with one term per input ({len(parents)}), "
            f"got {got}{describe(terms)}. {_UNCHANGED}"
        )
    checked = []
    for i, (parent, term) in enumerate(zip(parents, terms)):
        if type(term) is float:
            if term - term != 0.0:  # inf or NaN: the gradient arriving at `parent` overflows
                raise not_finite_grad_error(parent, term)
        elif create_graph and _is_value(term):
            pass  # Value arithmetic has checked it already
        elif is_real_number(term):
            term = as_float(term, f"{_rule_name(node)} (the term for input {i})")
        else:
            raise TypeError(
                f"{_rule_name(node)} returned {describe(term)} as the term for input {i}; "
                "each term must be a real number"
                + (" or a Value" if create_graph else "")
                + f" (grad times a partial derivative). {_UNCHANGED}"
            )
        checked.append(term)
    return tuple(checked)


def _is_value(x: object) -> bool:
    from .value import Value

    return isinstance(x, Value)


def _rule_name(node: Value) -> str:
    return f"{type(node._operation).__name__}.backward"


def _inputs_text(node: Value) -> str:
    return ", ".join(
        f"{p.data!r}" + (f" (label {p.label!r})" if p.label else "") for p in node._prev
    )


def _rule_error(node: Value, exc: BaseException) -> DomainError:
    """The error for a rule that failed at ``node``: names the op, its inputs and the reason."""
    name = node._operation.name if node._operation is not None else "a leaf"
    reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
    return DomainError(
        f"backward through {name} failed at inputs ({_inputs_text(node)}): {reason}. {_UNCHANGED}"
    )


def not_finite_grad_error(node: Value, g: Any) -> DomainError:
    """The error for a gradient arriving at ``node`` that is not finite (an overflow).

    Example:
        >>> from autograd_engine import Value
        >>> error = not_finite_grad_error(Value(2.0, label="w"), float("inf"))
        >>> str(error).split(" (the")[0]
        "backward: the gradient of the leaf 2.0 (label 'w') is not finite"
    """
    overflow = OverflowError(f"the gradient arriving at this node is {g!r}")
    if node._operation is not None:
        return _rule_error(node, overflow)
    label = f" (label {node.label!r})" if node.label else ""
    return DomainError(
        f"backward: the gradient of the leaf {node.data!r}{label} is not finite ({overflow}). "
        f"{_UNCHANGED}"
    )


# -- adding to a grad and writing grads ------------------------------------------------------------


def grad_sum(node: Value, old: Any, new: Any) -> Any:
    """``old + new`` for the grad of ``node``, by the numeric policy: a finite float (or a Value).

    Used where a gradient is added to a grad that was there before the call: by ``backward`` on
    top of an earlier pass, by ``Value._backward()`` and by ``apply_backward_steps``.

    Raises:
        DomainError: the sum overflows; the message says to call ``zero_grad()`` between passes.
        TypeError: ``old`` is not a number or a Value (someone stored something else in ``.grad``).
    """
    if type(old) is float and old == 0.0:
        return new
    try:
        total = old + new
        if type(total) is float:
            if total - total != 0.0:
                raise OverflowError(total)
            return total
        if _is_value(total):
            return total  # a grad left by a create_graph pass: Value arithmetic checked it
        if is_real_number(total):
            return as_float(total, "the sum of two grads")
    except (ArithmeticError, ValueError):
        label = f" (label {node.label!r})" if node.label else ""
        raise DomainError(
            f"backward: adding this pass's gradient {new!r} to the earlier grad {old!r} "
            f"of the node {node.data!r}{label} overflows. Call zero_grad() between passes. "
            f"{_UNCHANGED}"
        ) from None
    except TypeError:  # `old` is not a number at all: a str, None ...
        pass
    raise TypeError(
        f"backward: the grad {describe(old)} of the node {node.data!r} is not a number; "
        f"set it to 0.0 (zero_grad()) before differentiating. {_UNCHANGED}"
    )


def assign_grads(nodes: Sequence[Value], grads: Sequence[Any]) -> None:
    """Set ``node.grad`` for every node, all or nothing.

    Whatever stops the assignments half way (Ctrl-C included), every grad is put back as it was
    before the call, and the exception goes on.
    """
    earlier = [node.grad for node in nodes]
    try:
        for node, g in zip(nodes, grads):
            node.grad = g
    except BaseException:
        _restore_grads(nodes, earlier)
        raise


def _restore_grads(nodes: Sequence[Value], earlier: Sequence[Any]) -> None:
    """Put each node's grad back to ``earlier``; a Ctrl-C arriving meanwhile waits until done."""
    while True:
        try:
            for node, g in zip(nodes, earlier):
                node.grad = g
            return
        except KeyboardInterrupt:  # pragma: no cover - a second Ctrl-C during the restore
            continue


# -- backward -------------------------------------------------------------------------------------


def backward(root: Value, create_graph: bool = False) -> None:
    """Add d(root)/d(node) to ``node.grad`` for every node below ``root`` (see Value.backward).

    Two parts: the propagation (:func:`_propagate`, or :func:`_gradients` for ``create_graph``)
    and around it the snapshot that makes a pass all or nothing: whatever exception stops the pass
    at whatever point (a DomainError, a broken rule, Ctrl-C), every grad is put back as it was.

    Not thread-safe on one graph: two threads calling ``backward()`` into graphs that share nodes
    (one model) at the same time can lose each other's contributions. Separate graphs in separate
    threads are fine.
    """
    order = topological_order(root)
    earlier = [node.grad for node in order]  # the snapshot a failed pass restores
    try:
        if create_graph:
            # create_graph asks for a graph, even inside no_grad (as in PyTorch)
            with enable_grad():
                gradients = _gradients(order, create_graph=True)
                # every sum first: one that overflows raises before any grad has changed
                totals = [grad_sum(n, old, gradients[n]) for n, old in zip(order, earlier)]
        elif _propagate(order, earlier):
            return
        else:
            totals = _add_back(order, earlier)
        for node, total in zip(order, totals):
            node.grad = total
    except BaseException:  # undo this pass whatever stopped it (even Ctrl-C), then report
        _restore_grads(order, earlier)
        raise


def _propagate(order: list[Value], earlier: list[Any]) -> bool:
    """The propagation loop: this pass's gradients into ``.grad``, from zero.

    The fast path does the chain-rule step inline for ordinary nodes (float terms in a tuple);
    at the first thing it does not expect (a term of another type, a rule that fails, a gradient
    that overflows) it starts over on the checked path, which uses :func:`chain_rule_terms` for
    every node and so raises the one error message. Both add the same floats in the same order.
    (So the rule of the node where the fast path stopped runs twice in that pass.)

    Returns:
        True when nothing needs adding back (no node had a grad before the pass).
    """
    accumulating = any(earlier)  # False on a first pass or after zero_grad: nothing to add back
    if accumulating:
        for node in order:
            node.grad = 0.0
    if _fast_pass(order):
        return not accumulating
    for node in order:
        node.grad = 0.0
    _checked_pass(order)
    return False


def _fast_pass(order: list[Value]) -> bool:
    """The chain rule over the whole graph, inlined; False if a node needs the checked path.

    Any node this loop does not handle itself must make it return False (as a rule that does
    not return a tuple does): the checked path then takes the whole pass through
    :func:`chain_rule_terms`, the one place that knows every kind of node.
    """
    order[-1].grad = 1.0
    try:
        for node in reversed(order):
            g = node.grad
            if type(g) is not float or g - g != 0.0:  # another type, inf or NaN
                return False
            op = node._operation
            if op is None:  # a leaf: nothing below it
                continue
            # chain rule: each parent gets the upstream grad times its local derivative, added
            # to what it already has (a parent used twice gets both terms). One and two inputs
            # (nearly every node) are unrolled: a list and a zip per node cost time here.
            # (the inputs are read from the slots behind Value._prev: no tuple per node)
            a = node._first
            b = node._second
            if a is not None and b is not None:  # two inputs
                terms = op.backward(g, node.data, a.data, b.data)  # type: ignore[union-attr]
                if type(terms) is not tuple:
                    return False
                term_a, term_b = terms
                a.grad += term_a
                b.grad += term_b  # type: ignore[union-attr]
            elif a is not None and b is None:  # one input
                terms = op.backward(g, node.data, a.data)
                if type(terms) is not tuple:
                    return False
                (term_a,) = terms
                a.grad += term_a
            else:  # more than two inputs (all in b, a tuple), or none
                parents: tuple[Value, ...] = () if b is None else b  # type: ignore[assignment]
                terms = op.backward(g, node.data, *[p.data for p in parents])
                if type(terms) is not tuple or len(terms) != len(parents):
                    return False
                for parent, term in zip(parents, terms):
                    parent.grad += term
    except (ArithmeticError, ValueError, TypeError):
        return False
    return True


def _checked_pass(order: list[Value]) -> None:
    """The chain rule over the whole graph through :func:`chain_rule_terms`, node by node."""
    order[-1].grad = 1.0
    for node in reversed(order):
        g = node.grad
        if g - g != 0.0:  # a sum of finite terms overflowed
            raise not_finite_grad_error(node, g)
        for parent, term in zip(node._prev, chain_rule_terms(node, g)):
            parent.grad += term


def _add_back(order: list[Value], earlier: list[Any]) -> list[Any]:
    """This pass's gradient plus the grad each node had before it: every sum, none assigned yet,
    so that a sum that overflows leaves no grad changed."""
    totals = []
    for node, old in zip(order, earlier):
        new = node.grad
        if type(old) is float:  # the common case, inline (grad_sum does the same, and more)
            if old == 0.0:
                totals.append(new)
                continue
            total = old + new
            if type(total) is float and total - total == 0.0:
                totals.append(total)
                continue
        totals.append(grad_sum(node, old, new))
    return totals


def backward_step(node: Value) -> None:
    """Propagate ``node.grad`` one step: add grad times local derivative to each input's grad.

    All or nothing: if a term or a sum is not finite, no grad changes.
    """
    g = node.grad
    if _is_value(g):  # a grad left by a create_graph pass: step with its number
        g = g.data
    terms = chain_rule_terms(node, as_float(g, "backward step (the grad of the node)"))
    totals: dict[Value, Any] = {}
    for parent, term in zip(node._prev, terms):  # a parent used twice gets both terms
        totals[parent] = grad_sum(parent, totals.get(parent, parent.grad), term)
    assign_grads(list(totals), list(totals.values()))


# -- the functional grad --------------------------------------------------------------------------


def _gradients(order: list[Value], create_graph: bool) -> dict[Value, Any]:
    """d(root)/d(node) for every node of ``order`` (root last), without touching any ``.grad``.

    With ``create_graph`` the gradients are computed with Value arithmetic, so they are Values
    with a graph of their own; otherwise they are floats.
    """
    from .value import Value

    root = order[-1]
    gradients: dict[Value, Any] = {root: Value(1.0) if create_graph else 1.0}
    for node in reversed(order):
        g = gradients[node]  # complete: every node that uses `node` came before it
        if not create_graph and g - g != 0.0:  # a sum of finite terms overflowed
            raise not_finite_grad_error(node, g)
        for parent, term in zip(node._prev, chain_rule_terms(node, g, create_graph=create_graph)):
            if parent in gradients:
                gradients[parent] = gradients[parent] + term
            else:  # (0.0 + term, as backward does, so that -0.0 becomes 0.0 the same way)
                gradients[parent] = term if create_graph else 0.0 + term
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
