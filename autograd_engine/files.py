"""Writing files so that nothing is lost: every file the package writes goes through here.

:func:`write_atomically` writes to a temporary file in the target's folder, flushes it to disk,
and only then puts it in the target's place with one ``os.replace``: a full disk, a size limit,
Ctrl-C or a crash part-way leaves the old file exactly as it was. :func:`output_path` turns a
user's path into the one to write (``~`` expanded, the format checked against the suffix).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Collection
from pathlib import Path

from .errors import describe

__all__ = ["TEMP_PREFIX", "output_path", "write_atomically"]

#: Temporary files start with this (hidden on Unix), so a test or a user can spot a leftover.
TEMP_PREFIX = ".autograd_engine-"


def output_path(
    path: str | os.PathLike[str], formats: Collection[str] = (), what: str = "a file"
) -> Path:
    """The path to write for ``path``: ``~`` expanded, and its suffix one of ``formats``.

    Args:
        path: a file path as the user wrote it, ``str`` or ``pathlib.Path``.
        formats: the suffixes the writer can produce, lowercase without the dot (``"svg"``);
            empty for any suffix.
        what: what is being written, for the error message (``"a drawing"``).

    Raises:
        TypeError: ``path`` is not a str or path-like.
        ValueError: the path has a suffix that is not one of ``formats``.

    Example:
        >>> output_path("~/slides/g.svg", {"svg", "png"}).name
        'g.svg'
        >>> str(output_path("~/g.svg", {"svg"})).startswith("~")
        False
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"expected a file path (str or pathlib.Path), got {describe(path)}")
    resolved = Path(path).expanduser()
    suffix = resolved.suffix.lower().lstrip(".")
    if formats and suffix not in formats:
        choices = ", ".join("." + f for f in sorted(formats))
        raise ValueError(
            f"cannot write {what} to {str(path)!r}: its suffix {resolved.suffix or '(none)'!r} "
            f"is not a format this can write; use one of {choices}"
        )
    return resolved


def write_atomically(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` so the file is either new or untouched.

    The bytes go to a temporary file in the same folder, are flushed and fsynced, and then replace
    ``path`` in one step. If anything fails or interrupts the write (a full disk, a file-size
    limit, ``KeyboardInterrupt``), the old file stays as it was and the temporary file is removed.
    Missing parent folders are created; any created here are removed again if the write fails.
    After a hard kill (``SIGKILL``) part-way the old file is still intact, but nothing can run to
    remove the hidden temporary file (named ``.autograd_engine-*.tmp``) beside it.

    Returns:
        The path written, ``~`` expanded.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> write_atomically(folder / "notes.txt", "ok").read_text()
        'ok'
    """
    target = Path(path).expanduser()
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    created = _make_parents(target.parent)
    try:
        _replace_with(target, payload)
    except BaseException:
        for folder in reversed(created):  # innermost first; only folders this call made
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return target


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, outermost first."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    missing.reverse()
    for each in missing:
        each.mkdir()
    return missing


def _replace_with(target: Path, payload: bytes) -> None:
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX, suffix=".tmp")
    temp = Path(temp_name)
    try:
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temp, 0o666 & ~mask)  # mkstemp makes 0o600; a new file normally gets the umask
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
