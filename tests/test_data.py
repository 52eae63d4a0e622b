"""Toy datasets: shapes, labels, geometry, reproducibility, and the train/test split."""

# ruff: noqa: N806  (X for the inputs, as machine-learning texts write it)

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from autograd_engine import (
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)

GENERATORS: dict[str, Callable[..., tuple[list[list[float]], list[int]]]] = {
    "xor": lambda **kw: make_xor(40, noise=0.1, **kw),
    "moons": lambda **kw: make_moons(50, **kw),
    "circles": lambda **kw: make_circles(50, **kw),
    "spirals": lambda **kw: make_spirals(20, 3, **kw),
    "blobs": lambda **kw: make_blobs(50, 3, **kw),
}


@pytest.mark.parametrize("name", list(GENERATORS))
def test_generators_return_plain_lists_of_2d_float_points_and_int_labels(name: str) -> None:
    X, y = GENERATORS[name](seed=0)
    assert type(X) is list and type(y) is list and len(X) == len(y)
    assert all(type(x) is list and len(x) == 2 for x in X)
    assert all(type(c) is float and math.isfinite(c) for x in X for c in x)
    assert all(type(label) is int for label in y)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(name: str) -> None:
    make = GENERATORS[name]
    assert make(seed=1) == make(seed=1)
    assert make(seed=1) == make(rng=random.Random(1))
    assert make(seed=1) != make(seed=2)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_global_random_seed_makes_the_default_reproducible(name: str) -> None:
    make = GENERATORS[name]
    random.seed(5)
    first = make()
    random.seed(5)
    assert make() == first


def test_both_seed_and_rng_is_an_error() -> None:
    with pytest.raises(ValueError, match="either rng or seed"):
        make_moons(10, seed=1, rng=random.Random(1))


def test_xor_without_noise_is_the_four_corners_with_xor_labels() -> None:
    X, y = make_xor()
    assert X == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert y == [int(a) ^ int(b) for a, b in X]


def test_noisy_xor_labels_follow_the_nearest_corner() -> None:
    X, y = make_xor(200, noise=0.05, seed=0)
    assert y == [round(a) ^ round(b) for a, b in X]


def test_moons_without_noise_lie_on_their_half_circles() -> None:
    X, y = make_moons(40, noise=0.0, seed=0)
    assert Counter(y) == {0: 20, 1: 20}
    for (a, b), label in zip(X, y):
        if label == 0:  # upper half of the unit circle
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower half circle centred at (1, 0.5)
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_moons_of_100_points_with_noise_0_1_are_split_evenly() -> None:
    X, y = make_moons(100, noise=0.1, seed=0)
    assert len(X) == 100 and sum(y) == 50
    X0, _ = make_moons(100, noise=0.0, seed=0)
    assert X != X0


def test_circles_without_noise_have_radius_one_and_factor() -> None:
    X, y = make_circles(30, noise=0.0, factor=0.3, seed=0)
    for x, label in zip(X, y):
        assert math.hypot(*x) == pytest.approx(1.0 if label == 0 else 0.3)


def test_spirals_have_k_classes_of_n_points_each() -> None:
    X, y = make_spirals(25, n_classes=4, seed=0)
    assert Counter(y) == {0: 25, 1: 25, 2: 25, 3: 25}
    assert max(math.hypot(*x) for x in X) == pytest.approx(1.0)


def test_spiral_arms_without_noise_start_at_angles_spread_evenly() -> None:
    X, y = make_spirals(5, n_classes=3, noise=0.0, turns=0.0, seed=0)
    for x, label in zip(X, y):
        r = math.hypot(*x)
        if r > 0:
            angle = math.atan2(x[1], x[0]) % (2 * math.pi)
            assert angle == pytest.approx(2 * math.pi * label / 3)


def test_blobs_without_spread_sit_on_their_centers() -> None:
    X, y = make_blobs(9, centers=[[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]], std=0.0, seed=0)
    centers = [[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]]
    assert all(x == centers[label] for x, label in zip(X, y))
    assert Counter(y) == {0: 3, 1: 3, 2: 3}


def test_random_blob_centers_lie_in_the_box() -> None:
    X, y = make_blobs(20, centers=4, std=0.0, box=(-1.0, 1.0), seed=0)
    assert set(y) == {0, 1, 2, 3}
    assert all(-1.0 <= c <= 1.0 for x in X for c in x)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: make_moons(1), ValueError, "at least 2"),
        (lambda: make_moons(10.0), TypeError, "must be an int"),
        (lambda: make_moons(10, noise=-0.1), ValueError, ">= 0"),
        (lambda: make_circles(10, factor=1.5), ValueError, "between 0 and 1"),
        (lambda: make_spirals(10, n_classes=1), ValueError, "at least 2"),
        (lambda: make_blobs(10, centers=[[1.0]]), TypeError, "2-D points"),
        (lambda: make_blobs(10, centers="abc"), TypeError, "number of centers"),
    ],
)
def test_bad_arguments_say_what_was_expected(
    call: Callable[[], Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


# -- train/test split --------------------------------------------------------------------------


def test_split_sizes_and_pairs_are_kept_together() -> None:
    X = [[float(i), float(-i)] for i in range(20)]
    y = list(range(20))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)
    assert (len(X_train), len(X_test)) == (15, 5)
    assert sorted(y_train + y_test) == y  # every sample exactly once
    assert all(x[0] == label for x, label in zip(X_train + X_test, y_train + y_test))


def test_split_is_reproducible_and_shuffles() -> None:
    X, y = list(range(30)), list(range(30))
    first = train_test_split(X, y, seed=3)
    assert first == train_test_split(X, y, seed=3)
    assert first[0] != X[: len(first[0])]


def test_split_without_shuffle_puts_the_last_samples_in_the_test_part() -> None:
    X_train, X_test, _, _ = train_test_split(list(range(10)), list(range(10)), 0.3, shuffle=False)
    assert X_train == list(range(7)) and X_test == [7, 8, 9]


def test_split_keeps_at_least_one_sample_in_each_part() -> None:
    X_train, X_test, _, _ = train_test_split([1, 2, 3], [1, 2, 3], test_fraction=0.01, seed=0)
    assert len(X_test) == 1 and len(X_train) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1, 2], [1]), "2 samples but 1 labels"),
        (([1], [1]), "at least 2 samples"),
        (([1, 2], [1, 2], 1.0), "between 0 and 1"),
    ],
)
def test_split_errors_name_the_problem(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        train_test_split(*args)
