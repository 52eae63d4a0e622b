"""SGD and Adam: PyTorch's update rules step for step, gradients that are Values, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from autograd_engine import SGD, Adam, DomainError, Optimizer, Value

START = [0.8, -1.3, 0.4]


def objective(a: Any, b: Any, c: Any, tanh: Callable[[Any], Any]) -> Any:
    """A small non-quadratic function, written once for Values and once for torch tensors."""
    return (a * b - 1.0) ** 2 + tanh(b + c) ** 2 + 0.1 * c**4 + 0.5 * a


def run_ours(make: Callable[[list[Value]], Optimizer], steps: int) -> list[list[float]]:
    params = [Value(x) for x in START]
    opt = make(params)
    trajectory = []
    for _ in range(steps):
        loss = objective(*params, tanh=Value.tanh)
        opt.zero_grad()
        loss.backward()
        opt.step()
        trajectory.append([p.data for p in params])
    return trajectory


def run_torch(torch: Any, make: Callable[[list[Any]], Any], steps: int) -> list[list[float]]:
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt = make(params)
    trajectory = []
    for _ in range(steps):
        loss = objective(*params, tanh=torch.tanh)
        opt.zero_grad()
        loss.backward()
        opt.step()
        trajectory.append([p.item() for p in params])
    return trajectory


SGD_SETTINGS = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.01},
    {"lr": 0.03, "momentum": 0.5, "weight_decay": 0.1},
]

ADAM_SETTINGS = [
    {"lr": 0.1},
    {"lr": 0.05, "betas": (0.5, 0.9)},
    {"lr": 0.01, "eps": 1e-3},
    {"lr": 0.1, "weight_decay": 0.05},
]


@pytest.mark.parametrize("settings", SGD_SETTINGS)
def test_sgd_follows_pytorchs_sgd_step_for_step(settings: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    ours = run_ours(lambda ps: SGD(ps, **settings), 8)
    theirs = run_torch(torch, lambda ps: torch.optim.SGD(ps, **settings), 8)
    for mine, reference in zip(ours, theirs):
        assert mine == pytest.approx(reference, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("settings", ADAM_SETTINGS)
def test_adam_follows_pytorchs_adam_step_for_step(settings: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    ours = run_ours(lambda ps: Adam(ps, **settings), 8)
    theirs = run_torch(torch, lambda ps: torch.optim.Adam(ps, **settings), 8)
    for mine, reference in zip(ours, theirs):
        assert mine == pytest.approx(reference, rel=1e-12, abs=1e-14)


def test_plain_sgd_is_micrograds_update() -> None:
    w = Value(1.5)
    (w * w * w).backward()  # grad 3 w^2 = 6.75
    SGD([w], lr=0.1).step()
    assert w.data == 1.5 - 0.1 * 6.75


def test_sgd_momentum_buffer_starts_at_the_first_gradient_then_accumulates() -> None:
    w = Value(0.0)
    opt = SGD([w], lr=1.0, momentum=0.5)
    for grad, expected in [(1.0, -1.0), (1.0, -2.5), (0.0, -3.25)]:
        w.grad = grad
        opt.step()
        assert w.data == expected  # buffers 1, 1.5, 0.75


def test_adams_first_step_is_lr_against_the_gradient_whatever_its_scale() -> None:
    for grad in (1e-3, 5.0, -200.0):
        w = Value(1.0)
        w.grad = grad
        Adam([w], lr=0.1).step()
        # bias-corrected m and v are g and g^2 on step 1: the step is lr * g / (|g| + eps)
        assert w.data == pytest.approx(1.0 - 0.1 * grad / (abs(grad) + 1e-8), rel=1e-12)
        assert abs(w.data - 1.0) == pytest.approx(0.1, rel=1e-4)


def test_optimizers_read_gradients_that_are_values_after_create_graph() -> None:
    for opt_class in (SGD, Adam):
        x = Value(2.0)
        (x**3).backward(create_graph=True)
        assert isinstance(x.grad, Value)
        opt_class([x], lr=0.1).step()
        expected = 2.0 - 0.1 * 12.0 if opt_class is SGD else pytest.approx(1.9, rel=1e-6)
        assert x.data == expected


def test_changing_lr_between_steps_changes_the_step() -> None:
    w = Value(0.0)
    opt = SGD([w], lr=1.0)
    w.grad = 1.0
    opt.step()
    opt.lr = 0.25
    opt.step()
    assert w.data == -1.25
    assert opt.steps == 2


def test_zero_grad_resets_only_the_optimizers_parameters() -> None:
    a, b = Value(1.0), Value(2.0)
    a.grad, b.grad = 3.0, 4.0
    SGD([a], lr=0.1).zero_grad()
    assert (a.grad, b.grad) == (0.0, 4.0)


@pytest.mark.parametrize(
    ("build", "grad", "message"),
    [
        (lambda ps: SGD(ps, lr=1e10), -1e308, "overflowed"),
        (lambda ps: Adam(ps, lr=1.7e308), -1.0, "overflowed"),
        (lambda ps: Adam(ps, lr=0.1), -1e200, "too large to square"),
    ],
)
def test_a_step_that_overflows_raises_and_changes_nothing(
    build: Callable[[list[Value]], Optimizer], grad: float, message: str
) -> None:
    a, b = Value(1.0, label="a"), Value(1e308, label="b")
    a.grad, b.grad = 1.0, grad
    opt = build([a, b])
    with pytest.raises(DomainError, match=message + r".*No parameter was changed"):
        opt.step()
    assert (a.data, b.data) == (1.0, 1e308)
    assert opt.steps == 0
    if isinstance(opt, Adam):
        assert opt.exp_avg == [0.0, 0.0] and opt.exp_avg_sq == [0.0, 0.0]


def test_empty_parameter_list_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty list of parameters"):
        SGD([], lr=0.1)


def test_non_value_parameter_is_rejected_with_its_position() -> None:
    with pytest.raises(TypeError, match=r"got float 1\.5 at position 1"):
        SGD([Value(1.0), 1.5], lr=0.1)  # type: ignore[list-item]


def test_a_parameter_listed_twice_is_rejected() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="more than once"):
        Adam([w, w])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda ps: SGD(ps, lr=-0.1), "lr"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), "momentum"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), "nesterov"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), "beta2"),
        (lambda ps: Adam(ps, eps=-1.0), "eps"),
        (lambda ps: Adam(ps, eps=0.0), "eps"),  # 0 would divide 0 by 0 on a zero gradient
    ],
)
def test_bad_hyperparameters_are_rejected_by_name(
    build: Callable[[list[Value]], Optimizer], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build([Value(1.0)])


def test_adam_betas_must_be_a_pair() -> None:
    with pytest.raises(TypeError, match="pair"):
        Adam([Value(1.0)], betas=0.9)  # type: ignore[arg-type]
