"""``no_grad`` and ``enable_grad``: no graph recorded, per thread, as context and decorator."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Generator, Iterator

import pytest
from strategies import apply_via_method, n_inputs, op_id, op_instances

from autograd_engine import Value, enable_grad, is_grad_enabled, no_grad, ops


def _records(y: Value) -> bool:
    return bool(y._prev) and y._operation is not None


def test_grad_is_enabled_by_default() -> None:
    assert is_grad_enabled()
    x = Value(2.0)
    assert _records(x * 3)


def test_no_grad_context_manager_records_no_graph_and_restores_afterwards() -> None:
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = x * 3 + 1
    assert (y.data, y._prev, y._operation, y._op) == (7.0, (), None, "")
    assert is_grad_enabled()
    assert _records(x * 3)


@pytest.mark.parametrize("op", op_instances(), ids=op_id)
def test_no_grad_applies_to_every_op(op: ops.Op) -> None:
    args = [Value(0.5 * (lo + hi) + 0.01) for lo, hi in op.domain[: n_inputs(op)]]
    with no_grad():
        out = apply_via_method(op, args)
    assert out._prev == () and out._operation is None


def test_no_grad_result_backpropagates_to_itself_only() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * x
    z = y * x
    z.backward()
    assert x.grad == 4.0  # y is a constant 4 here, not x^2
    assert y.grad == 2.0


def test_no_grad_as_decorator() -> None:
    @no_grad()
    def evaluate(x: Value) -> Value:
        assert not is_grad_enabled()
        return x.tanh() * 2

    y = evaluate(Value(0.5))
    assert y._prev == ()
    assert is_grad_enabled()
    assert evaluate.__name__ == "evaluate"


def test_nested_no_grad_and_enable_grad_restore_each_level() -> None:
    x = Value(1.0)
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
            recorded = x * 2
        assert not is_grad_enabled()
        unrecorded = x * 2
    assert is_grad_enabled()
    assert _records(recorded) and not _records(unrecorded)


def test_enable_grad_as_decorator_inside_no_grad() -> None:
    @enable_grad()
    def build(x: Value) -> Value:
        return x * x

    with no_grad():
        y = build(Value(3.0))
        assert not is_grad_enabled()
    assert _records(y)


def test_one_no_grad_instance_can_be_reused_and_nested() -> None:
    off = no_grad()
    with off:
        with off:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with off:
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_grad_mode_is_restored_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()

    @no_grad()
    def fails() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fails()
    assert is_grad_enabled()


def _run_in_threads(*targets: Callable[[], None]) -> None:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # reported in the main thread below
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors


def test_no_grad_in_one_thread_does_not_affect_another_running_at_the_same_time() -> None:
    both_inside = threading.Barrier(2, timeout=10)
    seen: dict[str, object] = {}

    def under_no_grad() -> None:
        with no_grad():
            both_inside.wait()  # the other thread builds its graph while we are in no_grad
            seen["no_grad thread"] = (is_grad_enabled(), _records(Value(1.0) * 2))
            both_inside.wait()

    def recording() -> None:
        both_inside.wait()
        seen["other thread"] = (is_grad_enabled(), _records(Value(1.0) * 2))
        both_inside.wait()

    _run_in_threads(under_no_grad, recording)
    assert seen == {"no_grad thread": (False, False), "other thread": (True, True)}


def test_no_grad_decorated_function_running_in_two_threads_at_once() -> None:
    # One decorator instance serves both calls. They overlap, and the first call to start is the
    # first to end, so each thread must restore its own grad mode, not the other's.
    first_inside, second_inside, first_done = (threading.Event() for _ in range(3))
    seen: dict[str, object] = {}

    @no_grad()
    def work(name: str, signal: threading.Event, wait_for: threading.Event) -> None:
        signal.set()
        assert wait_for.wait(timeout=10)
        seen[name] = is_grad_enabled()

    def first() -> None:
        try:
            work("first", first_inside, second_inside)
            seen["first after"] = is_grad_enabled()
        finally:
            first_done.set()

    def second() -> None:
        assert first_inside.wait(timeout=10)
        work("second", second_inside, first_done)
        seen["second after"] = is_grad_enabled()

    _run_in_threads(first, second)
    assert seen == {"first": False, "second": False, "first after": True, "second after": True}


def test_one_no_grad_instance_shared_by_with_blocks_in_two_threads_at_once() -> None:
    # The same instance is entered in both threads, and the first to enter is the first to
    # leave: each thread must get back its own mode, and the block in the other still holds.
    shared = no_grad()
    first_inside, second_inside, first_done = (threading.Event() for _ in range(3))
    seen: dict[str, object] = {}

    def first() -> None:
        try:
            with shared:
                first_inside.set()
                assert second_inside.wait(timeout=10)
            seen["first after"] = is_grad_enabled()
        finally:
            first_done.set()

    def second() -> None:
        assert first_inside.wait(timeout=10)
        with shared:
            second_inside.set()
            assert first_done.wait(timeout=10)
            seen["second inside, after first left"] = is_grad_enabled()
        seen["second after"] = is_grad_enabled()

    _run_in_threads(first, second)
    assert seen == {
        "first after": True,
        "second inside, after first left": False,
        "second after": True,
    }


def test_detach_inside_a_graph_cuts_the_gradient_path() -> None:
    x = Value(2.0)
    y = x * x
    z = y.detach() * x + y  # d/dx = y (as a constant) + 2x = 4 + 4
    z.backward()
    assert x.grad == 8.0


def test_no_grad_in_one_asyncio_task_does_not_affect_another() -> None:
    seen: dict[str, bool] = {}

    async def under_no_grad(inside: asyncio.Event, done: asyncio.Event) -> None:
        with no_grad():
            inside.set()
            await done.wait()  # the other task runs while this one is inside no_grad
            seen["no_grad task"] = _records(Value(1.0) * 2)

    async def recording(inside: asyncio.Event, done: asyncio.Event) -> None:
        await inside.wait()
        seen["other task"] = _records(Value(1.0) * 2)
        done.set()

    async def main() -> None:
        inside, done = asyncio.Event(), asyncio.Event()
        await asyncio.gather(under_no_grad(inside, done), recording(inside, done))

    asyncio.run(main())
    assert seen == {"no_grad task": False, "other task": True}


# -- decorating generators and coroutines (as PyTorch's no_grad does) ---------------------------


def test_no_grad_on_a_generator_function_holds_while_its_body_runs_only() -> None:
    x = Value(2.0)

    @no_grad()
    def products() -> Iterator[tuple[bool, bool]]:
        for k in range(3):
            # the body runs under no_grad, resumed after each yield too
            sent = yield _records(x * k), is_grad_enabled()
            assert sent is None

    seen = []
    for item in products():
        seen.append(item)
        assert is_grad_enabled()  # the caller's mode holds while the generator is paused
        assert _records(x * 2)
    assert seen == [(False, False)] * 3
    assert products.__name__ == "products"


def test_no_grad_generator_passes_sent_values_thrown_errors_close_and_its_return_value() -> None:
    log: list[object] = []

    @no_grad()
    def echo() -> Generator[int, int, str]:
        try:
            received = yield 1
            log.append((received, is_grad_enabled()))
            try:
                yield 2
            except ValueError as exc:
                log.append((str(exc), is_grad_enabled()))
            yield 3
        finally:
            log.append(("closed", is_grad_enabled()))
        return "done"

    gen = echo()
    assert next(gen) == 1
    assert gen.send(10) == 2
    assert gen.throw(ValueError("boom")) == 3
    gen.close()
    assert log == [(10, False), ("boom", False), ("closed", False)]
    assert is_grad_enabled()

    def drain() -> Generator[int, int, str]:
        return (yield from echo())

    outer = drain()
    assert [next(outer), outer.send(0), next(outer)] == [1, 2, 3]
    with pytest.raises(StopIteration) as stop:
        next(outer)
    assert stop.value.value == "done"


def test_enable_grad_on_a_generator_records_inside_an_outer_no_grad() -> None:
    x = Value(2.0)

    @enable_grad()
    def recording() -> Iterator[bool]:
        yield _records(x * 3)

    with no_grad():
        assert list(recording()) == [True]
        assert not _records(x * 3)


def test_no_grad_on_an_async_function_holds_across_awaits_in_that_task_only() -> None:
    seen: dict[str, bool] = {}

    @no_grad()
    async def evaluate(inside: asyncio.Event, done: asyncio.Event) -> bool:
        inside.set()
        await done.wait()  # another task runs meanwhile, recording as usual
        return _records(Value(1.0) * 2)

    async def other(inside: asyncio.Event, done: asyncio.Event) -> None:
        await inside.wait()
        seen["other task"] = _records(Value(1.0) * 2)
        done.set()

    async def main() -> None:
        inside, done = asyncio.Event(), asyncio.Event()
        result, _ = await asyncio.gather(evaluate(inside, done), other(inside, done))
        seen["decorated"] = result
        seen["after"] = is_grad_enabled()

    asyncio.run(main())
    assert seen == {"other task": True, "decorated": False, "after": True}
    assert evaluate.__name__ == "evaluate"


def test_no_grad_on_an_async_generator_holds_while_its_body_runs_only() -> None:
    @no_grad()
    async def modes() -> AsyncIterator[bool]:
        for _ in range(2):
            yield is_grad_enabled()

    async def main() -> list[tuple[bool, bool]]:
        return [(inside, is_grad_enabled()) async for inside in modes()]

    assert asyncio.run(main()) == [(False, True), (False, True)]
