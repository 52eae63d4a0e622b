"""``check_training_step``: a student's step of gradient descent, against a reference step.

Two identical models take the same steps side by side, each with its own copy of the data; after
each step the loss and every parameter must agree, and a difference is explained (a missing
``zero_grad``, a step uphill, a sum instead of a mean ...). After each step the student's model is
set back onto the reference's path, so one mistake costs the parts it belongs to, not all of them.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any

from .. import autodiff
from ..nn import modules as nn
from ..value import Value
from .common import (
    Parts,
    as_number,
    call_student,
    check_count,
    check_points,
    close,
    factor_text,
    fail,
    give_up,
    num,
    parameter_labels,
    run_check,
    show,
    table,
    title_of,
)
from .guard import DEFAULT_TIME_LIMIT, watch_calls
from .report import CheckReport

__all__ = ["check_training_step"]

_LOSS, _FIRST, _LATER = "loss", "first step", "later steps (zero_grad)"


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
    points: float = 1.0,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> CheckReport:
    """Check a student's training step, ``step(model, xs, ys, learning_rate) -> loss``.

    Two identical models take ``steps`` steps side by side, one with the student's function and
    one with the reference, each with its own copy of the data; after every step the returned
    loss and every parameter must agree. The default reference computes the mean squared error of
    ``model(x)`` against ``y`` over the whole data set, sets every ``grad`` to 0, calls
    ``loss.backward()`` and moves each parameter by ``-learning_rate * grad``.

    Args:
        student_step: the student's function; it changes the model's parameters in place and
            returns the loss (a Value or a number) computed before the update.
        model: a module to copy for both runs, or a function that builds a fresh one; default: a
            seeded ``MLP(2, [4, 1], activation="tanh", init="fan_in")``.
        data: ``(xs, ys)``; default: 8 seeded points in 2D with targets +1/-1.
        reference: the right step, with the same signature; default: as described above.
        steps: how many steps to take.
        learning_rate: passed to both steps.
        seed: the seed of the default model and data.
        atol, rtol: the tolerance of the comparison.
        points: what the check is worth, shared equally by its parts (the loss, the first
            step's update, the later steps' updates); every part runs.
        time_limit: seconds the check may run (None: no limit).

    Returns:
        A :class:`CheckReport`; on a difference it shows the step, the loss and a parameter side
        by side and hints at the likely mistake (a missing ``zero_grad``, a step uphill, a sum
        instead of a mean, ...). A step that never calls ``backward()`` (finite differences) or
        that calls the reference, in its first step (the one watched), gets no points.
    """
    check_count("check_training_step", "steps", steps)
    points = check_points("check_training_step", points)
    xs, ys = (
        ([list(x) for x in data[0]], [float(y) for y in data[1]]) if data else _default_data(seed)
    )

    def fresh() -> Any:
        if model is None:
            return nn.MLP(2, [4, 1], activation="tanh", init="fan_in", seed=seed)
        if callable(model) and not hasattr(model, "parameters"):
            return model()
        return copy.deepcopy(model)

    title = title_of(student_step)
    run = _Run(
        student_step, title, fresh, xs, ys, reference or _mse_step, steps, learning_rate, atol, rtol
    )
    names = [_LOSS, _FIRST, _LATER] if steps > 1 else [_LOSS, _FIRST]
    return run_check(f"check_training_step({title})", title, names, points, time_limit, run.run)


@dataclass(frozen=True)
class _Run:
    """What check_training_step was asked to do."""

    student: Callable[..., Any]
    title: str
    fresh: Callable[[], Any]
    xs: list[list[float]]
    ys: list[float]
    reference: Callable[..., Any]
    steps: int
    learning_rate: float
    atol: float
    rtol: float

    def watched(self) -> dict[CodeType, str]:
        watched = {
            Value.backward.__code__: "backward",
            autodiff.backward.__code__: "backward",
            autodiff.grad.__code__: "backward",
            _mse_step.__code__: "reference",
            check_training_step.__code__: "reference",
        }
        code = getattr(self.reference, "__code__", None)
        if isinstance(code, CodeType) and code is not getattr(self.student, "__code__", None):
            watched[code] = "reference"
        return watched

    def run(self, parts: Parts) -> CheckReport:
        mine, theirs = self.fresh(), self.fresh()
        losses: list[float] = []
        mine_params, their_params = list(mine.parameters()), list(theirs.parameters())
        total = [0.0 for _ in their_params]  # the sum of every step's gradients so far
        called_backward = False
        for step in range(self.steps):
            where = f"at step {step + 1}"
            before = [p.data for p in their_params]
            their_data = copy.deepcopy((self.xs, self.ys))
            # The first step is watched for what it calls (tracing every call costs time).
            with watch_calls(self.watched() if step == 0 else {}) as seen:
                result = call_student(
                    self.title,
                    where,
                    self.student,
                    mine,
                    *copy.deepcopy((self.xs, self.ys)),
                    self.learning_rate,
                )
            if seen.called("reference"):
                give_up(
                    f"{self.title} calls the checker's reference step.",
                    "the exercise asks you to write the step yourself: the loss, zero_grad(), "
                    "loss.backward() and the update.",
                )
            called_backward = called_backward or seen.called("backward")
            expected_loss = as_number(self.reference(theirs, *their_data, self.learning_rate))
            if expected_loss is None:
                raise TypeError(
                    "check_training_step(reference=...) must return the loss (a Value or a number)"
                )
            grads = [as_number(p.grad) or 0.0 for p in their_params]
            total = [t + g for t, g in zip(total, grads)]
            compared = _Step(
                self,
                step,
                mine,
                theirs,
                mine_params,
                their_params,
                before,
                total,
                result,
                expected_loss,
            )
            parts.run(_LOSS, compared.check_loss)
            parts.run(_FIRST if step == 0 else _LATER, compared.check_parameters)
            # Back onto the reference's path, so that the next step is judged on its own.
            for p, q in zip(mine_params, their_params):
                p.data = q.data
            losses.append(expected_loss)
        if not called_backward:
            give_up(
                f"{self.title} never calls backward(): its gradients do not come from "
                "backpropagation.",
                "the exercise asks for `loss.backward()` after zeroing the grads, then the update "
                "with each parameter's `.grad` (finite differences are what backward replaces).",
            )
        return CheckReport(
            "passed",
            f"{self.title} matches the reference step for {self.steps} steps; the loss went from "
            f"{num(losses[0])} to {num(losses[-1])}.",
            checked=self.steps,
        )


@dataclass(frozen=True)
class _Step:
    """One step of the student's against the reference's."""

    run: _Run
    step: int
    mine: Any
    theirs: Any
    mine_params: list[Value]
    their_params: list[Value]
    before: list[float]
    accumulated: list[float]  # the sum of the reference's gradients of every step so far
    result: Any
    expected_loss: float

    @property
    def where(self) -> str:
        return f"at step {self.step + 1}"

    def close(self, got: float, expected: float) -> bool:
        return close(got, expected, self.run.atol, self.run.rtol)

    def check_loss(self) -> None:
        title, n = self.run.title, len(self.run.ys)
        got_loss = as_number(self.result)
        if got_loss is None:
            hint = "end the function with `return loss`." if self.result is None else ""
            if isinstance(self.result, (list, tuple)):
                hint = "return the loss alone: one Value, the mean over the whole data set."
            fail(
                f"{title} returned {show(self.result)} {self.where}; it should return the loss.",
                hint,
            )
        if self.close(got_loss, self.expected_loss):
            return
        if self.close(got_loss, self.expected_loss * n):
            hint = (
                f"your loss is {n} times the expected one: that is the sum of the squared errors; "
                f"take their mean (divide by len(ys))."
            )
        elif self.close(got_loss, self._loss_after_update()):
            hint = (
                "your loss is the loss after the update: compute it, and return it, before "
                "changing the parameters."
            )
        else:
            hint = (
                "compute the loss of the current model before updating it: the mean of "
                "(model(x) - y)**2 over the data."
            )
        fail(
            f"the loss returned by {title} differs {self.where}.",
            hint,
            details=table(
                ["", "yours", "expected"], [["loss", num(got_loss), num(self.expected_loss)]]
            ),
            got=got_loss,
            expected=self.expected_loss,
            checked=self.step + 1,
            failures=1,
        )

    def _loss_after_update(self) -> float:
        """The mean squared error of the reference's model after this step's update."""
        predictions = [self.theirs(x) for x in self.run.xs]
        errors = [(as_number(p) or 0.0) - y for p, y in zip(predictions, self.run.ys)]
        return sum(e * e for e in errors) / len(errors)

    def check_parameters(self) -> None:
        now_mine = [p.data for p in self.mine_params]
        now_theirs = [p.data for p in self.their_params]
        wrong = [i for i, (a, b) in enumerate(zip(now_mine, now_theirs)) if not self.close(a, b)]
        if not wrong:
            return
        before, lr = self.before, self.run.learning_rate
        i = max(wrong, key=lambda k: abs(now_mine[k] - now_theirs[k]))
        moves = [(now_mine[k] - before[k], now_theirs[k] - before[k]) for k in wrong]
        sized = [(m, t) for m, t in moves if abs(t) > 1e-12]
        hint = (
            "after loss.backward(), move every parameter against its gradient: "
            "`p.data -= learning_rate * p.grad`."
        )
        if all(abs(m) <= 1e-15 for m, _ in moves):
            hint = (
                "your step did not change the parameters. After loss.backward(), update each "
                "one: `p.data -= learning_rate * p.grad`."
            )
        elif sized and all(self.close(-m, t) for m, t in sized):
            hint = (
                "your step goes uphill: the parameters move the wrong way, so the loss grows. "
                "Subtract learning_rate * p.grad instead of adding it."
            )
        elif self.step > 0 and all(
            self.close(a - b, -lr * g) for a, b, g in zip(now_mine, before, self.accumulated)
        ):
            hint = (
                "the first step was right, but later ones move too far: the gradients of earlier "
                "steps are still in p.grad, because backward() adds to it. Set every "
                "`p.grad = 0.0` (`model.zero_grad()`) before `loss.backward()`."
            )
        elif sized and len(sized) > 1:
            ratios = [m / t for m, t in sized]
            if max(ratios) - min(ratios) <= 1e-3 * max(abs(r) for r in ratios):
                hint = (
                    f"your step is {factor_text(sum(ratios) / len(ratios))} times the expected "
                    "size: move each parameter by exactly learning_rate * p.grad."
                )
        fail(
            f"after {self.run.title} {self.where}, {len(wrong)} of {len(now_mine)} parameters "
            "differ from the reference.",
            hint,
            details=table(
                [parameter_labels(self.mine, self.mine_params)[i], "yours", "expected"],
                [
                    ["before", num(before[i]), num(before[i])],
                    ["after", num(now_mine[i]), num(now_theirs[i])],
                ],
            ),
            got=now_mine[i],
            expected=now_theirs[i],
            checked=self.step + 1,
            failures=len(wrong),
        )
