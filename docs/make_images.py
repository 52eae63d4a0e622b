"""Regenerate the images the README shows: `python docs/make_images.py` (needs the viz extra).

They are the lecture's first example, L = (a*b + c) * f (built by
``autograd_engine.viz.lecture_graph``), drawn after backward(), and its backward pass one node
at a time as an animated GIF. Both are laid out to read at GitHub's 830 px column.
"""

from __future__ import annotations

from pathlib import Path

from autograd_engine import draw_dot, save_graph
from autograd_engine.stepper import save_backward_animation
from autograd_engine.viz import lecture_graph

IMAGES = Path(__file__).resolve().parent / "images"


def main() -> None:
    loss = lecture_graph()
    save_backward_animation(loss, IMAGES / "backward_steps.gif", seconds_per_step=1.5)
    loss.backward()
    save_graph(draw_dot(loss), IMAGES / "lecture_graph.svg")
    print(f"wrote {sorted(p.name for p in IMAGES.iterdir())}")


if __name__ == "__main__":
    main()
