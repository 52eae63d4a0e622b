"""Whether operations record a graph: ``no_grad`` and ``enable_grad``.

The switch is one ``contextvars.ContextVar``, so it is private to each thread (and each asyncio
task): ``no_grad`` in one thread never stops another thread from recording. Entering or leaving a
mode is one assignment of that variable, so an exception arriving at any point (Ctrl-C included)
finds the mode either entered or not, never half way.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Generator
from contextvars import ContextVar
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["GRAD_MODE", "GradModeState", "enable_grad", "is_grad_enabled", "no_grad"]

#: The grad mode of the current context and the one to restore on leaving it: ``(recording,
#: outer)``, where ``outer`` is the state before the innermost open ``no_grad``/``enable_grad``
#: (None at the top). Read it as ``GRAD_MODE.get()[0]``; only ``no_grad`` and ``enable_grad``
#: set it, each with one ``set`` on entering and one on leaving.
GradModeState = tuple[bool, Any]
GRAD_MODE: ContextVar[GradModeState] = ContextVar("autograd_engine_grad_mode", default=(True, None))

F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """True when operations record the graph (the default), False inside ``no_grad``.

    Example:
        >>> from autograd_engine import no_grad
        >>> with no_grad():
        ...     print(is_grad_enabled())
        False
        >>> is_grad_enabled()
        True
    """
    return GRAD_MODE.get()[0]


class _GradMode:
    """Set grad mode for a ``with`` block or a decorated function, then restore what was there.

    The instance holds no state: the mode to restore travels with the mode itself in
    :data:`GRAD_MODE`, so one instance can be nested, reused, and shared by threads and tasks
    running at the same time.

    As a decorator it works on plain functions, generator functions (the mode holds while the
    generator's body runs, and the caller's mode while it is paused at a ``yield``), coroutine
    functions (``async def``) and async generator functions, as PyTorch's do.
    """

    _enabled: bool

    def __enter__(self) -> None:
        GRAD_MODE.set((self._enabled, GRAD_MODE.get()))  # one step: the mode and its outer

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        GRAD_MODE.set(GRAD_MODE.get()[1])  # one step back to the outer state

    def __call__(self, func: F) -> F:
        if inspect.isasyncgenfunction(func):
            return self._wrap_async_generator(func)  # type: ignore[return-value]
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)  # type: ignore[return-value]
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_coroutine(*args: Any, **kwargs: Any) -> Any:
                with self:  # the task's own context: other tasks keep their mode
                    return await func(*args, **kwargs)

            return run_coroutine  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

    def _wrap_generator(self, func: Callable[..., Generator[Any, Any, Any]]) -> Callable[..., Any]:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            generator = func(*args, **kwargs)  # (creating it runs none of its body)
            try:
                with self:
                    item = generator.send(None)
                while True:
                    try:
                        sent = yield item  # paused: the caller's mode holds here
                    except GeneratorExit:
                        with self:
                            generator.close()
                        raise
                    except BaseException as exc:  # thrown in by the caller: pass it on
                        with self:
                            item = generator.throw(exc)
                    else:
                        with self:
                            item = generator.send(sent)
            except StopIteration as stop:
                return stop.value

        return run

    def _wrap_async_generator(
        self, func: Callable[..., AsyncGenerator[Any, Any]]
    ) -> Callable[..., Any]:
        @functools.wraps(func)
        async def run(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
            generator = func(*args, **kwargs)
            try:
                with self:
                    item = await generator.asend(None)
                while True:
                    try:
                        sent = yield item
                    except GeneratorExit:
                        with self:
                            await generator.aclose()
                        raise
                    except BaseException as exc:
                        with self:
                            item = await generator.athrow(exc)
                    else:
                        with self:
                            item = await generator.asend(sent)
            except StopAsyncIteration:
                return

        return run


class no_grad(_GradMode):  # noqa: N801  (lowercase like PyTorch's, as students know it)
    """Compute values without recording a graph: results are plain leaf ``Value`` objects.

    Use it for evaluation and for parameter updates, where no gradient is wanted. It works as a
    context manager and as a decorator (of functions, generators and ``async def`` functions),
    and only affects the current thread or asyncio task.

    Example:
        >>> from autograd_engine import Value, no_grad
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * 3
        >>> y._prev
        ()
    """

    _enabled = False


class enable_grad(_GradMode):  # noqa: N801
    """Record the graph again inside a ``no_grad`` block (a context manager and decorator).

    Example:
        >>> from autograd_engine import Value, no_grad
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     with enable_grad():
        ...         y = x * 3
        >>> y._prev[0] is x
        True
    """

    _enabled = True
