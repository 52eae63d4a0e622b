r"""Optimizers: rules that move every parameter a little against its gradient.

``SGD`` and ``Adam`` follow PyTorch's update rules exactly (``torch.optim.SGD`` and
``torch.optim.Adam``), so given the same gradients the numbers match PyTorch's step for step, up
to float rounding. The usual loop::

    optimizer = SGD(model.parameters(), lr=0.1)
    for step in range(100):
        loss = ...                 # forward pass
        optimizer.zero_grad()      # clear last step's gradients
        loss.backward()            # fill every p.grad
        optimizer.step()           # p.data -= lr * (something built from p.grad)

An optimizer only changes ``p.data``; it reads the number in ``p.grad`` (its ``.data`` when it
is a Value), so it also works after ``backward(create_graph=True)``, when the gradients are Values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..errors import DomainError, as_float, as_nonnegative, describe
from ..value import Value, float_of

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Base class: holds the parameters, clears their gradients, and defines ``step()``.

    Args:
        params: the Values to optimise, usually ``model.parameters()``.
        lr: the learning rate (step size), >= 0. Change ``optimizer.lr`` between steps for a
            schedule.

    Raises:
        TypeError: a parameter is not a Value.
        ValueError: there are no parameters, a parameter is listed twice, or lr < 0.
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(
                f"{type(self).__name__} got an empty list of parameters; pass model.parameters()"
            )
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__} expects Values (model.parameters()), got "
                    f"{describe(p)} at position {i}"
                )
        if len(set(self.params)) != len(self.params):
            raise ValueError(
                f"{type(self).__name__} got the same parameter more than once, so it would be "
                "updated twice per step; pass each Value once"
            )
        self.lr = as_nonnegative(lr, f"{type(self).__name__}(lr)")
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0, before the next ``backward()``."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its gradient (implemented by each optimizer)."""
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def _assign(self, new_data: list[float]) -> None:
        """Set every ``p.data`` and count the step, or change nothing if a value is not finite."""
        for p, x in zip(self.params, new_data):
            if not math.isfinite(x):
                raise DomainError(
                    f"{type(self).__name__}.step() would set a parameter "
                    f"{'(label ' + repr(p.label) + ') ' if p.label else ''}from {p.data!r} to "
                    f"{x!r} (gradient {float_of(p.grad)!r}): the step overflowed. No parameter was "
                    "changed; lower the learning rate"
                )
        for p, x in zip(self.params, new_data):
            p.data = x
        self.steps += 1

    def _gradients(self) -> list[float]:
        """Every ``p.grad`` as a float, read before any parameter changes."""
        return [float_of(p.grad) for p in self.params]


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum and weight decay (PyTorch's rule).

    For each parameter :math:`p` with gradient :math:`g`:

    .. math::
        g &\leftarrow g + \lambda p \quad\text{(weight decay)}\\
        b &\leftarrow \mu b + g \quad\text{(momentum buffer; } b = g \text{ on the first step)}\\
        g &\leftarrow g + \mu b \text{ if nesterov, else } b\\
        p &\leftarrow p - \eta g

    With ``momentum=0`` this is plain ``p.data -= lr * p.grad``, micrograd's update.

    Args:
        params: the Values to optimise.
        lr: the learning rate :math:`\eta`.
        momentum: :math:`\mu` >= 0, usually 0.9: how much of the previous step to keep.
        weight_decay: :math:`\lambda` >= 0, the same as adding
            ``l2_regularization(params, weight_decay / 2)`` to the loss.
        nesterov: use Nesterov momentum (needs momentum > 0).

    Example:
        >>> w = Value(1.0)
        >>> opt = SGD([w], lr=0.1)
        >>> (w * w).backward()   # grad 2.0
        >>> opt.step()
        >>> w.data
        0.8
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = as_nonnegative(momentum, "SGD(momentum)")
        self.weight_decay = as_nonnegative(weight_decay, "SGD(weight_decay)")
        if nesterov and self.momentum == 0.0:
            raise ValueError("SGD(nesterov=True) needs momentum > 0")
        self.nesterov = nesterov
        self.buffers: list[float] | None = None  # momentum buffers, made on the first step

    def step(self) -> None:
        """Apply one update to every parameter."""
        grads = self._gradients()
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        if wd != 0.0:
            grads = [g + wd * p.data for g, p in zip(grads, self.params)]
        buffers = None
        if mu != 0.0:
            if self.buffers is None:
                buffers = list(grads)
            else:
                buffers = [mu * b + g for b, g in zip(self.buffers, grads)]
            # Nesterov looks one momentum step ahead: the gradient plus mu times the buffer.
            grads = [g + mu * b for g, b in zip(grads, buffers)] if self.nesterov else buffers
        self._assign([p.data - lr * g for p, g in zip(self.params, grads)])
        if buffers is not None:
            self.buffers = buffers


class Adam(Optimizer):
    r"""Adam: a step per parameter scaled by running averages of its gradient (PyTorch's rule).

    On step :math:`t = 1, 2, \dots`, for each parameter :math:`p` with gradient :math:`g`:

    .. math::
        g &\leftarrow g + \lambda p \quad\text{(weight decay, off by default)}\\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g\\
        v &\leftarrow \beta_2 v + (1 - \beta_2) g^2\\
        p &\leftarrow p - \frac{\eta}{1 - \beta_1^t}\cdot
              \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}

    :math:`m` and :math:`v` start at 0, so early on they are too small; dividing by
    :math:`1 - \beta^t` (the bias correction) undoes that. Each parameter's step is about
    :math:`\eta` in size whatever the scale of its gradient, which makes Adam forgiving about
    the learning rate.

    Args:
        params: the Values to optimise.
        lr: the learning rate :math:`\eta` (PyTorch's default 0.001 is slow for toy problems;
            0.01 to 0.1 suit them).
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon` > 0, keeps the division safe.
        weight_decay: :math:`\lambda` >= 0, added to the gradient as in ``torch.optim.Adam``.

    Example:
        >>> w = Value(1.0)
        >>> opt = Adam([w], lr=0.1)
        >>> (w * w).backward()
        >>> opt.step()
        >>> round(w.data, 6)   # the first step is lr in size
        0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam(betas) expects a pair (beta1, beta2), got {describe(betas)}")
        beta1, beta2 = (as_float(b, "Adam(betas)") for b in betas)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {beta!r}")
        self.betas = (beta1, beta2)
        self.eps = as_float(eps, "Adam(eps)")
        if self.eps <= 0.0:
            raise ValueError(
                f"Adam(eps) must be > 0, got {self.eps!r}: it keeps the step finite when a "
                "gradient has been 0 so far (1e-8 is the usual value)"
            )
        self.weight_decay = as_nonnegative(weight_decay, "Adam(weight_decay)")
        self.exp_avg = [0.0] * len(self.params)  # m: running mean of the gradient
        self.exp_avg_sq = [0.0] * len(self.params)  # v: running mean of its square

    def step(self) -> None:
        """Apply one update to every parameter."""
        grads = self._gradients()
        beta1, beta2 = self.betas
        wd = self.weight_decay
        t = self.steps + 1
        step_size = self.lr / (1.0 - beta1**t)
        correction2_sqrt = math.sqrt(1.0 - beta2**t)
        exp_avg, exp_avg_sq, new_data = [], [], []
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            if wd != 0.0:
                g = g + wd * p.data
            m = beta1 * m + (1.0 - beta1) * g
            v = beta2 * v + (1.0 - beta2) * (g * g)
            if v == math.inf:
                raise DomainError(
                    f"Adam.step(): the gradient {g!r} is too large to square (overflow). "
                    "No parameter was changed; scale the loss or the inputs down"
                )
            new_data.append(p.data - step_size * (m / (math.sqrt(v) / correction2_sqrt + self.eps)))
            exp_avg.append(m)
            exp_avg_sq.append(v)
        self._assign(new_data)
        self.exp_avg, self.exp_avg_sq = exp_avg, exp_avg_sq
