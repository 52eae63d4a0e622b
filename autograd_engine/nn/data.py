"""Toy datasets for classification, in pure Python: xor, moons, circles, spirals and blobs.

Each generator returns ``(X, y)``: ``X`` a list of samples (each a list of two floats) and
``y`` a list of int class labels (0, 1, ...). Randomness comes from ``rng`` (a
``random.Random``) or ``seed`` if given, otherwise from Python's global ``random`` module, so
``random.seed(s)`` at the top of a notebook makes everything reproducible.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, TypeVar

from ..errors import as_count, as_float, as_nonnegative, as_rng, describe

__all__ = [
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "train_test_split",
]

Dataset = tuple[list[list[float]], list[int]]
T = TypeVar("T")
L = TypeVar("L")


def _shuffled(points: list[list[float]], labels: list[int], gen: Any) -> Dataset:
    order = list(range(len(points)))
    gen.shuffle(order)
    return [points[i] for i in order], [labels[i] for i in order]


def make_xor(
    n_samples: int = 4,
    noise: float = 0.0,
    *,
    seed: int | None = None,
    rng: random.Random | None = None,
) -> Dataset:
    """The XOR problem: label 1 when exactly one of the two inputs is 1.

    The points cycle through the four corners (0, 0), (0, 1), (1, 0), (1, 1) with labels
    0, 1, 1, 0, each moved by Gaussian noise of standard deviation ``noise``. No straight line
    separates the classes, so a model needs a hidden layer to learn it.

    Example:
        >>> make_xor()
        ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    n = as_count(n_samples, "make_xor(n_samples)")
    sigma = as_nonnegative(noise, "make_xor(noise)")
    gen = as_rng(rng, seed)
    corners = [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]
    inputs: list[list[float]] = []
    labels: list[int] = []
    for i in range(n):
        (a, b), label = corners[i % 4]
        if sigma:
            a, b = a + gen.gauss(0.0, sigma), b + gen.gauss(0.0, sigma)
        inputs.append([a, b])
        labels.append(label)
    return inputs, labels


def make_moons(
    n_samples: int = 100,
    noise: float = 0.1,
    *,
    seed: int | None = None,
    rng: random.Random | None = None,
) -> Dataset:
    """Two interleaving half circles (the dataset of micrograd's demo), shuffled.

    Class 0 lies on the upper half of the unit circle, class 1 on a lower half circle shifted
    to (1, 0.5); each point is moved by Gaussian noise of standard deviation ``noise``.

    Example:
        >>> X, y = make_moons(100, noise=0.1, seed=0)
        >>> len(X), sum(y)
        (100, 50)
    """
    n = as_count(n_samples, "make_moons(n_samples)", 2)
    sigma = as_nonnegative(noise, "make_moons(noise)")
    gen = as_rng(rng, seed)
    n_upper = n // 2
    inputs: list[list[float]] = []
    labels: list[int] = []
    for label, count in ((0, n_upper), (1, n - n_upper)):
        for i in range(count):
            t = math.pi * i / (count - 1) if count > 1 else 0.0
            if label == 0:
                point = [math.cos(t), math.sin(t)]
            else:
                point = [1.0 - math.cos(t), 0.5 - math.sin(t)]
            inputs.append([c + gen.gauss(0.0, sigma) for c in point])
            labels.append(label)
    return _shuffled(inputs, labels, gen)


def make_circles(
    n_samples: int = 100,
    noise: float = 0.05,
    factor: float = 0.5,
    *,
    seed: int | None = None,
    rng: random.Random | None = None,
) -> Dataset:
    """A circle of radius ``factor`` (class 1) inside the unit circle (class 0), shuffled.

    Example:
        >>> X, y = make_circles(10, noise=0.0, seed=0)
        >>> sorted(round(math.hypot(*x), 6) for x in X)[::5]
        [0.5, 1.0]
    """
    n = as_count(n_samples, "make_circles(n_samples)", 2)
    sigma = as_nonnegative(noise, "make_circles(noise)")
    radius = as_float(factor, "make_circles(factor)")
    if not 0.0 < radius < 1.0:
        raise ValueError(f"make_circles(factor) must be between 0 and 1, got {radius!r}")
    gen = as_rng(rng, seed)
    n_outer = n // 2
    inputs: list[list[float]] = []
    labels: list[int] = []
    for label, count, r in ((0, n_outer, 1.0), (1, n - n_outer, radius)):
        for i in range(count):
            t = 2.0 * math.pi * i / count
            inputs.append(
                [r * math.cos(t) + gen.gauss(0.0, sigma), r * math.sin(t) + gen.gauss(0.0, sigma)]
            )
            labels.append(label)
    return _shuffled(inputs, labels, gen)


def make_spirals(
    n_per_class: int = 50,
    n_classes: int = 3,
    noise: float = 0.2,
    turns: float = 0.6,
    *,
    seed: int | None = None,
    rng: random.Random | None = None,
) -> Dataset:
    """``n_classes`` spiral arms winding out from the origin, one class per arm, shuffled.

    Point ``i`` of arm ``k`` sits at radius ``r = i / (n_per_class - 1)`` (from 0 to 1) and angle
    ``2 pi (k / n_classes + turns * r)`` plus Gaussian noise of standard deviation ``noise``
    (radians) on the angle. More ``turns`` or ``noise`` makes the problem harder.

    Example:
        >>> X, y = make_spirals(30, n_classes=3, seed=0)
        >>> len(X), sorted(set(y))
        (90, [0, 1, 2])
    """
    n = as_count(n_per_class, "make_spirals(n_per_class)", 2)
    k = as_count(n_classes, "make_spirals(n_classes)", 2)
    sigma = as_nonnegative(noise, "make_spirals(noise)")
    winding = as_nonnegative(turns, "make_spirals(turns)")
    gen = as_rng(rng, seed)
    inputs: list[list[float]] = []
    labels: list[int] = []
    for label in range(k):
        for i in range(n):
            r = i / (n - 1)
            angle = 2.0 * math.pi * (label / k + winding * r) + gen.gauss(0.0, sigma)
            inputs.append([r * math.cos(angle), r * math.sin(angle)])
            labels.append(label)
    return _shuffled(inputs, labels, gen)


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    std: float = 1.0,
    *,
    box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = None,
    rng: random.Random | None = None,
) -> Dataset:
    """Gaussian clouds of points around ``centers``, one class per center, shuffled.

    Args:
        n_samples: the total number of points, shared out as evenly as possible.
        centers: the number of clouds (their centers drawn uniformly in ``box`` along each
            axis), or a list of 2-D centers.
        std: the standard deviation of each cloud.
        box: the range the random centers are drawn from.
        seed, rng: where the randomness comes from.

    Example:
        >>> X, y = make_blobs(6, centers=[[0.0, 0.0], [5.0, 5.0]], std=0.0, seed=0)
        >>> sorted(map(tuple, X))
        [(0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (5.0, 5.0), (5.0, 5.0), (5.0, 5.0)]
    """
    n = as_count(n_samples, "make_blobs(n_samples)")
    sigma = as_nonnegative(std, "make_blobs(std)")
    gen = as_rng(rng, seed)
    if isinstance(centers, int) and not isinstance(centers, bool):
        low, high = (as_float(b, "make_blobs(box)") for b in box)
        points = [
            [gen.uniform(low, high), gen.uniform(low, high)]
            for _ in range(as_count(centers, "make_blobs(centers)"))
        ]
    elif isinstance(centers, Sequence) and not isinstance(centers, (str, bytes)) and centers:
        points = []
        for i, c in enumerate(centers):
            if isinstance(c, (str, bytes)) or not isinstance(c, Sequence) or len(c) != 2:
                raise TypeError(
                    f"make_blobs(centers) expects 2-D points like [0.0, 1.0], got {describe(c)} "
                    f"at position {i}"
                )
            points.append([as_float(v, "make_blobs(centers)") for v in c])
    else:
        raise TypeError(
            f"make_blobs(centers) expects a number of centers or a list of 2-D points, got "
            f"{describe(centers)}"
        )
    inputs: list[list[float]] = []
    labels: list[int] = []
    for i in range(n):
        label = i % len(points)
        cx, cy = points[label]
        inputs.append([cx + gen.gauss(0.0, sigma), cy + gen.gauss(0.0, sigma)])
        labels.append(label)
    return _shuffled(inputs, labels, gen)


def train_test_split(
    X: Sequence[T],  # noqa: N803  (the usual name for inputs in machine learning)
    y: Sequence[L],
    test_fraction: float = 0.25,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    rng: random.Random | None = None,
) -> tuple[list[T], list[T], list[L], list[L]]:
    """Split samples into a training and a test part: ``X_train, X_test, y_train, y_test``.

    Train on the first part and measure accuracy on the second, which the model never saw: the
    gap between the two shows how much the model memorised instead of learning.

    Args:
        X, y: the samples and their labels, of equal length.
        test_fraction: the share of samples put in the test part, between 0 and 1 (rounded to a
            whole number of samples, at least one in each part).
        shuffle: shuffle before splitting (otherwise the last samples go to the test part).
        seed, rng: where the shuffling randomness comes from.

    Example:
        >>> X_train, X_test, y_train, y_test = train_test_split([[0], [1], [2], [3]], [0, 1, 2, 3],
        ...                                                     shuffle=False)
        >>> X_test, y_test
        ([[3]], [3])
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split got {len(X)} samples but {len(y)} labels")
    if len(X) < 2:
        raise ValueError(f"train_test_split needs at least 2 samples, got {len(X)}")
    fraction = as_float(test_fraction, "train_test_split(test_fraction)")
    if not 0.0 < fraction < 1.0:
        raise ValueError(
            f"train_test_split(test_fraction) must be between 0 and 1, got {fraction!r}"
        )
    n_test = min(max(1, round(len(X) * fraction)), len(X) - 1)
    order = list(range(len(X)))
    if shuffle:
        as_rng(rng, seed).shuffle(order)
    train, test = order[: len(X) - n_test], order[len(X) - n_test :]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]
