"""How long drawing takes, by graph size: the numbers behind the README's render-time table.

Prints, for MLP losses of growing size, the number of values, the time to write the DOT text and
the time to render it as SVG with whatever renderer
:func:`autograd_engine.viz.render.find_renderer` picks (node by node, then the grouped view);
renders that pass the time limit are stopped and reported as such. Then the step-through frames
of a small MLP. The goal: seconds, not minutes.

    python benchmarks/bench_viz.py [time limit per render in seconds, default 60]
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from typing import Any

from autograd_engine import (
    MLP,
    Value,
    backward_steps,
    draw_backward_step,
    draw_dot,
    topological_order,
)
from autograd_engine.viz import RenderError, render_graph
from autograd_engine.viz.render import find_renderer

#: (hidden sizes, batch): from one neuron's worth of graph to past the point where layout stalls.
SIZES = [([4], 1), ([16, 16], 1), ([16, 16], 2), ([16, 16], 3), ([16, 16], 4), ([16, 16], 5)]


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def loss_of(hidden: list[int], batch: int) -> tuple[Value, MLP]:
    """A 2-...-1 MLP's squared-error loss summed over ``batch`` samples, after backward()."""
    rng = random.Random(0)
    model = MLP(2, [*hidden, 1], seed=0, init="fan_in")
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(batch)]
    loss = Value.sum([(model(x) - 1.0) ** 2 for x in xs])  # type: ignore[operator]
    loss.backward()
    return loss, model


def render_time(drawing: Any, limit: float) -> str:
    try:
        _, seconds = timed(lambda: render_graph(drawing, "svg", timeout=limit))
    except RenderError:
        return f"over {limit:g} s"
    return f"{seconds:.2f} s"


def main() -> None:
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    print(f"renderer: {find_renderer()}")
    print(f"{'graph':<26} {'values':>7} {'DOT text':>9} {'render SVG':>11} {'grouped view':>13}")
    for hidden, batch in SIZES:
        loss, model = loss_of(hidden, batch)
        values = len(topological_order(loss))
        drawing, dot_seconds = timed(lambda: draw_dot(loss, max_nodes=100_000))  # noqa: B023
        grouped = draw_dot(loss, model=model)
        name = f"2-{'-'.join(map(str, hidden))}-1, batch {batch}"
        print(
            f"{name:<26} {values:>7} {dot_seconds:>7.3f} s {render_time(drawing, limit):>11} "
            f"{render_time(grouped, limit):>13}",
            flush=True,
        )

    small = MLP(2, [3, 1], seed=0, init="fan_in")
    one = (small([0.5, -1.0]) - 1.0) ** 2  # type: ignore[operator]
    steps = list(backward_steps(one))
    _, seconds = timed(
        lambda: [
            render_graph(draw_backward_step(steps, k), "svg") for k in range(1, len(steps) + 1)
        ]
    )
    print(f"all {len(steps)} step frames of a 2-3-1 MLP on one sample, as SVG: {seconds:.2f} s")


if __name__ == "__main__":
    main()
