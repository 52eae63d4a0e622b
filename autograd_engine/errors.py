"""The project's exceptions, and the functions that check what a user passes in.

Every number that enters a graph passes through :func:`as_float`, so the rules for what a
`Value` accepts live in exactly one place; counts, non-negative settings and random generators
given to models, datasets, optimizers and ``fit`` are checked by the helpers beside it.
"""

from __future__ import annotations

import math
import numbers
import random
from typing import Any

__all__ = [
    "DomainError",
    "as_count",
    "as_float",
    "as_nonnegative",
    "as_rng",
    "count_text",
    "describe",
    "is_real_number",
]


class DomainError(ValueError):
    """An operation was asked for a result that is undefined or not a finite float.

    This is the single error of the numeric policy (see ``README.md``, "Numeric policy"):
    ``log(0)``, ``sqrt(-1)``, ``1 / 0``, ``exp(1000)`` (overflow), a NaN or infinite input, or a
    derivative that is infinite at the point where backward needs it (``sqrt`` at 0) all raise
    ``DomainError``. No NaN or infinity is ever stored in a ``Value``.

    It subclasses ``ValueError``, so ``except ValueError`` catches it too.

    Example:
        >>> from autograd_engine import Value
        >>> try:
        ...     Value(0.0, label="z").log()
        ... except DomainError as error:
        ...     print(error)
        log: log is defined only for x > 0; got x = 0.0 (label 'z')
    """


def describe(x: Any) -> str:
    """Render an offending input for an error message: its type and a short repr.

    Example:
        >>> describe("abc")
        "str 'abc'"
    """
    text = repr(x)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(x).__name__} {text}"


def _is_numpy_bool(x: object) -> bool:
    kind = type(x)
    return kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_")


def is_real_number(x: object) -> bool:
    """True for what :func:`as_float` accepts: int, float, bool, Fraction, numpy real scalars."""
    kind = type(x)
    if kind is float or kind is int:  # the common cases first, without an ABC check
        return True
    return isinstance(x, numbers.Real) or _is_numpy_bool(x)


def as_float(x: object, where: str = "Value()") -> float:
    """Convert a real number (int, float, bool, Fraction or numpy real scalar) to a finite float.

    Args:
        x: the number to convert.
        where: the name of the caller, used in the error message.

    Raises:
        TypeError: ``x`` is not a real number (a str, None, complex, list, an array ...).
        DomainError: ``x`` is NaN or infinite, or too large for a float.

    Example:
        >>> as_float(3)
        3.0
    """
    if type(x) is float:
        value = x
    elif is_real_number(x):
        try:
            value = float(x)  # type: ignore[arg-type]
        except OverflowError:
            raise DomainError(
                f"{where} got {describe(x)}, which is too large for a float (max about 1.8e308)"
            ) from None
    else:
        raise TypeError(
            f"{where} expects a real number (int, float or numpy scalar), got {describe(x)}"
        )
    if not math.isfinite(value):
        raise DomainError(
            f"{where} expects a finite number, got {value!r}. NaN and infinity are not allowed "
            "in a graph; find where the value came from (a division by zero, an overflow) and "
            "fix it there"
        )
    return value


def as_count(n: object, what: str, minimum: int = 1) -> int:
    """A whole number of things (samples, neurons, steps), at least ``minimum``.

    Raises:
        TypeError: ``n`` is not an int (a bool or a float is refused too).
        ValueError: ``n`` is smaller than ``minimum``.

    Example:
        >>> as_count(3, "make_moons(n_samples)")
        3
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be an int, got {describe(n)}")
    if n < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {n}")
    return n


def as_nonnegative(x: object, what: str) -> float:
    """A finite float >= 0 (a learning rate, a noise level, a weight decay).

    Example:
        >>> as_nonnegative(1, "SGD(lr)")
        1.0
    """
    value = as_float(x, what)
    if value < 0.0:
        raise ValueError(f"{what} must be >= 0, got {value!r}")
    return value


def as_rng(rng: random.Random | None, seed: int | None) -> random.Random | Any:
    """The generator to draw from: ``rng``, a new one from ``seed``, or the global ``random``.

    The global module (not a copy) is returned when neither is given, so ``random.seed(s)``
    beforehand reproduces the draws, as in micrograd.

    Raises:
        ValueError: both ``rng`` and ``seed`` were given.
        TypeError: ``rng`` is not a ``random.Random``.
    """
    if rng is not None and seed is not None:
        raise ValueError("give either rng or seed, not both")
    if rng is not None:
        if not isinstance(rng, random.Random):
            raise TypeError(f"rng must be a random.Random, got {describe(rng)}")
        return rng
    if seed is not None:
        return random.Random(seed)
    return random  # the module has the same methods as a Random instance


def count_text(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1, for messages.

    Example:
        >>> count_text(1, "node"), count_text(3, "parameter")
        ('1 node', '3 parameters')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
