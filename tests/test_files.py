"""Writing files without losing anything: a failed or interrupted write leaves the old file as it
was, no temporary file and no new folder behind; paths expand ``~`` and suffixes are checked."""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from interrupts import interrupted

import autograd_engine
from autograd_engine import files
from autograd_engine.files import TEMP_PREFIX, output_path, write_atomically

OLD = b'{"the good checkpoint": 1}\n'
PACKAGE_ROOT = str(Path(autograd_engine.__file__).parent.parent)


def leftovers(folder: Path) -> list[str]:
    """Names of temporary files anywhere under ``folder``."""
    return sorted(p.name for p in folder.rglob(TEMP_PREFIX + "*"))


def everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def run_python(code: str, *args: str) -> subprocess.Popen[str]:
    """Start a Python child that imports this checkout's autograd_engine."""
    env = {**os.environ, "PYTHONPATH": PACKAGE_ROOT}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# -- what a successful write does ---------------------------------------------------------------


def test_text_is_written_as_utf8_and_bytes_as_they_are(tmp_path: Path) -> None:
    assert write_atomically(tmp_path / "a.txt", "µ→1\n") == tmp_path / "a.txt"
    assert (tmp_path / "a.txt").read_bytes() == "µ→1\n".encode()
    write_atomically(tmp_path / "b.bin", bytes(range(256)))
    assert (tmp_path / "b.bin").read_bytes() == bytes(range(256))
    write_atomically(tmp_path / "c.bin", bytearray(b"xy"))
    assert (tmp_path / "c.bin").read_bytes() == b"xy"
    assert leftovers(tmp_path) == []


def test_an_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(b"x" * 10_000)
    write_atomically(path, b"short")
    assert path.read_bytes() == b"short"
    assert everything_under(tmp_path) == ["model.json"]


def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    write_atomically(tmp_path / "a" / "b" / "c.txt", "ok")
    assert (tmp_path / "a" / "b" / "c.txt").read_text() == "ok"


def test_data_that_is_not_bytes_or_text_is_refused_before_anything_is_created(
    tmp_path: Path,
) -> None:
    # bytes(5) would silently be five zero bytes
    with pytest.raises(TypeError, match="writes bytes or str, got int 5"):
        write_atomically(tmp_path / "new" / "x.bin", 5)  # type: ignore[arg-type]
    assert everything_under(tmp_path) == []


def test_a_symbolic_link_is_written_through_like_open_does(tmp_path: Path) -> None:
    real = tmp_path / "real" / "model.json"
    real.parent.mkdir()
    real.write_bytes(OLD)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"
    assert leftovers(tmp_path) == []


# -- permissions ---------------------------------------------------------------------------------


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    """``os.umask`` for one test: the process umask is restored afterwards."""
    original = os.umask(0o022)
    os.umask(original)
    yield os.umask
    os.umask(original)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_permissions_the_umask_gives(
    tmp_path: Path, umask: Callable[[int], int], mask: int, mode: int
) -> None:
    umask(mask)
    write_atomically(tmp_path / "new.txt", "x")
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == mode
    reference = tmp_path / "by_open.txt"
    reference.write_text("x")  # what open(path, "w") gives, for comparison
    assert stat.S_IMODE(reference.stat().st_mode) == mode


def test_a_replaced_file_keeps_its_permissions_like_open_does(
    tmp_path: Path, umask: Callable[[int], int]
) -> None:
    umask(0o022)
    path = tmp_path / "private.json"
    path.write_bytes(OLD)
    path.chmod(0o600)
    write_atomically(path, b"new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == b"new"


@pytest.mark.skipif(os.name == "posix" and os.geteuid() == 0, reason="root may write anything")
def test_a_read_only_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "frozen.json"
    path.write_bytes(OLD)
    path.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        write_atomically(path, b"new")
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_a_file_this_user_may_not_write_is_refused_even_when_run_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # root may write anything, so the check is made to answer as it would for another user
    path = tmp_path / "frozen.json"
    path.write_bytes(OLD)
    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK)
    with pytest.raises(PermissionError, match=r"read-only, so it is left as it is.*frozen\.json"):
        write_atomically(path, b"new")
    assert path.read_bytes() == OLD
    assert everything_under(tmp_path) == ["frozen.json"]


# -- paths ----------------------------------------------------------------------------------------


def test_tilde_means_the_home_folder_and_no_folder_named_tilde_appears(
    home_and_work: tuple[Path, Path],
) -> None:
    home, work = home_and_work
    written = write_atomically("~/slides/g.svg", "<svg/>")
    assert written == home / "slides" / "g.svg"
    assert (home / "slides" / "g.svg").read_text() == "<svg/>"
    assert output_path("~/m.json", {"json"}) == home / "m.json"
    assert everything_under(work) == []


@pytest.mark.parametrize(
    ("name", "shown"),
    [("anim.png", "'.png'"), ("model", "'(none)'"), ("model.json.bak", "'.bak'")],
)
def test_a_suffix_that_contradicts_the_format_is_refused_naming_the_choices(
    tmp_path: Path, name: str, shown: str
) -> None:
    message = (
        rf"cannot write an animation to '.*{name}': its suffix {re.escape(shown)} is not a "
        r"format this can write; use one of \.gif$"
    )
    with pytest.raises(ValueError, match=message):
        output_path(tmp_path / name, {"gif"}, "an animation")
    assert everything_under(tmp_path) == []


def test_suffixes_are_compared_without_case_and_no_formats_means_any(tmp_path: Path) -> None:
    assert output_path(tmp_path / "G.SVG", {"svg", "png"}) == tmp_path / "G.SVG"
    assert output_path(tmp_path / "notes", ()) == tmp_path / "notes"
    assert output_path(str(tmp_path / "x.weird")) == tmp_path / "x.weird"


@pytest.mark.parametrize("path", [None, 3, b"bytes.json", ["a.json"]])
def test_a_path_that_is_not_a_path_is_a_type_error(path: Any) -> None:
    with pytest.raises(TypeError, match=r"expected a file path \(str or pathlib\.Path\), got"):
        output_path(path, {"json"})


# -- failures: a size limit (a full disk), Ctrl-C, a kill --------------------------------------

SIZE_LIMITED_WRITE = """
    import resource, signal, sys
    from autograd_engine.files import write_atomically

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so the write fails with EFBIG, not a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    try:
        write_atomically(sys.argv[1], b"y" * 100_000)
    except OSError as error:
        print(error.errno)
    else:
        print("written")
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX resource limits")
@pytest.mark.parametrize("existing", [True, False])
def test_a_file_size_limit_mid_write_leaves_the_old_file_and_nothing_else(
    tmp_path: Path, existing: bool
) -> None:
    # RLIMIT_FSIZE stands in for a full disk: the write stops part-way with an OSError
    target = tmp_path / "model.json" if existing else tmp_path / "new" / "deeper" / "model.json"
    if existing:
        target.write_bytes(OLD)
    child = run_python(SIZE_LIMITED_WRITE, str(target))
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert out.strip() == str(errno.EFBIG)
    assert leftovers(tmp_path) == []
    if existing:
        assert target.read_bytes() == OLD
        assert everything_under(tmp_path) == ["model.json"]
    else:
        assert everything_under(tmp_path) == []  # the folders made for the file are gone too


KILLED_WRITE = """
    import os, sys, time
    from autograd_engine import files

    real_write = os.write
    calls = 0

    def slow_write(fd, data):
        # at most 1 MB a call; after 4 MB, say so and wait to be killed
        global calls
        calls += 1
        if calls == 5:
            print("mid-write", flush=True)
            time.sleep(120)
        return real_write(fd, data[: 1 << 20])

    files.os.write = slow_write
    files.write_atomically(sys.argv[1], b"z" * (16 << 20))
    print("finished", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_kill_mid_write_leaves_the_old_file_intact_and_one_hidden_temporary_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "model.json"
    target.write_bytes(OLD)
    child = run_python(KILLED_WRITE, str(target))
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "mid-write"
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert target.read_bytes() == OLD
    # nothing can clean up after SIGKILL (as the docstring says): the partial temporary file
    # stays, hidden, named after the target, holding the 4 MB written so far
    (leftover,) = leftovers(tmp_path)
    assert leftover.startswith(TEMP_PREFIX + "model.json-") and leftover.endswith(".tmp")
    assert (tmp_path / leftover).stat().st_size == 4 << 20
    # the next save works and does not touch the leftover (it could be another writer's)
    write_atomically(target, b"next")
    assert target.read_bytes() == b"next"
    assert leftovers(tmp_path) == [leftover]


@pytest.mark.parametrize("existing", [True, False])
def test_ctrl_c_at_any_bytecode_of_a_write_leaves_the_old_file_or_the_new_one_never_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # hundreds of writes: spare the disk
    new = b"the new checkpoint" * 100
    interrupted_at = 0
    for n in range(1, 100_000):
        folder = tmp_path / str(n)
        folder.mkdir()
        target = folder / "model.json" if existing else folder / "a" / "b" / "model.json"
        if existing:
            target.write_bytes(OLD)
        if not interrupted(partial(write_atomically, target, new), files.__file__, n):
            assert target.read_bytes() == new
            break
        interrupted_at += 1
        assert leftovers(folder) == [], f"temporary file left by an interrupt at step {n}"
        if not target.exists():
            assert not existing
            assert everything_under(folder) == [], f"folders left by an interrupt at step {n}"
        else:
            assert target.read_bytes() in (OLD, new) if existing else target.read_bytes() == new
    assert interrupted_at > 50  # the tracer really did reach every step of the write
    assert sys.exc_info() == (None, None, None)


def test_an_error_while_writing_removes_the_temporary_file_and_created_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    (tmp_path / "old.json").write_bytes(OLD)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(tmp_path / "old.json", b"new")
    with pytest.raises(OSError, match="No space left"):
        write_atomically(tmp_path / "x" / "y" / "new.json", b"new")
    assert everything_under(tmp_path) == ["old.json"]
    assert (tmp_path / "old.json").read_bytes() == OLD


def test_writing_over_a_folder_fails_and_leaves_it(tmp_path: Path) -> None:
    (tmp_path / "model.json").mkdir()
    with pytest.raises(IsADirectoryError):
        write_atomically(tmp_path / "model.json", b"new")
    assert everything_under(tmp_path) == ["model.json"]
