"""autograd_engine: scalar reverse-mode automatic differentiation for learning and teaching.

Build expressions from :class:`Value` objects, call ``backward()`` and read every ``.grad``.
"""

from __future__ import annotations

from .autodiff import grad
from .errors import DomainError
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_gradient
from .graph import topological_order
from .ops import Op
from .value import Value

__version__ = "0.1.0"

__all__ = [
    "DomainError",
    "GradcheckError",
    "Op",
    "Value",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "numerical_gradient",
    "topological_order",
]
