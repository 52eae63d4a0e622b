"""The one walk over a computation graph: a topological order of the nodes below some roots.

Backward, drawing, step-through, counting and compiling all use :func:`topological_order`; no
other module walks ``_prev`` by itself. The walk is iterative (an explicit stack), so a chain of a
million nodes is no problem: there is no recursion limit to hit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value

__all__ = ["topological_order"]


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
    emitted: set[Value] = set()  # nodes already in `order`
    # Depth-first post-order with an explicit stack. A node is pushed back under its parents when
    # it is expanded; when it surfaces again, all its parents are in `order`, so it can follow.
    # No tuple or iterator per node: this walk is on the hot path of every backward().
    stack: list[Value] = list(reversed(roots))
    while stack:
        node = stack.pop()
        if node in expanded:
            if node not in emitted:
                emitted.add(node)
                order.append(node)
            continue
        expanded.add(node)
        parents = node._prev
        if not parents:  # a leaf can follow at once
            emitted.add(node)
            order.append(node)
            continue
        stack.append(node)
        # push the parents last one first, so the first parent is visited first; one and two
        # parents (nearly every node) are unrolled, as reversed() would allocate an iterator
        if len(parents) == 1:
            if parents[0] not in expanded:
                stack.append(parents[0])
        elif len(parents) == 2:
            first, second = parents
            if second not in expanded:
                stack.append(second)
            if first not in expanded:
                stack.append(first)
        else:
            for parent in reversed(parents):
                if parent not in expanded:
                    stack.append(parent)
    return order
