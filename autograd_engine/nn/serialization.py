"""Saving and loading a module's parameters as JSON, checked completely before anything changes.

The file holds plain numbers by name, never code: loading a file cannot run anything (unlike a
pickle). Python writes each float as the shortest text that reads back as the same float, so a
save and load round trip is bit-exact. A save replaces the file in one step (a failed save leaves
the old file); a load checks the whole file (size, JSON, every field's type, each name once)
before it changes a single parameter.

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
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import count_text, describe
from ..files import output_path, write_atomically

if TYPE_CHECKING:
    from .modules import Module

__all__ = ["FORMAT", "StateDictError", "load", "load_state_dict", "read_state", "save"]

#: The value of the ``"format"`` field of every file written by :func:`save`.
FORMAT = "autograd_engine.state_dict"
_VERSION = 1
_SHOWN = 5  # how many names an error message lists before "and N more"
_UNCHANGED = "The model was left unchanged"
#: ``read_state`` refuses a file larger than this (a model's own ``load`` sets its own limit).
MAX_FILE_BYTES = 256 * 2**20
_MAX_INT_DIGITS = 400  # longer integers are beyond any float; int() would also refuse > 4300


def _brief(x: Any) -> str:
    """``describe(x)``, but a nested list or dict (a nesting bomb) is only counted, not shown."""
    if isinstance(x, (list, dict)):
        items = x.values() if isinstance(x, dict) else x
        if len(x) > _SHOWN or any(isinstance(item, (list, dict)) for item in items):
            return f"{type(x).__name__} of {len(x)} items"
    if isinstance(x, str) and len(x) > 60:
        x = x[:60]  # describe() shortens it further; no need to repr a megabyte first
    return describe(x)


class StateDictError(ValueError):
    """Parameters could not be loaded (or saved): the message lists every problem found.

    The module is left exactly as it was: nothing is assigned unless everything checks out.
    A save that raises it wrote nothing.
    """


def _names(names: list[str]) -> str:
    shown = ", ".join(repr(n) if len(n) <= 80 else repr(n[:77]) + "..." for n in names[:_SHOWN])
    more = len(names) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _summary(module: Module) -> str:
    return repr(module).splitlines()[0].rsplit(":", 1)[0]


def _finite_number(raw: Any) -> float | str:
    """``raw`` as a finite float, or what is wrong with it (``"not a number: str 'x'"``)."""
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        return f"not a number: {_brief(raw)}"
    try:
        number = float(raw)
    except OverflowError:  # an int beyond float range (JSON integers have no size limit)
        number = -math.inf if raw < 0 else math.inf
    return number if math.isfinite(number) else f"not a finite number: {number!r}"


def _check_state(
    module: Module, state: Any, source: str, saved_from: str = ""
) -> list[tuple[Any, float]]:
    """Pair every parameter with its new value, or raise StateDictError listing every problem."""
    if not isinstance(state, Mapping):
        raise StateDictError(
            f"{source}: expected a mapping of parameter names to numbers (as made by "
            f"model.state_dict()), got {_brief(state)}"
        )
    named = module.named_parameters()
    expected = [name for name, _ in named]
    problems: list[str] = []
    bad_keys = [k for k in state if not isinstance(k, str)]
    if bad_keys:
        shown = ", ".join(_brief(k) for k in bad_keys[:_SHOWN])
        problems.append(f"names must be strings, got {shown}")
    missing = [name for name in expected if name not in state]
    expected_set = set(expected)
    extra = [k for k in state if isinstance(k, str) and k not in expected_set]
    if len(state) != len(expected):
        origin = f" (saved from {saved_from})" if saved_from else ""
        problems.append(
            f"it holds {count_text(len(state), 'parameter')}{origin}, the model {_summary(module)} "
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
        number = _finite_number(state[name])
        if isinstance(number, str):
            problems.append(f"{name!r} is {number}")
        else:
            values.append((p, number))
    if problems:
        hint = (
            f"{_UNCHANGED}. Check that the model is built with the same "
            "architecture as the one that was saved"
            if missing or extra
            else _UNCHANGED
        )
        raise StateDictError(f"{source}: " + "; ".join(problems) + f". {hint}")
    return values


def load_state_dict(module: Module, state: Any) -> None:
    """Set ``module``'s parameters from a mapping of names to numbers, all or nothing.

    Raises:
        StateDictError: a name is missing or extra, a value is not a finite number, or
            ``state`` is not a mapping. The message lists every problem; no parameter changed.
    """
    _assign(_check_state(module, state, "load_state_dict"))


def _assign(checked: list[tuple[Any, float]]) -> None:
    """Set every parameter's ``data``, all or nothing: an interrupt part-way puts back the old."""
    old = [(p, p.data) for p, _ in checked]
    try:
        for p, number in checked:
            p.data = number
    except BaseException:  # Ctrl-C between two assignments
        for p, data in old:
            p.data = data
        raise


def save(module: Module, path: str | os.PathLike[str]) -> None:
    """Write ``module``'s parameters to the JSON file ``path`` (see the module docstring).

    ``~`` is expanded and missing folders are created. The file is replaced in one step: if the
    save fails part-way (a full disk, Ctrl-C), the old file is left exactly as it was.

    Raises:
        ValueError: ``path`` does not end in ``.json`` (nothing is written).
        StateDictError: a parameter is not a finite number (NaN or infinity); the message names
            it and nothing is written.
        OSError: the file could not be written; the old file, if any, is unchanged.

    Example:
        >>> import pathlib, tempfile
        >>> from autograd_engine import MLP
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.json"
        >>> trained, fresh = MLP(2, [1], seed=0), MLP(2, [1], seed=1)
        >>> trained.save(path)
        >>> fresh.load(path)
        >>> fresh.state_dict() == trained.state_dict()
        True
    """
    target = output_path(path, {"json"}, "a model's parameters")
    numbers_by_name: dict[str, float] = {}
    problems: list[str] = []
    for name, raw in module.state_dict().items():
        number = _finite_number(raw)
        if isinstance(number, str):
            problems.append(f"{name!r} is {number}")
        else:
            numbers_by_name[name] = number
    if problems:
        raise StateDictError(
            f"cannot save {_summary(module)} to {str(path)!r}: a model file holds only finite "
            f"numbers, and {'; '.join(problems[:_SHOWN])}"
            + (f" and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else "")
            + ". Nothing was written. Find the step that made it (a learning rate too high?) "
            "or set the parameter's .data before saving"
        )
    document = {
        "format": FORMAT,
        "version": _VERSION,
        "model": _summary(module),
        "num_parameters": len(numbers_by_name),
        "parameters": numbers_by_name,
    }
    write_atomically(target, json.dumps(document, indent=1, allow_nan=False) + "\n")


def _reject_constant(name: str) -> float:
    raise StateDictError(f"the file holds {name}, which is not a finite number")


def _read_int(text: str) -> int | float:
    """An integer from the file; one too long for any float becomes +-inf (then refused by name)."""
    return int(text) if len(text) <= _MAX_INT_DIGITS else float(text)


def _unique_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a name that appears twice (json keeps the last)."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise StateDictError(
                f"the file gives {_names([key])} more than once, so which value to use is not "
                "clear (a file written by model.save(path) names everything once)"
            )
        seen.add(key)
    return dict(pairs)


def read_state(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Read a file written by :func:`save` and return its ``"parameters"`` mapping.

    The file's structure is checked (at most ``max_bytes`` bytes of UTF-8 JSON, an object with the
    right ``format``, ``version``, ``model``, ``num_parameters`` and ``parameters``, each with the
    right type, and no name twice); the values are checked by :func:`load_state_dict`.

    Raises:
        StateDictError: the file is not JSON or not in this format.
        OSError: the file cannot be read (``FileNotFoundError`` if it does not exist).
    """
    parameters: dict[str, Any] = _read_document(path, max_bytes)["parameters"]
    return parameters


def _read_document(
    path: str | os.PathLike[str], max_bytes: int, limit: str = "the limit max_bytes sets"
) -> dict[str, Any]:
    """The whole JSON document of a state file, its structure checked (see read_state).

    ``limit`` says where ``max_bytes`` comes from, for the message about a file too large.
    """
    source = f"{str(path)!r}"
    with output_path(path).open("rb") as file:
        raw = file.read(max_bytes + 1)  # bounded: even /dev/zero cannot exhaust memory
    if len(raw) > max_bytes:
        raise StateDictError(f"{source} is larger than {max_bytes:,} bytes, {limit}. {_UNCHANGED}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StateDictError(
            f"{source} is not a text file (not UTF-8), so not a file written by "
            f"model.save(path). {_UNCHANGED}"
        ) from None
    try:
        document = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_int=_read_int,
            object_pairs_hook=_unique_fields,
        )
    except StateDictError as exc:
        raise StateDictError(f"{source}: {exc}. {_UNCHANGED}") from None
    except json.JSONDecodeError as exc:
        raise StateDictError(
            f"{source} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}). "
            f"Load only files written by model.save(path). {_UNCHANGED}"
        ) from None
    except RecursionError:  # json reads nested arrays by recursion: "[" * 100_000 ends here
        raise StateDictError(
            f"{source} nests arrays or objects too deeply to read, while a file written by "
            f"model.save(path) nests them two deep. {_UNCHANGED}"
        ) from None
    _check_fields(document, source)
    return document  # type: ignore[no-any-return]


def _check_fields(document: Any, source: str) -> None:
    """Raise StateDictError unless every field of the document has the type save() writes."""
    if not isinstance(document, dict):
        raise StateDictError(
            f"{source}: expected a JSON object with a 'parameters' field (as written by "
            f"model.save(path)), got a JSON {type(document).__name__}. {_UNCHANGED}"
        )
    if document.get("format") != FORMAT:
        raise StateDictError(
            f"{source}: expected 'format': {FORMAT!r}, got {_brief(document.get('format'))}. "
            f"Load only files written by model.save(path). {_UNCHANGED}"
        )
    version = document.get("version")
    if type(version) is not int or version != _VERSION:  # True == 1 and 1.0 == 1: not enough
        raise StateDictError(
            f"{source}: this version of autograd_engine reads version {_VERSION} files, "
            f"got version {_brief(version)}. {_UNCHANGED}"
        )
    if not isinstance(document.get("model"), str):
        raise StateDictError(
            f"{source}: expected 'model' to be text describing the saved architecture, got "
            f"{_brief(document.get('model'))}. {_UNCHANGED}"
        )
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise StateDictError(
            f"{source}: expected 'parameters' to be a JSON object of names and numbers, got "
            f"{_brief(parameters)}. {_UNCHANGED}"
        )
    count = document.get("num_parameters")
    if type(count) is not int or count != len(parameters):
        raise StateDictError(
            f"{source}: 'num_parameters' says {_brief(count)} but 'parameters' holds "
            f"{len(parameters)} entries: the file was edited or truncated. {_UNCHANGED}"
        )


def _size_limit(names: list[str]) -> int:
    """More bytes than save() can write for these names (even escaped), plus 1 MiB to spare, so
    a file from a somewhat bigger model still gets the message naming both architectures."""
    return 2**20 + sum(12 * len(name) + 64 for name in names)


def load(module: Module, path: str | os.PathLike[str]) -> None:
    """Load parameters saved by :func:`save` into ``module``, all or nothing.

    ``~`` is expanded; the suffix is not checked (the contents are).

    Raises:
        StateDictError: the file is too large, not UTF-8 JSON, not in this format (a field of the
            wrong type, a name given twice), or does not match the module (the message names the
            missing or extra names and the two architectures). No parameter changed.
        OSError: the file cannot be read (``FileNotFoundError`` if it does not exist).
    """
    limit = _size_limit([name for name, _ in module.named_parameters()])
    why = f"more than a file written by model.save(path) for {_summary(module)} can be"
    document = _read_document(path, limit, why)
    checked = _check_state(module, document["parameters"], f"{str(path)!r}", document["model"])
    _assign(checked)
