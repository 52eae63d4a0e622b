"""Saving and loading a module's parameters as JSON, checked completely before anything changes.

The file holds plain numbers by name, never code: loading a file cannot run anything (unlike a
pickle). Python writes each float as the shortest text that reads back as the same float, so a
save and load round trip is bit-exact.

The file looks like this::

    {
      "format": "autograd_engine.state_dict",
      "version": 1,
      "model": "MLP(nin=2, nouts=[4, 1])",
      "num_parameters": 17,
      "parameters": {"layers.0.neurons.0.w.0": 0.8168..., ...}
    }
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import describe

if TYPE_CHECKING:
    from .modules import Module

__all__ = ["FORMAT", "StateDictError", "load", "load_state_dict", "read_state", "save"]

#: The value of the ``"format"`` field of every file written by :func:`save`.
FORMAT = "autograd_engine.state_dict"
_VERSION = 1
_SHOWN = 5  # how many names an error message lists before "and N more"


class StateDictError(ValueError):
    """Parameters could not be loaded: the message lists every problem found.

    The module is left exactly as it was: nothing is assigned unless everything checks out.
    """


def _names(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:_SHOWN])
    more = len(names) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _count(n: int) -> str:
    return f"{n} parameter" + ("" if n == 1 else "s")


def _summary(module: Module) -> str:
    return repr(module).splitlines()[0].rsplit(":", 1)[0]


def _check_state(
    module: Module, state: Any, source: str, saved_from: str = ""
) -> list[tuple[Any, float]]:
    """Pair every parameter with its new value, or raise StateDictError listing every problem."""
    if not isinstance(state, Mapping):
        raise StateDictError(
            f"{source}: expected a mapping of parameter names to numbers (as made by "
            f"model.state_dict()), got {describe(state)}"
        )
    named = module.named_parameters()
    expected = [name for name, _ in named]
    problems: list[str] = []
    bad_keys = [k for k in state if not isinstance(k, str)]
    if bad_keys:
        problems.append(f"names must be strings, got {', '.join(describe(k) for k in bad_keys)}")
    missing = [name for name in expected if name not in state]
    expected_set = set(expected)
    extra = [k for k in state if isinstance(k, str) and k not in expected_set]
    if len(state) != len(expected):
        origin = f" (saved from {saved_from})" if saved_from else ""
        problems.append(
            f"it holds {_count(len(state))}{origin}, the model {_summary(module)} "
            f"has {len(expected)}"
        )
    if missing:
        problems.append(f"missing names: {_names(missing)}")
    if extra:
        problems.append(f"extra names: {_names(extra)}")
    values: list[tuple[Any, float]] = []
    for name, p in named:
        if name not in state:
            continue
        raw = state[name]
        if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
            problems.append(f"{name!r} is not a number: {describe(raw)}")
            continue
        try:
            number = float(raw)
        except OverflowError:  # an int beyond float range (JSON integers have no size limit)
            number = -math.inf if raw < 0 else math.inf
        if not math.isfinite(number):
            problems.append(f"{name!r} is not a finite number: {number!r}")
            continue
        values.append((p, number))
    if problems:
        hint = (
            "The model was left unchanged. Check that the model is built with the same "
            "architecture as the one that was saved"
            if missing or extra
            else "The model was left unchanged"
        )
        raise StateDictError(f"{source}: " + "; ".join(problems) + f". {hint}")
    return values


def load_state_dict(module: Module, state: Any) -> None:
    """Set ``module``'s parameters from a mapping of names to numbers, all or nothing.

    Raises:
        StateDictError: a name is missing or extra, a value is not a finite number, or
            ``state`` is not a mapping. The message lists every problem; no parameter changed.
    """
    for p, number in _check_state(module, state, "load_state_dict"):
        p.data = number


def save(module: Module, path: str | Path) -> None:
    """Write ``module``'s parameters to a JSON file at ``path`` (see the module docstring)."""
    state = module.state_dict()
    document = {
        "format": FORMAT,
        "version": _VERSION,
        "model": _summary(module),
        "num_parameters": len(state),
        "parameters": state,
    }
    text = json.dumps(document, indent=1, allow_nan=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def _reject_constant(name: str) -> float:
    raise StateDictError(f"the file holds {name}, which is not a finite number")


def read_state(path: str | Path) -> dict[str, Any]:
    """Read a file written by :func:`save` and return its ``"parameters"`` mapping.

    The file's structure is checked (JSON, an object with the right ``format``, ``version``,
    ``num_parameters`` and ``parameters``); the values are checked by :func:`load_state_dict`.

    Raises:
        StateDictError: the file is not JSON or not in this format.
        OSError: the file cannot be read (``FileNotFoundError`` if it does not exist).
    """
    parameters: dict[str, Any] = _read_document(path)["parameters"]
    return parameters


def _read_document(path: str | Path) -> dict[str, Any]:
    """The whole JSON document of a state file, its structure checked (see read_state)."""
    source = f"{str(path)!r}"
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise StateDictError(
            f"{source} is not a text file (not UTF-8), so not a file written by "
            "model.save(path). The model was left unchanged"
        ) from None
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except StateDictError as exc:
        raise StateDictError(f"{source}: {exc}. The model was left unchanged") from None
    except json.JSONDecodeError as exc:
        raise StateDictError(
            f"{source} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}). "
            "Load only files written by model.save(path). The model was left unchanged"
        ) from None
    if not isinstance(document, dict):
        raise StateDictError(
            f"{source}: expected a JSON object with a 'parameters' field (as written by "
            f"model.save(path)), got a JSON {type(document).__name__}. "
            "The model was left unchanged"
        )
    if document.get("format") != FORMAT:
        raise StateDictError(
            f"{source}: expected 'format': {FORMAT!r}, got {describe(document.get('format'))}. "
            "Load only files written by model.save(path). The model was left unchanged"
        )
    if document.get("version") != _VERSION:
        raise StateDictError(
            f"{source}: this version of autograd_engine reads version {_VERSION} files, "
            f"got version {describe(document.get('version'))}. The model was left unchanged"
        )
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise StateDictError(
            f"{source}: expected 'parameters' to be a JSON object of names and numbers, got "
            f"{describe(parameters)}. The model was left unchanged"
        )
    count = document.get("num_parameters")
    if count != len(parameters):
        raise StateDictError(
            f"{source}: 'num_parameters' says {describe(count)} but 'parameters' holds "
            f"{len(parameters)} entries: the file was edited or truncated. "
            "The model was left unchanged"
        )
    return document


def load(module: Module, path: str | Path) -> None:
    """Load parameters saved by :func:`save` into ``module``, all or nothing.

    Raises:
        StateDictError: the file is not JSON, not in this format, or does not match the
            module (the message names the missing or extra names and the two architectures).
            No parameter changed.
    """
    document = _read_document(path)
    saved_from = document.get("model")
    checked = _check_state(
        module,
        document["parameters"],
        f"{str(path)!r}",
        saved_from if isinstance(saved_from, str) else "",
    )
    for p, number in checked:
        p.data = number
