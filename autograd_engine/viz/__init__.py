"""Drawing computation graphs: the DOT text of a graph, the grouped view of a model, rendering.

``draw_dot(root)`` returns a ``graphviz.Digraph`` (it shows itself in Jupyter); ``save_graph``
writes it as SVG or PNG, with the system ``dot`` or else the pip-installed ``graphviz-pure``.
Inside: ``nodes`` (what every drawing shares: numbers, colours, the value card), ``grouped``
(one box per neuron), ``dot`` (``draw_dot``), ``render`` (DOT text to images; no Values) and
``examples`` (the labelled graphs the README and docs draw).
"""

from __future__ import annotations

from .dot import draw_dot, draw_graph, render_graph, save_graph
from .examples import lecture_graph, neuron_graph
from .nodes import grad_color, html_text, readable_number
from .render import RendererNotFoundError, RenderError, find_renderer

__all__ = [
    "RenderError",
    "RendererNotFoundError",
    "draw_dot",
    "draw_graph",
    "find_renderer",
    "grad_color",
    "html_text",
    "lecture_graph",
    "neuron_graph",
    "readable_number",
    "render_graph",
    "save_graph",
]
