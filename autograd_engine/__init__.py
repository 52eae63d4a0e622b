"""autograd_engine: scalar reverse-mode automatic differentiation for learning and teaching.

Build expressions from :class:`Value` objects, call ``backward()`` and read every ``.grad``.
"""

from __future__ import annotations

from .autodiff import grad
from .compiled import CompiledGraph, compile_function, compile_graph
from .errors import DomainError
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_gradient
from .graph import topological_order
from .nn import (
    MLP,
    SGD,
    Adam,
    History,
    Layer,
    Module,
    Neuron,
    Optimizer,
    StateDictError,
    accuracy,
    argmax,
    bce_loss,
    bce_with_logits_loss,
    binary_accuracy,
    cross_entropy_loss,
    fit,
    hinge_loss,
    l2_regularization,
    log_softmax,
    logsumexp,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    model_accuracy,
    mse_loss,
    multiclass_accuracy,
    predict_class,
    softmax,
    to_torch,
    train_test_split,
)
from .ops import Op
from .stepper import BackwardStep, backward_stepper, backward_steps, draw_backward_step
from .value import Value
from .viz import draw_dot, draw_graph, save_graph

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "BackwardStep",
    "CompiledGraph",
    "DomainError",
    "GradcheckError",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "Op",
    "Optimizer",
    "StateDictError",
    "Value",
    "accuracy",
    "argmax",
    "backward_stepper",
    "backward_steps",
    "bce_loss",
    "bce_with_logits_loss",
    "binary_accuracy",
    "compile_function",
    "compile_graph",
    "cross_entropy_loss",
    "draw_backward_step",
    "draw_dot",
    "draw_graph",
    "enable_grad",
    "fit",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hinge_loss",
    "is_grad_enabled",
    "l2_regularization",
    "log_softmax",
    "logsumexp",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "model_accuracy",
    "mse_loss",
    "multiclass_accuracy",
    "no_grad",
    "numerical_gradient",
    "predict_class",
    "save_graph",
    "softmax",
    "to_torch",
    "topological_order",
    "train_test_split",
]
