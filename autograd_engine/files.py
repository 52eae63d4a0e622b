"""Writing files so that nothing is lost: every file the package writes goes through here.

:func:`write_atomically` writes to a temporary file in the target's folder, flushes it to disk,
and only then puts it in the target's place with one ``os.replace``: a full disk, a size limit,
Ctrl-C or a crash part-way leaves the old file exactly as it was. :func:`output_path` turns a
user's path into the one to write (``~`` expanded, the format checked against the suffix).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Collection
from pathlib import Path

from .errors import describe

__all__ = ["TEMP_PREFIX", "output_path", "write_atomically"]

#: Temporary files start with this (hidden on Unix), so a test or a user can spot a leftover.
TEMP_PREFIX = ".autograd_engine-"

# O_EXCL: the temporary name is never someone else's file; O_BINARY matters on Windows only
_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def output_path(
    path: str | os.PathLike[str], formats: Collection[str] = (), what: str = "a file"
) -> Path:
    """The path to write for ``path``: ``~`` expanded, and its suffix one of ``formats``.

    Nothing is created or touched: call this before any work, so a bad path fails first.

    Args:
        path: a file path as the user wrote it, ``str`` or ``pathlib.Path``.
        formats: the suffixes the writer can produce, lowercase without the dot (``"svg"``);
            empty for any suffix. The suffix is compared without regard to case.
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


def write_atomically(
    path: str | os.PathLike[str], data: str | bytes | bytearray | memoryview
) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` so the file is either new or untouched.

    The bytes go to a temporary file in the same folder, are flushed and fsynced, and then replace
    ``path`` in one step. If anything fails or interrupts the write (a full disk, a file-size
    limit, ``KeyboardInterrupt``), the old file stays as it was and the temporary file is removed.
    Missing parent folders are created; any created here are removed again if the write fails.
    After a hard kill (``SIGKILL``) part-way the old file is still intact, but nothing can run to
    remove the hidden temporary file (named ``.autograd_engine-*.tmp``) beside it.

    As with ``open(path, "w")``, a new file's permissions follow the umask, an existing file keeps
    its permissions, a read-only file is refused, and a symbolic link is written through.

    Returns:
        The path written, ``~`` expanded.

    Raises:
        TypeError: ``data`` is neither bytes nor str.
        OSError: the file could not be written (``PermissionError`` for a read-only file); the
            old file, if any, is unchanged.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> write_atomically(folder / "notes.txt", "ok").read_text()
        'ok'
    """
    written = Path(path).expanduser()
    if isinstance(data, str):
        payload = data.encode("utf-8")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        payload = bytes(data)
    else:
        raise TypeError(f"write_atomically writes bytes or str, got {describe(data)}")
    target = Path(os.path.realpath(written)) if written.is_symlink() else written
    created: list[Path] = []
    try:
        _make_parents(target.parent, created)
        _replace_with(target, payload)
    except BaseException:
        for folder in reversed(created):  # innermost first; only folders this call made
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return written


def _make_parents(folder: Path, created: list[Path]) -> None:
    """Create ``folder`` and its missing parents, recording each in ``created`` (outermost first).

    A folder is recorded before it is made, so an interrupt just after ``mkdir`` still finds it.
    """
    missing: list[Path] = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for each in reversed(missing):
        created.append(each)
        try:
            each.mkdir()
        except FileExistsError:  # made meanwhile by someone else: not ours to remove
            created.pop()


def _kept_mode(target: Path) -> int | None:
    """The permission bits of ``target`` (None if there is no such file); refuse a read-only one."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return None
    if not os.access(target, os.W_OK):
        raise PermissionError(
            errno.EACCES,
            "the file is read-only, so it is left as it is; make it writable or write elsewhere",
            str(target),
        )
    return mode


def _replace_with(target: Path, payload: bytes) -> None:
    """Write ``payload`` to a fresh temporary file beside ``target``, then move it into place."""
    mode = _kept_mode(target)
    # the target's name helps a person recognise a leftover after a kill; 40 characters at most
    temp = target.with_name(f"{TEMP_PREFIX}{target.name[:40]}-{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(temp, _CREATE_NEW, 0o666)  # 0o666 minus the umask, as for any new file
        _fill(fd, payload, mode)
        os.replace(temp, target)
    except FileExistsError:  # only os.open raises this: the name is another writer's file
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_folder(target.parent)


def _fill(fd: int, payload: bytes, mode: int | None) -> None:
    """Write all of ``payload`` to the open file ``fd``, flush it to disk, and close ``fd``."""
    try:
        if mode is not None and os.chmod in os.supports_fd:
            os.chmod(fd, mode)
        view = memoryview(payload)
        while view:  # os.write may write less than asked (a size limit, a signal)
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry for the new file to disk too (where the system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; nothing more to do there
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
