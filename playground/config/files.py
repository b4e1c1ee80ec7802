"""Writing user files safely: owner-only (0600 files, 0700 directories) and
atomic (temp file, then rename), so a crash never leaves a half-written
config or export; and writing into what is not a regular file (a pipe, a
terminal, /dev/null) without ever replacing it."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from playground.core.errors import UserError

# Paths that name streams and devices, even when they resolve to a regular
# file (/dev/stdout redirected to a file): written into, never replaced.
_STREAM_ROOTS = ("/dev/", "/proc/")


def make_private_dirs(directory: Path) -> None:
    """Create `directory` and every missing parent with mode 0700 (`mkdir(parents=True)`
    gives the parents the umask's mode, usually 0755)."""
    missing: list[Path] = []
    current = Path(directory)
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)


def write_private(path: Path, text: str, *, parents: bool = True) -> None:
    """Atomically replace `path` with `text`, readable by the owner only. A
    symlink stays a symlink: the file it points to is replaced. `parents`:
    create missing directories (0700); otherwise a missing one is an error."""
    path = Path(path)
    target = Path(os.path.realpath(path))
    try:
        if parents:
            make_private_dirs(target.parent)
        elif not target.parent.is_dir():
            raise UserError(f"cannot write {path}: directory {target.parent} does not exist")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def is_stream(path: Path) -> bool:
    """Whether `path` exists and is not a regular file to replace: a pipe,
    socket, terminal or other device, or any path under /dev or /proc."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    if stat.S_ISDIR(mode):
        return False
    return not stat.S_ISREG(mode) or str(Path(path).absolute()).startswith(_STREAM_ROOTS)


def write_output(path: Path, text: str, *, parents: bool = False) -> None:
    """Where a user sends output (`--out`): into an existing stream or device
    as it is; otherwise an atomic owner-only file (`write_private`)."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"cannot write {path}: it is a directory; give a file name")
    if not is_stream(path):
        write_private(path, text, parents=parents)
        return
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
