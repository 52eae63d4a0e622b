"""Export an MLP to PyTorch, for when a model outgrows a scalar engine.

``to_torch(model)`` builds a ``torch.nn.Sequential`` of ``Linear`` layers and activations with
exactly the same weights (float64), so it computes the same function: the same outputs and the
same gradients, up to float rounding. PyTorch is imported only when ``to_torch`` is called.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import describe
from .modules import ACTIVATIONS, MLP, Layer

__all__ = ["to_torch"]

_INSTALL = "pip install torch==2.13.0"
_NOT_BUILT_IN = object()  # stands for a Python function when looking a neuron's one up by name


def _import_torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError as exc:
        raise ImportError(
            f"to_torch needs PyTorch, which is not installed. Install the CPU build with: "
            f"{_INSTALL}"
        ) from exc


def _activation_module(torch: Any, name: str, where: str) -> Any | None:
    """The torch module applying the activation ``name`` (None for linear)."""
    nn = torch.nn
    if name == "linear":
        return None
    if name == "relu":
        return nn.ReLU()
    if name == "tanh":
        return nn.Tanh()
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "leaky_relu":
        return nn.LeakyReLU(0.01)  # the default slope of Value.leaky_relu
    if name == "softplus":
        return _softplus_module(torch)
    raise ValueError(
        f"to_torch has no torch module for the activation {name!r} of {where}; build the torch "
        "model by hand"
    )


def _activation_name(layer: Layer, where: str) -> str:
    """The built-in activation that every neuron of ``layer`` applies, by name, or raise."""
    names = {n.activation for n in layer.neurons}
    if len(names) != 1:
        raise ValueError(
            f"to_torch needs one activation per layer, but {where} mixes {sorted(names)}"
        )
    name = names.pop()
    # A neuron knows its activation by the function's __name__, so a Python function may carry a
    # built-in's name (def leaky_relu(v): return v.leaky_relu(0.2)): compare the functions.
    if any(n._activation is not ACTIVATIONS.get(name, _NOT_BUILT_IN) for n in layer.neurons):
        raise ValueError(
            f"to_torch cannot export the activation {name!r} of {where}: it is a Python "
            "function on Values. Use one of the named activations (relu, tanh, sigmoid, linear, "
            "leaky_relu, softplus), or build the torch model by hand"
        )
    return name


def _softplus_module(torch: Any) -> Any:
    """Softplus with the same formula as ours, max(x, 0) + log1p(exp(-|x|)).

    ``torch.nn.Softplus`` switches to the identity above a threshold, which differs from the
    exact value by up to 2e-9; this one does not.
    """

    class Softplus(torch.nn.Module):  # type: ignore[misc]
        def forward(self, x: Any) -> Any:
            return torch.clamp(x, min=0.0) + torch.log1p(torch.exp(-torch.abs(x)))

    return Softplus()


def _layers(model: MLP | Layer) -> list[Layer]:
    if isinstance(model, MLP):
        return list(model.layers)
    if isinstance(model, Layer):
        return [model]
    raise TypeError(f"to_torch expects an MLP or a Layer, got {describe(model)}")


def to_torch(model: MLP | Layer) -> Any:
    """A ``torch.nn.Sequential`` computing the same function as ``model``, with its weights.

    Each :class:`~autograd_engine.nn.Layer` becomes a float64 ``torch.nn.Linear`` (row ``j`` of
    its weight holds neuron ``j``'s ``w``, its bias the neurons' ``b``) followed by the layer's
    activation. The torch model takes a batch of shape ``(N, nin)`` and returns ``(N, nout)``,
    even when ``nout`` is 1 (where our MLP returns a single Value). The weights are copied: the
    two models train independently afterwards.

    Raises:
        ImportError: PyTorch is not installed (``pip install torch==2.13.0``).
        ValueError: a layer uses a custom Python activation, which torch cannot run.

    Example:
        >>> from autograd_engine import MLP
        >>> net = to_torch(MLP(2, [4, 1], seed=0))  # doctest: +SKIP
        >>> net(torch.tensor([[1.0, 2.0]], dtype=torch.float64)).shape  # doctest: +SKIP
        torch.Size([1, 1])
    """
    layers = _layers(model)
    torch = _import_torch()
    modules = []
    for i, layer in enumerate(layers):
        name = _activation_name(layer, f"layer {i}")
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        activation = _activation_module(torch, name, f"layer {i}")
        if activation is not None:
            modules.append(activation)
    return torch.nn.Sequential(*modules)
