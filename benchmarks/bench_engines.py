"""autograd_engine against micrograd, workload by workload, in one run.

Each workload runs on both engines in turn (micrograd, autograd_engine, micrograd, ...) for
several repeats, and the table reports the median of each. The garbage collector stays in its
default state, as users run it; a ``gc.collect()`` before each measurement (outside the timing)
gives both engines the same clean start. See ``benchmarks/README.md`` for how to run it.

Workloads:
    chain: ``y = y * w + b`` repeated, in chains of 400 steps (800 nodes, within micrograd's
        recursion limit), all chains held at once; forward and backward time per node.
    demo step: micrograd's demo training step, word for word but for the accuracy it also
        computes: MLP(2, [16, 16, 1]), 100 moons points (noise 0.1), hinge loss + L2 (alpha
        1e-4) over the parameters, SGD with learning rate 1.0 - 0.9 k / 100. Both models start
        from the same weights and the run checks that their losses agree. Also timed with
        ``gc_paused()`` around each of our steps, as ``fit`` runs them (same losses, checked).
    compiled demo step: the same steps through autograd_engine.compiled: the graph is built and
        compiled once, then replayed for 100 steps; the time per step includes that trace. The
        run checks that its losses equal the eager ones exactly and that no step fell back to
        the eager engine.
    memory: bytes per node while a chain of 100,000 nodes is held, measured with tracemalloc.
    deepest chain: the longest chain each engine can back-propagate through.
    wide sum: one sum of many terms, with the builtin sum() (a chain of +) and with Value.sum.
    profile of a step (ours only; alone with --profile-step): where the eager demo step's time
        goes, part by part, with the collector on and paused.
    compile scaling (ours only; alone with --compile-scaling): compile_graph on a chain
        ``y = y * w + b`` and on a ``Value.sum`` of as many parameters, at 1e4, 1e5 and 1e6 nodes:
        seconds (wall clock and CPU) and peak bytes per node (tracemalloc, a separate run), with
        a check that the program's value and gradients equal eager backward()'s.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

try:
    import micrograd
    import micrograd.engine
    import micrograd.nn
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("micrograd is not installed: run `pip install micrograd==0.1.0` first")

import autograd_engine
from autograd_engine import topological_order
from autograd_engine.compiled import compile_graph
from autograd_engine.nn import gc_paused
from autograd_engine.nn.data import make_moons

MicroValue = micrograd.engine.Value
OurValue = autograd_engine.Value
ENGINES = ("micrograd", "autograd_engine")

CHAIN_STEPS = 400  # 800 nodes per chain: micrograd's recursive backward needs < 1000
ALPHA = 1e-4
COMPILED_STEPS = 100


def value_class(engine: str) -> Any:
    return MicroValue if engine == "micrograd" else OurValue


def interleaved(
    measure: Callable[[str], dict[str, float]],
    repeats: int,
    engines: tuple[str, ...] = ENGINES,
) -> dict[str, dict[str, float]]:
    """Run ``measure(engine)`` for each engine in turn, ``repeats`` times; median per metric."""
    samples: dict[str, dict[str, list[float]]] = {e: {} for e in engines}
    for _ in range(repeats):
        for engine in engines:
            gc.collect()  # a clean heap for each run; the collector stays enabled
            for metric, value in measure(engine).items():
                samples[engine].setdefault(metric, []).append(value)
    return {
        engine: {metric: statistics.median(values) for metric, values in metrics.items()}
        for engine, metrics in samples.items()
    }


# ------------------------------------------------------------------------------------------------
# Workloads
# ------------------------------------------------------------------------------------------------


def chain(engine: str, nodes: int) -> dict[str, float]:
    """Forward and backward ns per node over chains of y = y * w + b, all held at once."""
    value = value_class(engine)
    w, b = value(0.999), value(0.001)
    n_chains = max(1, nodes // (2 * CHAIN_STEPS))
    roots = []
    start = time.perf_counter()
    for _ in range(n_chains):
        y = value(1.0)
        for _ in range(CHAIN_STEPS):
            y = y * w + b
        roots.append(y)
    forward = time.perf_counter() - start
    start = time.perf_counter()
    for y in roots:
        y.backward()
    backward = time.perf_counter() - start
    count = n_chains * 2 * CHAIN_STEPS
    return {"forward": forward / count * 1e9, "backward": backward / count * 1e9}


def moons() -> tuple[list[list[float]], list[float]]:
    """100 moons points with noise 0.1, labels -1 / +1, as in micrograd's demo."""
    points, classes = make_moons(100, noise=0.1, seed=1)
    return points, [2.0 * c - 1.0 for c in classes]


def micrograd_model() -> Any:
    random.seed(1337)
    return micrograd.nn.MLP(2, [16, 16, 1])


def our_model_like(theirs: Any) -> autograd_engine.MLP:
    """An autograd_engine MLP with exactly the weights of a micrograd MLP."""
    ours = autograd_engine.MLP(2, [16, 16, 1])
    for our_layer, their_layer in zip(ours.layers, theirs.layers):
        for our_neuron, their_neuron in zip(our_layer.neurons, their_layer.neurons):
            for our_w, their_w in zip(our_neuron.w, their_neuron.w):
                our_w.data = float(their_w.data)
            our_neuron.b.data = float(their_neuron.b.data)
    return ours


def demo_loss(model: Any, value: Any, points: list[list[float]], y: list[float]) -> Any:
    """micrograd's demo loss, as written in its notebook (the same code for both engines)."""
    inputs = [list(map(value, xrow)) for xrow in points]
    return demo_loss_graph(model, inputs, y)


def demo_loss_graph(model: Any, inputs: list[list[Any]], y: list[float]) -> Any:
    """The demo loss of data already made into Values (which the compiled program replaces)."""
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def demo_step(model: Any, value: Any, points: list[list[float]], y: list[float], k: int) -> float:
    """One step of micrograd's demo training loop; returns the loss before the update."""
    total_loss = demo_loss(model, value, points, y)
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return float(total_loss.data)


def compiled_training(
    model: autograd_engine.MLP,
    points: list[list[float]],
    y: list[float],
    steps: int,
    losses: list[float],
) -> dict[str, float]:
    """Trace and compile the demo loss once, then train ``steps`` steps with it.

    Each step is the demo's step with the compiled program in place of building the graph and
    calling backward(): ``value_and_grad`` returns the loss and the gradients, and the SGD
    update uses them directly. The losses are appended to ``losses``; ``fallbacks`` counts the
    steps the program handed to the eager engine (a number out of an op's domain), which would
    time the eager engine instead.
    """
    start = time.perf_counter()
    inputs = [[OurValue(c) for c in row] for row in points]
    params = model.parameters()
    program = compile_graph(
        demo_loss_graph(model, inputs, y), params, [v for row in inputs for v in row]
    )
    trace = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(steps):
        loss, grads = program.value_and_grad()
        learning_rate = 1.0 - 0.9 * k / 100
        for p, g in zip(params, grads):
            p.data -= learning_rate * g
        losses.append(loss)
    replay = time.perf_counter() - start
    return {
        "trace": trace,
        "replay": replay / steps,
        "step": (trace + replay) / steps,
        "fallbacks": program.replays,  # steps run by the eager engine instead: must be 0
    }


STEP_PARTS = (
    ("build the graph (model and loss)", "forward"),
    ("zero_grad()", "zero_grad"),
    ("backward(): topological_order", "walk"),
    ("backward(): the rest (chain rule, snapshot)", "chain rule"),
    ("SGD update", "update"),
    ("freeing the graph", "free"),
)


def profile_demo_step(steps: int) -> dict[str, dict[str, float]]:
    """Median seconds of each part of our eager demo step, collector on and paused in turn.

    ``backward()`` walks the graph itself; the walk is timed on its own just before it, and the
    rest of ``backward()`` is its time minus the walk's.
    """
    points, y = moons()
    model = our_model_like(micrograd_model())
    samples: dict[str, dict[str, list[float]]] = {"on": {}, "paused": {}}
    for k in range(steps):
        for collector in ("on", "paused"):
            gc.collect()
            with gc_paused() if collector == "paused" else contextlib.nullcontext():
                t0 = time.perf_counter()
                loss = demo_loss(model, OurValue, points, y)
                t1 = time.perf_counter()
                model.zero_grad()
                t2 = time.perf_counter()
                topological_order(loss)
                t3 = time.perf_counter()
                loss.backward()
                t4 = time.perf_counter()
                for p in model.parameters():
                    p.data -= (1.0 - 0.9 * k / 100) * p.grad
                t5 = time.perf_counter()
                del loss
                t6 = time.perf_counter()
            times = (t1 - t0, t2 - t1, t3 - t2, (t4 - t3) - (t3 - t2), t5 - t4, t6 - t5)
            for (_, key), seconds in zip(STEP_PARTS, times):
                samples[collector].setdefault(key, []).append(seconds)
            samples[collector].setdefault("step", []).append(t6 - t0 - (t3 - t2))
    return {c: {k: statistics.median(v) for k, v in parts.items()} for c, parts in samples.items()}


def print_step_profile(steps: int) -> None:
    """The table of :func:`profile_demo_step`: ms per part, and each part's share of the step."""
    profile = profile_demo_step(steps)
    on, paused = profile["on"], profile["paused"]
    print(f"Our eager demo step, part by part (median of {steps} steps each; ms):\n")
    print("| part | collector on | share | collector paused |")
    print("|---|---|---|---|")
    for text, key in STEP_PARTS:
        share = on[key] / on["step"]
        print(f"| {text} | {on[key] * 1e3:.1f} | {share:.0%} | {paused[key] * 1e3:.1f} |")
    print(f"| the whole step | {on['step'] * 1e3:.1f} | 100% | {paused['step'] * 1e3:.1f} |")
    collector = 1 - paused["step"] / on["step"]
    print(f"\nThe collector's share of the step (on minus paused): {collector:.0%}.")


def memory_per_node(engine: str, nodes: int) -> float:
    """Bytes per node (tracemalloc) while a chain of ``nodes`` nodes is held."""
    value = value_class(engine)
    w, b = value(0.999), value(0.001)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = value(1.0)
    for _ in range(nodes // 2):
        y = y * w + b
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del y
    return held / nodes


def backprop_chain(engine: str, depth: int) -> bool:
    """Whether a chain of ``depth`` nodes (y = y * w) back-propagates without an error."""
    value = value_class(engine)
    w = value(1.0)
    y = value(1.0)
    for _ in range(depth):
        y = y * w
    try:
        y.backward()
    except RecursionError:
        return False
    return True


def deepest_micrograd_chain(limit: int = 1 << 20) -> int:
    """The deepest chain micrograd back-propagates, to within 1% (doubling, then bisection)."""
    good, bad = 0, 250
    while bad <= limit and backprop_chain("micrograd", bad):
        good, bad = bad, bad * 2
    while bad - good > max(1, good // 100):
        middle = (good + bad) // 2
        good, bad = (middle, bad) if backprop_chain("micrograd", middle) else (good, middle)
    return good


def wide_sum(engine: str, terms: int) -> dict[str, float]:
    """ns per term: the builtin sum() forward and backward, and Value.sum (ours only)."""
    value = value_class(engine)
    leaves = [value(float(i % 10) - 4.5) for i in range(terms)]
    start = time.perf_counter()
    total = sum(leaves)
    result = {"builtin forward": (time.perf_counter() - start) / terms * 1e9}
    start = time.perf_counter()
    try:
        total.backward()
        result["builtin backward"] = (time.perf_counter() - start) / terms * 1e9
    except RecursionError:
        result["builtin backward"] = math.nan  # micrograd: the recursion limit
    if engine == "autograd_engine":
        start = time.perf_counter()
        total = OurValue.sum(leaves)
        total.backward()
        result["Value.sum forward+backward"] = (time.perf_counter() - start) / terms * 1e9
    return result


def scaling_graph(kind: str, nodes: int) -> tuple[Any, list[Any], list[Any]]:
    """A graph of about ``nodes`` nodes: a chain ``y = y * w + b`` or a sum of parameters."""
    if kind == "chain":
        x, w, b = OurValue(0.5), OurValue(0.999), OurValue(0.001)
        y = x
        for _ in range((nodes - 3) // 2):
            y = y * w + b
        return y, [w, b], [x]
    params = [OurValue(float(i % 7) - 3.0) for i in range(nodes - 1)]
    return OurValue.sum(params), params, []


def compile_scaling(kind: str, nodes: int) -> dict[str, float]:
    """Compile one graph twice: timed, then under tracemalloc for its peak memory.

    The peak counts what compiling allocates on top of the graph itself (which the caller
    built and holds anyway): the tape, the analysis, the source and the compiled code.
    """
    root, params, inputs = scaling_graph(kind, nodes)
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    program = compile_graph(root, params, inputs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    value, grads = program.value_and_grad()
    del program
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    program = compile_graph(root, params, inputs)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    lines = program.source.count("\n") + 1
    del program
    root.backward()
    exact = value == root.data and grads == [p.grad for p in params]
    return {
        "wall": wall,
        "cpu": cpu,
        "bytes": peak / nodes,
        "lines": lines,
        "exact": float(exact),
    }


def print_compile_scaling(sizes: Sequence[int]) -> bool:
    """Print the compile-scaling table; return whether every program matched eager mode."""
    print("| graph | nodes | compile, s (wall) | compile, s (CPU) | peak bytes/node | lines |")
    print("|---|---|---|---|---|---|")
    ok = True
    for kind, what in (("chain", "chain y = y * w + b"), ("sum", "Value.sum of parameters")):
        for nodes in sizes:
            r = compile_scaling(kind, nodes)
            ok = ok and r["exact"] == 1.0
            print(
                f"| {what} | {nodes:,} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['bytes']:.0f} | "
                f"{r['lines']:.0f} |",
                flush=True,
            )
            gc.collect()
    print(
        f"\nEvery program's value and gradients equal eager backward()'s exactly: {ok}. "
        "Floors from issue 15: at most 1,000 peak bytes per node, at most 10 s for a "
        "1,000,000-node chain."
    )
    return ok


# ------------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, under a minute")
    parser.add_argument(
        "--compile-scaling",
        action="store_true",
        help="only the compile-scaling table (1e4, 1e5 and 1e6 nodes; 1e4 and 1e5 with --quick)",
    )
    parser.add_argument(
        "--profile-step",
        action="store_true",
        help="only where the time of our eager demo step goes, part by part",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    scaling_sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    if args.compile_scaling:
        print(f"# autograd_engine {autograd_engine.__version__}: compile scaling", flush=True)
        print(f"# Python {platform.python_version()} on {platform.machine()}\n", flush=True)
        return 0 if print_compile_scaling(scaling_sizes) else 1
    if args.profile_step:
        print(f"# autograd_engine {autograd_engine.__version__}: the eager demo step", flush=True)
        print(f"# Python {platform.python_version()} on {platform.machine()}\n", flush=True)
        print_step_profile(5 if quick else 21)
        return 0
    repeats = 3 if quick else 5
    chain_nodes = 16_000 if quick else 100_000
    sum_terms = 20_000 if quick else 100_000
    demo_steps_per_repeat = 1 if quick else 2
    deep = 1_000_000
    rows: list[tuple[str, str, str, str, str, str]] = []
    floors: list[tuple[str, bool, str]] = []

    print(f"# autograd_engine {autograd_engine.__version__} vs micrograd 0.1.0", flush=True)
    print(
        f"# Python {platform.python_version()} on {platform.machine()}, "
        f"gc enabled={gc.isenabled()} thresholds={gc.get_threshold()}, "
        f"{'quick' if quick else 'full'} run, {repeats} repeats (median)\n",
        flush=True,
    )

    # -- chain --------------------------------------------------------------------------------
    result = interleaved(lambda e: chain(e, chain_nodes), repeats)
    mg, ours = result["micrograd"], result["autograd_engine"]
    for metric in ("forward", "backward"):
        rows.append(
            (
                f"chain {metric}, ns/node",
                f"{mg[metric]:.0f}",
                f"{ours[metric]:.0f}",
                f"{mg[metric] / ours[metric]:.1f}x",
                "",
                "",
            )
        )
    both_mg, both_ours = mg["forward"] + mg["backward"], ours["forward"] + ours["backward"]
    chain_ratio = both_mg / both_ours
    rows.append(
        (
            "chain forward+backward, ns/node",
            f"{both_mg:.0f}",
            f"{both_ours:.0f}",
            f"{chain_ratio:.1f}x",
            "",
            "",
        )
    )
    floors.append(
        ("chain forward+backward >= 5x faster (aim 10x)", chain_ratio >= 5, f"{chain_ratio:.1f}x")
    )
    print("chain done", flush=True)

    # -- demo step: micrograd, eager, compiled in turn; the losses checked against each other -
    points, y = moons()
    their_model = micrograd_model()
    our_model = our_model_like(their_model)
    paused = "autograd_engine, gc paused"  # our step inside gc_paused(), as fit runs it
    models = {
        "micrograd": their_model,
        "autograd_engine": our_model,
        paused: our_model_like(their_model),
    }
    step_counter = {"micrograd": 0, "autograd_engine": 0, paused: 0}
    losses: dict[str, list[float]] = {
        "micrograd": [],
        "autograd_engine": [],
        paused: [],
        "compiled": [],
    }

    def demo(engine: str) -> dict[str, float]:
        if engine == "compiled":  # from micrograd's starting weights, the first run's losses kept
            record = losses["compiled"] if not losses["compiled"] else []
            model = our_model_like(micrograd_model())
            return compiled_training(model, points, y, COMPILED_STEPS, record)
        times = []
        for _ in range(demo_steps_per_repeat):
            k = step_counter[engine]
            start = time.perf_counter()
            with gc_paused() if engine == paused else contextlib.nullcontext():
                losses[engine].append(demo_step(models[engine], value_class(engine), points, y, k))
            times.append(time.perf_counter() - start)
            step_counter[engine] += 1
        return {"step": statistics.median(times)}

    result = interleaved(demo, repeats, ("micrograd", "autograd_engine", paused, "compiled"))
    mg_step, our_step = result["micrograd"]["step"], result["autograd_engine"]["step"]
    compiled = result["compiled"]
    demo_ratio = mg_step / our_step
    compiled_ratio = mg_step / compiled["step"]
    # From the same starting weights the three engines must follow the same losses: micrograd
    # and ours to rounding (different summation order inside a neuron), compiled and eager exactly.
    eager_losses = losses["autograd_engine"]
    worst = max(abs(a - b) / max(abs(a), 1e-300) for a, b in zip(losses["micrograd"], eager_losses))
    compiled_exact = losses["compiled"][: len(eager_losses)] == eager_losses
    check_ok = compiled_exact and worst < 1e-9 and compiled["fallbacks"] == 0
    check_ok = check_ok and losses[paused] == eager_losses[: len(losses[paused])]
    rows.append(
        (
            "demo training step, s/step",
            f"{mg_step:.3f}",
            f"{our_step:.4f}",
            f"{demo_ratio:.1f}x",
            f"{compiled['step']:.4f}",
            f"{compiled_ratio:.0f}x",
        )
    )
    paused_step = result[paused]["step"]
    rows.append(
        (
            "demo training step in gc_paused() (as fit runs it), s/step",
            f"{mg_step:.3f}",
            f"{paused_step:.4f}",
            f"{mg_step / paused_step:.1f}x",
            "",
            "",
        )
    )
    floors.append(
        ("demo step (eager) >= 5x faster (aim 10x)", demo_ratio >= 5, f"{demo_ratio:.1f}x")
    )
    floors.append(
        ("demo step (eager) >= 10x faster (issue 15)", demo_ratio >= 10, f"{demo_ratio:.1f}x")
    )
    floors.append(
        (
            "compiled demo step >= 30x faster, trace included (aim 100x)",
            compiled_ratio >= 30,
            f"{compiled_ratio:.0f}x",
        )
    )
    print("demo step, eager and compiled, done", flush=True)

    # -- memory ------------------------------------------------------------------------------
    memory = interleaved(lambda e: {"bytes": memory_per_node(e, 100_000)}, 1 if quick else 3)
    mg_bytes, our_bytes = memory["micrograd"]["bytes"], memory["autograd_engine"]["bytes"]
    rows.append(
        (
            "memory per node, 100k-node graph held (tracemalloc), bytes",
            f"{mg_bytes:.0f}",
            f"{our_bytes:.0f}",
            f"{mg_bytes / our_bytes:.1f}x",
            "",
            "",
        )
    )
    floors.append(
        (
            "memory per node <= 1/3 of micrograd's",
            our_bytes <= mg_bytes / 3,
            f"{our_bytes / mg_bytes:.2f} of micrograd's",
        )
    )
    print("memory done", flush=True)

    # -- deepest chain -----------------------------------------------------------------------
    deepest = deepest_micrograd_chain()
    gc.collect()
    start = time.perf_counter()
    ok = backprop_chain("autograd_engine", deep)
    deep_time = time.perf_counter() - start
    rows.append(
        (
            "deepest chain back-propagated, nodes",
            f"~{deepest:,} (then RecursionError)",
            f"{deep:,}: {'ok' if ok else 'FAILED'} in {deep_time:.1f} s",
            "",
            "",
            "",
        )
    )
    floors.append((f"a {deep:,}-node chain back-propagated", ok, f"{deep_time:.1f} s"))
    print("deepest done", flush=True)

    # -- wide sum ----------------------------------------------------------------------------
    result = interleaved(lambda e: wide_sum(e, sum_terms), repeats)
    mg, ours = result["micrograd"], result["autograd_engine"]
    fwd_ratio = mg["builtin forward"] / ours["builtin forward"]
    rows.append(
        (
            f"wide sum of {sum_terms:,} terms, builtin sum() forward, ns/term",
            f"{mg['builtin forward']:.0f}",
            f"{ours['builtin forward']:.0f}",
            f"{fwd_ratio:.1f}x",
            "",
            "",
        )
    )
    mg_back = mg["builtin backward"]
    rows.append(
        (
            f"wide sum of {sum_terms:,} terms, builtin sum() backward, ns/term",
            "RecursionError" if math.isnan(mg_back) else f"{mg_back:.0f}",
            f"{ours['builtin backward']:.0f}",
            "",
            "",
            "",
        )
    )
    rows.append(
        (
            f"wide sum of {sum_terms:,} terms, Value.sum forward+backward, ns/term",
            "(no n-ary sum)",
            f"{ours['Value.sum forward+backward']:.0f}",
            "",
            "",
            "",
        )
    )
    print("wide sum done\n", flush=True)

    # -- report --------------------------------------------------------------------------------
    header = ("workload", "micrograd", "autograd_engine (eager)", "ratio", "compiled", "ratio")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        f"\nratio = micrograd's number / ours (how many times faster or smaller ours is). "
        f"Compiled: trace {compiled['trace']:.2f} s once, then {compiled['replay'] * 1e3:.1f} ms "
        f"per step; per step with the trace spread over {COMPILED_STEPS} steps: "
        f"{compiled['step'] * 1e3:.1f} ms."
    )
    print(
        f"Losses: micrograd vs autograd_engine over {len(losses['micrograd'])} demo steps from "
        f"the same weights differ by at most {worst:.1e} (relative); the compiled losses equal "
        f"the eager losses exactly: {compiled_exact}, with {compiled['fallbacks']:.0f} steps "
        "handed to the eager engine."
    )
    print("\nFloors from issues 7 and 15:")
    for text, passed, detail in floors:
        print(f"- [{'x' if passed else ' '}] {text}: {detail}")
    print("\nCompile scaling (autograd_engine.compile_graph):\n")
    scaling_ok = print_compile_scaling(scaling_sizes)
    if not check_ok or not scaling_ok:
        print("\nCHECK FAILED: the engines' results disagree, or the compiled program fell back")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
