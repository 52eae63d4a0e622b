"""The compiled path: trace a graph once, then replay its forward and backward pass as generated
Python over floats, bit for bit the eager engine's results (``docs/compiled.md`` has the design).
"""

from __future__ import annotations

from .program import CompiledGraph, compile_function, compile_graph

__all__ = ["CompiledGraph", "compile_function", "compile_graph"]
