"""Work done beside the caller: a forked child process computes it while the caller goes on, so the
findings (swaps, co-locations, circuits) and the measures (centrality, groups, disruption) of one big
analysis use two cores. Only where forking is safe (Linux, asked for by a command-line run, which holds
no other threads); anywhere else, and whenever the child fails, the work is done in the caller.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable
from typing import Any


def can_fork() -> bool:
    """Forking is safe here: Linux, and this process runs no other Python thread."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


class Beside:
    """`Beside(work, allowed)` starts `work()` in a forked child (when allowed and safe); `result()` gives its
    value, computed in the caller instead if the child could not be started or failed. `first`: work the child
    does before `work`, whose value `first_result()` gives as soon as it is ready (the caller needs it sooner)."""

    def __init__(self, work: Callable[[], Any], allowed: bool, first: Callable[[], Any] | None = None) -> None:
        self.work = work
        self.first = first
        self.first_pending = first is not None      # the child's first value not read yet
        self.process: Any = None
        self.reader: Any = None
        if not (allowed and can_fork()):
            return
        for stream in (sys.stdout, sys.stderr):       # nothing buffered may be written twice (by the child too)
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        try:
            context = multiprocessing.get_context("fork")
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(work, writer, first), daemon=True)
            process.start()
            writer.close()
            self.process, self.reader = process, reader
        except (OSError, ValueError):
            self.process = self.reader = None

    @property
    def forked(self) -> bool:
        return self.process is not None

    def first_result(self) -> Any:
        """The value of `first` (computed here if the child could not give it); asked for once."""
        if self.first is None or not self.first_pending:
            raise RuntimeError("no first work to give, or given already")
        self.first_pending = False
        if self.process is None:
            return self.first()
        try:
            done, value = self.reader.recv()
        except (EOFError, OSError):
            done, value = False, None
        return value if done else self.first()

    def result(self) -> Any:
        if self.process is None:
            return self.work()
        if self.first_pending:                        # the caller did not need it after all
            self.first_pending = False
            try:
                self.reader.recv()
            except (EOFError, OSError):
                pass
        try:
            done, value = self.reader.recv()
        except (EOFError, OSError):
            done, value = False, None
        finally:
            self.reader.close()
            self.process.join()
            self.process = None
        return value if done else self.work()

    def close(self) -> None:
        """Stop the child (an analysis cancelled or failed before its result was needed)."""
        if self.process is not None:
            self.process.terminate()
            self.process.join()
            self.reader.close()
            self.process = None


def _child(work: Callable[[], Any], writer: Any, first: Callable[[], Any] | None = None) -> None:
    sender = None
    if first is not None:
        try:
            early = (True, first())
        except BaseException:             # the caller does it itself
            early = (False, None)
        # Sent from a thread: a value bigger than the pipe holds (a row per entity) would otherwise keep the child
        # waiting, its work not begun, until the caller reads it.
        sender = threading.Thread(target=writer.send, args=(early,), name="first-result", daemon=True)
        sender.start()
    try:
        value = (True, work())
    except BaseException:                 # the caller does the work itself
        value = (False, None)
    try:
        if sender is not None:
            sender.join()
        writer.send(value)
    finally:
        writer.close()
