r"""Loss functions: each turns a model's outputs and the true targets into one Value to minimise.

Every loss is built from ordinary Value operations, so ``loss.backward()`` reaches every weight
and the whole computation can be drawn. The losses from logits (:func:`bce_with_logits_loss`,
:func:`cross_entropy_loss`) are written so that they never overflow and never take ``log(0)``,
even for logits of :math:`\pm 1000`.

A loss takes either one sample (a Value and a number) or a batch (two lists of equal length) and
averages over the batch by default (``reduction="mean"``, computed as the sum times
:math:`1/n`, as in micrograd's demo) or adds it up (``reduction="sum"``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, Literal, overload

from ..errors import DomainError, as_count, as_float, describe, is_real_number
from ..functions import exp
from ..ops import Op
from ..value import Value

__all__ = [
    "LOGSUMEXP",
    "LogSumExp",
    "bce_loss",
    "bce_with_logits_loss",
    "cross_entropy_loss",
    "hinge_loss",
    "l2_regularization",
    "log_softmax",
    "logsumexp",
    "mse_loss",
    "one_hot",
    "softmax",
]

Reduction = Literal["mean", "sum"]


def _is_scalar(x: Any) -> bool:
    return isinstance(x, Value) or is_real_number(x)


def _pairs(outputs: Any, targets: Any, who: str) -> tuple[list[Any], list[Any]]:
    """Outputs and targets as two lists of equal, non-zero length (one sample becomes a list)."""
    if _is_scalar(outputs):
        outputs = [outputs]
    if _is_scalar(targets):
        targets = [targets]
    for what, xs in (("outputs", outputs), ("targets", targets)):
        if isinstance(xs, (str, bytes)) or not isinstance(xs, Iterable):
            raise TypeError(
                f"{who} expects {what} as a Value, a number or a list, got {describe(xs)}"
            )
    outputs, targets = list(outputs), list(targets)
    if len(outputs) != len(targets):
        raise ValueError(
            f"{who} got {len(outputs)} outputs but {len(targets)} targets; "
            "give one target per output"
        )
    if not outputs:
        raise ValueError(f"{who} got no outputs; a loss needs at least one sample")
    for i, out in enumerate(outputs):
        if not _is_scalar(out):
            raise TypeError(
                f"{who} expects each output to be a Value or a number, got {describe(out)} at "
                f"position {i}. For a model with several outputs use cross_entropy_loss"
            )
    return outputs, targets


def _reduce(terms: list[Value], reduction: str, who: str) -> Value:
    """Add the per-sample losses as one ``sum`` node, then scale by 1/n for the mean."""
    if reduction == "mean":
        return Value.sum(terms) * (1.0 / len(terms))
    if reduction == "sum":
        return Value.sum(terms)
    raise ValueError(f"{who}(reduction=...) expects 'mean' or 'sum', got {describe(reduction)}")


def _as_value(x: Value | float) -> Value:
    return x if isinstance(x, Value) else Value(x)


def mse_loss(
    predictions: Value | float | Sequence[Value | float],
    targets: Value | float | Sequence[Value | float],
    reduction: Reduction = "mean",
) -> Value:
    r"""Mean squared error: :math:`\frac1n \sum_i (p_i - t_i)^2`.

    For regression, or for classification with targets like -1 and +1 as in micrograd's
    lecture. The gradient for each prediction is :math:`\frac2n (p_i - t_i)`.

    Example:
        >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data
        2.5
    """
    preds, targs = _pairs(predictions, targets, "mse_loss")
    return _reduce([(_as_value(p) - t) ** 2 for p, t in zip(preds, targs)], reduction, "mse_loss")


def _labels(targets: list[Any], allowed: str, who: str, ok: Any) -> list[float]:
    labels = []
    for i, t in enumerate(targets):
        number = as_float(t, f"{who} target")
        if not ok(number):
            raise ValueError(f"{who} expects targets {allowed}, got {t!r} at position {i}")
        labels.append(number)
    return labels


def hinge_loss(
    scores: Value | float | Sequence[Value | float],
    labels: float | Sequence[float],
    reduction: Reduction = "mean",
) -> Value:
    r"""Max-margin hinge loss, as in micrograd's demo: :math:`\frac1n\sum_i \max(0, 1 - y_i s_i)`.

    A sample costs nothing once its score :math:`s_i` is on the right side of 0 by a margin of
    at least 1; otherwise the loss pushes the score towards its label :math:`y_i`.

    Args:
        scores: the model's raw outputs (a linear last layer).
        labels: -1 or +1 for each score. Convert 0/1 labels with ``2 * y - 1``.
        reduction: ``"mean"`` or ``"sum"``.

    Example:
        >>> hinge_loss([Value(2.0), Value(0.5)], [1, -1]).data   # (0 + 1.5) / 2
        0.75
    """
    outs, targs = _pairs(scores, labels, "hinge_loss")
    ys = _labels(
        targs, "of -1 or +1 (convert 0/1 labels with 2*y - 1)", "hinge_loss", lambda y: y in (-1, 1)
    )
    terms = [(1.0 - _as_value(s) * y).relu() for s, y in zip(outs, ys)]
    return _reduce(terms, reduction, "hinge_loss")


def bce_loss(
    probabilities: Value | float | Sequence[Value | float],
    targets: float | Sequence[float],
    reduction: Reduction = "mean",
) -> Value:
    r"""Binary cross-entropy of probabilities.

    :math:`-\frac1n\sum_i t_i\log p_i + (1-t_i)\log(1-p_i)`.
    Use it after a sigmoid output. Only the terms a target needs are built: a target of 1 adds
    :math:`-\log p`, a target of 0 adds :math:`-\log(1 - p)`, so a probability of exactly 1 for a
    target of 1 is fine. A probability of exactly 0 or 1 on the wrong side is an infinite loss
    and raises; :func:`bce_with_logits_loss` on the raw score never does.

    Args:
        probabilities: each in [0, 1].
        targets: each in [0, 1] (usually 0 or 1).
        reduction: ``"mean"`` or ``"sum"``.

    Raises:
        DomainError: a probability is 0 or 1 where its log is needed.

    Example:
        >>> round(bce_loss(Value(0.8), 1).data, 6)   # -log(0.8)
        0.223144
    """
    outs, targs = _pairs(probabilities, targets, "bce_loss")
    ts = _labels(targs, "in [0, 1]", "bce_loss", lambda t: 0.0 <= t <= 1.0)
    terms = []
    for i, (p, t) in enumerate(zip(outs, ts)):
        q = _as_value(p)
        if not 0.0 <= q.data <= 1.0:
            raise DomainError(
                f"bce_loss expects probabilities in [0, 1], got {q.data!r} at position {i}"
            )
        if (t > 0.0 and q.data == 0.0) or (t < 1.0 and q.data == 1.0):
            raise DomainError(
                f"bce_loss: the probability at position {i} is {q.data!r} but the target is "
                f"{t!r}, an infinite loss (log 0). Train on the raw score with "
                "bce_with_logits_loss, which never saturates like this"
            )
        if t == 1.0:
            terms.append(-q.log())
        elif t == 0.0:
            terms.append(-(1.0 - q).log())
        else:
            terms.append(-(t * q.log() + (1.0 - t) * (1.0 - q).log()))
    return _reduce(terms, reduction, "bce_loss")


def bce_with_logits_loss(
    logits: Value | float | Sequence[Value | float],
    targets: float | Sequence[float],
    reduction: Reduction = "mean",
) -> Value:
    r"""Binary cross-entropy of raw scores (logits), stable for any logit.

    With :math:`p = \sigma(z)`, :math:`-\log p = \log(1 + e^{-z}) = \mathrm{softplus}(-z)` and
    :math:`-\log(1 - p) = \mathrm{softplus}(z)`, so each sample costs
    :math:`t\,\mathrm{softplus}(-z) + (1 - t)\,\mathrm{softplus}(z)`. Softplus is computed
    without overflow, so a logit of 1000 or -1000 gives a finite loss and the gradient
    :math:`\sigma(z) - t`.

    Args:
        logits: the model's raw outputs (a linear last layer).
        targets: each in [0, 1] (usually 0 or 1).
        reduction: ``"mean"`` or ``"sum"``.

    Example:
        >>> bce_with_logits_loss([Value(1000.0), Value(-1000.0)], [1, 1], reduction="sum").data
        1000.0
    """
    outs, targs = _pairs(logits, targets, "bce_with_logits_loss")
    ts = _labels(targs, "in [0, 1]", "bce_with_logits_loss", lambda t: 0.0 <= t <= 1.0)
    terms = []
    for z, t in zip(outs, ts):
        v = _as_value(z)
        if t == 1.0:
            terms.append((-v).softplus())
        elif t == 0.0:
            terms.append(v.softplus())
        else:
            terms.append(t * (-v).softplus() + (1.0 - t) * v.softplus())
    return _reduce(terms, reduction, "bce_with_logits_loss")


def _logits_list(logits: Any, who: str) -> list[Value]:
    if isinstance(logits, (str, bytes)) or not isinstance(logits, Iterable):
        raise TypeError(f"{who} expects a list of logits (one per class), got {describe(logits)}")
    values = [_as_value(z) if _is_scalar(z) else z for z in logits]
    for i, z in enumerate(values):
        if not isinstance(z, Value):
            raise TypeError(
                f"{who} expects each logit to be a Value or a number, got {describe(z)} at "
                f"position {i}"
            )
    if not values:
        raise ValueError(f"{who} got an empty list of logits")
    return values


class LogSumExp(Op):
    r"""Log-sum-exp of any number of logits, as one node: :math:`f(z) = \log \sum_j e^{z_j}`;
    :math:`\partial f/\partial z_j = e^{z_j - f} = \mathrm{softmax}(z)_j`.

    The forward computes :math:`m + \log \sum_j e^{z_j - m}` with :math:`m = \max_j z_j` taken
    from the inputs at every call: the result is the same for any :math:`m`, and with the largest
    one every exponent is at most 0 (nothing overflows) and the sum is at least 1 (its log is
    defined). Because the shift is computed inside the op, a compiled program computes it from each
    new batch too, instead of freezing the one seen while tracing.
    """

    name = "logsumexp"
    symbol = "logsumexp"
    arity = 0

    def forward(self, *logits: float) -> float:
        m = max(logits)
        total = 0.0
        for z in logits:  # left to right, as Value.sum adds
            total += math.exp(z - m)
        return m + math.log(total)

    def backward(self, grad: Any, out: Any, *logits: Any) -> tuple[Any, ...]:
        # softmax_j = e^(z_j - m) / sum_k e^(z_k - m), in the float operations of the forward (the
        # shift m a plain number); exp from functions works on floats and, for create_graph, Values
        m = max(z.data if isinstance(z, Value) else z for z in logits)
        exps = [exp(z - m) for z in logits]
        total = exps[0]
        for e in exps[1:]:
            total = total + e
        scale = grad / total
        return tuple(scale * e for e in exps)


LOGSUMEXP = LogSumExp()


def logsumexp(logits: Sequence[Value | float]) -> Value:
    r""":math:`\log \sum_j e^{z_j}`, one :class:`LogSumExp` node, stable for any logits.

    The gradient is the softmax, :math:`e^{z_j} / \sum_k e^{z_k}`.

    Example:
        >>> logsumexp([1000.0, 1000.0]).data   # 1000 + log 2
        1000.6931471805599
    """
    return LOGSUMEXP(*_logits_list(logits, "logsumexp"))


def log_softmax(logits: Sequence[Value | float]) -> list[Value]:
    r"""The log-probabilities :math:`z_j - \mathrm{logsumexp}(z)`, stable for any logits."""
    zs = _logits_list(logits, "log_softmax")
    lse = logsumexp(zs)
    return [z - lse for z in zs]


def softmax(logits: Sequence[Value | float]) -> list[Value]:
    r"""Probabilities :math:`e^{z_j - m} / \sum_k e^{z_k - m}` (:math:`m` the largest logit).

    Example:
        >>> [round(p.data, 4) for p in softmax([1.0, 2.0, 3.0])]
        [0.09, 0.2447, 0.6652]
    """
    zs = _logits_list(logits, "softmax")
    m = max(z.data for z in zs)
    exps = [(z - m).exp() for z in zs]
    total = Value.sum(exps)
    return [e / total for e in exps]


def cross_entropy_loss(
    logits: Sequence[Value | float] | Sequence[Sequence[Value | float]],
    targets: int | Sequence[Any],
    reduction: Reduction = "mean",
) -> Value:
    r"""Softmax cross-entropy for several classes: :math:`\mathrm{logsumexp}(z) - z_y` per sample.

    This is :math:`-\log \mathrm{softmax}(z)_y`, the negative log-probability of the true class
    :math:`y`, computed through the stable :func:`logsumexp`, so logits of :math:`\pm 1000` are
    fine. The gradient for each logit is :math:`\mathrm{softmax}(z)_j - [j = y]`.

    A target may also be a row of class probabilities :math:`t` (one-hot for a hard label, see
    :func:`one_hot`); the sample then costs :math:`\mathrm{logsumexp}(z) - \sum_j t_j z_j`, which
    is :math:`-\sum_j t_j \log \mathrm{softmax}(z)_j` when the row sums to 1. For a one-hot row
    it is the class index's loss, bit for bit. The row's entries may be Values: then the target
    is part of the graph, so a compiled training step (:class:`CompiledStep`) takes new labels as
    program inputs at every batch instead of freezing the ones it was traced with.

    Args:
        logits: for one sample a list of logits (one per class); for a batch a list of such
            lists.
        targets: for one sample a class index (from 0 to the number of classes minus 1) or a
            row of probabilities (numbers or Values, one per class); for a batch a list of them.
        reduction: ``"mean"`` or ``"sum"``.

    Raises:
        ValueError: a class index out of range, a row of the wrong length, or a row of plain
            numbers that are not probabilities summing to 1.

    Example:
        >>> round(cross_entropy_loss([2.0, 0.0, 0.0], 0).data, 6)   # -log(e^2 / (e^2 + 2))
        0.239545
        >>> round(cross_entropy_loss([2.0, 0.0, 0.0], [1.0, 0.0, 0.0]).data, 6)   # one-hot row
        0.239545
    """
    if isinstance(logits, (str, bytes)) or not isinstance(logits, Iterable):
        raise TypeError(
            f"cross_entropy_loss expects logits as a list (one per class) or a list of such "
            f"lists (a batch), got {describe(logits)}"
        )
    rows: list[Any] = list(logits)
    if rows and _is_scalar(rows[0]):  # one sample
        batch: list[Any] = [rows]
        classes: list[Any] = [targets]
    elif isinstance(targets, (str, bytes)) or not isinstance(targets, Iterable):
        raise TypeError(
            f"cross_entropy_loss expects one target per sample of the batch (class indices or "
            f"rows of probabilities), got {describe(targets)}"
        )
    else:
        batch, classes = rows, list(targets)
        if len(batch) != len(classes):
            raise ValueError(
                f"cross_entropy_loss got {len(batch)} samples of logits but {len(classes)} "
                "targets; give one target (a class index or a row) per sample"
            )
        if not batch:
            raise ValueError("cross_entropy_loss got no samples; a loss needs at least one")
    terms = []
    for i, (sample, target) in enumerate(zip(batch, classes)):
        zs = _logits_list(sample, "cross_entropy_loss")
        if isinstance(target, numbers.Integral) and not isinstance(target, bool):
            if not 0 <= int(target) < len(zs):
                raise ValueError(
                    f"cross_entropy_loss expects each target to be a class index from 0 to "
                    f"{len(zs) - 1}, got {describe(target)} at position {i}"
                )
            terms.append(logsumexp(zs) - zs[int(target)])
        else:
            row = _probability_row(target, len(zs), i)
            terms.append(logsumexp(zs) - Value.sum([t * z for t, z in zip(row, zs)]))
    return _reduce(terms, reduction, "cross_entropy_loss")


def _probability_row(target: Any, classes: int, position: int) -> list[Any]:
    """A cross-entropy target row, checked: one entry per class, plain numbers a distribution."""
    if isinstance(target, (str, bytes)) or not isinstance(target, Iterable):
        raise ValueError(
            f"cross_entropy_loss expects each target to be a class index from 0 to "
            f"{classes - 1} or a row of {classes} probabilities, got {describe(target)} at "
            f"position {position}. For a compiled step, whose targets are Values, give rows: "
            "one_hot(labels, classes)"
        )
    row = list(target)
    if len(row) != classes or not all(_is_scalar(t) for t in row):
        raise ValueError(
            f"cross_entropy_loss expects a target row of {classes} numbers or Values (one per "
            f"class), got {describe(target)} at position {position}"
        )
    numbers_ = [as_float(t, "cross_entropy_loss target") for t in row if not isinstance(t, Value)]
    if len(numbers_) == classes and (min(numbers_) < 0.0 or abs(math.fsum(numbers_) - 1.0) > 1e-9):
        raise ValueError(
            f"cross_entropy_loss expects a target row of probabilities (each >= 0, summing to "
            f"1), got {row!r} at position {position}; one_hot(labels, classes) makes such rows"
        )
    return row


@overload
def one_hot(labels: int, classes: int) -> list[float]: ...
@overload
def one_hot(labels: Sequence[int], classes: int) -> list[list[float]]: ...
def one_hot(labels: int | Sequence[int], classes: int) -> list[float] | list[list[float]]:
    """Class indices as one-hot rows: ``1.0`` at the label's position, ``0.0`` elsewhere.

    These are :func:`cross_entropy_loss` targets that a compiled training step can take as data.

    Args:
        labels: one class index, or a list of them.
        classes: the number of classes.

    Example:
        >>> one_hot([2, 0], classes=3)
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    count = as_count(classes, "one_hot(classes)", 1)

    def row(label: Any, i: int) -> list[float]:
        if isinstance(label, bool) or not isinstance(label, numbers.Integral):
            raise TypeError(f"one_hot expects class indices (ints), got {describe(label)} at {i}")
        if not 0 <= int(label) < count:
            raise ValueError(
                f"one_hot expects class indices from 0 to {count - 1}, got {label!r} at {i}"
            )
        return [1.0 if k == int(label) else 0.0 for k in range(count)]

    if isinstance(labels, numbers.Integral) and not isinstance(labels, bool):
        return row(labels, 0)
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
        raise TypeError(f"one_hot expects a class index or a list of them, got {describe(labels)}")
    return [row(label, i) for i, label in enumerate(labels)]


def l2_regularization(parameters: Any, alpha: float) -> Value:
    r"""L2 penalty :math:`\alpha \sum_k w_k^2` on the parameters, to add to a loss.

    It pulls every weight towards 0 with the gradient :math:`2\alpha w_k`, which keeps a network
    from fitting the training data with huge weights. micrograd's demo uses
    :math:`\alpha = 10^{-4}`.

    Args:
        parameters: a Module, or an iterable of Values (``model.parameters()``).
        alpha: the strength, a number >= 0.

    Example:
        >>> l2_regularization([Value(3.0), Value(-4.0)], alpha=0.1).data
        2.5
    """
    from .modules import Module

    alpha = as_float(alpha, "l2_regularization(alpha)")
    if alpha < 0.0:
        raise ValueError(f"l2_regularization expects alpha >= 0, got {alpha!r}")
    params = parameters.parameters() if isinstance(parameters, Module) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(
                f"l2_regularization expects Values (model.parameters()), got {describe(p)} at "
                f"position {i}"
            )
    return alpha * Value.sum([p * p for p in params])
