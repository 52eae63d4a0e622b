"""Module, Neuron, Layer and MLP: structure, names, micrograd compatibility, errors, init."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine
from autograd_engine import (
    MLP,
    Layer,
    Module,
    Neuron,
    Value,
)


def relu(x: float) -> float:
    return x if x > 0.0 else 0.0


# -- structure and names -----------------------------------------------------------------------


def test_mlp_3_4_4_1_has_41_parameters() -> None:
    model = MLP(3, [4, 4, 1])
    assert model.num_parameters() == 41
    assert len(model.parameters()) == 41
    assert len({id(p) for p in model.parameters()}) == 41


@given(st.integers(1, 5), st.lists(st.integers(1, 5), min_size=1, max_size=4))
def test_parameter_count_is_sum_of_fan_in_plus_one_times_fan_out(
    nin: int, nouts: list[int]
) -> None:
    sizes = [nin, *nouts]
    expected = sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))
    assert MLP(nin, nouts, seed=0).num_parameters() == expected


def test_named_parameters_use_stable_dotted_names_in_parameter_order() -> None:
    model = MLP(2, [5, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert "layers.0.neurons.3.w.1" in names
    assert names[-1] == "layers.1.neurons.0.b"
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert names == [name for name, _ in MLP(2, [5, 1], seed=1).named_parameters()]


def test_neuron_parameters_are_weights_then_bias_like_micrograd() -> None:
    n = Neuron(3, seed=0)
    assert n.parameters() == [*n.w, n.b]


def test_layer_parameters_are_its_neurons_parameters_in_order() -> None:
    layer = Layer(2, 3, seed=0)
    assert layer.parameters() == [p for n in layer.neurons for p in n.parameters()]


def test_zero_grad_resets_every_parameter_gradient() -> None:
    model = MLP(2, [3, 1], seed=0)
    out = model([1.0, -2.0])
    assert isinstance(out, Value)
    (out * out).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_user_module_finds_values_modules_and_lists_in_its_attributes() -> None:
    class TwoHeads(Module):
        def __init__(self) -> None:
            self.body = Layer(2, 2, seed=0)
            self.heads = [Neuron(2, nonlin=False, seed=1), Neuron(2, nonlin=False, seed=2)]
            self.scale = Value(1.0)
            self._cache = Value(5.0)  # private: not a parameter

    m = TwoHeads()
    names = [name for name, _ in m.named_parameters()]
    assert names[0] == "body.neurons.0.w.0"
    assert "heads.1.b" in names
    assert names[-1] == "scale"
    assert m._cache not in m.parameters()
    assert m.num_parameters() == 6 + 3 + 3 + 1


def test_a_value_shared_by_two_attributes_is_one_parameter() -> None:
    class Tied(Module):
        def __init__(self) -> None:
            self.a = Value(1.0)
            self.b = self.a

    assert [name for name, _ in Tied().named_parameters()] == ["a"]


def test_parameters_are_the_named_parameters_values_for_every_kind_of_module_tree() -> None:
    # parameters() walks without building names; it must list exactly what named_parameters does
    shared = Value(9.0)

    class Named(Module):  # names its own parameters: parameters() must follow them
        def __init__(self) -> None:
            self.hidden = Value(4.0)

        def named_parameters(self) -> list[tuple[str, Value]]:
            return [("only", self.hidden), ("again", shared)]

    class Tree(Module):
        def __init__(self) -> None:
            self.first = shared
            self.pairs = [(Value(1.0), Neuron(2, seed=0)), [Value(2.0), shared]]
            self._skipped = Value(3.0)
            self.named = Named()
            self.mlp = MLP(2, [3, 1], seed=1)
            self.again = self.mlp  # the same module twice: its parameters once
            self.number = 5.0

    for module in (Tree(), Named(), MLP(3, [4, 4, 1], seed=2), Layer(2, 3, seed=3)):
        expected = [p for _, p in module.named_parameters()]
        assert module.parameters() == expected
        assert len(set(module.parameters())) == len(expected)
    assert Tree().parameters()[0] is shared


def test_micrograd_style_subclass_overriding_parameters_still_zeroes_its_grads() -> None:
    class Custom(Module):
        def __init__(self) -> None:
            self.store = {"w": Value(2.0)}  # a dict: not found by the attribute walk

        def parameters(self) -> list[Value]:
            return list(self.store.values())

    m = Custom()
    m.store["w"].grad = 3.0
    m.zero_grad()
    assert m.store["w"].grad == 0.0


def test_repr_shows_structure_activations_and_parameter_counts() -> None:
    text = repr(MLP(3, [4, 4, 1], seed=0))
    lines = text.splitlines()
    assert lines[0] == "MLP(nin=3, nouts=[4, 4, 1]): 41 parameters"
    assert lines[1] == "  (layers.0): Layer(nin=3, nout=4, activation='relu'): 16 parameters"
    assert lines[3] == "  (layers.2): Layer(nin=4, nout=1, activation='linear'): 5 parameters"
    assert repr(Neuron(2, nonlin=False)) == "Neuron(nin=2, activation='linear'): 3 parameters"


# -- forward pass: micrograd's numbers ---------------------------------------------------------


def test_neuron_output_is_bit_equal_to_micrograds_chain_of_additions() -> None:
    rng = random.Random(7)
    n = Neuron(5, seed=3)
    x = [rng.uniform(-2, 2) for _ in range(5)]
    chain = sum((wi * xi for wi, xi in zip(n.w, x)), n.b)  # micrograd's expression
    assert n(x).data == relu(chain.data)


def test_neuron_pre_activation_is_one_sum_node_with_the_bias_first() -> None:
    n = Neuron(3, nonlin=False, seed=0)
    out = n([1.0, 2.0, 3.0])
    assert out._op == "sum"
    assert out._prev[0] is n.b
    assert len(out._prev) == 4


def test_mlp_forward_matches_a_float_computation_from_its_weights() -> None:
    model = MLP(2, [3, 2], activation="tanh", seed=5)
    x = [0.3, -1.2]
    hidden = [
        math.tanh(sum((w.data * xi for w, xi in zip(n.w, x)), n.b.data))
        for n in model.layers[0].neurons
    ]
    expected = [
        sum((w.data * h for w, h in zip(n.w, hidden)), n.b.data) for n in model.layers[1].neurons
    ]
    out = model(x)
    assert isinstance(out, list)
    assert [o.data for o in out] == pytest.approx(expected, rel=1e-15, abs=1e-15)


def test_uniform_init_draws_micrograds_weights_from_the_global_random_module() -> None:
    random.seed(1337)
    model = MLP(2, [16, 16, 1], init="uniform")
    random.seed(1337)
    for layer in model.layers:
        for n in layer.neurons:
            assert [w.data for w in n.w] == [random.uniform(-1, 1) for _ in n.w]
            assert n.b.data == 0.0


def test_random_seed_before_building_reproduces_the_default_weights() -> None:
    random.seed(42)
    first = MLP(3, [4, 1]).state_dict()
    random.seed(42)
    assert MLP(3, [4, 1]).state_dict() == first
    random.seed(43)
    assert MLP(3, [4, 1]).state_dict() != first


def test_seed_and_rng_arguments_reproduce_weights_without_touching_global_random() -> None:
    random.seed(0)
    before = random.random()
    random.seed(0)
    a = MLP(2, [3, 1], seed=11).state_dict()
    b = MLP(2, [3, 1], rng=random.Random(11)).state_dict()
    assert a == b
    assert random.random() == before  # the global generator was not used
    assert MLP(2, [3, 1], seed=12).state_dict() != a


def test_neurons_of_a_seeded_layer_get_different_weights() -> None:
    layer = Layer(3, 2, seed=0)
    assert [w.data for w in layer.neurons[0].w] != [w.data for w in layer.neurons[1].w]


@pytest.mark.parametrize(("activation", "gain"), [("relu", math.sqrt(2.0)), ("tanh", 1.0)])
def test_fan_in_init_is_uniform_with_variance_gain_squared_over_fan_in(
    activation: str, gain: float
) -> None:
    nin = 50
    layer = Layer(nin, 200, activation=activation, init="fan_in", seed=0)
    weights = [w.data for n in layer.neurons for w in n.w]
    bound = gain * math.sqrt(3.0 / nin)
    assert max(abs(w) for w in weights) <= bound
    assert max(abs(w) for w in weights) > 0.99 * bound
    assert statistics.pvariance(weights) == pytest.approx(gain**2 / nin, rel=0.05)
    assert all(n.b.data == 0.0 for n in layer.neurons)


# -- shapes, single-neuron layers, plain numbers ------------------------------------------------


def test_layer_with_one_neuron_returns_a_value_and_otherwise_a_list() -> None:
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    out = Layer(2, 3, seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_a_hidden_layer_of_one_neuron_works_where_micrograd_crashes() -> None:
    model = MLP(2, [1, 1], seed=0)
    out = model([1.0, 2.0])
    assert isinstance(out, Value)
    out.backward()
    hidden = model.layers[0].neurons[0]([1.0, 2.0])
    assert model.layers[1].neurons[0].w[0].grad == hidden.data  # d(w h + b)/dw = h


def test_a_layer_accepts_a_single_value_or_number_when_it_has_one_input() -> None:
    layer = Layer(1, 2, seed=0)
    a = layer(Value(0.5))
    b = layer(0.5)
    c = layer([0.5])
    assert isinstance(a, list) and isinstance(b, list) and isinstance(c, list)
    assert [v.data for v in a] == [v.data for v in b] == [v.data for v in c]


def test_plain_numbers_and_values_as_inputs_give_the_same_output() -> None:
    model = MLP(2, [3, 1], seed=0)
    a, b = model([1, 2.5]), model([Value(1.0), Value(2.5)])
    assert isinstance(a, Value) and isinstance(b, Value)
    assert a.data == b.data


def test_a_model_takes_as_input_every_number_that_value_takes() -> None:
    np = pytest.importorskip("numpy")
    model = MLP(3, [2, 1], seed=0)
    inputs = [np.float32(0.5), np.int64(2), np.bool_(True)]
    out, expected = model(inputs), model([Value(x) for x in inputs])
    assert isinstance(out, Value) and isinstance(expected, Value)
    assert out.data == expected.data


def test_gradients_flow_to_value_inputs() -> None:
    n = Neuron(2, nonlin=False, seed=0)
    x = [Value(1.0), Value(2.0)]
    n(x).backward()
    assert [xi.grad for xi in x] == [w.data for w in n.w]


# -- activations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "f"),
    [
        ("relu", relu),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1.0 / (1.0 + math.exp(-z))),
        ("linear", lambda z: z),
        ("leaky_relu", lambda z: z if z > 0 else 0.01 * z),
        ("softplus", lambda z: math.log1p(math.exp(z))),
    ],
)
def test_named_activations_apply_their_function(name: str, f: object) -> None:
    n = Neuron(2, activation=name, seed=4)
    for x in ([1.0, -2.0], [-3.0, 0.5]):
        z = sum((w.data * xi for w, xi in zip(n.w, x)), n.b.data)
        assert n(x).data == pytest.approx(f(z), rel=1e-12, abs=1e-15)  # type: ignore[operator]
    assert n.nonlin is (name != "linear")


def test_any_callable_can_be_an_activation() -> None:
    def square(v: Value) -> Value:
        return v * v

    n = Neuron(1, activation=square, seed=0)
    z = n.b.data + n.w[0].data * 3.0
    assert n(3.0).data == z * z
    assert n.activation == "square"


def test_mlp_hidden_activations_per_layer_and_output_activation() -> None:
    model = MLP(2, [3, 3, 1], activation=["tanh", "relu"], output_activation="sigmoid", seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "relu", "sigmoid"]
    out = model([0.1, 0.2])
    assert isinstance(out, Value) and out._op == "sigmoid"


def test_output_layer_is_linear_by_default_and_hidden_layers_relu() -> None:
    model = MLP(2, [3, 3, 1])
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]
    assert [n.nonlin for layer in model.layers for n in layer.neurons][-1] is False


def test_micrograd_nonlin_false_gives_a_linear_neuron() -> None:
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Layer(2, 2, nonlin=False).activation == "linear"
    assert Neuron(2).activation == "relu"


def test_unknown_activation_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"'relux'.*'relu', 'tanh', 'sigmoid', 'linear'"):
        MLP(2, [3, 1], activation="relux")


def test_wrong_number_of_hidden_activations_is_rejected() -> None:
    with pytest.raises(ValueError, match="2 hidden activations for 1 hidden layer"):
        MLP(2, [3, 1], activation=["relu", "tanh"])


def test_activation_of_the_wrong_type_is_rejected() -> None:
    with pytest.raises(TypeError, match="activation must be a name"):
        Neuron(2, activation=3)  # type: ignore[arg-type]


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "who"),
    [(Neuron(3), r"Neuron\(3\)"), (Layer(3, 2), r"Layer\(3, 2\)"), (MLP(3, [4, 1]), r"MLP\(3")],
)
def test_wrong_input_count_names_expected_and_received(module: object, who: str) -> None:
    with pytest.raises(ValueError, match=who + r".* expects 3 input\(s\), got 2"):
        module([1.0, 2.0])  # type: ignore[operator]
    with pytest.raises(ValueError, match="expects 3 input"):
        module([1.0, 2.0, 3.0, 4.0])  # type: ignore[operator]


def test_a_batch_passed_as_one_sample_gets_a_hint() -> None:
    with pytest.raises(TypeError, match=r"one sample at a time.*\[model\(x\) for x in X\]"):
        MLP(2, [3, 1])([[0.0, 1.0], [1.0, 0.0]])


def test_a_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="got str"):
        Neuron(2)("ab")


@pytest.mark.parametrize(
    "build",
    [
        lambda: Neuron(0),
        lambda: Layer(2, 0),
        lambda: MLP(0, [1]),
        lambda: MLP(2, [3, 0]),
    ],
)
def test_sizes_below_one_are_rejected(build: object) -> None:
    with pytest.raises(ValueError, match="must be at least 1"):
        build()  # type: ignore[operator]


@pytest.mark.parametrize("build", [lambda: Neuron(2.0), lambda: MLP(2, 3), lambda: MLP(2, [])])
def test_sizes_of_the_wrong_type_are_rejected(build: object) -> None:
    with pytest.raises(TypeError):
        build()  # type: ignore[operator]


def test_unknown_init_and_both_seed_and_rng_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown init 'xavier'"):
        Neuron(2, init="xavier")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="either rng or seed"):
        MLP(2, [1], seed=1, rng=random.Random(1))


# -- the public API ----------------------------------------------------------------------------


def test_nn_names_import_from_the_package_and_from_the_nn_module() -> None:
    from autograd_engine.nn import MLP as NN_MLP

    assert NN_MLP is autograd_engine.MLP
    for name in [
        "MLP",
        "Layer",
        "Neuron",
        "Module",
        "SGD",
        "Adam",
        "fit",
        "hinge_loss",
        "to_torch",
    ]:
        assert name in autograd_engine.__all__
