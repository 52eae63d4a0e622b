"""Regenerate the images the README shows: `python docs/make_images.py` (needs the viz extra).

They are the lecture's first example, L = (a*b + c) * f, drawn after backward(), and its backward
pass one node at a time.
"""

from __future__ import annotations

from pathlib import Path

from autograd_engine import Value, draw_dot, save_graph
from autograd_engine.stepper import save_backward_animation

IMAGES = Path(__file__).resolve().parent / "images"


def lecture_example() -> Value:
    """The micrograd lecture's first graph, with its labels."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    return loss


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    loss = lecture_example()
    save_backward_animation(loss, IMAGES / "backward_steps.gif", seconds_per_step=1.5)
    loss.backward()
    save_graph(draw_dot(loss), IMAGES / "lecture_graph.svg")
    print(f"wrote {sorted(p.name for p in IMAGES.iterdir())}")


if __name__ == "__main__":
    main()
