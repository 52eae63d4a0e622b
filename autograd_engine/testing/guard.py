"""Running a student's code so that nothing it does can stop the check: a time limit, captured
output, and a record of which library functions it called.

The time limit uses ``SIGALRM`` (an interval timer on the main thread, which is where Jupyter and
the grading command run code). It interrupts Python code, ``time.sleep`` and ``input``, but not
one long call into C (``sum(range(10**12))``) nor a loop that swallows every exception with a bare
``except:``. Where there is no ``SIGALRM`` (Windows) or the check runs in another thread, the
check runs in a helper thread that is abandoned when its time is up: the report comes back on
time, but the loop keeps a core busy until the process ends. The grading command runs each
notebook in a subprocess with a time limit of its own, which ends any of these for good.
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any, TypeVar

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "CallRecord",
    "CapturedOutput",
    "TimeLimitExceeded",
    "run_with_time_limit",
    "watch_calls",
]

T = TypeVar("T")

#: Seconds a check may run by default (a check takes a few milliseconds on right code).
DEFAULT_TIME_LIMIT = 5.0

_REPEAT = 0.05  # the alarm fires again every 50 ms, in case student code swallowed it once
_FINALIZERS = frozenset({"__del__", "_removeHandlerRef", "remove", "_remove"})  # their names


class TimeLimitExceeded(BaseException):
    """Raised in the student's code when a check's time is up.

    A ``BaseException``, so that ``except Exception`` in the student's code does not swallow it.
    """


class CapturedOutput(io.TextIOBase):
    """A text stream that keeps the first lines written to it and counts the rest.

    Printing gigabytes costs no memory: past ``keep`` characters, only lines are counted.
    """

    def __init__(self, keep: int = 4000) -> None:
        super().__init__()
        self._keep = keep
        self._head: list[str] = []
        self._kept = 0
        self.lines = 0  # newlines written in all
        self.characters = 0

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.characters += len(text)
        self.lines += text.count("\n")
        if self._kept < self._keep:
            piece = text[: self._keep - self._kept]
            self._head.append(piece)
            self._kept += len(piece)
        return len(text)

    def trimmed(self, max_lines: int = 8, max_width: int = 74) -> str:
        """What was printed, at most ``max_lines`` lines of ``max_width`` characters, with a
        last line saying how much was left out; "" when nothing was printed."""
        if not self.characters:
            return ""
        text = "".join(self._head)
        lines = text.splitlines()
        total = self.lines + (0 if text.endswith("\n") or not text else 1)
        shown = [
            line if len(line) <= max_width else line[: max_width - 3] + "..."
            for line in lines[:max_lines]
        ]
        left = max(total, len(lines)) - len(shown)
        if left > 0 or self.characters > self._kept:
            shown.append(f"... ({left} more line(s), {self.characters} characters in all)")
        return "\n".join(shown)


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise TimeLimitExceeded in this (main) thread after ``seconds``; restore any outer alarm."""
    state = {"active": True}

    def ring(signum: int, frame: FrameType | None) -> None:
        # Not inside a finalizer (a garbage collection can run one in the middle of anything):
        # an exception there cannot propagate; the alarm rings again 50 ms later anyway.
        if state["active"] and (frame is None or frame.f_code.co_name not in _FINALIZERS):
            raise TimeLimitExceeded

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, ring)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT)
    try:
        yield
    finally:
        state["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_timer[0] > 0.0:  # an outer limit (the grading command's per cell) runs on
            remaining = previous_timer[0] - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3), previous_timer[1])


def _signals_work() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def run_with_time_limit(
    function: Callable[[], T], seconds: float | None, output: CapturedOutput | None = None
) -> T:
    """Call ``function()`` with stdout and stderr going to ``output``, for at most ``seconds``.

    Raises:
        TimeLimitExceeded: the time was up before ``function`` returned.
    """
    redirect: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if output is not None:
        redirect = _redirect(output)
    if seconds is None:
        with redirect:
            return function()
    if _signals_work():
        with redirect, _alarm(seconds):
            return function()
    # No signals here: run in a helper thread, and leave it behind if it does not finish.
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = function()
        except BaseException as exc:  # handed over to the caller's thread below
            box["error"] = exc

    helper = threading.Thread(target=run, daemon=True, name="student code")
    with redirect:
        helper.start()
        helper.join(seconds)
    if helper.is_alive():
        raise TimeLimitExceeded
    if "error" in box:
        raise box["error"]
    result: T = box["result"]
    return result


@contextlib.contextmanager
def _redirect(output: CapturedOutput) -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = output
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@dataclass
class CallRecord:
    """What :func:`watch_calls` saw: each watched function's label, with the arguments of each
    call (``arguments[label]`` is a list of tuples of the positional arguments)."""

    arguments: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def called(self, label: str) -> bool:
        """True when the function watched under ``label`` was called."""
        return label in self.arguments


@contextlib.contextmanager
def watch_calls(watched: dict[CodeType, str]) -> Iterator[CallRecord]:
    """Record every call of the functions whose code objects are keys of ``watched``.

    However the student reaches a function (a method, ``super()``, an alias, an import of its
    own), the call runs its code object, so a trace function sees it. (A debugger or coverage
    tool that traces too is paused while the block runs.)
    """
    record = CallRecord()
    if not watched:
        yield record
        return
    previous = sys.gettrace()

    def trace(frame: FrameType, event: str, arg: Any) -> None:
        # Called once per Python call ("call" events only); returning None leaves the frame's
        # lines untraced, which keeps the cost to one dict lookup per call.
        label = watched.get(frame.f_code)
        if label is not None:
            code = frame.f_code
            names = code.co_varnames[: code.co_argcount]
            args = tuple(frame.f_locals.get(name) for name in names)
            record.arguments.setdefault(label, []).append(args)

    sys.settrace(trace)
    try:
        yield record
    finally:
        sys.settrace(previous)
