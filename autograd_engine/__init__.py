"""autograd_engine: a scalar reverse-mode automatic differentiation engine for learning and teaching.

Build expressions from :class:`Value` objects, call ``backward()`` and read every ``.grad``.
"""

from __future__ import annotations

from .autodiff import grad
from .errors import DomainError
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .graph import topological_order
from .ops import Op
from .value import Value

__version__ = "0.1.0"

__all__ = [
    "DomainError",
    "Op",
    "Value",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
]
