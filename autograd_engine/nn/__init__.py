"""Networks and training on :class:`~autograd_engine.Value`: modules, losses, optimizers, data.

micrograd's ``from micrograd.nn import MLP, Layer, Neuron, Module`` works here as
``from autograd_engine.nn import ...``; everything else in this package is exported here too.
"""

from __future__ import annotations

from ..graph import gc_paused
from .data import make_blobs, make_circles, make_moons, make_spirals, make_xor, train_test_split
from .losses import (
    bce_loss,
    bce_with_logits_loss,
    cross_entropy_loss,
    hinge_loss,
    l2_regularization,
    log_softmax,
    logsumexp,
    mse_loss,
    one_hot,
    softmax,
)
from .modules import ACTIVATIONS, MLP, Activation, Init, Layer, Module, Neuron
from .optim import SGD, Adam, Optimizer
from .serialization import StateDictError
from .steps import CompiledStep, batch_loss
from .torch_export import to_torch
from .training import (
    FitSettings,
    History,
    accuracy,
    argmax,
    binary_accuracy,
    fit,
    model_accuracy,
    multiclass_accuracy,
    predict_class,
)

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "SGD",
    "Activation",
    "Adam",
    "CompiledStep",
    "FitSettings",
    "History",
    "Init",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "StateDictError",
    "accuracy",
    "argmax",
    "batch_loss",
    "bce_loss",
    "bce_with_logits_loss",
    "binary_accuracy",
    "cross_entropy_loss",
    "fit",
    "gc_paused",
    "hinge_loss",
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
    "one_hot",
    "predict_class",
    "softmax",
    "to_torch",
    "train_test_split",
]
