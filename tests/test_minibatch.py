"""Minibatch training on the compiled path: CompiledStep against the eager step, bit for bit, and
fit's epochs, settings and compiled steps."""

# ruff: noqa: N806  (X for the inputs, as machine-learning texts write it)

from __future__ import annotations

import gc
import random
from typing import Any

import pytest

from autograd_engine import MLP, Value
from autograd_engine.nn import (
    SGD,
    Adam,
    CompiledStep,
    FitSettings,
    batch_loss,
    cross_entropy_loss,
    fit,
    gc_paused,
    mse_loss,
    one_hot,
)


def _digits_like(n: int, features: int, classes: int, seed: int) -> tuple[list[Any], list[int]]:
    rng = random.Random(seed)
    X = [[rng.uniform(0.0, 1.0) for _ in range(features)] for _ in range(n)]
    return X, [rng.randrange(classes) for _ in range(n)]


def _eager(model: MLP, loss_fn: Any, xs: Any, ts: Any, l2: float) -> tuple[float, list[float]]:
    model.zero_grad()
    _, loss = batch_loss(model, loss_fn, xs, ts, l2, model.parameters())
    loss.backward()
    return loss.data, [p.grad for p in model.parameters()]


def test_compiled_step_gives_the_eager_loss_and_gradients_bit_for_bit_for_each_batch_size() -> None:
    X, y = _digits_like(11, 5, 4, seed=0)
    model = MLP(5, [6, 4], seed=1, init="fan_in")
    step = CompiledStep(model, cross_entropy_loss, model.parameters(), l2=1e-3)
    for start, stop in ((0, 4), (4, 8), (8, 11), (0, 4)):  # two full batches, a rest of 3, again
        xs, ts = X[start:stop], one_hot(y[start:stop], classes=4)
        compiled = step.value_and_grad(xs, ts)
        assert compiled == _eager(model, cross_entropy_loss, xs, ts, 1e-3)
        # the class-index loss the eager engine would use gives the same numbers too
        assert compiled == _eager(model, cross_entropy_loss, xs, y[start:stop], 1e-3)
    assert sorted(step.programs) == [3, 4]


def test_compiled_step_takes_new_targets_at_every_call() -> None:
    model = MLP(2, [3, 1], seed=0, init="fan_in")
    step = CompiledStep(model, mse_loss, model.parameters())
    xs = [[0.5, -1.0], [1.5, 0.25]]
    for targets in ([0.0, 1.0], [3.0, -2.0]):
        assert step.value_and_grad(xs, targets) == _eager(model, mse_loss, xs, targets, 0.0)
    assert len(step.programs) == 1


def test_compiled_step_adds_its_gradients_to_grad_like_backward() -> None:
    model = MLP(2, [3, 2], seed=0, init="fan_in")
    step = CompiledStep(model, cross_entropy_loss, model.parameters())
    xs, ts = [[0.5, -1.0]], one_hot([1], classes=2)
    model.zero_grad()
    loss = step(xs, ts)
    once = [p.grad for p in model.parameters()]
    step(xs, ts)
    assert loss == step.value_and_grad(xs, ts)[0]
    assert [p.grad for p in model.parameters()] == [g + g for g in once]


def test_compiled_step_refuses_a_loss_that_freezes_its_targets() -> None:
    model = MLP(2, [1], seed=0)

    def frozen_labels(outputs: list[Value], targets: list[Value]) -> Value:
        return mse_loss(outputs, [t.data for t in targets])  # plain numbers: baked in

    step = CompiledStep(model, frozen_labels, model.parameters())
    with pytest.raises(ValueError, match="keep the first batch's labels"):
        step([[1.0, 2.0]], [1.0])


def test_compiled_step_rejects_a_batch_of_another_shape() -> None:
    model = MLP(2, [2], seed=0)
    step = CompiledStep(model, cross_entropy_loss, model.parameters())
    step([[1.0, 2.0]], one_hot([0], classes=2))
    with pytest.raises(ValueError, match="every target to hold 2 number"):
        step([[1.0, 2.0]], one_hot([0], classes=3))
    with pytest.raises(ValueError, match="1 samples but 2 targets"):
        step([[1.0, 2.0]], one_hot([0, 1], classes=2))


def test_fit_by_epochs_sees_every_sample_once_per_epoch_with_a_smaller_last_batch() -> None:
    seen: list[float] = []
    w = Value(0.5)

    def model(x: float) -> Value:
        seen.append(x)
        return w * x

    history = fit(
        model, mse_loss, [float(i) for i in range(10)], [0.0] * 10, SGD([w], lr=0.0),
        epochs=2, batch_size=4, seed=0,
    )  # fmt: skip
    assert history.epoch == [0, 0, 0, 1, 1, 1]
    assert sorted(seen[:10]) == sorted(seen[10:]) == [float(i) for i in range(10)]
    assert seen[:10] != seen[10:]  # each epoch shuffles


def test_fit_with_compiled_steps_trains_exactly_like_eager_fit() -> None:
    X, y = _digits_like(10, 4, 3, seed=2)
    T = one_hot(y, classes=3)
    results = []
    for compiled in (False, True):
        model = MLP(4, [5, 3], seed=3, init="fan_in")
        history = fit(
            model, cross_entropy_loss, X, T, Adam(model.parameters(), lr=0.05),
            epochs=3, batch_size=4, l2=1e-4, seed=4, compiled=compiled, accuracy_fn=None,
        )  # fmt: skip
        results.append((history.loss, history.epoch, [p.data for p in model.parameters()]))
    assert results[0] == results[1]
    assert len(results[0][0]) == 9  # 3 epochs of batches of 4, 4 and 2


def test_fit_settings_and_keywords_are_the_same_settings() -> None:
    X, y = _digits_like(12, 3, 2, seed=5)
    runs = []
    for kwargs in (
        {"steps": 4, "batch_size": 5, "seed": 1, "l2": 1e-3},
        {"steps": 4, "settings": FitSettings(batch_size=5, seed=1, l2=1e-3)},
        {"steps": 4, "settings": FitSettings(batch_size=2, seed=1, l2=1e-3), "batch_size": 5},
    ):
        model = MLP(3, [4, 2], seed=0, init="fan_in")
        history = fit(model, cross_entropy_loss, X, y, SGD(model.parameters(), lr=0.1), **kwargs)
        runs.append((history.loss, history.accuracy))
    assert runs[0] == runs[1] == runs[2]


def test_fit_rejects_unknown_settings_and_needs_steps_or_epochs() -> None:
    model = MLP(1, [1], seed=0)
    args = (model, mse_loss, [[1.0]], [0.0], SGD(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match=r"unexpected keyword.*batchsize.*see FitSettings"):
        fit(*args, steps=1, batchsize=2)
    with pytest.raises(ValueError, match=r"either steps .* or epochs"):
        fit(*args, steps=1, epochs=1)
    with pytest.raises(ValueError, match=r"either steps .* or epochs"):
        fit(*args)


def test_fit_with_compiled_steps_measures_no_accuracy_and_refuses_an_accuracy_function() -> None:
    model = MLP(2, [2], seed=0)
    X, T = [[1.0, 0.0], [0.0, 1.0]], one_hot([0, 1], classes=2)
    history = fit(
        model, cross_entropy_loss, X, T, SGD(model.parameters(), lr=0.1), 2, compiled=True
    )
    assert len(history.loss) == 2 and history.accuracy == []
    with pytest.raises(ValueError, match="compiled step returns only the loss"):
        fit(
            model, cross_entropy_loss, X, T, SGD(model.parameters(), lr=0.1), 1,
            compiled=True, accuracy_fn=lambda outputs, targets: 1.0,
        )  # fmt: skip


def test_fit_with_compiled_steps_and_class_indices_asks_for_one_hot_rows() -> None:
    model = MLP(2, [2], seed=0)
    X, y = [[1.0, 0.0], [0.0, 1.0]], [0, 1]
    with pytest.raises(ValueError, match=r"one_hot\(labels, classes\)"):
        fit(model, cross_entropy_loss, X, y, SGD(model.parameters(), lr=0.1), 1, compiled=True)


def test_fit_measures_accuracy_for_one_hot_targets() -> None:
    model = MLP(2, [2], seed=0)
    X, y = [[1.0, 0.0], [0.0, 1.0]], [0, 1]
    by_index = fit(model, cross_entropy_loss, X, y, SGD(model.parameters(), lr=0.0), 1)
    by_row = fit(model, cross_entropy_loss, X, one_hot(y, 2), SGD(model.parameters(), lr=0.0), 1)
    assert by_index.accuracy == by_row.accuracy and len(by_row.accuracy) == 1
    assert by_index.loss == by_row.loss


# -- the garbage collector ---------------------------------------------------------------------


def test_a_training_steps_graph_holds_no_reference_cycles() -> None:
    # the reason gc_paused is safe: reference counting alone frees a step's graph
    X, y = _digits_like(8, 4, 3, seed=6)
    model = MLP(4, [5, 3], seed=0, init="fan_in")
    gc.collect()
    with gc_paused():
        _, loss = batch_loss(model, cross_entropy_loss, X, y, 1e-4, model.parameters())
        loss.backward()
        del loss
        assert gc.collect() == 0  # nothing unreachable: no cycle was left behind


def test_gc_paused_restores_the_collector_after_an_error_and_keeps_it_off_if_it_was() -> None:
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("inside")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_fit_runs_each_step_with_the_collector_paused() -> None:
    enabled: list[bool] = []
    w = Value(0.5)

    def model(x: float) -> Value:
        enabled.append(gc.isenabled())
        return w * x

    fit(model, mse_loss, [1.0, 2.0], [0.0, 1.0], SGD([w], lr=0.1), steps=2)
    assert enabled == [False] * 4 and gc.isenabled()
