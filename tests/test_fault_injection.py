"""Ctrl-C at any point: every way of writing grads completes or changes nothing.

A tracer (``sys.settrace``) counts the lines the package executes during one call, then the call
is repeated once per line with a ``KeyboardInterrupt`` raised at exactly that line (and, for the
backward pass, at every bytecode). After each interrupted call every ``.grad`` must be exactly
what it was before the call (the same objects), or exactly what an uninterrupted call gives.
"""

from __future__ import annotations

import contextvars
import gc
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import autograd_engine
from autograd_engine import Op, Value, enable_grad, grad, is_grad_enabled, no_grad
from autograd_engine.graph import topological_order
from autograd_engine.stepper import apply_backward_steps, backward_steps

PACKAGE = str(Path(autograd_engine.__file__).parent)
TRACED = (PACKAGE, __file__)  # the package, and the custom op's rule below


class Interrupter:
    """A trace function: counts the events in traced files, raising at event number ``at``."""

    def __init__(self, at: int | None, opcodes: bool) -> None:
        self.at = at
        self.opcodes = opcodes
        self.count = 0
        self.fired = False

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call":
            if not frame.f_code.co_filename.startswith(TRACED):
                return None  # no line events inside other code (the standard library, pytest)
            frame.f_trace_opcodes = self.opcodes
            return self
        if event == ("opcode" if self.opcodes else "line"):
            self.count += 1
            if self.count == self.at:
                self.fired = True
                raise KeyboardInterrupt  # the tracer is switched off by the raise: one interrupt
        return self


@contextmanager
def tracing(tracer: Interrupter) -> Iterator[None]:
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(None)


class ListMul(Op):
    """A correct rule that returns a list: backward hands it to its checked path."""

    name = "list_mul"
    symbol = "*L"
    arity = 2

    def forward(self, a: float, b: float) -> float:
        return a * b

    def backward(self, grad: Any, out: Any, a: Any, b: Any) -> list[Any]:
        return [grad * b, grad * a]


def _graph(checked: bool) -> tuple[Value, list[Value]]:
    """A small graph with a node used twice, a constant, an n-ary sum and (if ``checked``) a node
    that sends backward down its checked path."""
    a, b, c = Value(0.5, label="a"), Value(-1.5, label="b"), Value(2.0, label="c")
    d = a * a + b.tanh()
    e = Value.sum([d, b * c, c.exp()]) * 0.5
    if checked:
        e = ListMul()(e, a)
    root = (e - b) ** 2
    return root, topological_order(root)


def _grads(nodes: list[Value]) -> list[Any]:
    return [n.grad for n in nodes]


def _same_objects(nodes: list[Value], grads: list[Any]) -> bool:
    return all(n.grad is g for n, g in zip(nodes, grads))


def _numbers(grads: list[Any]) -> list[float]:
    return [g.data if isinstance(g, Value) else g for g in grads]


def _run_interrupted(interrupter: Interrupter, call: Callable[[], None]) -> None:
    try:
        with tracing(interrupter):
            call()
    except KeyboardInterrupt:
        pass


def _interrupt_everywhere(
    nodes: list[Value], before: list[Any], call: Callable[[], None], opcodes: bool = False
) -> tuple[int, int]:
    """Run ``call`` once uninterrupted, then interrupted at each traced event in turn; after each,
    the grads must be ``before`` (the same objects) or the completed call's. Returns how many
    interrupted calls left the grads as before, and how many had completed."""
    for n, g in zip(nodes, before):
        n.grad = g
    counter = Interrupter(None, opcodes)
    with tracing(counter):
        call()
    completed = _numbers(_grads(nodes))
    assert counter.count > 20, "the tracer saw nothing: is the package traced?"
    restored = finished = 0
    for at in range(1, counter.count + 1):
        for n, g in zip(nodes, before):
            n.grad = g
        interrupter = Interrupter(at, opcodes)
        contextvars.Context().run(_run_interrupted, interrupter, call)  # a fresh grad mode
        assert interrupter.fired, f"event {at} of {counter.count} was never reached"
        if _same_objects(nodes, before):
            restored += 1
        else:
            assert _numbers(_grads(nodes)) == completed, f"interrupted at event {at}"
            finished += 1
    return restored, finished


EARLIER = {
    "fresh grads": lambda nodes: [0.0] * len(nodes),
    "earlier grads": lambda nodes: [0.25 * (i + 1) for i in range(len(nodes))],
    "earlier create_graph grads": lambda nodes: [Value(0.5 * i) for i in range(len(nodes))],
}


@pytest.mark.parametrize("create_graph", [False, True], ids=["floats", "create_graph"])
@pytest.mark.parametrize("earlier", list(EARLIER))
@pytest.mark.parametrize("checked", [False, True], ids=["fast path", "checked path"])
def test_backward_interrupted_at_any_line_restores_every_grad_or_completes(
    create_graph: bool, earlier: str, checked: bool
) -> None:
    root, nodes = _graph(checked)
    before = EARLIER[earlier](nodes)
    restored, _ = _interrupt_everywhere(
        nodes, before, lambda: root.backward(create_graph=create_graph)
    )
    assert restored > 0
    assert is_grad_enabled()


@pytest.mark.parametrize("earlier", ["fresh grads", "earlier grads"])
def test_backward_interrupted_at_any_bytecode_restores_every_grad_or_completes(
    earlier: str,
) -> None:
    root, nodes = _graph(checked=False)
    before = EARLIER[earlier](nodes)
    restored, _ = _interrupt_everywhere(nodes, before, root.backward, opcodes=True)
    assert restored > 100


def test_manual_backward_step_interrupted_at_any_line_changes_all_or_nothing() -> None:
    a = Value(3.0, label="a")
    out = a * a + a  # a is used three times
    step = out._prev[0]  # the product a * a: a gets two terms from it
    nodes = [a, step, out]
    restored, finished = _interrupt_everywhere(nodes, [1.0, 2.0, 0.0], step._backward)
    assert a.grad == 1.0 + 2.0 * 3.0 + 2.0 * 3.0  # (the last run was not interrupted)
    assert restored > 0 and finished > 0


def test_apply_backward_steps_interrupted_at_any_line_changes_all_or_nothing() -> None:
    root, nodes = _graph(checked=False)
    before = EARLIER["earlier grads"](nodes)
    restored, _ = _interrupt_everywhere(
        nodes, before, lambda: apply_backward_steps(backward_steps(root))
    )
    assert restored > 0


def test_functional_grad_interrupted_at_any_line_changes_no_grad() -> None:
    root, nodes = _graph(checked=True)
    before = EARLIER["earlier grads"](nodes)
    _, finished = _interrupt_everywhere(
        nodes, before, lambda: grad(root, nodes, create_graph=True) and None
    )
    assert finished == 0  # grad() never writes a grad


# -- grad mode -------------------------------------------------------------------------------------


def _mode_events(block: Callable[[], None]) -> int:
    counter = Interrupter(None, opcodes=False)
    with tracing(counter):
        block()
    return counter.count


@pytest.mark.parametrize("outer, inner", [(no_grad, enable_grad), (enable_grad, no_grad)])
def test_grad_mode_interrupted_entering_or_leaving_a_nested_block_is_never_half_switched(
    outer: type[no_grad], inner: type[no_grad]
) -> None:
    # Entering and leaving are one step each: an interrupt finds the inner block either not
    # entered / already left (then leaving the outer block restores the default mode) or still
    # in place; never the mode switched with the mode to restore out of step.
    seen: dict[str, bool] = {}

    def nested() -> None:
        with outer():
            try:
                with inner():
                    seen["inside"] = is_grad_enabled()
            except KeyboardInterrupt:
                seen["after inner"] = is_grad_enabled()
            seen["outer"] = is_grad_enabled()

    def interrupted_at(at: int) -> bool:
        """Run ``nested`` interrupted at line ``at``; the grad mode afterwards."""
        try:
            with tracing(Interrupter(at, opcodes=False)):
                nested()
        except KeyboardInterrupt:
            pass
        return is_grad_enabled()

    count = _mode_events(nested)
    outer_mode = outer._enabled
    checked = 0
    for at in range(1, count + 1):
        seen.clear()
        after = contextvars.Context().run(interrupted_at, at)  # a fresh grad mode for each run
        if seen.get("after inner") == outer_mode:  # the inner block was not entered, or left
            assert after, f"interrupted at line {at}: {seen}, grad mode left off"
            checked += 1
    assert checked > 0


# -- a real signal, as Ctrl-C arrives ------------------------------------------------------------


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
@pytest.mark.parametrize("create_graph", [False, True], ids=["floats", "create_graph"])
def test_backward_interrupted_by_a_real_signal_restores_every_grad_or_completes(
    create_graph: bool,
) -> None:
    # A timer signal whose handler raises KeyboardInterrupt, as Python's own SIGINT handler
    # does, lands at spread-out moments of a pass that adds to earlier grads.
    x, w = Value(0.5, label="x"), Value(0.999, label="w")
    y = x
    for _ in range(3_000 if create_graph else 30_000):
        y = y * w + 0.001
    nodes = topological_order(y)
    before = [0.5 * (i % 7) for i in range(len(nodes))]
    for n, g in zip(nodes, before):
        n.grad = g
    durations = []
    for _ in range(2):  # the faster of two passes, so that the early signals land inside one
        for n, g in zip(nodes, before):
            n.grad = g
        start = time.perf_counter()
        y.backward(create_graph=create_graph)
        durations.append(time.perf_counter() - start)
    duration = min(durations)
    completed = _numbers(_grads(nodes))

    armed = {"on": False}  # a signal after the call has returned must not interrupt the test

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if armed["on"]:
            raise KeyboardInterrupt

    def interrupted_pass(delay: float) -> None:
        for n, g in zip(nodes, before):
            n.grad = g
        armed["on"] = True
        signal.setitimer(signal.ITIMER_REAL, delay)
        try:
            y.backward(create_graph=create_graph)
            armed["on"] = False
        except KeyboardInterrupt:
            armed["on"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)

    previous = signal.signal(signal.SIGALRM, interrupt)
    outcomes = {"restored": 0, "completed": 0}
    # no garbage collection meanwhile: a signal landing in a gc callback (hypothesis installs
    # one) is reported as unraisable instead of interrupting the pass
    gc.disable()
    try:
        for k in range(1, 16):
            # a fresh grad mode each time: a signal may land in leaving enable_grad itself
            contextvars.Context().run(interrupted_pass, duration * k / 15)
            if _same_objects(nodes, before):
                outcomes["restored"] += 1
            else:
                assert _numbers(_grads(nodes)) == completed, f"interrupted after {k}/15"
                outcomes["completed"] += 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        gc.enable()
    assert outcomes["restored"] > 0, outcomes
