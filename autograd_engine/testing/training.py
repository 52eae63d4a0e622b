"""``check_training_step``: a student's step of gradient descent, against a reference step.

Two identical models take the same steps side by side; after each step the loss and every
parameter must agree, and a difference is explained (a missing ``zero_grad``, a step uphill, a
sum instead of a mean ...).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Sequence
from typing import Any

from ..nn import modules as nn
from ..value import Value, float_of
from .report import (
    CheckReport,
    _as_number,
    _call_student,
    _check_count,
    _close,
    _factor_text,
    _fail,
    _num,
    _parameter_labels,
    _show,
    _Stop,
    _table,
    _title,
)

__all__ = ["check_training_step"]


def _mse_step(model: Any, xs: list[list[float]], ys: list[float], learning_rate: float) -> Value:
    """The reference: mean squared error, zero the grads, backward, one step of gradient descent."""
    predictions = [model(x) for x in xs]
    loss = Value.sum([(p - y) ** 2 for p, y in zip(predictions, ys)]) / len(ys)
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss


def _default_data(seed: int) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    xs = [[round(rng.uniform(-1.0, 1.0), 3), round(rng.uniform(-1.0, 1.0), 3)] for _ in range(8)]
    ys = [1.0 if a * b > 0 else -1.0 for a, b in xs]
    return xs, ys


def check_training_step(
    student_step: Callable[..., Any],
    *,
    model: Any = None,
    data: tuple[Sequence[Any], Sequence[float]] | None = None,
    reference: Callable[..., Any] | None = None,
    steps: int = 5,
    learning_rate: float = 0.1,
    seed: int = 0,
    atol: float = 1e-8,
    rtol: float = 1e-6,
) -> CheckReport:
    """Check a student's training step, ``step(model, xs, ys, learning_rate) -> loss``.

    Two identical models take ``steps`` steps side by side, one with the student's function and
    one with the reference; after every step the returned loss and every parameter must agree.
    The default reference computes the mean squared error of ``model(x)`` against ``y`` over the
    whole data set, sets every ``grad`` to 0, calls ``loss.backward()`` and moves each parameter
    by ``-learning_rate * grad``.

    Args:
        student_step: the student's function; it changes the model's parameters in place and
            returns the loss (a Value or a number) computed before the update.
        model: a module to copy for both runs, or a function that builds a fresh one; default: a
            seeded ``MLP(2, [4, 1], activation="tanh")``.
        data: ``(xs, ys)``; default: 8 seeded points in 2D with targets +1/-1.
        reference: the right step, with the same signature; default: as described above.
        steps: how many steps to take.
        learning_rate: passed to both steps.
        seed: the seed of the default model and data.
        atol, rtol: the tolerance of the comparison.

    Returns:
        A :class:`CheckReport`; on a difference it shows the step, the loss and a parameter side
        by side and hints at the likely mistake (a missing ``zero_grad``, a step uphill, a sum
        instead of a mean, ...).
    """
    _check_count("check_training_step", "steps", steps)
    xs, ys = (
        ([list(x) for x in data[0]], [float(y) for y in data[1]]) if data else _default_data(seed)
    )
    reference = reference or _mse_step

    def fresh() -> Any:
        if model is None:
            return nn.MLP(2, [4, 1], activation="tanh", seed=seed)
        if callable(model) and not hasattr(model, "parameters"):
            return model()
        return copy.deepcopy(model)

    mine, theirs = fresh(), fresh()
    title = _title(student_step)
    losses: list[float] = []
    total = [0.0 for _ in theirs.parameters()]  # the sum of every step's gradients so far
    try:
        for step in range(steps):
            where = f"at step {step + 1}"
            before = [p.data for p in theirs.parameters()]
            result = _call_student(title, where, student_step, mine, xs, ys, learning_rate)
            expected_loss = float_of(reference(theirs, xs, ys, learning_rate))
            grads = [float_of(p.grad) for p in theirs.parameters()]
            total = [t + g for t, g in zip(total, grads)]
            _compare_step(
                title,
                step,
                mine,
                theirs,
                before,
                total,
                result,
                expected_loss,
                learning_rate,
                len(ys),
                atol,
                rtol,
            )
            losses.append(expected_loss)
    except _Stop as stop:
        return stop.report
    return CheckReport(
        "passed",
        f"{title} matches the reference step for {steps} steps; the loss went from "
        f"{_num(losses[0])} to {_num(losses[-1])}.",
        checked=steps,
    )


def _compare_step(
    title: str,
    step: int,
    mine: Any,
    theirs: Any,
    before: list[float],
    accumulated: list[float],
    result: Any,
    expected_loss: float,
    learning_rate: float,
    n: int,
    atol: float,
    rtol: float,
) -> None:
    """Stop the check with a report if the student's step differs from the reference's."""
    where = f"at step {step + 1}"
    got_loss = _as_number(result)
    if got_loss is None:
        _fail(
            f"{title} returned {_show(result)} {where}; it should return the loss.",
            "end the function with `return loss`." if result is None else "",
        )
    now_mine = [p.data for p in mine.parameters()]
    now_theirs = [p.data for p in theirs.parameters()]
    if not _close(got_loss, expected_loss, atol, rtol):
        if _close(got_loss, expected_loss * n, atol, rtol):
            hint = (
                f"your loss is {n} times the expected one: that is the sum of the squared errors; "
                f"take their mean (divide by len(ys))."
            )
        elif step > 0 and _close(now_mine[0], before[0], atol, rtol):
            hint = "the loss should fall as the parameters change; are they being updated?"
        else:
            hint = (
                "compute the loss of the current model before updating it: the mean of "
                "(model(x) - y)**2 over the data."
            )
        _fail(
            f"the loss returned by {title} differs {where}.",
            hint,
            details=_table(
                ["", "yours", "expected"], [["loss", _num(got_loss), _num(expected_loss)]]
            ),
            got=got_loss,
            expected=expected_loss,
            checked=step + 1,
            failures=1,
        )
    wrong = [
        i for i, (a, b) in enumerate(zip(now_mine, now_theirs)) if not _close(a, b, atol, rtol)
    ]
    if not wrong:
        return
    i = max(wrong, key=lambda k: abs(now_mine[k] - now_theirs[k]))
    moves = [(now_mine[k] - before[k], now_theirs[k] - before[k]) for k in wrong]
    sized = [(m, t) for m, t in moves if abs(t) > 1e-12]
    hint = (
        "after loss.backward(), move every parameter against its gradient: "
        "p.data -= learning_rate * p.grad."
    )
    if all(abs(m) <= 1e-15 for m, _ in moves):
        hint = (
            "your step did not change the parameters. After loss.backward(), update each one: "
            "p.data -= learning_rate * p.grad."
        )
    elif sized and all(_close(-m, t, atol, rtol) for m, t in sized):
        hint = (
            "your step goes uphill: the parameters move the wrong way, so the loss grows. "
            "Subtract learning_rate * p.grad instead of adding it."
        )
    elif step > 0 and all(
        _close(a - b, -learning_rate * g, atol, rtol)
        for a, b, g in zip(now_mine, before, accumulated)
    ):
        hint = (
            "the first step was right, but later ones move too far: the gradients of earlier "
            "steps are still in p.grad, because backward() adds to it. Set every p.grad = 0.0 "
            "(model.zero_grad()) before loss.backward()."
        )
    elif sized and len(sized) > 1:
        ratios = [m / t for m, t in sized]
        if max(ratios) - min(ratios) <= 1e-3 * max(abs(r) for r in ratios):
            hint = (
                f"your step is {_factor_text(sum(ratios) / len(ratios))} times the expected size: "
                "move each parameter by exactly learning_rate * p.grad."
            )
    _fail(
        f"after {title} {where}, {len(wrong)} of {len(now_mine)} parameters differ from the "
        "reference.",
        hint,
        details=_table(
            [_parameter_labels(mine, list(mine.parameters()))[i], "yours", "expected"],
            [
                ["before", _num(before[i]), _num(before[i])],
                ["after", _num(now_mine[i]), _num(now_theirs[i])],
            ],
        ),
        got=now_mine[i],
        expected=now_theirs[i],
        checked=step + 1,
        failures=len(wrong),
    )
