"""How long drawing takes: a 2-16-16-1 MLP's loss over a batch, in the grouped view.

Prints the time to build the graph, to draw it (DOT text) and to render it as SVG and PNG with
whatever renderer :func:`autograd_engine.viz.render.find_renderer` picks. The goal: seconds, not
minutes.

    python benchmarks/bench_viz.py [batch size, default 32]
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from typing import Any

from autograd_engine import MLP, Value, backward_steps, draw_backward_step, draw_dot
from autograd_engine.viz.render import find_renderer, render_graph


def timed(what: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    print(f"{what:<48} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    rng = random.Random(0)
    model = MLP(2, [16, 16, 1], seed=0)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(batch)]
    ys = [rng.choice((-1.0, 1.0)) for _ in xs]
    print(f"renderer: {find_renderer()}")

    def loss_graph() -> Value:
        return Value.sum([(model(x) - y) ** 2 for x, y in zip(xs, ys)]) / batch  # type: ignore[operator]

    loss = timed(f"build the loss graph (batch {batch})", loss_graph)
    timed("backward()", loss.backward)
    drawing = timed("draw_dot(loss, model=model) (DOT text)", lambda: draw_dot(loss, model=model))
    print(f"{'  graph size':<48} {len(drawing.body):8d} DOT lines")
    timed("render the grouped view as SVG", lambda: render_graph(drawing, "svg"))
    png = timed("render the grouped view as PNG", lambda: render_graph(drawing, "png"))
    print(f"{'  PNG size':<48} {len(png):8d} bytes")
    layers = draw_dot(loss, model=model, group_by="layer")
    timed("render the one-box-per-layer view as PNG", lambda: render_graph(layers, "png"))

    small = MLP(2, [3, 1], seed=0)
    one = (small([0.5, -1.0]) - 1.0) ** 2  # type: ignore[operator]
    steps = timed("backward_steps of a 2-3-1 MLP on one sample", lambda: list(backward_steps(one)))
    timed(
        f"draw and render all {len(steps)} step frames as SVG",
        lambda: [render_graph(draw_backward_step(steps, k), "svg") for k in range(len(steps))],
    )


if __name__ == "__main__":
    main()
