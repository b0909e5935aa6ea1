"""Progress and cancellation for long work, the same for the CLI and the GUI.

A `Progress` is any callable `(done, total, message) -> bool | None`; returning False
asks the work to stop (it raises `Cancelled` and rolls back what it was writing).
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO


class Progress(Protocol):
    def __call__(self, done: int, total: int | None, message: str = "") -> bool | None: ...


def no_progress(done: int, total: int | None, message: str = "") -> bool | None:
    """Progress that shows nothing and never cancels."""
    return None


class TerminalProgress:
    """A one-line bar on stderr, redrawn at most ten times a second, only when stderr is a terminal."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int | None, message: str = "") -> bool | None:
        if not self.enabled:
            return None
        now = time.monotonic()
        if now - self._last < 0.1 and (total is None or done < total):
            return None
        self._last = now
        if total:
            filled = int(30 * min(done, total) / total)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {100 * done / total:5.1f}%"
        else:
            bar = f"{done:,}"
        self.stream.write(f"\r{message[:40]:<40} {bar}")
        self.stream.flush()
        self._shown = True
        return None

    def done(self) -> None:
        """End the bar's line so the next output starts clean."""
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
