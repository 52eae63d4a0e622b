"""``check_module``: a student's neuron, layer or MLP against the engine's ``nn`` modules.

The student's module is read as layers of neurons, each a list of weights and a bias, whatever
its attributes are called; a reference of the same shape gets the same seeded random values, role
by role. Both are called on the same seeded inputs; outputs and gradients must agree.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass
from types import CodeType
from typing import Any

from ..autodiff import grad
from ..errors import describe
from ..nn import modules as nn
from ..value import Value
from .common import (
    Parts,
    Stop,
    as_number,
    call_student,
    check_count,
    check_points,
    close,
    fail,
    give_up,
    num,
    parameter_labels,
    run_check,
    show,
    table,
)
from .guard import DEFAULT_TIME_LIMIT, watch_calls
from .report import CheckReport

__all__ = ["check_module"]

#: A neuron as the check sees it: its weights and its bias.
NeuronParts = tuple[list[Value], Value]

_KINDS = (nn.MLP, nn.Layer, nn.Neuron)  # the deepest first: a subclass is matched to its kind
_PARTS = ("structure", "outputs", "gradients of the parameters", "gradients of the inputs")


def check_module(
    module: Any,
    reference: Any = None,
    *,
    n_inputs: int | None = None,
    n_points: int = 5,
    seed: int = 0,
    atol: float = 1e-8,
    rtol: float = 1e-6,
    points: float = 1.0,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> CheckReport:
    """Check a student's module (a neuron, a layer, an MLP) against the engine's ``nn``.

    The student's module is read as layers of neurons, each a list of weight Values and a bias
    Value, whatever the attributes are called (``self.w`` or ``self.weights``). A reference of
    the same shape gets the same seeded random values, weight for weight (so a bias that starts
    at 0 cannot hide a forgotten bias; the student's own values come back afterwards). Both are
    called on the same seeded random inputs; their outputs and their gradients (with respect to
    every parameter and every input) must agree. The check also looks at the structure: every
    neuron and every weight its own object, and ``parameters()`` returning each of them once.

    Args:
        module: the student's module: anything callable on a list of numbers or Values, with a
            ``parameters()`` method.
        reference: the module to compare with. Default: when the student's class subclasses
            ``Neuron``, ``Layer`` or ``MLP`` of :mod:`autograd_engine.nn`, a fresh one of that
            kind and the student's shape and activation. Otherwise pass one, such as
            ``nn.Neuron(3, activation="tanh")``; its own values come back afterwards.
        n_inputs: the number of inputs; default: the number of weights of a first-layer neuron.
        n_points: how many random inputs to try.
        seed: the seed of the parameters and inputs.
        atol, rtol: the tolerance of the comparison (the same arithmetic in another order
            differs only by rounding).
        points: what the check is worth, shared equally by its four parts (structure, outputs,
            gradients of the parameters, gradients of the inputs); every part runs.
        time_limit: seconds the check may run (None: no limit).

    Returns:
        A :class:`CheckReport`; on a difference it names the output or parameter, shows both
        numbers and hints at the likely mistake (a missing bias or activation, a graph cut by
        ``.data`` or ``math.tanh``, ...). A module whose ``__call__`` hands the work to the
        library's own ``__call__`` gets no points.

    Example:
        >>> from autograd_engine.nn import Neuron
        >>> class MyNeuron(Neuron):
        ...     def __call__(self, x):
        ...         return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).relu()
        >>> bool(check_module(MyNeuron(3, seed=0)))
        True
    """
    check_count("check_module", "n_points", n_points)
    points = check_points("check_module", points)
    title = type(module).__name__
    kind = next((k for k in _KINDS if isinstance(module, k)), None)
    if reference is None and kind is None:
        raise TypeError(
            f"check_module() needs reference=... for {title}, which does not subclass Neuron, "
            "Layer or MLP from autograd_engine.nn; pass a reference module of the same shape, "
            "like nn.Neuron(3, activation='tanh')"
        )
    if reference is not None and (not callable(reference) or not hasattr(reference, "parameters")):
        raise TypeError(
            "check_module(reference=...) expects a module (callable, with parameters()), got "
            f"{describe(reference)}"
        )
    setup = _Setup(module, reference, kind, title, n_inputs, n_points, seed, atol, rtol)
    return run_check(
        f"check_module({title})", f"{title}.__call__", _PARTS, points, time_limit, setup.run
    )


@dataclass(frozen=True)
class _Setup:
    """What check_module was asked to do."""

    module: Any
    reference: Any
    kind: type | None
    title: str
    n_inputs: int | None
    n_points: int
    seed: int
    atol: float
    rtol: float

    def close(self, got: float, expected: float) -> bool:
        return close(got, expected, self.atol, self.rtol)

    def run(self, parts: Parts) -> CheckReport:
        rng = random.Random(self.seed)
        params = _student_parameters(self.module)
        shape = _layers(self.module)
        owned = [v for layer in shape or [] for w, b in layer for v in (*w, b)]
        saved = {id(v): (v, v.data) for v in [*params, *owned]}
        try:
            for v, _ in saved.values():
                v.data = round(rng.uniform(-1.0, 1.0), 3)
            parts.run("structure", lambda: _check_structure(self, params, shape))
            case = _Case.build(self, params, shape, rng)
            try:
                return case.compare(parts)
            finally:
                case.restore()
        finally:
            for v, old in saved.values():
                v.data = old


def _student_parameters(module: Any) -> list[Value]:
    title = type(module).__name__
    if not hasattr(module, "parameters"):
        fail(
            f"{title} has no parameters() method.",
            "add `def parameters(self): return [...]` returning every weight and bias Value.",
        )
    params = call_student(f"{title}.parameters", "", module.parameters)
    if callable(params) and not isinstance(params, (list, tuple)):
        fail(
            f"{title}.parameters() returned a method, not a list.",
            "call the method inside: `return self.w + [self.b]`, or `n.parameters()` with ().",
        )
    try:
        params = list(params)
    except Exception:
        fail(f"{title}.parameters() returned {show(params)}; it should return a list.")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            fail(
                f"{title}.parameters() returned {show(p)} at position {i}; every parameter "
                "should be a Value.",
                "keep the weights as Values (Value(random.uniform(-1, 1))), not plain floats, "
                "so they get gradients.",
            )
    return params


# ------------------------------------------------------------------------------------------------
# Reading a module as layers of neurons, whatever its attributes are called
# ------------------------------------------------------------------------------------------------


def _attributes(obj: Any) -> list[Any]:
    try:
        return list(vars(obj).values())
    except TypeError:  # no __dict__ (slots)
        return []


def _neuron(obj: Any) -> NeuronParts | None:
    """An object's weights and bias: its one list of Values and its one Value, if it has them."""
    lists = [
        v
        for v in _attributes(obj)
        if isinstance(v, (list, tuple)) and v and all(isinstance(x, Value) for x in v)
    ]
    singles = [v for v in _attributes(obj) if isinstance(v, Value)]
    if len(singles) != 1:
        return None
    # A list that holds the bias too (``self.params = self.w + [self.b]``) is not the weights.
    weights = [v for v in lists if not any(x is singles[0] for x in v)]
    return (list(weights[0]), singles[0]) if len(weights) == 1 else None


def _children(obj: Any) -> list[Any] | None:
    """An object's one list of sub-objects (neurons, layers), if it has exactly one."""
    lists = [
        v
        for v in _attributes(obj)
        if isinstance(v, (list, tuple))
        and v
        and all(hasattr(x, "__dict__") and not isinstance(x, Value) for x in v)
    ]
    return list(lists[0]) if len(lists) == 1 else None


def _layers(obj: Any) -> list[list[NeuronParts]] | None:
    """The module as layers of neurons: ``[[(w, b)]]`` for a neuron, one layer for a layer,
    several for an MLP; None when it cannot be read that way."""
    single = _neuron(obj)
    if single is not None:
        return [[single]]
    children = _children(obj)
    if children is None:
        return None
    neurons = [_neuron(c) for c in children]
    if all(n is not None for n in neurons):
        return [[n for n in neurons if n is not None]]
    layers = []
    for child in children:
        inner = _children(child)
        if inner is None:
            return None
        row = [_neuron(c) for c in inner]
        if not all(n is not None for n in row):
            return None
        layers.append([n for n in row if n is not None])
    return layers


def _check_structure(
    setup: _Setup, params: list[Value], shape: list[list[NeuronParts]] | None
) -> None:
    title = setup.title
    if len({id(p) for p in params}) < len(params):
        fail(
            f"{title}.parameters() returns the same Value more than once: some neurons or "
            "weights are one shared object.",
            "`[Neuron(nin)] * nout` or `[Value(...)] * nin` repeats one object; build a new one "
            "each time with a list comprehension: `[Neuron(nin) for _ in range(nout)]`.",
        )
    if shape is None:
        return
    owned = [v for layer in shape for w, b in layer for v in (*w, b)]
    if len({id(v) for v in owned}) < len(owned):
        fail(
            f"some neurons of {title} share their weights: they are one object, or lists of one "
            "shared Value.",
            "build each neuron, and each of its weights, anew: `[Neuron(nin) for _ in "
            "range(nout)]`, `[Value(random.uniform(-1, 1)) for _ in range(nin)]`.",
        )
    listed = {id(p) for p in params}
    missing = [v for v in owned if id(v) not in listed]
    if missing:
        fail(
            f"{title}.parameters() leaves out {len(missing)} of the {len(owned)} weights and "
            "biases, so training would never change them.",
            "return every weight and every bias, for example `return self.w + [self.b]`, or "
            "`[p for n in self.neurons for p in n.parameters()]`.",
        )


# ------------------------------------------------------------------------------------------------
# The comparison
# ------------------------------------------------------------------------------------------------


@dataclass
class _Case:
    """The student's module and its reference, set up side by side."""

    setup: _Setup
    params: list[Value]
    shape: list[list[NeuronParts]] | None
    reference: Any
    partner: dict[int, Value]  # id of a student's parameter -> the reference's parameter
    restore_reference: list[tuple[Value, float]]
    nin: int
    rng: random.Random
    watched: dict[CodeType, str]

    @staticmethod
    def build(
        setup: _Setup,
        params: list[Value],
        shape: list[list[NeuronParts]] | None,
        rng: random.Random,
    ) -> _Case:
        reference = setup.reference
        if reference is None:
            if shape is None:
                fail(
                    f"the check cannot find the weights and bias of {setup.title}: each neuron "
                    "should keep its weights in one list of Values and its bias in one Value.",
                    "keep the names of the class you were given (`self.w`, `self.b`, "
                    "`self.neurons`, `self.layers`), or build on its __init__ with "
                    "`super().__init__(...)`.",
                )
            reference = _reference_like(setup, shape, _declared_activation(setup.module))
            if _declared_activation(setup.module) is None and setup.kind is not nn.MLP:
                reference = _guess_activation(setup, params, shape) or reference
        theirs = list(reference.parameters())
        partner = _pair(setup, params, shape, reference, theirs)
        restore = [(q, q.data) for q in theirs]
        for p in params:
            partner[id(p)].data = p.data
        nin = setup.n_inputs or (len(shape[0][0][0]) if shape else None)
        nin = nin or _nin(setup.module) or _nin(reference)
        if not nin:
            raise TypeError(
                f"check_module() cannot tell how many inputs {setup.title} takes; pass n_inputs=..."
            )
        cls = type(reference) if type(reference) in _KINDS else setup.kind
        watched = _library_forward(cls) if cls is not None else {}
        return _Case(setup, params, shape, reference, partner, restore, nin, rng, watched)

    def restore(self) -> None:
        for q, old in self.restore_reference:
            q.data = old

    def compare(self, parts: Parts) -> CheckReport:
        title = self.setup.title
        labels = parameter_labels(self.setup.module, self.params)
        checked = 0
        for _ in range(self.setup.n_points):
            xs = [
                Value(round(self.rng.uniform(-2.0, 2.0), 3), label=f"x{i}") for i in range(self.nin)
            ]
            where = "on the input x = [" + ", ".join(num(x.data) for x in xs) + "]"
            with watch_calls(self.watched) as seen:
                result = call_student(f"{title}.__call__", where, self.setup.module, xs)
            if seen.arguments:
                give_up(
                    f"{title}.__call__ hands the work to the library's own "
                    f"{type(self.reference).__name__}.__call__.",
                    "the exercise asks you to write the computation yourself: the weighted sum of "
                    "the inputs plus the bias, through the activation, with Value arithmetic.",
                )
            want = _outputs(self.reference(xs), "the reference", where)
            try:
                got = _outputs(result, title, where)
                self._same_count(got, want, where)
            except Stop as stop:  # nothing can be compared at this input
                for name in _PARTS[1:]:
                    parts.record(name, stop.report)
                return stop.report
            checked += len(got)
            parts.run(
                "outputs", functools.partial(self._same_outputs, xs, got, want, where, checked)
            )
            weights = [round(self.rng.uniform(0.5, 1.5), 3) for _ in got]
            mine = call_student(
                f"backward through {title}",
                where,
                grad,
                Value.sum([c * o for c, o in zip(weights, got)]),
                [*self.params, *xs],
            )
            theirs = grad(
                Value.sum([c * o for c, o in zip(weights, want)]),
                [*[self.partner[id(p)] for p in self.params], *xs],
            )
            checked += len(mine)
            n = len(self.params)
            rows = list(zip([*labels, *[x.label for x in xs]], mine, theirs))
            parts.run(
                "gradients of the parameters",
                functools.partial(self._same_gradients, rows[:n], rows, where, checked),
            )
            parts.run(
                "gradients of the inputs",
                functools.partial(self._same_gradients, rows[n:], rows, where, checked),
            )
            if parts.failures:
                break
        return CheckReport(
            "passed",
            f"{title} gives the same outputs and gradients as the reference on "
            f"{self.setup.n_points} random inputs.",
            checked=checked,
        )

    def _same_count(self, got: list[Value], want: list[Value], where: str) -> None:
        if len(got) == len(want):
            return
        title = self.setup.title
        hint = "return one Value per neuron of the last layer (a single Value when there is one)."
        sizes = [len(layer) for layer in self.shape or []]
        if len(sizes) > 1 and len(got) in sizes[:-1]:
            hint = (
                f"{len(got)} is the size of an earlier layer: does __call__ pass x through every "
                "layer, the last one too?"
            )
        elif len(got) == 1 and len(want) > 1:
            hint = "return a list with one Value per neuron, not only the first (or the sum)."
        fail(
            f"{title} returned {len(got)} output(s) {where}, but {len(want)} were expected.",
            hint,
        )

    def _same_outputs(
        self, xs: list[Value], got: list[Value], want: list[Value], where: str, checked: int
    ) -> None:
        for k, (g, w) in enumerate(zip(got, want)):
            if not self.setup.close(g.data, w.data):
                label = "the output" if len(got) == 1 else f"output {k}"
                fail(
                    f"{label} of {self.setup.title} is wrong {where}.",
                    self._forward_hint(xs, g.data, w.data),
                    details=table(["", "yours", "expected"], [[label, num(g.data), num(w.data)]]),
                    got=g.data,
                    expected=w.data,
                    point={x.label: x.data for x in xs},
                    checked=checked,
                    failures=1,
                )

    def _same_gradients(
        self,
        rows: list[tuple[str, float, float]],
        every: list[tuple[str, float, float]],
        where: str,
        checked: int,
    ) -> None:
        wrong = [(label, g, w) for label, g, w in rows if not self.setup.close(g, w)]
        if not wrong:
            return
        all_wrong = [(label, g, w) for label, g, w in every if not self.setup.close(g, w)]
        unreached = [label for label, g, _ in all_wrong if g == 0.0]
        if len(unreached) == len(all_wrong) and len(all_wrong) > len(every) // 2:
            hint = (
                "your outputs are right, but no gradient reaches these numbers: the graph is "
                "cut somewhere. Did you use .data, float(...) or a math.* function (like "
                "math.tanh) inside __call__? Use Value operations (.tanh(), .relu()) instead."
            )
        elif len(unreached) == len(all_wrong):
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
        fail(
            f"the gradients through {self.setup.title} differ for {len(all_wrong)} of "
            f"{len(every)} numbers {where}.",
            hint,
            details=table(
                ["gradient of", "yours", "expected"],
                [[label, num(g), num(w)] for label, g, w in all_wrong[:8]],
            ),
            got=wrong[0][1],
            expected=wrong[0][2],
            checked=checked,
            failures=len(all_wrong),
        )

    def _forward_hint(self, xs: list[Value], got: float, want: float) -> str:
        """Name a neuron's typical mistakes: a missing activation or bias, a sign."""
        if self.shape is not None and len(self.shape) == 1 and len(self.shape[0]) == 1:
            w, b = self.shape[0][0]
            weighted = math.fsum(wi.data * x.data for wi, x in zip(w, xs))
            if self.setup.close(got, weighted + b.data) and not self.setup.close(got, want):
                return (
                    "your number is the weighted sum plus bias, before the activation: apply "
                    "the activation (for example .tanh()) to it."
                )
            if id(b) in self.partner:
                bias = self.partner[id(b)]
                saved = bias.data
                bias.data = 0.0
                try:
                    without_bias = _outputs(self.reference(xs), "the reference", "")[0].data
                finally:
                    bias.data = saved
                if self.setup.close(got, without_bias):
                    return "your number is what the neuron gives without its bias: add the bias."
            if self.setup.close(got, weighted):
                return (
                    "your number is the weighted sum alone: add the bias, then apply the "
                    "activation."
                )
            expected_act = _declared_activation(self.reference)
            for name, function in nn.ACTIVATIONS.items():
                if function is None or name == expected_act:
                    continue
                if self.setup.close(got, function(Value(weighted + b.data)).data):
                    return (
                        f"your number is {name} of the weighted sum plus bias, but this neuron's "
                        f"activation is {expected_act}."
                    )
            for k in range(len(w)):
                if self.setup.close(got, _outputs_without(self, xs, k)):
                    return (
                        f"your number is what the neuron gives without the term w{k}*x{k}: "
                        "the weighted sum must go over every input."
                    )
        if self.setup.close(-got, want):
            return "your output has the wrong sign: look for a minus sign."
        return (
            "compute act(w0*x0 + w1*x1 + ... + b) with the module's own weights, bias and "
            "activation."
        )


def _outputs_without(case: _Case, xs: list[Value], k: int) -> float:
    """The reference's single output with input ``k`` set to 0 (its term left out)."""
    inputs = [Value(0.0) if i == k else x for i, x in enumerate(xs)]
    return _outputs(case.reference(inputs), "the reference", "")[0].data


def _declared_activation(module: Any) -> str | None:
    """The activation a neuron or a layer declares (a layer: or its first neuron)."""
    return _activation(module) or _activation((_children(module) or [None])[0])


def _guess_activation(setup: _Setup, params: list[Value], shape: list[list[NeuronParts]]) -> Any:
    """For a module that does not say its activation: the reference whose activation gives the
    student's output on a probe input, or None if none does."""
    nin = len(shape[0][0][0])
    probe = [Value(round(0.37 * (i + 1) - 0.8, 3)) for i in range(nin)]
    try:
        got = _outputs(
            call_student(f"{setup.title}.__call__", "", setup.module, probe), setup.title, ""
        )
    except Stop:
        return None  # reported again, at a real input, by the comparison
    for name in nn.ACTIVATIONS:
        reference = _reference_like(setup, shape, name)
        partner = _pair(setup, params, shape, reference, list(reference.parameters()))
        for p in params:
            partner[id(p)].data = p.data
        want = _outputs(reference(probe), "the reference", "")
        if len(want) == len(got) and all(setup.close(g.data, w.data) for g, w in zip(got, want)):
            return reference
    return None


def _reference_like(setup: _Setup, shape: list[list[NeuronParts]], activation: str | None) -> Any:
    """A fresh module of the library, of the student's kind, shape and activations."""
    module, kind = setup.module, setup.kind
    nin = len(shape[0][0][0])
    if kind is nn.Neuron:
        return nn.Neuron(nin, activation=activation or "relu", init="fan_in", seed=0)
    if kind is nn.Layer:
        return nn.Layer(nin, len(shape[0]), activation=activation or "relu", init="fan_in", seed=0)
    layers = _children(module) or []
    names = [_activation(layer) or _activation((_children(layer) or [None])[0]) for layer in layers]
    if len(names) == len(shape) and all(names):
        hidden = [str(n) for n in names[:-1]]
        return nn.MLP(
            nin,
            [len(layer) for layer in shape],
            activation=hidden,
            output_activation=str(names[-1]),
            init="fan_in",
            seed=0,
        )
    return nn.MLP(nin, [len(layer) for layer in shape], init="fan_in", seed=0)


def _activation(obj: Any) -> str | None:
    """The activation an object declares: its ``activation`` name, else micrograd's ``nonlin``."""
    name = getattr(obj, "activation", None)
    if isinstance(name, str) and name in nn.ACTIVATIONS:
        return name
    nonlin = getattr(obj, "nonlin", None)
    if isinstance(nonlin, bool):
        return "relu" if nonlin else "linear"
    return None


def _pair(
    setup: _Setup,
    params: list[Value],
    shape: list[list[NeuronParts]] | None,
    reference: Any,
    theirs: list[Value],
) -> dict[int, Value]:
    """Which reference parameter plays the role of each of the student's: the same weight of
    the same neuron where both read as layers of neurons, else the same name, else the same
    position."""
    their_shape = _layers(reference)
    if shape is not None and their_shape is not None:
        sizes = [[len(w) for w, _ in layer] for layer in shape]
        if sizes == [[len(w) for w, _ in layer] for layer in their_shape]:
            partner: dict[int, Value] = {}
            for mine, other in zip(shape, their_shape):
                for (w, b), (w2, b2) in zip(mine, other):
                    partner.update({id(a): c for a, c in zip([*w, b], [*w2, b2])})
            if all(id(p) in partner for p in params):
                return partner
        else:
            their_sizes = [[len(w) for w, _ in layer] for layer in their_shape]
            fail(
                f"{setup.title} has layers of {_sizes(sizes)} neuron inputs, but the reference "
                f"{type(reference).__name__} has {_sizes(their_sizes)}.",
                "check the shapes in __init__: one weight per input, one neuron per output.",
            )
    mine_named, their_named = _names(setup.module, params), _names(reference, theirs)
    if mine_named and their_named and sorted(mine_named) == sorted(their_named):
        by_name = dict(zip(their_named, theirs))
        return {id(p): by_name[name] for name, p in zip(mine_named, params)}
    if len(params) != len(theirs):
        fail(
            f"{setup.title} has {len(params)} parameter(s), but the reference "
            f"{type(reference).__name__} has {len(theirs)}.",
            "check the shapes in __init__ (one weight per input, one bias per neuron), and that "
            "parameters() returns all of them.",
        )
    return {id(p): q for p, q in zip(params, theirs)}


def _sizes(sizes: list[list[int]]) -> str:
    return " / ".join("[" + ", ".join(map(str, row)) + "]" for row in sizes)


def _names(module: Any, params: list[Value]) -> list[str] | None:
    labels = parameter_labels(module, params)
    return labels if len(set(labels)) == len(labels) else None


def _nin(obj: Any) -> int | None:
    nin = getattr(obj, "nin", None)
    return nin if isinstance(nin, int) and not isinstance(nin, bool) and nin > 0 else None


def _library_forward(cls: type) -> dict[CodeType, str]:
    """The code of a library module's own forward computation (its ``__call__``)."""
    watched = {}
    for name in ("__call__", "_forward"):
        function = vars(cls).get(name)
        code = getattr(function, "__code__", None)
        if code is not None:
            watched[code] = name
    return watched


def _outputs(result: Any, who: str, where: str) -> list[Value]:
    """A module's output as a list of Values, or a report explaining what is wrong with it."""
    items = result if isinstance(result, (list, tuple)) else [result]
    for item in items:
        if not isinstance(item, Value):
            number = as_number(item) is not None
            fail(
                f"{who} returned {show(result)} {where}; it should return a Value"
                + (" (or a list of Values)." if isinstance(result, (list, tuple)) else "."),
                "a plain number has no graph, so no gradient can flow back to the weights: "
                "compute with Values only (no .data, no math.tanh; use .tanh())."
                if number
                else "did you forget `return`?"
                if item is None
                else "",
            )
    return list(items)
