"""One training step's loss, built once for both paths: eagerly (:func:`batch_loss`) or as a
compiled program that takes each minibatch's numbers as inputs (:class:`CompiledStep`). Both
run with Python's cyclic garbage collector paused (:func:`~autograd_engine.graph.gc_paused`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..compiled import CompiledGraph, compile_graph
from ..errors import as_float, describe
from ..grad_mode import enable_grad
from ..graph import gc_paused, topological_order
from ..value import Value
from .losses import l2_regularization

__all__ = ["CompiledStep", "batch_loss"]


def batch_loss(
    model: Callable[[Any], Any],
    loss_fn: Callable[[list[Any], list[Any]], Value],
    samples: Sequence[Any],
    targets: Sequence[Any],
    l2: float = 0.0,
    params: Sequence[Value] = (),
) -> tuple[list[Any], Value]:
    """The model's outputs on a batch and the batch's loss, plus the L2 penalty if ``l2 > 0``.

    This is the forward half of a training step, written once: :func:`~autograd_engine.nn.fit`
    calls it with numbers, and :class:`CompiledStep` traces it once with Values as the samples
    and targets, so the compiled program does the same float operations in the same order.

    Args:
        model: called on one sample at a time.
        loss_fn: ``loss_fn(outputs, targets) -> Value``.
        samples, targets: the batch.
        l2: adds ``l2_regularization(params, l2)`` to the loss when above 0.
        params: the parameters the L2 penalty is taken over.

    Returns:
        ``(outputs, loss)``.

    Example:
        >>> from autograd_engine import MLP, mse_loss
        >>> model = MLP(1, [1], seed=0)
        >>> outputs, loss = batch_loss(model, mse_loss, [[1.0], [2.0]], [0.0, 1.0])
        >>> len(outputs), loss.data >= 0.0
        (2, True)
    """
    outputs = [model(x) for x in samples]
    loss = loss_fn(outputs, list(targets))
    if not isinstance(loss, Value):
        raise TypeError(
            f"loss_fn must return a Value (the loss), got {describe(loss)}; see "
            "autograd_engine.nn.losses"
        )
    if l2:
        loss = loss + l2_regularization(params, l2)
    return outputs, loss


def _numbers(item: Any, what: str) -> list[float]:
    """A sample or target as a flat list of floats (a number is a list of one)."""
    if isinstance(item, (list, tuple)):
        return [as_float(v.data if isinstance(v, Value) else v, what) for v in item]
    return [as_float(item.data if isinstance(item, Value) else item, what)]


def _leaves(numbers: list[float], like: Any) -> Any:
    """Input Values holding ``numbers``, shaped like ``like`` (a list, or a single Value)."""
    values = [Value(v) for v in numbers]
    return values if isinstance(like, (list, tuple)) else values[0]


class CompiledStep:
    """A training step's forward and backward pass as a compiled program, fed from plain lists.

    The first call with a batch of ``n`` samples traces :func:`batch_loss` once, with input
    Values holding that batch's numbers (each sample's numbers, then its target's), and compiles
    the graph with :func:`~autograd_engine.compiled.compile_graph`. Every later batch of ``n``
    samples replays that program on its numbers: no Value is built. A batch of another size (the
    last, smaller batch of an epoch) gets a program of its own, compiled the first time it comes;
    :attr:`programs` holds them by batch size. Each call gives the loss and the gradients the eager
    step ``batch_loss(...)[1].backward()`` gives on the same batch, bit for bit.

    The targets are program inputs, so the loss must use them as Values: :func:`mse_loss` does,
    and :func:`cross_entropy_loss` does with rows of probabilities (use :func:`one_hot` for
    class labels). A loss that turns a target into a plain number (a class index, ``hinge_loss``'s
    labels) would freeze the first batch's labels, so it is refused.

    Args:
        model: called on one sample at a time (an MLP, or any function of a sample).
        loss_fn: ``loss_fn(outputs, targets) -> Value``, with Values as targets.
        params: the parameters (``model.parameters()``); the program reads their ``.data`` at each
            call. Any other number the model uses is frozen at its value when a program is traced.
        l2: adds ``l2_regularization(params, l2)`` to the loss, as ``fit(l2=...)`` does.

    Attributes:
        params: the parameters, in the order of the gradients.
        programs: the compiled programs, by batch size.

    Example:
        >>> from autograd_engine.nn import MLP, SGD, cross_entropy_loss, one_hot
        >>> model = MLP(2, [4, 3], seed=0)
        >>> step = CompiledStep(model, cross_entropy_loss, model.parameters())
        >>> optimizer = SGD(model.parameters(), lr=0.1)
        >>> optimizer.zero_grad()
        >>> loss = step([[0.5, -1.0], [1.0, 2.0]], one_hot([2, 0], classes=3))
        >>> optimizer.step()
        >>> list(step.programs)
        [2]
    """

    def __init__(
        self,
        model: Callable[[Any], Any],
        loss_fn: Callable[[list[Any], list[Any]], Value],
        params: Sequence[Value],
        *,
        l2: float = 0.0,
    ) -> None:
        self.model = model
        self.loss_fn = loss_fn
        self.params = list(params)
        self.l2 = as_float(l2, "CompiledStep(l2)")
        self.programs: dict[int, CompiledGraph] = {}
        self._sizes: tuple[int, int] | None = None  # the numbers in one sample and in one target

    def inputs(self, samples: Sequence[Any], targets: Sequence[Any]) -> list[float]:
        """The batch's numbers in the order of the program's inputs: each sample, then its target.

        Raises:
            ValueError: the batch is empty, or a sample or target has another shape than the
                first batch's.
        """
        if len(samples) != len(targets):
            raise ValueError(
                f"CompiledStep got {len(samples)} samples but {len(targets)} targets; give one "
                "target per sample"
            )
        if not len(samples):
            raise ValueError("CompiledStep got an empty batch; give at least one sample")
        if self._sizes is None:
            self._sizes = (len(_numbers(samples[0], "sample")), len(_numbers(targets[0], "target")))
        sizes = self._sizes
        numbers: list[float] = []
        for i, (x, t) in enumerate(zip(samples, targets)):
            for item, size, what in ((x, sizes[0], "sample"), (t, sizes[1], "target")):
                row = _numbers(item, f"CompiledStep {what} {i}")
                if len(row) != size:
                    raise ValueError(
                        f"CompiledStep expects every {what} to hold {size} number(s), like the "
                        f"first batch's, got {len(row)} at position {i}; make a new CompiledStep "
                        "for data of another shape"
                    )
                numbers.extend(row)
        return numbers

    def program(self, samples: Sequence[Any], targets: Sequence[Any]) -> CompiledGraph:
        """The program for this batch's size (traced on this batch and compiled if new)."""
        return self._program(samples, targets, self.inputs(samples, targets))

    def _program(
        self, samples: Sequence[Any], targets: Sequence[Any], numbers: list[float]
    ) -> CompiledGraph:
        found = self.programs.get(len(samples))
        if found is None:
            found = self.programs[len(samples)] = self._compile(samples, targets, numbers)
        return found

    def _compile(
        self, samples: Sequence[Any], targets: Sequence[Any], numbers: list[float]
    ) -> CompiledGraph:
        leaves: list[Value] = []  # in the order of the numbers
        target_leaves: list[Value] = []
        xs: list[Any] = []
        ts: list[Any] = []
        at = 0
        for x, t in zip(samples, targets):
            for item, out in ((x, xs), (t, ts)):
                size = len(_numbers(item, "sample"))
                value = _leaves(numbers[at : at + size], item)
                at += size
                out.append(value)
                leaves.extend(value if isinstance(value, list) else [value])
            target_leaves.extend(ts[-1] if isinstance(ts[-1], list) else [ts[-1]])
        with enable_grad(), gc_paused():
            _, loss = batch_loss(self.model, self.loss_fn, xs, ts, self.l2, self.params)
            return self._checked_program(loss, leaves, target_leaves)

    def _checked_program(
        self, loss: Value, leaves: list[Value], target_leaves: list[Value]
    ) -> CompiledGraph:
        in_graph = set(topological_order(loss))
        frozen = sum(v not in in_graph for v in target_leaves)
        if frozen:
            raise ValueError(
                f"CompiledStep: the loss does not use {frozen} of the batch's {len(target_leaves)} "
                "target numbers as Values, so the program would keep the first batch's labels. "
                "Use a loss that keeps its targets as Values: mse_loss, or cross_entropy_loss with "
                "one_hot(labels, classes) rows as targets"
            )
        return compile_graph(loss, self.params, leaves)

    def value_and_grad(
        self, samples: Sequence[Any], targets: Sequence[Any]
    ) -> tuple[float, list[float]]:
        """The batch's loss and each parameter's gradient; no ``.grad`` is touched."""
        numbers = self.inputs(samples, targets)
        return self._program(samples, targets, numbers).value_and_grad(numbers)

    def __call__(self, samples: Sequence[Any], targets: Sequence[Any]) -> float:
        """Like ``loss.backward()`` on the batch: add each gradient to its parameter's ``.grad``.

        Gradients accumulate, as in eager mode: zero them before each step.

        Returns:
            The batch's loss, as a float.
        """
        value, grads = self.value_and_grad(samples, targets)
        for p, g in zip(self.params, grads):
            p.grad += g
        return value

    def __repr__(self) -> str:
        sizes = ", ".join(str(n) for n in sorted(self.programs)) or "none yet"
        return f"<CompiledStep: {len(self.params)} parameters, programs for batch sizes {sizes}>"
