"""The compiled path gives the eager engine's numbers, bit for bit, on new parameters and new data.

Every comparison traces a graph at some numbers, then replays it at others and checks the result
against the eager engine run afresh at those numbers: every built-in op (from ``BUILTIN_OPS``),
random expression graphs, relu/abs/leaky_relu branches that flip, MLP losses over a batch (where
the per-sample subgraph becomes one repeated block), out-of-domain numbers (the same
``DomainError`` as eager), and the generated source itself.
"""

from __future__ import annotations

import ast
import math
import random
import struct
from collections.abc import Sequence

import pytest
from engines import ENGINES, Builder, value_and_grad
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    BUILTIN_OPS,
    INPUT_FLOATS,
    OURS,
    Expression,
    evaluate,
    expressions,
    micrograd_example,
    n_inputs,
    op_id,
    op_instances,
)

from autograd_engine import MLP, DomainError, Op, Value, ops
from autograd_engine.compiled.program import CompiledGraph, compile_function, compile_graph
from autograd_engine.nn.losses import hinge_loss, l2_regularization
from autograd_engine.symbolic import derive, rule_source

COMPILED = tuple(e for e in ENGINES if e != "eager")


def eager(
    build: Builder, params: Sequence[float], inputs: Sequence[float] = ()
) -> tuple[float, list[float]]:
    return value_and_grad("eager", build, params, inputs)


def eager_error(build: Builder, params: Sequence[float], inputs: Sequence[float] = ()) -> str:
    with pytest.raises(DomainError) as info:
        eager(build, params, inputs)
    return str(info.value)


def same(a: float, b: float) -> bool:
    """The same float, bit for bit (so 0.0 and -0.0 differ): the compiled path's contract."""
    return struct.pack("<d", a) == struct.pack("<d", b)


def assert_same(got: tuple[float, list[float]], want: tuple[float, list[float]]) -> None:
    assert same(got[0], want[0]), f"value {got[0]!r} != {want[0]!r}"
    assert len(got[1]) == len(want[1])
    for i, (g, w) in enumerate(zip(got[1], want[1])):
        assert same(g, w), f"grad[{i}] {g!r} != {w!r}"


def domain_points(op: Op, rng: random.Random, count: int) -> list[list[float]]:
    return [[rng.uniform(lo, hi) for lo, hi in op.domain[: n_inputs(op)]] for _ in range(count)]


# -- every built-in op ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", COMPILED)
@pytest.mark.parametrize("op", op_instances(), ids=op_id)
def test_every_builtin_op_replays_like_eager(op: Op, engine: str) -> None:
    def build(ps: list[Value], xs: list[Value]) -> Value:
        y = op(*ps)
        return y * y + y * ps[0]  # y used twice, ps[0] used directly too: gradients add up

    rng = random.Random(op_id(op))
    points = domain_points(op, rng, 4)
    for point in points:
        trace = points[0] if point is not points[0] else points[1]
        got = value_and_grad(engine, build, point, trace_params=trace)
        assert_same(got, eager(build, point))


def test_every_builtin_op_is_covered_by_the_instances() -> None:
    assert {op.name for op in op_instances()} == set(BUILTIN_OPS)


# -- random expression graphs --------------------------------------------------------------------


def expression_builder(expr: Expression) -> Builder:
    return lambda ps, xs: evaluate(expr, OURS, ps)


@given(expressions(), st.lists(INPUT_FLOATS, min_size=3, max_size=3), st.sampled_from(COMPILED))
def test_random_expression_replays_like_eager(
    expr: Expression, new: list[float], engine: str
) -> None:
    build = expression_builder(expr)
    point = new[: len(expr.inputs)]
    try:
        want = eager(build, point)
    except DomainError as exc:  # out of range at the new point: the replay must say the same
        with pytest.raises(DomainError) as info:
            value_and_grad(engine, build, point, trace_params=list(expr.inputs))
        assert str(info.value) == str(exc)
        return
    try:
        got = value_and_grad(engine, build, point, trace_params=list(expr.inputs))
    except DomainError:  # only possible if tracing itself failed (eager fails there too)
        with pytest.raises(DomainError):
            eager(build, list(expr.inputs))
        return
    assert_same(got, want)


# -- branches that flip --------------------------------------------------------------------------


def kinked(ps: list[Value], xs: list[Value]) -> Value:
    a, b = ps
    (x,) = xs
    return (a * x + b).relu() + abs(a - x) * b + (b * x).leaky_relu(0.1) + (x - a).relu() * a


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("x", [-2.0, -0.5, 0.0, 0.5, 2.0])
def test_relu_abs_and_leaky_relu_branches_follow_the_new_data(engine: str, x: float) -> None:
    params = [0.5, -0.25]
    # traced where every branch goes one way; replayed on both sides and exactly on each kink
    got = value_and_grad(engine, kinked, params, [x], trace_params=[1.0, 1.0], trace_inputs=[3.0])
    assert_same(got, eager(kinked, params, [x]))


@pytest.mark.parametrize("engine", COMPILED)
def test_a_kink_hit_exactly_gives_the_eager_subgradient(engine: str) -> None:
    # a*x + b == 0 exactly: relu' = 0 there; a - x == 0 exactly: abs' = 0 there
    got = value_and_grad(engine, kinked, [2.0, -4.0], [2.0], trace_params=[1.0, 1.0])
    assert_same(got, eager(kinked, [2.0, -4.0], [2.0]))


# -- MLP losses over a batch ---------------------------------------------------------------------


def moons_batch(n: int, seed: int) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    xs = [[rng.uniform(-1.5, 2.5), rng.uniform(-1.0, 1.5)] for _ in range(n)]
    ys = [1.0 if x[1] > 0.5 * math.sin(2 * x[0]) else -1.0 for x in xs]
    return xs, ys


def mlp_loss(activation: str) -> tuple[MLP, Builder]:
    """A model, and a loss builder that runs it with the given Values as its parameters."""
    model = MLP(2, [6, 5, 1], activation=activation, seed=3)
    _, labels = moons_batch(12, seed=5)

    def build(ps: list[Value], xs: list[Value]) -> Value:
        rows = [xs[2 * i : 2 * i + 2] for i in range(len(labels))]
        scores = [forward_with(model, ps, row) for row in rows]
        return hinge_loss(scores, labels) + l2_regularization(ps, alpha=1e-3)

    return model, build


def forward_with(model: MLP, ps: list[Value], row: list[Value]) -> Value:
    """The model's forward pass (as nn.Neuron computes it) with ``ps`` as its parameters."""
    k = 0
    out = row
    for layer in model.layers:
        nxt = []
        for neuron in layer.neurons:
            w, b = ps[k : k + neuron.nin], ps[k + neuron.nin]
            k += neuron.nin + 1
            act = Value.sum([b, *[wi * xi for wi, xi in zip(w, out)]])
            nxt.append(act if neuron.activation == "linear" else getattr(act, neuron.activation)())
        out = nxt
    return out[0]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_hinge_loss_with_l2_replays_like_eager(engine: str, activation: str) -> None:
    model, build = mlp_loss(activation)
    params = [p.data for p in model.parameters()]
    xs, _ = moons_batch(12, seed=5)
    inputs = [c for row in xs for c in row]
    got = value_and_grad(engine, build, params, inputs)
    assert_same(got, eager(build, params, inputs))


def test_a_batch_of_samples_becomes_one_repeated_block() -> None:
    model, build = mlp_loss("relu")
    xs_data, _ = moons_batch(12, seed=5)
    ps = [Value(p.data) for p in model.parameters()]
    xs = [Value(c) for row in xs_data for c in row]
    program = compile_graph(build(ps, xs), ps, xs)
    assert program.blocks == 1
    assert program.source.count("def _block1_forward") == 1
    assert program.source.count("= _block1_forward(_params") == 12  # one call per sample


def test_training_with_the_compiled_program_follows_eager_training_exactly() -> None:
    """Ten SGD steps of micrograd's demo loop, compiled and eager, from the same weights."""
    xs_data, labels = moons_batch(16, seed=9)

    def loss_of(model: MLP, rows: list[list[Value]]) -> Value:
        scores = [model(row) for row in rows]
        losses = [(1 + -y * s).relu() for y, s in zip(labels, scores)]  # micrograd's hinge
        return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())

    eager_model, compiled_model = MLP(2, [8, 8, 1], seed=1), MLP(2, [8, 8, 1], seed=1)
    rows = [[Value(c) for c in row] for row in xs_data]
    program = compile_graph(
        loss_of(compiled_model, rows), compiled_model.parameters(), [v for r in rows for v in r]
    )
    for k in range(10):
        eager_model.zero_grad()
        loss = loss_of(eager_model, [[Value(c) for c in row] for row in xs_data])
        loss.backward()
        compiled_model.zero_grad()
        compiled_loss = program.backward()
        assert compiled_loss == loss.data
        lr = 1.0 - 0.9 * k / 10
        for p, q in zip(eager_model.parameters(), compiled_model.parameters()):
            assert q.grad == p.grad
            p.data -= lr * p.grad
            q.data -= lr * q.grad
    assert program.replays == 0


# -- graph shapes that repeated blocks must keep exact -------------------------------------------


def param_used_often_in_each_sample(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    outs = []
    for x in xs:
        h = (w * x + c).tanh()
        h2 = (w * h + c * h).relu()  # w and c used several times inside one copy
        outs.append((h2 * w + x * c).sigmoid() * w)
    return Value.sum(outs)


def node_shared_by_two_blocks(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    outs = []
    for k in range(0, len(xs), 2):
        z = xs[k] * w + xs[k + 1] * c  # feeds two different subgraphs of the sample
        left = ((z * w + c).tanh() * w + c).tanh() * (z * c).sigmoid() + z
        right = ((z * c + w).tanh() * c + w).relu() * (z * w).tanh() + z
        outs.append(left * right)
    return Value.sum(outs)


def constants_shared_and_not(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    half = Value(0.5)  # one constant node read by every sample
    outs = []
    for i, x in enumerate(xs):
        h = (w * x * half + c * (i - 2.0)).tanh()  # and one constant of its own per sample
        outs.append(((h * w + half).relu() + h * c * 2.0).tanh() * (i + 0.1))
    return Value.sum(outs)


def sum_with_a_repeated_term(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    outs = []
    for x in xs:
        h = (w * x + c).tanh()
        outs.append(Value.sum([h, h, w, h * w, w, x]).tanh() * Value.sum([h, c, h]))
    return Value.sum(outs + outs)  # every sample's result twice too


def every_input_read_twice(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    outs = []
    for i, x in enumerate(xs + xs):  # the same input leaf in two copies
        p = w if i % 2 else c  # copies that differ in their parameter: two blocks
        h = (p * x + c).tanh()
        outs.append(((h * w + x).relu() + h * p).tanh() * w)
    return Value.sum(outs)


SHAPES = [
    param_used_often_in_each_sample,
    node_shared_by_two_blocks,
    constants_shared_and_not,
    sum_with_a_repeated_term,
    every_input_read_twice,
]


@pytest.mark.parametrize("engine", COMPILED)
@pytest.mark.parametrize("build", SHAPES, ids=lambda f: f.__name__)
def test_repeated_blocks_with_shared_leaves_and_repeated_terms_replay_like_eager(
    build: Builder, engine: str
) -> None:
    rng = random.Random(build.__name__)
    for _ in range(3):
        params = [rng.uniform(-1.5, 1.5) for _ in range(2)]
        inputs = [rng.uniform(-2.0, 2.0) for _ in range(6)]
        assert_same(value_and_grad(engine, build, params, inputs), eager(build, params, inputs))


@pytest.mark.parametrize("build", SHAPES, ids=lambda f: f.__name__)
def test_each_shape_is_outlined_into_repeated_blocks(build: Builder) -> None:
    ps, xs = [Value(0.3), Value(-0.7)], [Value(0.1 * k - 0.2) for k in range(6)]
    assert compile_graph(build(ps, xs), ps, xs).blocks >= 1  # else the test above checks less


def test_ops_equal_but_for_the_sign_of_a_zero_attribute_keep_their_own_code() -> None:
    # LeakyRelu(0.0) and LeakyRelu(-0.0) compare equal, yet 0.0 * x and -0.0 * x differ in sign
    def build(ps: list[Value], xs: list[Value]) -> Value:
        return ps[0].leaky_relu(0.0) * 0.0 + ps[0].leaky_relu(-0.0)

    for engine in COMPILED:
        assert_same(value_and_grad(engine, build, [-2.0]), eager(build, [-2.0]))


# -- long chains and other periodic stretches become loops ---------------------------------------

STEPS = 40  # each shape below is long enough to become a loop (at least 64 nodes)


def chain_mul_add(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    y = xs[0]
    for _ in range(STEPS):
        y = y * w + c
    return y


def chain_from_a_parameter_with_tanh(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    y = w  # the first step reads a parameter, the later ones a computed node
    for _ in range(STEPS):
        y = (y * w + c).tanh()
    return y * xs[0]


def chain_reading_new_data_each_step(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    y = c
    for x in xs:
        y = (y * x + w * 0.5).tanh() + x  # x used twice in its step
    return y


def chain_with_a_different_constant_each_step(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    y = xs[0]
    for k in range(STEPS):
        y = (y * w + (k - 20.5) * 0.01).relu() + y * c * 0.25  # the carry used twice
    return y


def two_carried_values(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    a, b = xs[0], xs[1]
    for _ in range(STEPS):
        a, b = (a * w + b * c).tanh(), (a * c - b * w).tanh()  # both read by the next step
    return a * b


def carried_values_with_and_without_a_gradient(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    a, b = xs[0], c
    for x in xs:
        a = (a * x + 0.5).tanh()  # no parameter: needs no gradient
        b = (b * w + a).tanh()
    return b * a + a * w


def chain_with_a_middle_value_used_at_the_end(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    y = xs[0]
    middle = y
    for k in range(2 * STEPS):
        y = (y * w + c).tanh()
        if k == STEPS:
            middle = y
    return y * middle + middle  # the run must stop where a value leaves it


def builtin_sum_of_products(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    return Value(0.0) + sum(w * x for x in xs) + sum(c * x * x for x in xs)


def blocks_and_a_chain(ps: list[Value], xs: list[Value]) -> Value:
    w, c = ps
    samples = [((w * x + c).tanh() * w + c * x).sigmoid() * (w * x).relu() for x in xs[:6]]
    y = Value.sum(samples)
    for x in xs:
        y = (y * w + x * c).tanh()
    return y


CHAINS = [
    chain_mul_add,
    chain_from_a_parameter_with_tanh,
    chain_reading_new_data_each_step,
    chain_with_a_different_constant_each_step,
    two_carried_values,
    carried_values_with_and_without_a_gradient,
    chain_with_a_middle_value_used_at_the_end,
    builtin_sum_of_products,
    blocks_and_a_chain,
]


@pytest.mark.parametrize("engine", COMPILED)
@pytest.mark.parametrize("build", CHAINS, ids=lambda f: f.__name__)
def test_long_chains_replay_like_eager(build: Builder, engine: str) -> None:
    rng = random.Random(build.__name__)
    for _ in range(3):
        params = [rng.uniform(0.5, 0.99), rng.uniform(-0.5, 0.5)]
        inputs = [rng.uniform(-1.0, 1.0) for _ in range(STEPS)]
        assert_same(value_and_grad(engine, build, params, inputs), eager(build, params, inputs))


@pytest.mark.parametrize("build", CHAINS, ids=lambda f: f.__name__)
def test_each_chain_becomes_a_loop(build: Builder) -> None:
    ps, xs = [Value(0.9), Value(0.1)], [Value(0.01 * k) for k in range(STEPS)]
    out = build(ps, xs)
    program = compile_graph(out, ps, xs)
    assert program.loops >= 1  # else the test above checks less
    assert program() == program.value_and_grad()[0] == out.data  # the forward-only program too


def test_a_chain_compiles_to_a_program_whose_size_does_not_grow_with_it() -> None:
    sizes = []
    for steps in (100, 10_000):
        x, w, c = Value(0.5), Value(0.999), Value(0.001)
        y = x
        for _ in range(steps):
            y = y * w + c
        program = compile_graph(y, [w, c], [x])
        y.backward()
        assert program.value_and_grad() == (y.data, [w.grad, c.grad])
        sizes.append(len(program.source.splitlines()))
    assert sizes[0] == sizes[1] < 60


def test_a_loop_that_overflows_replays_the_eager_error() -> None:
    def build(ps: list[Value], xs: list[Value]) -> Value:
        y = xs[0]
        for _ in range(STEPS):
            y = y * ps[0] + ps[1]
        return y

    expected = eager_error(build, [1e10, 1.0], [1.0])  # 1e10 ** 40 overflows
    for engine in COMPILED:
        with pytest.raises(DomainError) as info:
            value_and_grad(engine, build, [1e10, 1.0], [1.0], trace_params=[0.5, 0.5])
        assert str(info.value) == expected


# -- ops with many inputs ------------------------------------------------------------------------


def wide_sums(ps: list[Value], xs: list[Value]) -> Value:
    half = Value(0.5)
    leaves = Value.sum([*ps, ps[0], *xs, half, Value(-1.25), half])  # a parameter twice
    computed = Value.sum([p * x for p, x in zip(ps, xs)] + [p * p for p in ps])
    return leaves * computed + Value.sum(ps) * ps[1]


@pytest.mark.parametrize("engine", COMPILED)
def test_sums_of_many_inputs_replay_like_eager(engine: str) -> None:
    rng = random.Random(7)
    params = [rng.uniform(-1.0, 1.0) for _ in range(100)]
    inputs = [rng.uniform(-1.0, 1.0) for _ in range(100)]
    assert_same(value_and_grad(engine, wide_sums, params, inputs), eager(wide_sums, params, inputs))


def test_a_sum_of_many_parameters_compiles_into_a_few_lines() -> None:
    ps = [Value(float(i % 7) - 3.0) for i in range(200_000)]
    program = compile_graph(Value.sum(ps), ps)
    value, grads = program.value_and_grad()
    assert value == sum(p.data for p in ps)
    assert grads == [1.0] * len(ps)
    assert len(program.source.splitlines()) < 30


# -- backward() into .grad -------------------------------------------------------------------------


def test_a_compiled_backward_whose_sum_with_the_earlier_grad_overflows_changes_no_grad() -> None:
    w, v = Value(1.0), Value(1.0)
    program = compile_graph(w * 1e308 + v, [v, w])
    program.backward()
    assert (v.grad, w.grad) == (1.0, 1e308)
    with pytest.raises(DomainError, match=r"params\[1\].*overflows.*No grad was changed"):
        program.backward()
    assert (v.grad, w.grad) == (1.0, 1e308)  # v's sum was fine, yet it did not change either


# -- names and text in the generated code ----------------------------------------------------------


def test_labels_python_reads_as_one_name_stay_two_variables() -> None:
    # the micro sign and the Greek mu are one identifier for Python (NFKC), two labels here
    a, b, c = Value(2.0, label="\u00b5"), Value(1.0, label="b"), Value(5.0, label="\u03bc")
    loss = (a * b + c * a) * (b - c)
    program = compile_graph(loss, [a, b, c])
    loss.backward()
    assert program.value_and_grad() == (-48.0, [-24.0, 4.0, -20.0])
    assert (a.grad, b.grad, c.grad) == (-24.0, 4.0, -20.0)


def test_a_label_that_reads_as_a_generated_name_is_not_used() -> None:
    a, b, c = Value(2.0, label="a"), Value(1.0, label="\uff561"), Value(5.0, label="c")  # v1
    loss = (a * b + c * a) * (b - c)
    for fuse in (True, False):
        assert compile_graph(loss, [a, b, c], fuse=fuse).value_and_grad() == (
            -48.0,
            [-24.0, 4.0, -20.0],
        )


def test_an_op_name_with_a_line_break_cannot_run_code() -> None:
    class Injected(Op):
        """f(x) = x * x * 0.5 + exp(x), with a name that tries to end a comment."""

        name = "injected\nraise SystemExit('ran')\n#"
        symbol = "f"

        def forward(self, x: float) -> float:
            return x * x * 0.5 + math.exp(x)

        def backward(self, grad: ops.Scalar, out: ops.Scalar, x: ops.Scalar) -> tuple[ops.Scalar]:
            return (grad * (x + math.exp(x)),)  # math.exp: called on floats, by name

    a = Value(0.5, label="a")
    out = Injected()(a * a) * a
    program = compile_graph(out, [a], fuse=False)
    out.backward()
    assert program.value_and_grad() == (out.data, [a.grad])
    names = {node.id for node in ast.walk(ast.parse(program.source)) if isinstance(node, ast.Name)}
    assert "SystemExit" not in names  # the name's text stayed inside its comments
    assert "# injected\\nraise SystemExit('ran')\\n#" in program.source


# -- domain errors on replay -----------------------------------------------------------------------

ERROR_CASES = {
    "log of a non-positive number": (lambda ps, xs: (ps[0] * xs[0]).log(), [1.0], [-2.0]),
    "sqrt of a negative number": (lambda ps, xs: (ps[0] - xs[0]).sqrt() * ps[0], [1.0], [3.0]),
    "infinite derivative of sqrt at 0": (lambda ps, xs: (ps[0] - xs[0]).sqrt(), [1.0], [1.0]),
    "division by zero": (lambda ps, xs: xs[0] / (ps[0] - 1.0), [1.0], [2.0]),
    "exp overflows": (lambda ps, xs: (ps[0] * xs[0]).exp(), [100.0], [10.0]),
    "a product overflows to inf": (lambda ps, xs: ps[0] * xs[0] * xs[0] + ps[0], [1e200], [1e200]),
    "0 to a negative power": (lambda ps, xs: (ps[0] - xs[0]) ** -1.0 + ps[0], [1.0], [1.0]),
    "a fractional power of a negative base": (lambda ps, xs: (ps[0] - xs[0]) ** 0.5, [1.0], [3.0]),
    "a gradient overflows": (lambda ps, xs: (ps[0] * xs[0]) * xs[0] + 0.0, [1e-300], [1e160]),
}


@pytest.mark.parametrize("engine", COMPILED)
@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_out_of_domain_numbers_raise_the_eager_domain_error(case: str, engine: str) -> None:
    build, params, inputs = ERROR_CASES[case]
    expected = eager_error(build, params, inputs)
    with pytest.raises(DomainError) as info:
        value_and_grad(engine, build, params, inputs, trace_params=[0.5], trace_inputs=[0.25])
    assert str(info.value) == expected


def test_a_failed_compiled_backward_leaves_every_grad_unchanged() -> None:
    a, x = Value(2.0), Value(1.0)
    program = compile_graph((a * x).log(), [a], [x])
    a.grad = 0.5
    with pytest.raises(DomainError, match="log"):
        program.backward([-1.0])
    assert a.grad == 0.5
    assert program.replays == 1


def test_forward_only_call_raises_the_eager_error_too() -> None:
    a, x = Value(2.0, label="a"), Value(1.0, label="x")
    program = compile_graph((a * x).log(), [a], [x])
    assert program() == math.log(2.0)
    with pytest.raises(DomainError) as info:
        program([-1.0])
    with pytest.raises(DomainError) as eager_info:
        (Value(2.0, label="a") * Value(-1.0, label="x")).log()
    assert str(info.value) == str(eager_info.value)


def test_a_derivative_only_an_inputs_gradient_needs_does_not_stop_the_program() -> None:
    # eager backward() fills x.grad too, and d sqrt/dx is infinite at 0: it raises
    w, x = Value(2.0), Value(0.0)
    with pytest.raises(DomainError, match="sqrt"):
        (w * x.sqrt()).backward()
    # the program computes only w's gradient, sqrt(0) = 0.0, which is defined
    program = compile_graph(w * x.sqrt(), [w], [x])
    assert program.value_and_grad() == (0.0, [0.0])
    assert program.replays == 0


# -- the program's behaviour as an object --------------------------------------------------------


def test_backward_adds_to_grad_like_eager_backward() -> None:
    a, b = Value(2.0), Value(-3.0)
    program = compile_graph(a * b + a, [a, b])
    assert program.backward() == -4.0
    assert program.backward() == -4.0
    assert (a.grad, b.grad) == (2 * (-3.0 + 1.0), 2 * 2.0)


def test_calls_read_the_current_data_of_parameters_and_inputs() -> None:
    a, x = Value(2.0), Value(3.0)
    program = compile_graph(a * x, [a], [x])
    a.data, x.data = 5.0, 7.0
    assert program.value_and_grad() == (35.0, [7.0])
    assert program() == 35.0


def test_parameters_not_in_the_graph_get_zero_gradient() -> None:
    a, unused = Value(2.0), Value(1.0)
    program = compile_graph(a * a, [a, unused])
    assert program.value_and_grad() == (4.0, [4.0, 0.0])


def test_compile_function_traces_once_and_replays_on_new_inputs() -> None:
    w = Value(3.0)
    program = compile_function(lambda xs: (w * xs[0] - xs[1]) ** 2, [w], [1.0, 2.0])
    for x, y in [(2.0, 1.0), (-1.0, 0.5), (0.0, 0.0)]:
        e = Value(3.0)
        out = (e * x - y) ** 2
        out.backward()
        assert program.value_and_grad([x, y]) == (out.data, [e.grad])


def test_a_chain_far_deeper_than_the_recursion_limit_compiles() -> None:
    x, w = Value(0.5), Value(0.999)
    y = x
    for _ in range(3000):
        y = (y * w + 0.001).tanh()
    program = compile_graph(y, [w, x])
    y.backward()
    assert program.value_and_grad() == (y.data, [w.grad, x.grad])


def test_a_very_wide_sum_compiles_into_short_lines() -> None:
    xs = [Value(float(i % 7) - 3.0) for i in range(5000)]
    total = Value.sum([x * x for x in xs])
    program = compile_graph(total, xs)
    total.backward()
    assert program.value_and_grad() == (total.data, [x.grad for x in xs])
    assert max(len(line) for line in program.source.splitlines()) < 1000


def test_a_user_defined_op_is_compiled_from_its_own_rules() -> None:
    class Clip(Op):
        """f(x) = x on [-1, 1], else the nearer bound; df/dx = 1 inside, 0 outside."""

        name = "test_clip"
        symbol = "clip"

        def forward(self, x: float) -> float:
            return -1.0 if x < -1.0 else 1.0 if x > 1.0 else x

        def backward(self, grad: ops.Scalar, out: ops.Scalar, x: ops.Scalar) -> tuple[ops.Scalar]:
            return (grad * 0.0 if x < -1.0 or x > 1.0 else grad,)

    clip = Clip()
    code = derive(clip, 1)
    assert code.forward is not None and code.backward is not None  # inlined, not called
    a = Value(0.5)
    program = compile_graph(clip(a * 3.0) * a, [a])
    for value in (-2.0, -1.0 / 3.0, 0.1, 1.0 / 3.0, 2.0):
        b = Value(value)
        out = clip(b * 3.0) * b
        out.backward()
        assert program.value_and_grad(params=[value]) == (out.data, [b.grad])


# -- the generated source ------------------------------------------------------------------------


def every_op_graph() -> tuple[Value, list[Value]]:
    a, b = Value(0.7, label="a"), Value(1.3, label="b")
    terms = []
    for op in op_instances():
        args = [a, b, a * b][: n_inputs(op)] if op.arity != 1 else [a]
        terms.append(op(*args))
    return Value.sum(terms), [a, b]


def test_generated_source_is_valid_python_that_names_every_op() -> None:
    out, params = every_op_graph()
    program = compile_graph(out, params, fuse=False)
    ast.parse(program.source)
    ast.parse(program.forward_source)
    comments = " ".join(
        line.split("#", 1)[1] for line in program.source.splitlines() if "#" in line
    )
    for name in BUILTIN_OPS:
        assert name in comments, name
    out.backward()
    assert program.value_and_grad() == (out.data, [p.grad for p in params])


def test_printing_a_program_shows_the_gradient_program_of_the_lecture_example() -> None:
    loss, nodes = micrograd_example()
    text = str(compile_graph(loss, [nodes[name] for name in "abcf"]))
    assert isinstance(compile_graph(loss, [nodes["a"]]), CompiledGraph)
    for line in ("e = a * b", "d = e + c", "L = d * f", "g_a = 0.0 + g_d * b"):
        assert line in text, line


def test_rule_source_shows_each_ops_rules_as_code() -> None:
    assert "grad_a = grad * b" in rule_source(ops.MUL)
    assert "out = x if x > 0.0 else 0.0" in rule_source(ops.RELU)
    assert "grad_x = grad if x > 0.0 else -grad if x < 0.0 else grad * 0.0" in rule_source(ops.ABS)
    assert "tanh_forward" in rule_source(ops.TANH)  # math.tanh cannot run on a symbol: called


# -- bad arguments -------------------------------------------------------------------------------


def test_bad_arguments_are_refused_with_clear_errors() -> None:
    a, x = Value(1.0), Value(2.0)
    out = a * x
    with pytest.raises(TypeError, match="expects a Value as output"):
        compile_graph(1.0, [a])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="leaf Values"):
        compile_graph(out, [out])
    with pytest.raises(ValueError, match="same Value twice"):
        compile_graph(out, [a, a])
    with pytest.raises(ValueError, match=r"both a parameter and an input \(params\[1\] and inputs"):
        compile_graph(out, [x, a], [a])
    with pytest.raises(TypeError, match="expects Values as params"):
        compile_graph(out, [1.0])  # type: ignore[list-item]
    program = compile_graph(out, [a], [x])
    with pytest.raises(ValueError, match="expected 1 numbers for the inputs, got 2"):
        program.value_and_grad([1.0, 2.0])
    with pytest.raises(TypeError, match="real number"):
        program.value_and_grad(["abc"])  # type: ignore[list-item]
    with pytest.raises(DomainError):
        program.value_and_grad([math.inf])
