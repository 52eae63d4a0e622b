"""Whether operations record a graph: ``no_grad`` and ``enable_grad``.

The switch is a ``contextvars.ContextVar``, so it is private to each thread (and each asyncio
task): ``no_grad`` in one thread never stops another thread from recording.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from types import TracebackType

__all__ = ["enable_grad", "is_grad_enabled", "no_grad"]

_GRAD_ENABLED: ContextVar[bool] = ContextVar("autograd_engine_grad_enabled", default=True)
# the modes that the open no_grad/enable_grad blocks will restore, innermost last (per context)
_SAVED_MODES: ContextVar[tuple[bool, ...]] = ContextVar("autograd_engine_saved_modes", default=())


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
    return _GRAD_ENABLED.get()


class _GradMode(contextlib.ContextDecorator):
    """Set grad mode for a ``with`` block or a decorated function, then restore what was there.

    The instance holds no state: the modes to restore are kept on a stack in a ContextVar, so one
    instance can be nested, reused, and shared by threads and tasks running at the same time.
    """

    _enabled: bool

    def __enter__(self) -> None:
        _SAVED_MODES.set((*_SAVED_MODES.get(), _GRAD_ENABLED.get()))
        _GRAD_ENABLED.set(self._enabled)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        saved = _SAVED_MODES.get()
        _GRAD_ENABLED.set(saved[-1])
        _SAVED_MODES.set(saved[:-1])


class no_grad(_GradMode):  # noqa: N801  (lowercase like PyTorch's, as students know it)
    """Compute values without recording a graph: results are plain leaf ``Value`` objects.

    Use it for evaluation and for parameter updates, where no gradient is wanted. It works as a
    context manager and as a decorator, and only affects the current thread.

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
