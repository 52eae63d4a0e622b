"""``check_module``: a student's neuron, layer or MLP against the engine's ``nn`` modules.

Both get the same seeded random parameters and inputs; their outputs and the gradients the
engine's ``grad`` computes through them must agree.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from ..autodiff import grad
from ..errors import describe
from ..nn import modules as nn
from ..value import Value
from .report import (
    CheckReport,
    _as_number,
    _call_student,
    _check_count,
    _close,
    _fail,
    _num,
    _parameter_labels,
    _show,
    _Stop,
    _table,
)

__all__ = ["check_module"]


def check_module(
    module: Any,
    reference: Any = None,
    *,
    n_inputs: int | None = None,
    n_points: int = 5,
    seed: int = 0,
    atol: float = 1e-8,
    rtol: float = 1e-6,
) -> CheckReport:
    """Check a student's module (a neuron, a layer, an MLP) against the engine's ``nn``.

    Both get the same seeded random parameters (so a bias that starts at 0 cannot hide a
    forgotten bias; the student's own values come back afterwards) and are called on the same
    seeded random inputs; their outputs and gradients (with respect to every parameter and every
    input) must agree.

    Args:
        module: the student's module: anything callable on a list of numbers or Values, with a
            ``parameters()`` method.
        reference: the module to compare with. Default: when the student's class subclasses a
            class of :mod:`autograd_engine.nn` (``class MyNeuron(Neuron)``), that class's own
            ``__call__``, on the student's object. Otherwise a module with the same number of
            parameters, such as ``nn.Neuron(3, activation="tanh")``, matched in the order of
            ``parameters()``; its own values come back afterwards.
        n_inputs: the number of inputs; default: the module's ``nin``.
        n_points: how many random inputs to try.
        seed: the seed of the parameters and inputs.
        atol, rtol: the tolerance of the comparison (the same arithmetic in another order
            differs only by rounding).

    Returns:
        A :class:`CheckReport`; on a difference it names the output or parameter, shows both
        numbers and hints at the likely mistake (a missing bias or activation, a graph cut by
        ``.data`` or ``math.tanh``, ...).

    Example:
        >>> from autograd_engine.nn import Neuron
        >>> class MyNeuron(Neuron):
        ...     def __call__(self, x):
        ...         return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).relu()
        >>> bool(check_module(MyNeuron(3, seed=0)))
        True
    """
    _check_count("check_module", "n_points", n_points)
    title = type(module).__name__
    rng = random.Random(seed)
    try:
        params = _student_parameters(module)
        saved = [p.data for p in params]
        try:
            # Fresh random parameters for the check: a bias that starts at 0 would hide a
            # forgotten bias. The student's own values come back afterwards.
            for p in params:
                p.data = round(rng.uniform(-1.0, 1.0), 3)
            call, reference_params, restore = _reference_call(module, reference, params)
            try:
                return _compare_modules(
                    module,
                    params,
                    call,
                    reference_params,
                    title,
                    n_inputs if n_inputs is not None else _infer_inputs(module, reference),
                    n_points,
                    rng,
                    atol,
                    rtol,
                )
            finally:
                restore()
        finally:
            for p, old in zip(params, saved):
                p.data = old
    except _Stop as stop:
        return stop.report


def _reference_call(
    module: Any, reference: Any, params: list[Value]
) -> tuple[Callable[[Any], Any], list[Value], Callable[[], None]]:
    """How to call the reference, its parameters (matching ``params`` one to one), and how to
    undo the changes made to it for the check."""
    if reference is None:
        for base in type(module).__mro__[1:]:
            if (
                base.__module__ == nn.__name__
                and base is not nn.Module
                and "__call__" in vars(base)
            ):
                call = vars(base)["__call__"]
                return (lambda x, call=call: call(module, x)), params, (lambda: None)
        raise TypeError(
            f"check_module() needs reference=... for {type(module).__name__}, which does not "
            "subclass Neuron, Layer or MLP from autograd_engine.nn; pass a reference module "
            "with the same number of parameters, like nn.Neuron(3, activation='tanh')"
        )
    if not callable(reference) or not hasattr(reference, "parameters"):
        raise TypeError(
            "check_module(reference=...) expects a module (callable, with parameters()), got "
            f"{describe(reference)}"
        )
    theirs = list(reference.parameters())
    if len(params) != len(theirs):
        _fail(
            f"{type(module).__name__} has {len(params)} parameter(s), but the reference "
            f"{type(reference).__name__} has {len(theirs)}.",
            "check the shapes in __init__ (one weight per input, one bias per neuron), and that "
            "parameters() returns all of them.",
        )
    saved = [p.data for p in theirs]
    for p, q in zip(theirs, params):
        p.data = q.data

    def restore() -> None:
        for p, old in zip(theirs, saved):
            p.data = old

    return reference, theirs, restore


def _student_parameters(module: Any) -> list[Value]:
    title = type(module).__name__
    if not hasattr(module, "parameters"):
        _fail(
            f"{title} has no parameters() method.",
            "add `def parameters(self): return [...]` returning every weight and bias Value.",
        )
    params = _call_student(f"{title}.parameters", "", module.parameters)
    try:
        params = list(params)
    except TypeError:
        _fail(f"{title}.parameters() returned {_show(params)}; it should return a list.")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            _fail(
                f"{title}.parameters() returned {describe(p)} at position {i}; every parameter "
                "should be a Value.",
                "keep the weights as Values (Value(random.uniform(-1, 1))), not plain floats, "
                "so they get gradients.",
            )
    return params


def _infer_inputs(module: Any, reference: Any) -> int:
    for obj in (module, reference):
        nin = getattr(obj, "nin", None)
        if isinstance(nin, int) and not isinstance(nin, bool):
            return nin
    w = getattr(module, "w", None)
    if isinstance(w, (list, tuple)):
        return len(w)
    raise TypeError(
        f"check_module() cannot tell how many inputs {type(module).__name__} takes; pass "
        "n_inputs=..."
    )


def _outputs(result: Any, who: str, where: str) -> list[Value]:
    """A module's output as a list of Values, or a report explaining what is wrong with it."""
    items = result if isinstance(result, (list, tuple)) else [result]
    for item in items:
        if not isinstance(item, Value):
            number = _as_number(item) is not None
            _fail(
                f"{who} returned {_show(result)} {where}; it should return a Value"
                + (" (or a list of Values)." if isinstance(result, (list, tuple)) else "."),
                "a plain number has no graph, so no gradient can flow back to the weights: "
                "compute with Values only (no .data, no math.tanh; use .tanh())."
                if number
                else "did you forget `return`?"
                if item is None
                else "",
            )
    return list(items)


def _compare_modules(
    module: Any,
    params: list[Value],
    reference_call: Callable[[Any], Any],
    reference_params: list[Value],
    title: str,
    nin: int,
    n_points: int,
    rng: random.Random,
    atol: float,
    rtol: float,
) -> CheckReport:
    names = _parameter_labels(module, params)
    checked = 0
    for _ in range(n_points):
        xs = [Value(round(rng.uniform(-2.0, 2.0), 3), label=f"x{i}") for i in range(nin)]
        where = "on the input x = [" + ", ".join(_num(x.data) for x in xs) + "]"
        got = _outputs(_call_student(f"{title}.__call__", where, module, xs), title, where)
        want = _outputs(reference_call(xs), "the reference", where)
        if len(got) != len(want):
            _fail(
                f"{title} returned {len(got)} output(s) {where}, but {len(want)} were expected.",
                "return one Value per neuron (a single Value when there is one neuron).",
            )
        for k, (g, w) in enumerate(zip(got, want)):
            checked += 1
            if not _close(g.data, w.data, atol, rtol):
                label = "the output" if len(got) == 1 else f"output {k}"
                _fail(
                    f"{label} of {title} is wrong {where}.",
                    _forward_hint(
                        module,
                        xs,
                        g.data,
                        w.data,
                        reference_call,
                        k,
                        params,
                        reference_params,
                        atol,
                        rtol,
                    ),
                    details=_table(
                        ["", "yours", "expected"], [[label, _num(g.data), _num(w.data)]]
                    ),
                    got=g.data,
                    expected=w.data,
                    point={x.label: x.data for x in xs},
                    checked=checked,
                    failures=1,
                )
        # Gradients of a random mix of the outputs, so no error can hide behind another.
        weights = [round(rng.uniform(0.5, 1.5), 3) for _ in got]
        wrt = [*params, *xs]
        mine = _call_student(
            f"backward through {title}",
            where,
            grad,
            Value.sum([c * o for c, o in zip(weights, got)]),
            wrt,
        )
        theirs = grad(Value.sum([c * o for c, o in zip(weights, want)]), [*reference_params, *xs])
        labels = [*names, *[x.label for x in xs]]
        wrong = [
            (label, g, w)
            for label, g, w in zip(labels, mine, theirs)
            if not _close(g, w, atol, rtol)
        ]
        checked += len(wrt)
        if wrong:
            unreached = [label for label, g, _ in wrong if g == 0.0]
            if len(unreached) == len(wrong) and len(wrong) > len(wrt) // 2:
                hint = (
                    "your outputs are right, but no gradient reaches these numbers: the graph is "
                    "cut somewhere. Did you use .data, float(...) or a math.* function (like "
                    "math.tanh) inside __call__? Use Value operations (.tanh(), .relu()) instead."
                )
            elif len(unreached) == len(wrong):
                hint = (
                    f"no gradient reaches {', '.join(unreached)}: does your __call__ use "
                    f"{'it' if len(unreached) == 1 else 'them'}? (With these inputs the output "
                    "happens to match, but the gradient shows the difference.)"
                )
            else:
                hint = (
                    "your outputs are right but the gradients are not: check that every weight, "
                    "the bias and every input are used as Values, each exactly once."
                )
            rows = [[label, _num(g), _num(w)] for label, g, w in wrong[:8]]
            _fail(
                f"the gradients through {title} differ for {len(wrong)} of {len(wrt)} numbers "
                f"{where}.",
                hint,
                details=_table(["gradient of", "yours", "expected"], rows),
                got=wrong[0][1],
                expected=wrong[0][2],
                point={x.label: x.data for x in xs},
                checked=checked,
                failures=len(wrong),
            )
    return CheckReport(
        "passed",
        f"{title} gives the same outputs and gradients as the reference on {n_points} random "
        "inputs.",
        checked=checked,
    )


def _forward_hint(
    module: Any,
    xs: list[Value],
    got: float,
    want: float,
    reference_call: Callable[[Any], Any],
    k: int,
    params: list[Value],
    reference_params: list[Value],
    atol: float,
    rtol: float,
) -> str:
    """Name a neuron's typical mistakes: a missing activation or bias, a sign."""
    w, b = getattr(module, "w", None), getattr(module, "b", None)
    if (
        isinstance(w, (list, tuple))
        and isinstance(b, Value)
        and all(isinstance(wi, Value) for wi in w)
    ):
        weighted = math.fsum(wi.data * x.data for wi, x in zip(w, xs))
        if _close(got, weighted + b.data, atol, rtol):
            return (
                "your number is the weighted sum plus bias, before the activation: apply the "
                "activation (for example .tanh()) to it."
            )
        index = next((i for i, p in enumerate(params) if p is b), None)
        if index is not None:
            bias = reference_params[index]  # the reference's copy of b (b itself for a subclass)
            saved = bias.data
            bias.data = 0.0
            try:
                without_bias = _outputs(reference_call(xs), "the reference", "")[k].data
            finally:
                bias.data = saved
            if _close(got, without_bias, atol, rtol):
                return (
                    "your number is what the neuron gives without its bias: add self.b to the sum."
                )
        if _close(got, weighted, atol, rtol):
            return (
                "your number is the weighted sum alone: add the bias self.b, then apply the "
                "activation."
            )
    if _close(-got, want, atol, rtol):
        return "your output has the wrong sign: look for a minus sign."
    return (
        "compute act(w0*x0 + w1*x1 + ... + b) with the module's own weights, bias and activation."
    )
