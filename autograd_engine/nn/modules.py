"""Neural network building blocks made of Values: ``Module``, ``Neuron``, ``Layer`` and ``MLP``.

Every weight is a :class:`~autograd_engine.Value`, so after ``loss.backward()`` each one holds its
own gradient and can be printed, drawn or nudged by hand. The signatures of micrograd's ``nn``
work unchanged (``Neuron(nin, nonlin=True)``, ``Layer(nin, nout)``, ``MLP(nin, nouts)``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from ..errors import as_count, as_rng, describe, is_real_number
from ..value import Value

__all__ = ["ACTIVATIONS", "MLP", "Activation", "Init", "Layer", "Module", "Neuron"]

#: An activation: the name of a built-in one, or any function from a Value to a Value.
Activation = str | Callable[[Value], Value]

#: How a neuron draws its initial weights (see :class:`Neuron`).
Init = Literal["fan_in", "uniform"]


def _leaky_relu(x: Value) -> Value:
    return x.leaky_relu()


#: The built-in activations by name. ``"linear"`` applies nothing (no node in the graph).
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
    "leaky_relu": _leaky_relu,
    "softplus": Value.softplus,
}

# Activations that zero (or nearly zero) half of their inputs: He initialisation doubles the
# weight variance for them, to keep the signal's variance from halving at every layer.
_RELU_LIKE = {"relu", "leaky_relu"}


def _resolve_activation(activation: Activation) -> tuple[str, Callable[[Value], Value] | None]:
    """Return ``(name, function)`` for an activation name or callable; ``None`` means linear."""
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; expected one of "
                f"{', '.join(repr(n) for n in ACTIVATIONS)}, or a function from Value to Value"
            )
        return activation, ACTIVATIONS[activation]
    if callable(activation):
        return getattr(activation, "__name__", repr(activation)), activation
    raise TypeError(
        f"activation must be a name ({', '.join(repr(n) for n in ACTIVATIONS)}) or a function "
        f"from Value to Value, got {describe(activation)}"
    )


def _make_rng(rng: random.Random | None, seed: int | None) -> random.Random | None:
    """The generator to draw weights from: an explicit one, a new one from ``seed``, or None.

    None means Python's global ``random`` module, so ``random.seed(s)`` before building a model
    (as micrograd code does) reproduces its weights. None is kept (rather than the module itself)
    so that a layer can pass it on to its neurons as their ``rng``.
    """
    if rng is None and seed is None:
        return None
    return as_rng(rng, seed)


def _as_inputs(x: Any, nin: int, who: str) -> list[Any]:
    """Turn one sample into a list of ``nin`` input Values, or raise a clear error.

    A single Value or number counts as one input, so a layer of one neuron can feed the next.
    Numbers become constant Values here, once, so every neuron of a layer shares one node per
    input (instead of each neuron wrapping its own copy): a smaller graph and a truer drawing.
    """
    if isinstance(x, Value) or is_real_number(x):
        xs: list[Any] = [x]
    elif isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        raise TypeError(
            f"{who} expects a list of {nin} numbers or Values (one sample), got {describe(x)}"
        )
    else:
        xs = list(x)
    if len(xs) != nin:
        raise ValueError(
            f"{who} expects {nin} input(s), got {len(xs)}: {describe(x)}. "
            f"Pass one sample at a time; for a batch write [model(x) for x in X]"
        )
    for i, xi in enumerate(xs):
        if isinstance(xi, Value):
            continue
        if not is_real_number(xi):
            raise TypeError(
                f"{who} expects each input to be a number or a Value, got {describe(xi)} at "
                f"position {i}. Pass one sample at a time; for a batch write [model(x) for x in X]"
            )
        xs[i] = Value(xi)
    return xs


class Module:
    """Base class of everything with parameters: ``parameters()``, ``zero_grad()``, saving.

    A module's parameters are found by looking at its attributes, in the order they were set:
    every ``Value``, every ``Module`` and every list or tuple of them is part of the module
    (attributes whose names start with ``_`` are skipped). So a subclass only has to store its
    weights as attributes; the names come from the attribute names and list positions, as in
    ``layers.0.neurons.3.w.1``. A subclass may still override :meth:`parameters`, as in
    micrograd.

    Example:
        >>> class Line(Module):
        ...     def __init__(self) -> None:
        ...         self.slope = Value(2.0)
        ...         self.intercept = Value(1.0)
        ...     def __call__(self, x: float) -> Value:
        ...         return self.slope * x + self.intercept
        >>> [name for name, _ in Line().named_parameters()]
        ['slope', 'intercept']
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, in a stable order; a shared Value appears once.

        Example:
            >>> [name for name, _ in Neuron(2).named_parameters()]
            ['w.0', 'w.1', 'b']
        """
        return self._unique_values(named=True)

    def parameters(self) -> list[Value]:
        """Every parameter (a list of Values), in the order of :meth:`named_parameters`."""
        if type(self).named_parameters is not Module.named_parameters:  # a subclass's own names
            return [p for _, p in self.named_parameters()]
        # the same walk without building the names: an optimizer's step and zero_grad() call
        # parameters() at every training step
        return [p for _, p in self._unique_values(named=False)]

    def num_parameters(self) -> int:
        """How many scalar parameters the module has (``MLP(3, [4, 4, 1])`` has 41)."""
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0, before the next ``backward()``."""
        for p in self.parameters():
            p.grad = 0.0

    def named_children(self) -> list[tuple[str, Module]]:
        """The modules held directly by this one, with their names (``layers.0``, ...)."""
        return [(name, obj) for name, obj in self._attributes() if isinstance(obj, Module)]

    # -- saving and loading (JSON; see autograd_engine.nn.serialization) --------------------------

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name: ``{"layers.0.neurons.0.w.0": 0.31, ...}``."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Any) -> None:
        """Set every parameter from a mapping of names to numbers, as made by :meth:`state_dict`.

        The whole mapping is checked first (every name present, no extra name, every value a
        finite number); if anything is wrong nothing is changed and a
        :class:`~autograd_engine.nn.serialization.StateDictError` lists every problem.
        """
        from .serialization import load_state_dict

        load_state_dict(self, state)

    def save(self, path: str | Path) -> None:
        """Write the parameters to a ``.json`` file (no pickle: loading it never runs code).

        ``~`` is expanded; the file is replaced in one step, so a failed save (a full disk,
        Ctrl-C) leaves the old file as it was. A NaN or infinite parameter is refused by name.
        """
        from .serialization import save

        save(self, path)

    def load(self, path: str | Path) -> None:
        """Read parameters written by :meth:`save` into this module (checked before any change).

        ``~`` is expanded. Any bad file raises
        :class:`~autograd_engine.nn.serialization.StateDictError` and changes nothing.
        """
        from .serialization import load

        load(self, path)

    # -- display -------------------------------------------------------------------------------

    def _summary(self) -> str:
        """The first line of the repr, before the parameter count."""
        return f"{type(self).__name__}()"

    _show_children = True

    def __repr__(self) -> str:
        lines = [f"{self._summary()}: {self.num_parameters()} parameters"]
        if self._show_children:
            for name, child in self.named_children():
                child_lines = repr(child).splitlines()
                lines.append(f"  ({name}): {child_lines[0]}")
                lines.extend("  " + line for line in child_lines[1:])
        return "\n".join(lines)

    # -- the attribute walk --------------------------------------------------------------------

    def _attributes(self, named: bool = True) -> Iterator[tuple[str, Any]]:
        """Public attributes, lists and tuples flattened with their positions as names (every
        name "" unless ``named``)."""
        for name, obj in vars(self).items():
            if name.startswith("_"):
                continue
            yield from _flatten(name if named else "", obj, named)

    def _named_values(self, named: bool) -> Iterator[tuple[str, Value]]:
        for name, obj in self._attributes(named):
            if isinstance(obj, Value):
                yield name, obj
            elif not named and type(obj).named_parameters is Module.named_parameters:
                yield from obj._named_values(named=False)  # no names to build below either
            elif isinstance(obj, Module):
                for sub, value in obj.named_parameters():
                    yield f"{name}.{sub}", value

    def _unique_values(self, named: bool) -> list[tuple[str, Value]]:
        """:meth:`named_parameters`, or with every name "" unless ``named``: each Value once."""
        found: list[tuple[str, Value]] = []
        seen: set[Value] = set()
        for name, value in self._named_values(named):
            if value not in seen:
                seen.add(value)
                found.append((name, value))
        return found


def _flatten(name: str, obj: Any, named: bool = True) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _flatten(f"{name}.{i}" if named else name, item, named)
    elif isinstance(obj, (Value, Module)):
        yield name, obj


class Neuron(Module):
    r"""One neuron: :math:`\mathrm{act}(b + \sum_i w_i x_i)`.

    The weighted sum is one ``sum`` node in the graph, with the bias as its first term, so its
    float rounding is exactly that of micrograd's ``sum((wi*xi ...), self.b)``.

    Initialisation. The default, ``init="uniform"``, is micrograd's: each weight uniform in
    :math:`[-1, 1]`, drawn in micrograd's order, so micrograd code gets micrograd's network and
    numbers. ``init="fan_in"`` trains better and is what the README's examples use: each
    weight is drawn uniformly from :math:`[-a, a]` with :math:`a = g\sqrt{3/n_{in}}`, which
    gives :math:`\mathrm{Var}(w) = g^2/n_{in}`: the weighted sum of :math:`n_{in}` inputs of unit
    variance then has variance :math:`g^2`, whatever the number of inputs, so signals neither
    explode nor fade from layer to layer at the start of training. The gain :math:`g` is
    :math:`\sqrt 2` for relu and leaky_relu (He et al., 2015: relu zeroes half of its inputs,
    halving the variance) and 1 for the others (LeCun et al., 1998). The bias starts at 0 in
    both cases.

    Reproducibility. Weights come from ``rng`` if given, from ``random.Random(seed)`` if a seed
    is given, and otherwise from Python's global ``random`` module, so ``random.seed(1337)``
    before building reproduces the weights, as in micrograd code.

    Args:
        nin: the number of inputs.
        nonlin: micrograd's switch: True for relu, False for linear. Ignored if ``activation``
            is given.
        activation: ``"relu"``, ``"tanh"``, ``"sigmoid"``, ``"linear"``, ``"leaky_relu"``,
            ``"softplus"``, or any function from a Value to a Value.
        init: ``"uniform"`` (default, micrograd's) or ``"fan_in"``, see above.
        rng: a ``random.Random`` to draw the weights from.
        seed: a seed for a new ``random.Random`` (give ``rng`` or ``seed``, not both).

    Attributes:
        w: the weights, one Value per input (labelled ``w0``, ``w1``, ...).
        b: the bias (labelled ``b``).
        activation: the activation's name (a callable's ``__name__``).

    Example:
        >>> n = Neuron(2, activation="tanh", seed=0)
        >>> out = n([1.0, -2.0])
        >>> out._op, len(n.parameters())
        ('tanh', 3)
    """

    _show_children = False

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: Activation | None = None,
        init: Init = "uniform",
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        self.nin = as_count(nin, "Neuron(nin)")
        if activation is None:
            activation = "relu" if nonlin else "linear"
        name, function = _resolve_activation(activation)
        self._activation = function
        self.activation = name
        draw = _weight_sampler(nin, name, init, _make_rng(rng, seed))
        self.w = [Value(draw(), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")

    @property
    def nonlin(self) -> bool:
        """True unless the activation is linear (micrograd's attribute)."""
        return self.activation != "linear"

    def __call__(self, x: Sequence[Value | float] | Value | float) -> Value:
        """The neuron's output for one sample ``x`` of ``nin`` numbers or Values."""
        return self._forward(_as_inputs(x, self.nin, f"Neuron({self.nin})"))

    def _forward(self, xs: Sequence[Value | float]) -> Value:
        act = Value.sum((self.b, *[wi * xi for wi, xi in zip(self.w, xs)]))
        return act if self._activation is None else self._activation(act)

    def _summary(self) -> str:
        return f"Neuron(nin={self.nin}, activation={self.activation!r})"


def _weight_sampler(
    nin: int, activation: str, init: str, rng: random.Random | None
) -> Callable[[], float]:
    """A function drawing one initial weight (see :class:`Neuron` for the reasoning)."""
    uniform = rng.uniform if rng is not None else random.uniform
    if init == "uniform":
        return lambda: uniform(-1.0, 1.0)
    if init == "fan_in":
        gain = math.sqrt(2.0) if activation in _RELU_LIKE else 1.0
        bound = gain * math.sqrt(3.0 / nin)
        return lambda: uniform(-bound, bound)
    raise ValueError(f"unknown init {init!r}; expected 'fan_in' or 'uniform'")


class Layer(Module):
    """``nout`` neurons that all see the same inputs.

    Called on one sample, it returns a list of ``nout`` Values, or a single Value when
    ``nout == 1`` (as in micrograd). It also accepts a single Value or number as input when
    ``nin == 1``, so a layer of one neuron can feed another layer.

    Args:
        nin: the number of inputs of each neuron.
        nout: the number of neurons (outputs).
        nonlin, activation, init: passed to every :class:`Neuron`.
        rng, seed: where the weights come from (see :class:`Neuron`); one generator is shared
            by all neurons, so they get different weights.

    Example:
        >>> layer = Layer(3, 2, seed=0)
        >>> len(layer([1.0, 2.0, 3.0])), layer.num_parameters()
        (2, 8)
    """

    _show_children = False

    def __init__(
        self,
        nin: int,
        nout: int,
        nonlin: bool = True,
        *,
        activation: Activation | None = None,
        init: Init = "uniform",
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        self.nin = as_count(nin, "Layer(nin)")
        self.nout = as_count(nout, "Layer(nout)")
        shared = _make_rng(rng, seed)
        self.neurons = [
            Neuron(nin, nonlin, activation=activation, init=init, rng=shared) for _ in range(nout)
        ]
        self.activation = self.neurons[0].activation

    def __call__(self, x: Sequence[Value | float] | Value | float) -> Value | list[Value]:
        """The layer's outputs for one sample: a list, or one Value if the layer has one neuron."""
        out = self._forward(_as_inputs(x, self.nin, f"Layer({self.nin}, {self.nout})"))
        return out[0] if len(out) == 1 else out

    def _forward(self, xs: Sequence[Value | float]) -> list[Value]:
        return [n._forward(xs) for n in self.neurons]

    def _summary(self) -> str:
        return f"Layer(nin={self.nin}, nout={self.nout}, activation={self.activation!r})"


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``nouts`` applied one after the other.

    The hidden layers use ``activation`` (relu by default) and the last layer uses
    ``output_activation`` (linear by default, so the outputs are scores or logits, as in
    micrograd). Called on one sample it returns a Value if the last layer has one neuron,
    otherwise a list of Values.

    Args:
        nin: the number of inputs.
        nouts: the size of each layer, the last one being the number of outputs.
        activation: for the hidden layers: one name or function for all of them, or a list
            with one per hidden layer.
        output_activation: for the last layer.
        init, rng, seed: see :class:`Neuron`; one generator is shared by all layers.

    Example:
        >>> model = MLP(3, [4, 4, 1], seed=0)
        >>> model.num_parameters()
        41
        >>> model([2.0, 3.0, -1.0])._op
        'sum'
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: Activation | Sequence[Activation] = "relu",
        output_activation: Activation = "linear",
        init: Init = "uniform",
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        self.nin = as_count(nin, "MLP(nin)")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(
                f"MLP(nin, nouts) expects nouts to be a non-empty list of layer sizes such as "
                f"[16, 16, 1], got {describe(nouts)}"
            )
        self.nouts = [as_count(n, f"MLP(nouts[{i}])") for i, n in enumerate(nouts)]
        hidden = len(self.nouts) - 1
        if isinstance(activation, (str, bytes)) or callable(activation):
            activations: list[Activation] = [activation] * hidden
        else:
            activations = list(activation)
            if len(activations) != hidden:
                raise ValueError(
                    f"MLP got {len(activations)} hidden activations for {hidden} hidden layer(s); "
                    "give one name for all of them or one per hidden layer"
                )
        activations.append(output_activation)
        shared = _make_rng(rng, seed)
        sizes = [self.nin, *self.nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=activations[i], init=init, rng=shared)
            for i in range(len(self.nouts))
        ]

    def __call__(self, x: Sequence[Value | float] | Value | float) -> Value | list[Value]:
        """The network's output for one sample: one Value, or a list if there are several."""
        out: list[Any] = _as_inputs(x, self.nin, f"MLP({self.nin}, {self.nouts})")
        for layer in self.layers:
            out = layer._forward(out)
        return out[0] if len(out) == 1 else out

    def _summary(self) -> str:
        return f"MLP(nin={self.nin}, nouts={self.nouts})"
