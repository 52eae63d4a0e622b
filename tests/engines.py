"""Run one computation on the eager engine or on the compiled path, so a test can check both.

The compiled path (:mod:`autograd_engine.compiled`) must give exactly the eager engine's results.
A test parametrized with ``@pytest.mark.parametrize("engine", ENGINES)`` and written against
:func:`value_and_grad` runs once per way of computing: eagerly, compiled (with and without
inline expressions, with and without outlined repeated blocks and loops). The compiled program
is traced at *other* numbers than the ones it is asked about, so every compiled run is a replay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd_engine import Value
from autograd_engine.compiled import compile_graph

#: The ways of computing a value and its gradient.
ENGINES = ("eager", "compiled", "compiled-unfused", "compiled-flat")

#: Builds an output from parameter Values and input Values.
Builder = Callable[[list[Value], list[Value]], Value]


def value_and_grad(
    engine: str,
    build: Builder,
    params: Sequence[float],
    inputs: Sequence[float] = (),
    *,
    trace_params: Sequence[float] | None = None,
    trace_inputs: Sequence[float] | None = None,
) -> tuple[float, list[float]]:
    """The output of ``build`` and its gradient with respect to the parameters.

    Args:
        engine: one of ``ENGINES``.
        build: makes the output from the parameters and inputs (as Values).
        params, inputs: the numbers to compute at.
        trace_params, trace_inputs: for the compiled engines, the numbers the graph is traced at
            (default: ``params`` and ``inputs``, each nudged by 0.25).

    A compiled engine's answer must come from the compiled code itself: a call that quietly fell
    back to the eager engine fails (one that raises, as eager mode does, is fine).
    """
    if engine == "eager":
        ps = [Value(x) for x in params]
        out = build(ps, [Value(x) for x in inputs])
        out.backward()
        return out.data, [p.grad for p in ps]
    if trace_params is None:
        trace_params = [x + 0.25 for x in params]
    if trace_inputs is None:
        trace_inputs = [x + 0.25 for x in inputs]
    ps = [Value(x) for x in trace_params]
    xs = [Value(x) for x in trace_inputs]
    program = compile_graph(
        build(ps, xs),
        ps,
        xs,
        fuse=engine != "compiled-unfused",
        outline=engine != "compiled-flat",
    )
    result = program.value_and_grad(list(inputs), params=list(params))
    # an answer from the eager fallback would make every comparison pass: it must not happen
    assert program.replays == 0, "the compiled program handed over to the eager engine"
    return result
