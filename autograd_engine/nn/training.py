"""A training loop for notebooks (``fit``) and accuracy helpers.

``fit`` is only sugar for the loop every student should be able to write by hand::

    for step in range(steps):
        outputs = [model(x) for x in X]          # forward pass, one sample at a time
        loss = loss_fn(outputs, y)               # one Value
        optimizer.zero_grad()
        loss.backward()                          # every parameter's grad
        optimizer.step()                         # move against the gradient

It adds a learning-rate schedule, minibatches (random ones, or epochs of shuffled batches), compiled
steps, a history of loss and accuracy for plotting, and an optional progress bar (with ``tqdm``, an
optional extra; without it progress is printed as text).
"""

from __future__ import annotations

import numbers
import random
import sys
from collections.abc import Callable, Iterator, Sequence, Sized
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from ..errors import as_count, as_float, as_rng, describe
from ..grad_mode import no_grad
from ..graph import gc_paused
from ..value import Value, float_of
from .losses import bce_loss, mse_loss
from .optim import Optimizer
from .steps import CompiledStep, batch_loss

__all__ = [
    "FitSettings",
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
    hits = sum((float_of(s) > threshold) == (float_of(t) > 0) for s, t in zip(scores, labels))
    return hits / len(labels)


def multiclass_accuracy(
    outputs: Sequence[Sequence[Value | float]], labels: Sequence[int | Sequence[float]]
) -> float:
    """The share of samples whose largest output is at the position of their label.

    A label is a class index or a one-hot row (whose 1 is at the class's position).

    Example:
        >>> multiclass_accuracy([[0.1, 2.0], [3.0, 1.0]], [1, 1])
        0.5
        >>> multiclass_accuracy([[0.1, 2.0], [3.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]])
        1.0
    """
    _check_lengths(outputs, labels, "multiclass_accuracy")
    hits = sum(
        argmax(out) == (argmax(label) if isinstance(label, Sequence) else int(label))
        for out, label in zip(outputs, labels)
    )
    return hits / len(labels)


def accuracy(outputs: Sequence[Output], labels: Sequence[Any], threshold: float = 0.0) -> float:
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
        epoch: the epoch of each step, when :func:`fit` counts epochs; else empty.

    Example:
        ``plt.plot(history.step, history.loss)`` draws the learning curve.
    """

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    epoch: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.step)

    def record(
        self, step: int, epoch: int | None, loss: float, acc: float | None, lr: float
    ) -> None:
        """Add one step's numbers (``epoch`` and ``acc`` only where they are known)."""
        self.step.append(step)
        self.loss.append(loss)
        self.lr.append(lr)
        if epoch is not None:
            self.epoch.append(epoch)
        if acc is not None:
            self.accuracy.append(acc)


def _is_class_label(t: Any) -> bool:
    """A whole number, or a one-hot row (which stands for the position of its 1)."""
    if isinstance(t, (list, tuple)):
        return all(isinstance(v, numbers.Real) and v in (0, 1) for v in t) and sum(t) == 1
    return isinstance(t, numbers.Real) and float(t).is_integer()


@dataclass(frozen=True)
class FitSettings:
    """How :func:`fit` trains, besides the model, data, optimizer and length: every keyword of
    ``fit`` is a field here (``fit(..., batch_size=32)`` is ``FitSettings(batch_size=32)``).

    Attributes:
        l2: adds ``l2_regularization(optimizer.params, l2)`` to the loss (micrograd's demo uses
            1e-4).
        lr_schedule: ``step -> learning rate``, e.g. ``lambda k: 1.0 - 0.9 * k / 100``.
        batch_size: the samples per step; all of them if None.
        epochs: train for this many passes over the data instead of a number of steps: each
            epoch shuffles the samples and takes them ``batch_size`` at a time, so the last batch
            of an epoch holds what is left (fewer samples, never a repeat).
        compiled: run each step as a compiled program (:class:`~autograd_engine.nn.CompiledStep`),
            traced once per batch size, with the same results as the eager step. The loss must
            keep its targets as Values (``mse_loss``; ``cross_entropy_loss`` with ``one_hot``
            rows). A compiled step returns only the loss, so no accuracy is measured.
        accuracy_fn: ``(outputs, targets) -> float``; ``"auto"`` measures :func:`accuracy`
            when every target is a class label (a whole number or a one-hot row), and nothing
            otherwise; None measures nothing.
        threshold: the output that separates the two classes for single outputs. By default 0
            (scores and logits), except with ``mse_loss`` and ``bce_loss``, whose outputs aim at
            the labels themselves: there it is halfway between the smallest and largest label
            (0.5 for labels 0 and 1).
        target_accuracy: stop as soon as the training accuracy reaches it (the model is not
            updated after that step).
        progress: True shows a tqdm progress bar, which in Jupyter is a widget that a saved
            notebook does not keep; ``"text"`` shows tqdm's plain-text bar on standard output,
            which stays in a saved notebook. Without tqdm both print text lines instead.
        print_every: print the step, loss and accuracy every this many steps.
        seed, rng: where the sampling randomness comes from (the global ``random`` module by
            default).

    Example:
        Two epochs of three samples in batches of 2 (the second batch of each epoch holds the
        one sample left), as compiled steps:

        >>> from autograd_engine.nn import MLP, Adam, cross_entropy_loss, one_hot
        >>> X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], one_hot([0, 1, 1], classes=2)
        >>> model = MLP(2, [4, 2], seed=0)
        >>> settings = FitSettings(epochs=2, batch_size=2, compiled=True, seed=0)
        >>> history = fit(model, cross_entropy_loss, X, y, Adam(model.parameters(), lr=0.01),
        ...               settings=settings)
        >>> history.epoch
        [0, 0, 1, 1]
    """

    l2: float = 0.0
    lr_schedule: Callable[[int], float] | None = None
    batch_size: int | None = None
    epochs: int | None = None
    compiled: bool = False
    accuracy_fn: Callable[[list[Any], list[Any]], float] | Literal["auto"] | None = "auto"
    threshold: float | None = None
    target_accuracy: float | None = None
    progress: bool | Literal["text"] = False
    print_every: int | None = None
    seed: int | None = None
    rng: random.Random | None = None


def fit(
    model: Callable[[Any], Any],
    loss_fn: Callable[[list[Any], list[Any]], Value],
    X: Sequence[Any],  # noqa: N803  (the usual name for inputs in machine learning)
    y: Sequence[Any],
    optimizer: Optimizer,
    steps: int | None = None,
    *,
    settings: FitSettings | None = None,
    **options: Any,
) -> History:
    """Train ``model`` with ``optimizer`` on ``loss_fn``; return the history.

    Each step runs the model on every sample (or on a batch), computes the loss (plus the L2
    penalty if ``l2 > 0``), records loss and accuracy, then does ``zero_grad()``, ``backward()``
    and ``optimizer.step()``. With ``compiled=True`` a compiled program does the forward and
    backward pass of the step instead (bit for bit the same numbers).

    Args:
        model: called on one sample at a time (an MLP, or any function of a sample).
        loss_fn: ``loss_fn(outputs, targets) -> Value``, for example ``hinge_loss``.
        X, y: the training samples and their targets.
        optimizer: updates the parameters; its ``lr`` is set by ``lr_schedule`` if given.
        steps: the number of steps, each on a random batch of ``batch_size`` samples drawn
            without replacement (or on all samples). Give either ``steps`` or ``epochs``.
        settings: a :class:`FitSettings`; keywords given as well override its fields.
        **options: any field of :class:`FitSettings` as a keyword: ``l2``, ``lr_schedule``,
            ``batch_size``, ``epochs``, ``compiled``, ``accuracy_fn``, ``threshold``,
            ``target_accuracy``, ``progress``, ``print_every``, ``seed``, ``rng``.

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
    config = _settings(settings, options)
    if len(X) != len(y):
        raise ValueError(f"fit got {len(X)} samples but {len(y)} targets")
    if not len(X):
        raise ValueError("fit got no samples")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit expects an optimizer such as SGD(model.parameters(), lr=0.1), got "
            f"{describe(optimizer)}"
        )
    schedule = _Schedule(config, steps, len(X))
    alpha = as_float(config.l2, "fit(l2)")
    trainer = _Trainer(
        model,
        loss_fn,
        optimizer,
        alpha,
        _accuracy_measure(config, loss_fn, y),
        config.target_accuracy,
        CompiledStep(model, loss_fn, optimizer.params, l2=alpha) if config.compiled else None,
    )
    history = History()
    shown = _Progress(schedule.total, config.progress, config.print_every)
    try:
        for k, (epoch, indices) in enumerate(schedule.batches(as_rng(config.rng, config.seed))):
            if config.lr_schedule is not None:
                optimizer.lr = as_float(config.lr_schedule(k), f"fit: lr_schedule({k})")
            lr = optimizer.lr
            loss, acc = trainer.step([X[i] for i in indices], [y[i] for i in indices])
            history.record(k, epoch, loss, acc, lr)
            shown.report(k, loss, acc)
            if trainer.reached(acc):
                break
    finally:
        shown.close()
    return history


@dataclass(frozen=True)
class _Trainer:
    """What one ``fit`` call's steps need; ``compiled`` is None for eager steps."""

    model: Callable[[Any], Any]
    loss_fn: Callable[[list[Any], list[Any]], Value]
    optimizer: Optimizer
    alpha: float
    measure: Callable[[list[Any], list[Any]], float] | None
    target_accuracy: float | None
    compiled: CompiledStep | None

    def reached(self, acc: float | None) -> bool:
        """Whether training stops here: the target accuracy is reached."""
        return self.target_accuracy is not None and acc is not None and acc >= self.target_accuracy

    def step(self, samples: list[Any], targets: list[Any]) -> tuple[float, float | None]:
        """One step: the loss and accuracy before the update, then the update (none once the
        target accuracy is reached). The step's graph is freed before the collector resumes."""
        with gc_paused():
            if self.compiled is not None:
                self.optimizer.zero_grad()
                loss = self.compiled(samples, targets)
                self.optimizer.step()
                return loss, None
            return self._eager_step(samples, targets)

    def _eager_step(self, samples: list[Any], targets: list[Any]) -> tuple[float, float | None]:
        outputs, loss = batch_loss(
            self.model, self.loss_fn, samples, targets, self.alpha, self.optimizer.params
        )
        acc = self.measure(outputs, targets) if self.measure is not None else None
        if not self.reached(acc):
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        return loss.data, acc  # the graph goes with this frame


def _settings(settings: FitSettings | None, options: dict[str, Any]) -> FitSettings:
    """``settings`` (or the defaults) with the keywords ``options`` given to fit."""
    if settings is not None and not isinstance(settings, FitSettings):
        raise TypeError(f"fit(settings=...) expects a FitSettings, got {describe(settings)}")
    known = {f.name for f in fields(FitSettings)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(
            f"fit got unexpected keyword(s) {', '.join(unknown)}; its settings are "
            f"{', '.join(sorted(known))} (see FitSettings)"
        )
    return replace(settings or FitSettings(), **options)


class _Schedule:
    """Which samples each step of one ``fit`` call uses: by steps or by epochs."""

    def __init__(self, config: FitSettings, steps: int | None, n: int) -> None:
        if (steps is None) == (config.epochs is None):
            raise ValueError(
                "fit needs either steps (random batches) or epochs (passes over the data), "
                f"got steps={steps!r} and epochs={config.epochs!r}"
            )
        self.n = n
        self.batch = (
            n
            if config.batch_size is None
            else min(as_count(config.batch_size, "fit(batch_size)", 1), n)
        )
        self.steps = None if steps is None else as_count(steps, "fit(steps)", 0)
        self.epochs = None if config.epochs is None else as_count(config.epochs, "fit(epochs)", 0)
        per_epoch = -(-n // self.batch)  # the last batch of an epoch may be smaller
        self.total = self.steps if self.steps is not None else per_epoch * (self.epochs or 0)

    def batches(self, sampler: Any) -> Iterator[tuple[int | None, Sequence[int]]]:
        """``(epoch, sample indices)`` for each step (epoch None when counting steps)."""
        everything = range(self.n)
        if self.steps is not None:
            for _ in range(self.steps):
                yield (
                    None,
                    everything if self.batch == self.n else sampler.sample(everything, self.batch),
                )
            return
        for epoch in range(self.epochs or 0):
            order = list(everything)
            if self.batch < self.n:
                sampler.shuffle(order)
            for start in range(0, self.n, self.batch):
                yield epoch, order[start : start + self.batch]


def _accuracy_measure(
    config: FitSettings, loss_fn: Callable[..., Any], y: Sequence[Any]
) -> Callable[[list[Any], list[Any]], float] | None:
    """The accuracy fit records at each step, or None."""
    threshold = config.threshold
    if threshold is None:
        threshold = _default_threshold(loss_fn, y)
    measure: Callable[[list[Any], list[Any]], float] | None
    if config.accuracy_fn == "auto":
        cut = threshold
        measure = (
            (lambda outputs, targets: accuracy(outputs, targets, cut))
            if all(_is_class_label(t) for t in y) and not config.compiled
            else None
        )
    else:
        measure = config.accuracy_fn
        if measure is not None and config.compiled:
            raise ValueError(
                "fit(compiled=True) cannot measure an accuracy: a compiled step returns only the "
                "loss, not the outputs. Leave accuracy_fn out (or None), or measure the accuracy "
                "after training with model_accuracy"
            )
    if config.target_accuracy is not None and measure is None:
        raise ValueError(
            "fit(target_accuracy=...) needs an accuracy to measure, but there is none: the "
            "targets are not class labels (whole numbers or one-hot rows), accuracy_fn is None, "
            "or the steps are compiled. Pass accuracy_fn=(outputs, targets) -> float, or leave "
            "target_accuracy out"
        )
    return measure


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
