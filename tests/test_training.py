"""fit() and the accuracy helpers; and the issue's training goals: XOR, moons and spirals."""

# ruff: noqa: N806  (X for the inputs, as machine-learning texts write it)

from __future__ import annotations

import random
import sys

import pytest

from autograd_engine import (
    MLP,
    SGD,
    Adam,
    Value,
    accuracy,
    argmax,
    bce_loss,
    bce_with_logits_loss,
    binary_accuracy,
    cross_entropy_loss,
    fit,
    hinge_loss,
    is_grad_enabled,
    l2_regularization,
    make_moons,
    make_spirals,
    make_xor,
    model_accuracy,
    mse_loss,
    multiclass_accuracy,
    predict_class,
)

# -- accuracy helpers --------------------------------------------------------------------------


def test_binary_accuracy_accepts_zero_one_and_plus_minus_one_labels() -> None:
    scores = [Value(2.0), Value(-0.5), Value(0.3), -1.0]
    assert binary_accuracy(scores, [1, 0, 0, 0]) == 0.75
    assert binary_accuracy(scores, [1, -1, -1, -1]) == 0.75


def test_binary_accuracy_threshold_for_probabilities() -> None:
    assert binary_accuracy([0.7, 0.4, 0.55], [1, 0, 0], threshold=0.5) == pytest.approx(2 / 3)


def test_multiclass_accuracy_compares_argmax_with_labels() -> None:
    outputs = [[Value(0.1), Value(2.0), Value(0.0)], [3.0, 1.0, 2.0], [0.0, 0.0, 5.0]]
    assert multiclass_accuracy(outputs, [1, 0, 0]) == pytest.approx(2 / 3)
    assert accuracy(outputs, [1, 0, 2]) == 1.0


def test_argmax_and_predict_class() -> None:
    assert argmax([1.0, 3.0, 3.0, -1.0]) == 1  # first of a tie
    assert predict_class(Value(0.2)) == 1 and predict_class(-0.2) == 0
    assert predict_class(0.4, threshold=0.5) == 0
    assert predict_class([Value(0.0), Value(1.0)]) == 1


def test_accuracy_helpers_reject_mismatched_or_empty_input() -> None:
    with pytest.raises(ValueError, match="2 outputs but 1 labels"):
        binary_accuracy([1.0, 2.0], [1])
    with pytest.raises(ValueError, match="no samples"):
        accuracy([], [])
    with pytest.raises(ValueError, match="empty"):
        argmax([])


def test_model_accuracy_records_no_graph() -> None:
    model = MLP(2, [3, 1], seed=0)
    X, y = make_xor()
    seen = []

    def spy(x: list[float]) -> Value:
        seen.append(is_grad_enabled())
        out = model(x)
        assert isinstance(out, Value)
        return out

    acc = model_accuracy(spy, X, y)
    assert seen == [False] * 4
    assert acc == binary_accuracy([model(x) for x in X], y)  # type: ignore[misc]


# -- fit ---------------------------------------------------------------------------------------


def test_fit_does_exactly_what_the_hand_written_loop_does() -> None:
    X, y = make_moons(12, seed=0)
    labels = [2 * t - 1 for t in y]
    by_fit = MLP(2, [4, 1], seed=1)
    by_hand = MLP(2, [4, 1], seed=1)

    def schedule(k: int) -> float:
        return 0.5 - 0.01 * k

    history = fit(
        by_fit,
        hinge_loss,
        X,
        labels,
        SGD(by_fit.parameters(), lr=0.0),
        5,
        l2=1e-3,
        lr_schedule=schedule,
    )
    for k in range(5):
        scores = [by_hand(x) for x in X]
        loss = hinge_loss(scores, labels) + l2_regularization(by_hand.parameters(), 1e-3)
        assert history.loss[k] == loss.data
        assert history.accuracy[k] == binary_accuracy(scores, labels)  # type: ignore[arg-type]
        by_hand.zero_grad()
        loss.backward()
        for p in by_hand.parameters():
            p.data -= schedule(k) * p.grad
    assert by_fit.state_dict() == by_hand.state_dict()


def test_history_has_one_entry_per_step_and_records_the_schedule() -> None:
    X, y = make_xor()
    model = MLP(2, [3, 1], seed=0)
    history = fit(
        model,
        bce_with_logits_loss,
        X,
        y,
        SGD(model.parameters(), lr=1.0),
        7,
        lr_schedule=lambda k: 1.0 - 0.9 * k / 100,
    )
    assert len(history) == 7
    assert history.step == list(range(7))
    assert history.lr == [1.0 - 0.9 * k / 100 for k in range(7)]
    assert len(history.loss) == len(history.accuracy) == 7


def test_target_accuracy_stops_before_updating_the_model() -> None:
    X, y = make_xor()
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(
        model,
        bce_with_logits_loss,
        X,
        y,
        Adam(model.parameters(), lr=0.1),
        500,
        target_accuracy=1.0,
    )
    assert history.accuracy[-1] == 1.0
    assert all(a < 1.0 for a in history.accuracy[:-1])
    assert model_accuracy(model, X, y) == 1.0  # the weights that scored 100%


def test_accuracy_is_not_measured_for_real_valued_targets() -> None:
    model = MLP(1, [3, 1], seed=0)
    history = fit(
        model, mse_loss, [[0.0], [1.0]], [0.5, -1.25], SGD(model.parameters(), lr=0.01), 3
    )
    assert history.accuracy == [] and len(history.loss) == 3


def test_the_default_threshold_is_the_middle_of_the_labels_for_mse_and_bce() -> None:
    model = MLP(1, [1], output_activation="sigmoid", seed=0)
    X, y = [[-1.0], [1.0]], [0, 1]
    model.layers[0].neurons[0].w[0].data = 2.0  # sigmoid(-2) < 0.5 < sigmoid(2): all right
    for loss in (bce_loss, mse_loss):
        history = fit(model, loss, X, y, SGD(model.parameters(), lr=0.0), 1)
        assert history.accuracy == [1.0]
    history = fit(model, hinge_loss, X, [-1, 1], SGD(model.parameters(), lr=0.0), 1)
    assert history.accuracy == [0.5]  # threshold 0: both sigmoid outputs are positive


def test_custom_accuracy_function_and_none() -> None:
    X, y = make_xor()
    model = MLP(2, [2, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    history = fit(model, bce_with_logits_loss, X, y, opt, 2, accuracy_fn=lambda o, t: 0.25)
    assert history.accuracy == [0.25, 0.25]
    assert fit(model, bce_with_logits_loss, X, y, opt, 2, accuracy_fn=None).accuracy == []


def test_minibatches_are_seeded_and_sized() -> None:
    X, y = make_moons(20, seed=0)
    sizes = []

    def loss(outputs: list[Value], targets: list[int]) -> Value:
        sizes.append(len(outputs))
        return bce_with_logits_loss(outputs, targets)

    runs = []
    for _ in range(2):
        model = MLP(2, [3, 1], seed=0)
        fit(model, loss, X, y, SGD(model.parameters(), lr=0.1), 4, batch_size=5, seed=3)
        runs.append(model.state_dict())
    assert sizes == [5] * 8
    assert runs[0] == runs[1]


def test_print_every_prints_step_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = make_xor()
    model = MLP(2, [3, 1], seed=0)
    fit(model, bce_with_logits_loss, X, y, SGD(model.parameters(), lr=0.1), 5, print_every=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["0", "2", "4"]
    assert "loss" in lines[0] and "accuracy" in lines[0]


def test_progress_bar_uses_tqdm_when_installed(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    X, y = make_xor()
    model = MLP(2, [3, 1], seed=0)
    fit(model, bce_with_logits_loss, X, y, SGD(model.parameters(), lr=0.1), 3, progress=True)
    err = capsys.readouterr().err
    assert "fit" in err and "3/3" in err


def test_text_progress_bar_is_plain_tqdm_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    # a notebook keeps what is written to stdout; tqdm.auto's widget is lost when it is saved
    pytest.importorskip("tqdm")
    X, y = make_xor()
    model = MLP(2, [3, 1], seed=0)
    fit(model, bce_with_logits_loss, X, y, SGD(model.parameters(), lr=0.1), 3, progress="text")
    captured = capsys.readouterr()
    assert "fit" in captured.out and "3/3" in captured.out
    assert captured.err == ""


def test_progress_accepts_only_true_false_or_text() -> None:
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="expects True, False or 'text', got 'widget'"):
        fit(
            model,
            mse_loss,
            [[0.0, 0.0]],
            [0],
            SGD(model.parameters(), lr=0.1),
            1,
            progress="widget",  # type: ignore[arg-type]
        )


@pytest.mark.parametrize("progress", [True, "text"])
def test_progress_without_tqdm_falls_back_to_text(
    progress: bool | str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("tqdm", "tqdm.auto", "tqdm.std"):
        monkeypatch.setitem(sys.modules, name, None)  # makes `import tqdm...` fail
    X, y = make_xor()
    model = MLP(2, [3, 1], seed=0)
    history = fit(
        model,
        bce_with_logits_loss,
        X,
        y,
        SGD(model.parameters(), lr=0.1),
        20,
        progress=progress,  # type: ignore[arg-type]
    )
    out = capsys.readouterr().out.splitlines()
    assert len(history) == 20
    assert "pip install tqdm" in out[0]
    assert [line.split()[1] for line in out[1:]] == [
        "0",
        "2",
        "4",
        "6",
        "8",
        "10",
        "12",
        "14",
        "16",
        "18",
        "19",
    ]


def test_fit_rejects_a_loss_that_is_not_a_value() -> None:
    model = MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match="loss_fn must return a Value"):
        fit(model, lambda o, t: 0.5, [[0.0, 0.0]], [0], SGD(model.parameters(), lr=0.1), 1)  # type: ignore[arg-type, return-value]


def test_fit_rejects_mismatched_data_and_a_non_optimizer() -> None:
    model = MLP(2, [1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="2 samples but 1 targets"):
        fit(model, mse_loss, [[0.0, 0.0], [1.0, 1.0]], [0], opt, 1)
    with pytest.raises(TypeError, match="expects an optimizer"):
        fit(model, mse_loss, [[0.0, 0.0]], [0], model.parameters(), 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="steps"):
        fit(model, mse_loss, [[0.0, 0.0]], [0], opt, 1.5)  # type: ignore[arg-type]


def test_fit_rejects_an_rng_that_is_not_a_random_generator_and_seed_with_rng() -> None:
    model = MLP(2, [1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    X, y = [[0.0, 0.0], [1.0, 1.0]], [0, 1]
    with pytest.raises(TypeError, match=r"rng must be a random\.Random, got int 42"):
        fit(model, mse_loss, X, y, opt, 1, batch_size=1, rng=42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="either rng or seed"):
        fit(model, mse_loss, X, y, opt, 1, batch_size=1, rng=random.Random(0), seed=0)


# -- the training goals ----------------------------------------------------------------


def test_xor_mlp_2_4_1_reaches_100_percent_for_at_least_9_of_10_seeds_within_500_steps() -> None:
    X, y = make_xor()
    steps_needed = []
    for seed in range(10):
        model = MLP(2, [4, 1], activation="tanh", seed=seed)
        history = fit(
            model,
            bce_with_logits_loss,
            X,
            y,
            Adam(model.parameters(), lr=0.1),
            500,
            target_accuracy=1.0,
        )
        if model_accuracy(model, X, y) == 1.0:
            steps_needed.append(len(history))
    assert len(steps_needed) >= 9, steps_needed
    assert max(steps_needed) <= 500


def test_moons_with_micrograds_demo_setting_reaches_100_percent_training_accuracy() -> None:
    # micrograd's demo: 100 moons with noise 0.1, MLP(2, [16, 16, 1]) with uniform(-1, 1)
    # weights, max-margin loss + 1e-4 L2, SGD with lr 1.0 - 0.9 k / 100, 100 steps.
    X, y = make_moons(100, noise=0.1, seed=1)
    labels = [2 * t - 1 for t in y]
    model = MLP(2, [16, 16, 1], init="uniform", seed=0)
    history = fit(
        model,
        hinge_loss,
        X,
        labels,
        SGD(model.parameters(), lr=1.0),
        100,
        l2=1e-4,
        lr_schedule=lambda k: 1.0 - 0.9 * k / 100,
    )
    assert len(history) == 100
    assert history.loss[-1] < history.loss[0]
    assert model_accuracy(model, X, labels) == 1.0


def test_three_class_spirals_reach_95_percent_training_accuracy_with_cross_entropy() -> None:
    X, y = make_spirals(30, n_classes=3, seed=0)
    model = MLP(2, [12, 12, 3], seed=0)
    history = fit(
        model,
        cross_entropy_loss,
        X,
        y,
        Adam(model.parameters(), lr=0.05),
        200,
        target_accuracy=0.95,
    )
    assert history.accuracy[-1] >= 0.95
    assert model_accuracy(model, X, y) >= 0.95


def test_a_target_accuracy_without_an_accuracy_to_measure_is_refused_not_ignored() -> None:
    model = MLP(1, [2, 1], seed=0)
    xs, ys = [[0.1], [0.5], [0.9]], [0.2, 0.4, 0.7]  # real-valued targets: no accuracy
    with pytest.raises(ValueError, match="needs an accuracy to measure"):
        fit(model, mse_loss, xs, ys, SGD(model.parameters(), lr=0.1), 5, target_accuracy=0.9)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="needs an accuracy to measure"):
        fit(
            model,
            mse_loss,
            xs,
            [0, 1, 1],
            SGD(model.parameters(), lr=0.1),
            5,
            accuracy_fn=None,
            target_accuracy=0.9,
        )
    assert [p.data for p in model.parameters()] == before  # refused before any step
