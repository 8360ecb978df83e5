"""One writer per DATA_DIR: the exclusive lock a crawl (or an extract or merge into its
database) holds on DATA_DIR/.crawl.lock for its whole life.

Two crawls into one DATA_DIR (overlapping cron runs) would both fail later on "database is
locked"; the second is refused at once instead.  The lock is an flock on an open file: the
kernel drops it when the process ends, however it ends, so a crawl killed by SIGKILL leaves
no stale lock behind.  The file holds the holder's pid and command, for the refusal message.
Helper processes start from a forkserver or by spawn and do not hold the lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = ".crawl.lock"

# Open lock files of this process, by folder: never closed (closing would drop the lock),
# and a second command run in this process finds its lock already held.
_held: dict[Path, int] = {}


class DataDirInUse(Exception):
    """DATA_DIR is locked by another process, or its lock file cannot be made."""


def lock_data_dir(data_dir: Path, command: str) -> None:
    """Take data_dir's lock for the rest of this process's life, creating the folder;
    raises DataDirInUse, naming the holder, when another process has it."""
    key = data_dir.absolute()
    if key in _held:
        return
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        # Not truncated before locking: the file names the holder until the lock is ours.
        fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DataDirInUse(f"DATA_DIR {data_dir}: cannot create its lock file "
                           f"({exc.strerror or exc})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise DataDirInUse(f"DATA_DIR {data_dir} is in use by another {holder}") from None
    except OSError as exc:  # a file system without flock
        os.close(fd)
        raise DataDirInUse(f"DATA_DIR {data_dir}: cannot lock {LOCK_NAME} "
                           f"({exc.strerror or exc})") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} {command}\n".encode(), 0)
    _held[key] = fd


def _holder(fd: int) -> str:
    """'crawl (pid N)' from the holder's lock file ('crawl (pid unknown)' while it writes it)."""
    pid, _, command = os.pread(fd, 200, 0).decode("utf-8", "replace").strip().partition(" ")
    what = "crawl" if command in ("", "crawl") else f"scrapy {command}"
    return f"{what} (pid {pid if pid.isdigit() else 'unknown'})"
