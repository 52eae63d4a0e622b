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
    visited: set[Value] = set()
    # Depth-first post-order with an explicit stack. An entry (node, True) means "all parents of
    # node are in `order` now, so node can follow them".
    stack: list[tuple[Value, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in reversed(node._prev):  # reversed, so the first parent is visited first
            if parent not in visited:
                stack.append((parent, False))
    return order
