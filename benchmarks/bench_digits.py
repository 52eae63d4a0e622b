"""Handwritten digits: one training epoch eagerly, compiled, and (projected) with micrograd.

The workload of notebook 08: scikit-learn's 8x8 digits (1,437 training images after a stratified
80/20 split, pixels scaled to [0, 1]), an ``MLP(64, [32, 10])`` with tanh hidden units, softmax
cross-entropy against one-hot rows, Adam, minibatches of 32 (an epoch is 44 batches of 32 and one
of 29). Each engine's step time is the median over interleaved repeats (micrograd, eager,
compiled, micrograd, ...), with the garbage collector in its default state and a ``gc.collect()``
before each measurement, as in ``bench_engines.py``.

- eager: ``batch_loss`` + ``backward()`` + ``Adam.step()`` on a batch of 32, per step; once
  with the collector in its default state and once inside ``gc_paused()``, as ``fit`` runs it
  (this process has imported numpy and scikit-learn, whose objects every full collection walks).
- compiled: the same step through :class:`~autograd_engine.nn.CompiledStep`; both programs (32
  and 29) are compiled first and that one-off time is reported on its own; a whole epoch is timed.
- micrograd: ``micrograd.nn.MLP(64, [32, 10])`` (relu hidden units, its only nonlinearity) with
  a squared error against the one-hot rows (micrograd has no ``exp`` or ``log`` for a softmax)
  and plain SGD. The network is 99% of the graph either way. One epoch would take minutes, so
  its time per epoch is projected: the measured step time times the 45 steps.

Run: ``python benchmarks/bench_digits.py`` (about a minute; ``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

try:
    import micrograd.engine
    import micrograd.nn
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("needs micrograd and scikit-learn: pip install micrograd==0.1.0 scikit-learn")

from autograd_engine import MLP, Adam
from autograd_engine.nn import CompiledStep, batch_loss, cross_entropy_loss, gc_paused, one_hot

BATCH = 32
SEED = 1


def digits() -> tuple[list[list[float]], list[list[float]]]:
    """The training images (64 pixels in [0, 1]) and their one-hot rows, as in notebook 08."""
    data = load_digits()
    pixels = [[value / 16.0 for value in row] for row in data.data.tolist()]
    labels = data.target.tolist()
    x_train, _, y_train, _ = train_test_split(
        pixels, labels, test_size=0.2, random_state=0, stratify=labels
    )
    return x_train, one_hot(y_train, classes=10)


def batches(n: int) -> list[range]:
    """One epoch's batches in order: full ones of BATCH, then the rest."""
    return [range(s, min(s + BATCH, n)) for s in range(0, n, BATCH)]


def timed(run: Callable[[], Any]) -> float:
    gc.collect()  # a clean heap for each measurement; the collector stays enabled
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    repeats = 1 if parser.parse_args(argv).quick else 3
    x, t = digits()
    epoch = batches(len(x))
    xs, ts = [x[i] for i in epoch[0]], [t[i] for i in epoch[0]]

    model = MLP(64, [32, 10], activation="tanh", init="fan_in", seed=SEED)
    optimizer = Adam(model.parameters(), lr=0.01)
    step = CompiledStep(model, cross_entropy_loss, model.parameters())
    start = time.perf_counter()
    program = step.program(xs, ts)
    step.program([x[i] for i in epoch[-1]], [t[i] for i in epoch[-1]])
    compile_time = time.perf_counter() - start

    theirs = micrograd.nn.MLP(64, [32, 10])
    their_params = theirs.parameters()

    def micrograd_step() -> None:
        outputs = [theirs([micrograd.engine.Value(v) for v in row]) for row in xs]
        loss = sum(
            (z - target) ** 2 for out, row in zip(outputs, ts) for z, target in zip(out, row)
        )
        loss = loss * (1.0 / len(xs))
        theirs.zero_grad()
        loss.backward()
        for p in their_params:
            p.data -= 0.01 * p.grad

    def eager_step() -> None:
        optimizer.zero_grad()
        _, loss = batch_loss(model, cross_entropy_loss, xs, ts)
        loss.backward()
        optimizer.step()

    def eager_step_paused() -> None:
        with gc_paused():
            eager_step()

    def compiled_epoch() -> None:
        for b in epoch:
            optimizer.zero_grad()
            step([x[i] for i in b], [t[i] for i in b])
            optimizer.step()

    samples: dict[str, list[float]] = {"micrograd": [], "eager": [], "paused": [], "epoch": []}
    for _ in range(repeats):
        samples["micrograd"].append(timed(micrograd_step))
        samples["eager"].extend(timed(eager_step) for _ in range(3))
        samples["paused"].extend(timed(eager_step_paused) for _ in range(3))
        samples["epoch"].append(timed(compiled_epoch))
    mg = statistics.median(samples["micrograd"])
    eager = statistics.median(samples["eager"])
    paused = statistics.median(samples["paused"])
    compiled_epoch_s = statistics.median(samples["epoch"])
    compiled = compiled_epoch_s / len(epoch)
    steps = len(epoch)

    print(f"# digits: MLP(64, [32, 10]), batches of {BATCH}, {steps} steps per epoch")
    print(
        f"# Python {platform.python_version()}, gc thresholds {gc.get_threshold()}, "
        f"{repeats} repeats (median)\n"
    )
    print("| engine | s/step | s/epoch | vs micrograd |")
    print("|---|---|---|---|")
    print(f"| micrograd | {mg:.2f} | {mg * steps:.0f} (projected) | 1x |")
    print(f"| autograd_engine, eager | {eager:.3f} | {eager * steps:.1f} (projected) | "
          f"{mg / eager:.0f}x |")  # fmt: skip
    print(f"| autograd_engine, eager in gc_paused() | {paused:.3f} | {paused * steps:.1f} "
          f"(projected) | {mg / paused:.0f}x |")  # fmt: skip
    print(f"| autograd_engine, compiled | {compiled:.4f} | {compiled_epoch_s:.2f} | "
          f"{mg / compiled:.0f}x |")  # fmt: skip
    source_kb = len(program.source) / 1e3
    print(
        f"\ncompiling both programs (batches of {BATCH} and {len(epoch[-1])}): "
        f"{compile_time:.2f} s; the batch-of-{BATCH} program: {program!r}, {source_kb:.0f} kB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
