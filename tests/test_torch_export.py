"""to_torch: the exported torch model has the same weights, outputs and gradients."""

from __future__ import annotations

import sys

import pytest

from autograd_engine import MLP, Layer, Value, to_torch

X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-0.75, 0.8, 0.0], [3.0, -2.0, 1.0]]


def test_to_torch_without_torch_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match=r"pip install torch==2\.13\.0"):
        to_torch(MLP(2, [1]))


def test_to_torch_rejects_something_that_is_not_an_mlp_or_layer() -> None:
    with pytest.raises(TypeError, match="expects an MLP or a Layer"):
        to_torch(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "softplus"])
def test_exported_mlp_gives_the_same_outputs_and_gradients(activation: str) -> None:
    torch = pytest.importorskip("torch")
    model = MLP(3, [4, 1, 2], activation=activation, seed=0)
    net = to_torch(model)
    x = torch.tensor(X, dtype=torch.float64)
    theirs = net(x)
    assert theirs.shape == (4, 2)
    outputs = [model(row) for row in X]
    for row_out, row_theirs in zip(outputs, theirs.tolist()):
        assert [v.data for v in row_out] == pytest.approx(row_theirs, rel=1e-13, abs=1e-15)  # type: ignore[union-attr]

    # the same scalar loss on both sides, then compare every weight's gradient
    ours_loss = Value.sum([o * o for out in outputs for o in out])  # type: ignore[union-attr]
    ours_loss.backward()
    (theirs**2).sum().backward()
    torch_grads = []
    for module in net:
        if isinstance(module, torch.nn.Linear):
            for j in range(module.out_features):
                torch_grads += [*module.weight.grad[j].tolist(), float(module.bias.grad[j])]
    assert [p.grad for p in model.parameters()] == pytest.approx(torch_grads, rel=1e-12, abs=1e-14)


def test_exported_weights_are_identical_and_float64() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(2, [3, 1], seed=4)
    net = to_torch(model)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert [m.weight.dtype for m in linears] == [torch.float64] * 2
    for layer, linear in zip(model.layers, linears):
        assert linear.weight.tolist() == [[w.data for w in n.w] for n in layer.neurons]
        assert linear.bias.tolist() == [n.b.data for n in layer.neurons]


def test_exported_model_uses_the_layer_activations_and_a_linear_output() -> None:
    torch = pytest.importorskip("torch")
    net = to_torch(MLP(2, [3, 3, 1], activation=["tanh", "relu"], seed=0))
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "Tanh", "Linear", "ReLU", "Linear"]
    assert isinstance(net, torch.nn.Module)


def test_exported_weights_are_a_copy() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(2, [1], seed=0)
    net = to_torch(model)
    with torch.no_grad():
        net[0].weight.fill_(5.0)
    assert model.layers[0].neurons[0].w[0].data != 5.0


def test_a_single_layer_exports_too() -> None:
    torch = pytest.importorskip("torch")
    layer = Layer(2, 3, activation="sigmoid", seed=1)
    out = to_torch(layer)(torch.tensor([[0.3, -0.6]], dtype=torch.float64))
    assert out[0].tolist() == pytest.approx([v.data for v in layer([0.3, -0.6])], rel=1e-14)  # type: ignore[union-attr]


def test_softplus_is_exact_where_torchs_own_switches_to_the_identity() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(1, [1], output_activation="softplus", seed=0)
    model.layers[0].neurons[0].w[0].data = 1.0
    out = to_torch(model)(torch.tensor([[21.0]], dtype=torch.float64))
    assert out.item() == pytest.approx(model([21.0]).data, rel=1e-15)  # type: ignore[union-attr]
    assert out.item() != 21.0


def test_a_python_activation_cannot_be_exported() -> None:
    pytest.importorskip("torch")

    def square(v: Value) -> Value:
        return v * v

    with pytest.raises(ValueError, match="cannot export the activation 'square' of layer 0"):
        to_torch(MLP(2, [2, 1], activation=square))


def test_a_python_activation_named_like_a_built_in_one_cannot_be_exported() -> None:
    # a function called leaky_relu with another slope must not become torch's LeakyReLU(0.01)
    pytest.importorskip("torch")

    def leaky_relu(v: Value) -> Value:
        return v.leaky_relu(0.2)

    with pytest.raises(ValueError, match="cannot export the activation 'leaky_relu' of layer 0"):
        to_torch(MLP(2, [2, 1], activation=leaky_relu))
