"""Writing small files so a crash or a power cut leaves the old content or the new, never half."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path``: a temporary file beside it, fsync, replace, fsync the folder.

    ``mode`` sets the new file's permission bits (where the platform has them) before any data
    is written, so a private file is never readable by others, not even for a moment. Raises
    OSError; the old file (if any) is then untouched and no temporary file is left.
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        if mode is not None and os.name == "posix":
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    fsync_directory(directory)


def keep_aside(path: Path, now: float | None = None) -> Path | None:
    """Copy a damaged file to ``<name>.bad-<date>-<time>`` beside it, so nothing is lost.

    Returns the copy, or None when it could not be made (logged by the caller's message).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))
    backup = path.with_name(f"{path.name}.bad-{stamp}")
    counter = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.bad-{stamp}-{counter}")
        counter += 1
    try:
        shutil.copy2(path, backup)
    except OSError:
        return None
    return backup


def fsync_directory(directory: Path) -> None:
    """Make a rename or a removal in ``directory`` durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; its renames are durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
