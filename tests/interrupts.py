"""Ctrl-C at every step: run a call with a KeyboardInterrupt injected at its n-th bytecode.

A signal's KeyboardInterrupt can land between any two bytecodes of Python code. A tracer
(``sys.settrace`` with opcode events) raises it at the n-th line or bytecode executed inside one
source file, so a test can try every n in turn and check that each interrupted call left things
either as they were or as they should end up.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any


class Interrupter:
    """A tracer that raises KeyboardInterrupt at the n-th line or bytecode run in ``filename``."""

    def __init__(self, filename: str, n: int) -> None:
        self.filename = filename
        self.n = n
        self.count = 0

    def __call__(self, frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code.co_filename != self.filename:
            return None
        frame.f_trace_opcodes = True
        return self.step

    def step(self, frame: FrameType, event: str, arg: object) -> Any:
        if event in ("line", "opcode"):
            self.count += 1
            if self.count == self.n:
                raise KeyboardInterrupt  # a tracer that raises is removed: one interrupt only
        return self.step


def interrupted(call: Callable[[], object], filename: str, n: int) -> bool:
    """Run ``call`` with a KeyboardInterrupt at its n-th step inside ``filename``.

    Returns True if the interrupt landed, False if the call finished first (n is past its last
    step); any other exception is raised again.

    The call runs in a thread of its own: in CPython 3.11 an exception raised by a tracer inside
    an ``except`` block can stay behind as that thread's ``sys.exc_info()``, and it must not
    leak into later tests.
    """
    outcome: list[BaseException | None] = []

    def run() -> None:
        sys.settrace(Interrupter(filename, n))
        try:
            call()
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)
        finally:
            sys.settrace(None)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    (error,) = outcome
    if error is None:
        return False
    if isinstance(error, KeyboardInterrupt):
        return True
    raise error
