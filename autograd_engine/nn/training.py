"""A training loop for notebooks (``fit``) and accuracy helpers.

``fit`` is only sugar for the loop every student should be able to write by hand::

    for step in range(steps):
        outputs = [model(x) for x in X]          # forward pass, one sample at a time
        loss = loss_fn(outputs, y)               # one Value
        optimizer.zero_grad()
        loss.backward()                          # every parameter's grad
        optimizer.step()                         # move against the gradient

It adds a learning-rate schedule, minibatches, a history of loss and accuracy for plotting, and an
optional progress bar (with ``tqdm``, an optional extra; without it progress is printed as text).
"""

from __future__ import annotations

import numbers
import random
import sys
from collections.abc import Callable, Sequence, Sized
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import as_count, as_float, as_rng, describe
from ..grad_mode import no_grad
from ..value import Value, float_of
from .losses import bce_loss, l2_regularization, mse_loss
from .optim import Optimizer

__all__ = [
    "History",
    "accuracy",
    "argmax",
    "binary_accuracy",
    "fit",
    "model_accuracy",
    "multiclass_accuracy",
    "predict_class",
]

Output = Value | float | Sequence[Value | float]


def argmax(values: Sequence[Value | float]) -> int:
    """The position of the largest value (the first one on a tie).

    Example:
        >>> argmax([Value(0.1), Value(2.0), Value(-1.0)])
        1
    """
    numbers_ = [float_of(v) for v in values]
    if not numbers_:
        raise ValueError("argmax() of an empty list")
    return max(range(len(numbers_)), key=numbers_.__getitem__)


def predict_class(output: Output, threshold: float = 0.0) -> int:
    """The class a model's output stands for.

    One score: 1 if it is above ``threshold`` (0 for scores and logits, 0.5 for probabilities),
    else 0. Several outputs (one per class): the position of the largest.
    """
    if isinstance(output, Sequence):
        return argmax(output)
    return int(float_of(output) > threshold)


def binary_accuracy(
    scores: Sequence[Value | float], labels: Sequence[float], threshold: float = 0.0
) -> float:
    """The share of samples whose score is on the side of ``threshold`` its label says.

    A label counts as positive when it is > 0, so labels 0/1 and -1/+1 both work. This is the
    accuracy of micrograd's demo: ``(yi > 0) == (scorei.data > 0)``.

    Example:
        >>> binary_accuracy([Value(2.0), Value(-0.5), Value(0.3)], [1, -1, -1])
        0.6666666666666666
    """
    _check_lengths(scores, labels, "binary_accuracy")
    hits = sum((float_of(s) > threshold) == (float(t) > 0) for s, t in zip(scores, labels))
    return hits / len(labels)


def multiclass_accuracy(outputs: Sequence[Sequence[Value | float]], labels: Sequence[int]) -> float:
    """The share of samples whose largest output is at the position of their label.

    Example:
        >>> multiclass_accuracy([[0.1, 2.0], [3.0, 1.0]], [1, 1])
        0.5
    """
    _check_lengths(outputs, labels, "multiclass_accuracy")
    hits = sum(argmax(out) == int(label) for out, label in zip(outputs, labels))
    return hits / len(labels)


def accuracy(outputs: Sequence[Output], labels: Sequence[float], threshold: float = 0.0) -> float:
    """:func:`binary_accuracy` for single scores, :func:`multiclass_accuracy` for lists."""
    _check_lengths(outputs, labels, "accuracy")
    if all(isinstance(o, (Value, numbers.Real)) for o in outputs):
        return binary_accuracy(outputs, labels, threshold)  # type: ignore[arg-type]
    return multiclass_accuracy(outputs, labels)  # type: ignore[arg-type]


def model_accuracy(
    model: Callable[[Any], Any],
    X: Sequence[Any],  # noqa: N803  (the usual name for inputs in machine learning)
    y: Sequence[float],
    threshold: float = 0.0,
) -> float:
    """The accuracy of ``model`` on samples ``X`` with labels ``y``, without recording a graph.

    Example:
        >>> from autograd_engine import MLP
        >>> model = MLP(2, [1], seed=0)
        >>> 0.0 <= model_accuracy(model, [[0.0, 1.0], [1.0, 0.0]], [0, 1]) <= 1.0
        True
    """
    with no_grad():
        outputs = [model(x) for x in X]
    return accuracy(outputs, y, threshold)


def _check_lengths(outputs: Sized, labels: Sized, who: str) -> None:
    if len(outputs) != len(labels):
        raise ValueError(f"{who} got {len(outputs)} outputs but {len(labels)} labels")
    if not len(labels):
        raise ValueError(f"{who} got no samples")


@dataclass
class History:
    """What :func:`fit` recorded at each step, ready to plot.

    Attributes:
        step: the step numbers, 0, 1, ...
        loss: the loss at each step, before that step's update.
        accuracy: the training accuracy (of the step's batch) at each step; empty if not
            measured.
        lr: the learning rate used at each step.

    Example:
        ``plt.plot(history.step, history.loss)`` draws the learning curve.
    """

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.step)


def _is_class_label(t: Any) -> bool:
    return isinstance(t, numbers.Real) and float(t).is_integer()


def fit(
    model: Callable[[Any], Any],
    loss_fn: Callable[[list[Any], list[Any]], Value],
    X: Sequence[Any],  # noqa: N803  (the usual name for inputs in machine learning)
    y: Sequence[Any],
    optimizer: Optimizer,
    steps: int,
    *,
    l2: float = 0.0,
    lr_schedule: Callable[[int], float] | None = None,
    batch_size: int | None = None,
    accuracy_fn: Callable[[list[Any], list[Any]], float] | Literal["auto"] | None = "auto",
    threshold: float | None = None,
    target_accuracy: float | None = None,
    progress: bool | Literal["text"] = False,
    print_every: int | None = None,
    seed: int | None = None,
    rng: random.Random | None = None,
) -> History:
    """Train ``model`` for ``steps`` steps of ``optimizer`` on ``loss_fn``; return the history.

    Each step runs the model on every sample (or on a random batch), computes the loss (plus
    the L2 penalty if ``l2 > 0``), records loss and accuracy, then does ``zero_grad()``,
    ``backward()`` and ``optimizer.step()``.

    Args:
        model: called on one sample at a time (an MLP, or any function of a sample).
        loss_fn: ``loss_fn(outputs, targets) -> Value``, for example ``hinge_loss``.
        X, y: the training samples and their targets.
        optimizer: updates the parameters; its ``lr`` is set by ``lr_schedule`` if given.
        steps: the number of steps.
        l2: adds ``l2_regularization(optimizer.params, l2)`` to the loss (micrograd's demo
            uses 1e-4).
        lr_schedule: ``step -> learning rate``, e.g. ``lambda k: 1.0 - 0.9 * k / 100``.
        batch_size: draw this many samples (without replacement) at each step; all if None.
        accuracy_fn: ``(outputs, targets) -> float``; ``"auto"`` measures :func:`accuracy`
            when every target is a whole number (class labels), and nothing otherwise; None
            measures nothing.
        threshold: the output that separates the two classes for single outputs. By
            default 0 (scores and logits), except with ``mse_loss`` and ``bce_loss``, whose
            outputs aim at the labels themselves: there it is halfway between the smallest and
            largest label (0.5 for labels 0 and 1).
        target_accuracy: stop as soon as the training accuracy reaches it (the model is not
            updated after that step).
        progress: True shows a tqdm progress bar, which in Jupyter is a widget that a saved
            notebook does not keep; ``"text"`` shows tqdm's plain-text bar on standard output,
            which stays in a saved notebook. Without tqdm both print text lines instead.
        print_every: print the step, loss and accuracy every this many steps.
        seed, rng: where the batch sampling randomness comes from (the global ``random``
            module by default).

    Returns:
        A :class:`History` with one entry per step done.

    Example:
        >>> from autograd_engine import MLP, SGD, hinge_loss, make_moons
        >>> X, y = make_moons(20, seed=0)
        >>> model = MLP(2, [8, 1], seed=0)
        >>> history = fit(model, hinge_loss, X, [2 * t - 1 for t in y], SGD(model.parameters(),
        ...               lr=0.1), steps=3)
        >>> len(history.loss), len(history.accuracy)
        (3, 3)
    """
    n_steps = as_count(steps, "fit(steps)", 0)
    if len(X) != len(y):
        raise ValueError(f"fit got {len(X)} samples but {len(y)} targets")
    if not len(X):
        raise ValueError("fit got no samples")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit expects an optimizer such as SGD(model.parameters(), lr=0.1), got "
            f"{describe(optimizer)}"
        )
    alpha = as_float(l2, "fit(l2)")
    batch = None if batch_size is None else min(as_count(batch_size, "fit(batch_size)", 1), len(X))
    if threshold is None:
        threshold = _default_threshold(loss_fn, y)
    if accuracy_fn == "auto":
        cut = threshold
        measure: Callable[[list[Any], list[Any]], float] | None = (
            (lambda outputs, targets: accuracy(outputs, targets, cut))
            if all(_is_class_label(t) for t in y)
            else None
        )
    else:
        measure = accuracy_fn
    if target_accuracy is not None and measure is None:
        raise ValueError(
            "fit(target_accuracy=...) needs an accuracy to measure, but there is none: the "
            "targets are not class labels (whole numbers) or accuracy_fn is None. Pass "
            "accuracy_fn=(outputs, targets) -> float, or leave target_accuracy out"
        )
    sampler = as_rng(rng, seed)

    history = History()
    shown = _Progress(n_steps, progress, print_every)
    try:
        for k in range(n_steps):
            if lr_schedule is not None:
                optimizer.lr = as_float(lr_schedule(k), f"fit: lr_schedule({k})")
            indices = range(len(X)) if batch is None else sampler.sample(range(len(X)), batch)
            targets = [y[i] for i in indices]
            outputs = [model(X[i]) for i in indices]
            loss = loss_fn(outputs, targets)
            if not isinstance(loss, Value):
                raise TypeError(
                    f"fit: loss_fn must return a Value (the loss), got {describe(loss)}; "
                    "see autograd_engine.nn.losses"
                )
            if alpha:
                loss = loss + l2_regularization(optimizer.params, alpha)
            acc = measure(outputs, targets) if measure is not None else None
            history.step.append(k)
            history.loss.append(loss.data)
            history.lr.append(optimizer.lr)
            if acc is not None:
                history.accuracy.append(acc)
            shown.report(k, loss.data, acc)
            if target_accuracy is not None and acc is not None and acc >= target_accuracy:
                break
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    finally:
        shown.close()
    return history


def _default_threshold(loss_fn: Callable[..., Any], y: Sequence[Any]) -> float:
    """See ``fit(threshold=...)``: 0, or the middle of the labels for mse_loss and bce_loss."""
    if loss_fn in (mse_loss, bce_loss) and all(isinstance(t, numbers.Real) for t in y):
        values = [float(t) for t in y]
        return (min(values) + max(values)) / 2.0
    return 0.0


class _Progress:
    """Shows the progress of one ``fit`` call: a tqdm bar, text lines, or nothing."""

    def __init__(
        self, steps: int, progress: bool | Literal["text"], print_every: int | None
    ) -> None:
        if progress not in (True, False, "text"):
            raise ValueError(f"fit(progress=...) expects True, False or 'text', got {progress!r}")
        self.steps = steps
        self.print_every = print_every
        self.bar: Any = None
        self.text_every = 0
        if progress:
            try:
                # tqdm.auto picks a widget in Jupyter; the plain bar is text on any console
                if progress == "text":
                    from tqdm.std import tqdm  # type: ignore[import-untyped]  # optional extra
                else:
                    from tqdm.auto import tqdm  # type: ignore[import-untyped]
            except ImportError:
                print("fit: tqdm is not installed (pip install tqdm), showing progress as text")
                self.text_every = max(1, steps // 10)
            else:
                where = {"file": sys.stdout} if progress == "text" else {}
                self.bar = tqdm(total=steps, desc="fit", **where)

    def report(self, k: int, loss: float, acc: float | None) -> None:
        """Show step ``k``'s loss and accuracy."""
        text = f"step {k} loss {loss:.6g}" + ("" if acc is None else f", accuracy {acc:.1%}")
        if self.bar is not None:
            postfix = {"loss": f"{loss:.4g}"}
            if acc is not None:
                postfix["acc"] = f"{acc:.1%}"
            self.bar.set_postfix(postfix, refresh=False)
            self.bar.update(1)
        elif self.text_every and (k % self.text_every == 0 or k == self.steps - 1):
            print(text)
        if self.print_every and k % self.print_every == 0:
            print(text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
