"""The one walk over a computation graph: a topological order of the nodes below some roots.

Backward, drawing, step-through, counting and compiling all use :func:`topological_order`; no
other module walks ``_prev`` by itself. The walk is iterative (an explicit stack), so a chain of a
million nodes is no problem: there is no recursion limit to hit. :func:`gc_paused` keeps Python's
cyclic garbage collector off a big graph while it is built, trained on or traced.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value

__all__ = ["gc_paused", "topological_order"]


def topological_order(*roots: Value) -> list[Value]:
    """Every node the roots depend on, parents before children, roots last.

    Reversed, this is the order in which backward visits the nodes: each node comes after every
    node that uses it, so its gradient is complete when its turn comes. The order is deterministic
    (it follows ``_prev`` in order), so drawings of the same graph never change.

    Example:
        >>> from autograd_engine import Value
        >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
        >>> [v.label or v._op for v in topological_order(a * b + a)]
        ['a', 'b', '*', '+']
    """
    order: list[Value] = []
    expanded: set[Value] = set()  # nodes whose parents have been pushed
    # Depth-first post-order with an explicit stack. When a node is expanded it goes back on the
    # stack under a None marker, with its parents on top; when the marker surfaces, all its
    # parents are in `order`, so it can follow. A node pushed twice (two users reached it before
    # it was expanded) is skipped the second time. No tuple or iterator per node, and the stack's
    # methods bound once: this walk is on the hot path of every backward().
    stack: list[Value | None] = list(reversed(roots))
    pop, push, emit, mark = stack.pop, stack.append, order.append, expanded.add
    while stack:
        node = pop()
        if node is None:  # the marker: the node under it has every parent in `order`
            emit(pop())  # type: ignore[arg-type]  # a node always lies under a marker
            continue
        if node in expanded:
            continue
        mark(node)
        # the node's inputs, read from the slots behind Value._prev (no tuple built per node)
        first, second = node._first, node._second
        if first is None:
            if second is None:  # a leaf can follow at once
                emit(node)
                continue
            push(node)
            push(None)
            for parent in reversed(second):  # type: ignore[arg-type]  # more than two inputs
                if parent not in expanded:
                    push(parent)
            continue
        # One or two inputs, pushed last one first so that the first is visited first. An input
        # already expanded is already in `order` (in a graph without cycles, a node expanded
        # but not yet emitted lies on the path to this one, so it cannot be its input): a node
        # with no input left to visit follows at once, without the trip through the stack.
        if second is not None and second not in expanded:
            push(node)
            push(None)
            push(second)  # type: ignore[arg-type]
            if first not in expanded:
                push(first)
        elif first not in expanded:
            push(node)
            push(None)
            push(first)
        else:
            emit(node)
    return order


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block; restore its state after.

    A graph of Values holds no reference cycles (a node points only to its inputs, and there is
    no closure per node), so reference counting frees a step's whole graph as soon as the loss
    and the outputs go out of scope. The cyclic collector can never find garbage in it. Yet
    while the graph is being built, the new nodes trigger collections, and each full collection
    walks every live object of the process: the graph and everything imported. On micrograd's
    demo step that is about 16% of the time in a bare Python process and about half in one that
    has imported numpy, matplotlib, scikit-learn and torch, as a notebook has. :func:`fit` runs
    each step inside this block and drops the step's graph before it ends, so the collector
    never sees it; the numbers are the same either way.

    Use it around a step of your own loop, and let the graph go before the block ends. Cycles
    made inside the block by other code are collected by the first collection after it; other
    threads' cycles wait for the block to end too. ``gc.freeze()`` after the imports is the
    other remedy: it moves every object alive then out of the collector's sight.

    Example:
        >>> import gc
        >>> with gc_paused():
        ...     gc.isenabled()
        False
        >>> gc.isenabled()
        True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
