"""The public API, pinned: adding or removing a top-level name is a deliberate change here."""

from __future__ import annotations

import importlib
import inspect

import autograd_engine

# Sorted with Python's sorted() (capitals first). Update it when a public name is added on purpose.
PUBLIC_NAMES = [
    "Adam",
    "BackwardStep",
    "CompiledGraph",
    "DomainError",
    "GradcheckError",
    "History",
    "Layer",
    "MLP",
    "Module",
    "Neuron",
    "Op",
    "Optimizer",
    "SGD",
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


def test_all_lists_exactly_the_pinned_public_names() -> None:
    assert sorted(PUBLIC_NAMES) == PUBLIC_NAMES
    assert sorted(autograd_engine.__all__) == PUBLIC_NAMES
    assert len(set(autograd_engine.__all__)) == len(autograd_engine.__all__), "a name twice"


def test_every_public_name_is_importable_and_documented() -> None:
    module = importlib.import_module("autograd_engine")
    for name in PUBLIC_NAMES:
        obj = getattr(module, name)
        assert inspect.getdoc(obj), f"{name} has no docstring"


def test_star_import_gives_exactly_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from autograd_engine import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == PUBLIC_NAMES


def test_the_core_names_are_the_engines_own_objects() -> None:
    from autograd_engine import autodiff, errors, grad_mode, graph, ops, value

    assert autograd_engine.Value is value.Value
    assert autograd_engine.grad is autodiff.grad
    assert autograd_engine.DomainError is errors.DomainError
    assert autograd_engine.no_grad is grad_mode.no_grad
    assert autograd_engine.topological_order is graph.topological_order
    assert autograd_engine.Op is ops.Op


def test_version_is_a_string() -> None:
    assert isinstance(autograd_engine.__version__, str) and autograd_engine.__version__
