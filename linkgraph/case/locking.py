"""Who has a case open for writing: an OS lock on a sidecar file, so another program is reported by name.

SQLite itself keeps two writers from corrupting a case (every write is one `BEGIN IMMEDIATE`
transaction and waits up to the busy timeout). This lock adds the human side: a second program
that wants to write is told who holds the case (user, computer, process, since when). The OS
releases the lock when the holder exits or crashes, so there is never a stale lock to clear.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkgraph.errors import CaseFileError
from linkgraph.times import now_iso

LOCK_SUFFIX = ".lock"
LOCK_OFFSET = 1 << 30  # the locked byte lies past the holder text, so Windows readers can still read it
_held: dict[str, tuple[int, int]] = {}  # resolved lock path -> (file descriptor, how many holders here)


class CaseInUseError(CaseFileError):
    """The case is open for writing in another program."""


@dataclass(frozen=True)
class Holder:
    """The program that holds a case open for writing."""

    user: str
    host: str
    pid: int
    since: str
    program: str

    def describe(self) -> str:
        return f"{self.user} on {self.host} (process {self.pid}, {self.program}) since {self.since}"


def lock_path(case_path: Path) -> Path:
    """The sidecar lock file of a case: 'case.lgcase.lock' next to it."""
    case_path = Path(case_path)
    return case_path.with_name(case_path.name + LOCK_SUFFIX)


def _try_lock(fd: int) -> bool:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, LOCK_OFFSET, os.SEEK_SET)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.lockf(fd, fcntl.LOCK_UN, 1, LOCK_OFFSET, os.SEEK_SET)


def _read_holder(path: Path) -> Holder | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8") or "{}")
        return Holder(str(data["user"]), str(data["host"]), int(data["pid"]), str(data["since"]),
                      str(data.get("program", "linkgraph")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _same_file(fd: int, path: Path) -> bool:
    """The lock file we locked is still the one at `path` (not unlinked by a holder that just left)."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


class CaseLock:
    """Hold a case for writing (a context manager); `acquire` names the other holder when there is one."""

    def __init__(self, case_path: str | Path) -> None:
        self.case_path = Path(case_path)
        self.path = lock_path(self.case_path)
        self._key = str(self.path.resolve())
        self._locked = False

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, or raise CaseInUseError saying who holds it; `wait` seconds are given to a holder that
        is about to finish (a command writing one note) before giving up."""
        if wait > 0:
            import time

            deadline = time.monotonic() + wait
            while True:
                try:
                    return self.acquire()
                except CaseInUseError:
                    if time.monotonic() >= deadline:
                        raise
                    time.sleep(0.05)
        if self._locked:
            return
        if self._key in _held:
            fd, count = _held[self._key]
            _held[self._key] = (fd, count + 1)
            self._locked = True
            return
        from linkgraph.case.case_file import os_user

        for _attempt in range(5):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise CaseFileError(f"{self.case_path}: cannot create the lock file {self.path.name} ({exc})") from exc
            if not _try_lock(fd):
                os.close(fd)
                holder = _read_holder(self.path)
                who = holder.describe() if holder else "another program"
                raise CaseInUseError(
                    f"{self.case_path.name} is open for writing by {who}; close it there first "
                    "(reading it is still safe)"
                )
            if os.name == "nt" or _same_file(fd, self.path):
                break
            _unlock(fd)
            os.close(fd)
        else:
            raise CaseFileError(f"{self.case_path}: could not take the lock file {self.path.name}; try again")
        text = json.dumps({
            "user": os_user(), "host": socket.gethostname(), "pid": os.getpid(), "since": now_iso(),
            "program": os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python",
        }).encode("utf-8")
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, text)
        os.fsync(fd)
        _held[self._key] = (fd, 1)
        self._locked = True

    def release(self) -> None:
        """Let go of the lock (the last holder in this program removes the lock file)."""
        if not self._locked:
            return
        self._locked = False
        fd, count = _held[self._key]
        if count > 1:
            _held[self._key] = (fd, count - 1)
            return
        del _held[self._key]
        if os.name != "nt":
            self.path.unlink(missing_ok=True)
        else:
            os.ftruncate(fd, 0)
        _unlock(fd)
        os.close(fd)
        if os.name == "nt":
            try:
                self.path.unlink()
            except OSError:
                pass

    @property
    def locked(self) -> bool:
        return self._locked

    def __enter__(self) -> CaseLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(case_path: str | Path) -> Holder | None:
    """Who holds the case open for writing in another program right now (None when nobody does)."""
    path = lock_path(Path(case_path))
    if not path.exists() or str(path.resolve()) in _held:
        return None
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        if _try_lock(fd):
            _unlock(fd)
            return None
    finally:
        os.close(fd)
    return _read_holder(path) or Holder("unknown", "unknown", 0, "unknown", "unknown")
