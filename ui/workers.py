"""Long work off the GUI thread: imports, analysis, exports, previews and the sample case.

A `Job` runs one function `work(progress)` on its own QThread and reports through Qt signals.
The progress callable returns False once the user has pressed Cancel, so the library raises
`Cancelled` and rolls back. Each job that touches the case opens its own CaseFile connection
in the worker thread (SQLite connections stay in the thread that made them).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from linkgraph.case import CaseFile
from linkgraph.errors import Cancelled, LinkgraphError
from linkgraph.progress import Progress

log = logging.getLogger("linkgraph.ui")
PROGRESS_INTERVAL = 0.05   # seconds between progress signals, so a fast loop cannot flood the GUI thread


class Job(QObject):
    """One piece of work on a worker thread: `succeeded(result)`, `failed(message)` or `cancelled()`, then
    `done(job)` and `ended()`. Connect them to methods of GUI-thread QObjects (PySide runs a plain lambda
    on the emitting thread)."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    done = Signal(object)        # the job itself, once it has ended (for slots that track several jobs)
    ended = Signal()

    def __init__(self, title: str, work: Callable[[Progress], Any]) -> None:
        super().__init__()
        self.title = title
        self.work = work
        self.cancel_requested = False
        self.outcome: str | None = None        # "succeeded", "failed" or "cancelled" once ended
        self.result: Any = None
        self.error: str | None = None
        self._last = 0.0
        self.thread: QThread | None = None

    def cancel(self) -> None:
        """Ask the work to stop at its next progress report (it rolls back)."""
        self.cancel_requested = True

    def progress(self, done: int, total: int | None, message: str = "") -> bool:
        """The Progress given to the library: reports at most every 50 ms; False once cancelled."""
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL or (total and done >= total):
            self._last = now
            self.progressed.emit(int(done), int(total or 0), str(message))
        return not self.cancel_requested

    def run(self) -> None:
        """Run the work (on the worker thread) and report how it ended."""
        try:
            if self.cancel_requested:
                raise Cancelled(f"{self.title} cancelled")
            self.result = self.work(self.progress)
        except Cancelled:
            self.outcome = "cancelled"
            self.cancelled.emit()
        except LinkgraphError as exc:
            self.outcome, self.error = "failed", str(exc)
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown to the user as a sentence, logged in full
            log.exception("%s failed", self.title)
            self.outcome = "failed"
            self.error = f"{self.title} failed unexpectedly: {exc}. The case was left as it was."
            self.failed.emit(self.error)
        else:
            self.outcome = "succeeded"
            self.succeeded.emit(self.result)
        finally:
            self.done.emit(self)
            self.ended.emit()

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()


class _Keeper(QObject):
    """Holds every running job and its thread until the thread has finished (a QThread must not be
    garbage-collected while it runs); lives on the GUI thread, so its slot runs there."""

    def __init__(self) -> None:
        super().__init__()
        self.running: set[Job] = set()

    def release(self, job: Job) -> None:
        if job.thread is not None:
            job.thread.wait()
        self.running.discard(job)


_keeper: _Keeper | None = None


def start(job: Job) -> Job:
    """Start a job on a new thread (call from the GUI thread); the thread quits when the job ends."""
    global _keeper
    if _keeper is None:
        _keeper = _Keeper()
    thread = QThread()
    job.thread = thread
    job.moveToThread(thread)
    thread.started.connect(job.run)
    job.ended.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    job.done.connect(_keeper.release)
    _keeper.running.add(job)
    thread.start()
    return job


def running_jobs() -> list[Job]:
    """Jobs whose threads have not been released yet."""
    return list(_keeper.running) if _keeper else []


class JobProgressDialog(QProgressDialog):
    """A progress dialog following a job; Cancel cancels it, and it closes when the job ends.

    Its slots are methods of a GUI-thread object, so the job's signals arrive queued on the GUI thread.
    """

    def __init__(self, parent: QWidget | None, job: Job, *, cancellable: bool = True) -> None:
        super().__init__(job.title, "Cancel", 0, 0, parent)
        self.job = job
        self.setWindowTitle(job.title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(300)
        self.setAutoClose(False)
        self.setAutoReset(False)
        if not cancellable:
            self.setCancelButton(None)
        job.progressed.connect(self.on_progress)
        job.ended.connect(self.on_ended)
        self.canceled.connect(self.on_cancel)

    def on_progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.setMaximum(total)
            self.setValue(min(done, total))
        if message:
            self.setLabelText(message)

    def on_cancel(self) -> None:
        self.setLabelText("Cancelling: undoing what was written ...")
        self.job.cancel()

    def on_ended(self) -> None:
        self.close()
        self.deleteLater()


# ---- the work itself: each opens its own connection ------------------------------------------
def import_work(case_path: Path, file: Path, options: Any, passphrase: str | None = None) -> Callable[[Progress], Any]:
    """Import one file into the case at `case_path` (the same `importers.import_file` the CLI calls)."""
    def work(progress: Progress) -> Any:
        from importers import import_file

        with CaseFile.open(case_path, passphrase=passphrase) as case:
            return import_file(case, file, options, progress)
    return work


def preview_work(file: Path, options: Any, timezone: str, region: str) -> Callable[[Progress], Any]:
    """Preview an import (kind, profile, mapping, first rows, rows that would be rejected)."""
    def work(progress: Progress) -> Any:
        from importers.preview import preview_import

        return preview_import(file, options, timezone=timezone, region=region, progress=progress)
    return work


def analysis_work(case_path: Path, params: Any = None, *, save: bool = True,
                  passphrase: str | None = None) -> Callable[[Progress], Any]:
    """Run `linkgraph.analysis.analyze` and keep the run in the case (as `linkgraph analyze` does)."""
    def work(progress: Progress) -> Any:
        from linkgraph.analysis import AnalysisParams, analyze

        chosen = params or AnalysisParams()
        with CaseFile.open(case_path, passphrase=passphrase) as case:
            result = analyze(case, chosen, progress)
            if save:
                result["run_id"] = case.record_analysis(chosen.as_dict(), result)
        return result
    return work


def name_match_work(case_path: Path, passphrase: str | None = None) -> Callable[[Progress], Any]:
    """Persons whose names may be one person (`identity.suggest_name_matches`), as dicts, best first."""
    def work(progress: Progress) -> Any:
        from linkgraph.identity import suggest_name_matches

        with CaseFile.open(case_path, passphrase=passphrase, read_only=True) as case:
            people = [(e.id, e.label) for e in case.entities("Person")]
        progress(0, 1, "Comparing names")
        return [dict(m.__dict__) for m in suggest_name_matches(people)]
    return work


def export_work(case_path: Path, fmt: str, out: Path, options: Any = None,
                passphrase: str | None = None) -> Callable[[Progress], Any]:
    """Write an export with `linkgraph.exports.export` (audited in the case)."""
    def work(progress: Progress) -> Any:
        from linkgraph.exports import export

        with CaseFile.open(case_path, passphrase=passphrase) as case:
            return export(case, fmt, out, options, progress)
    return work


def sample_work(target: Path) -> Callable[[Progress], Any]:
    """Build the bundled sample case (Operation Crossroads) at `target`."""
    def work(progress: Progress) -> Any:
        from sample_cases.build import build_case

        partial = target.with_name(target.name + ".building")
        partial.unlink(missing_ok=True)
        try:
            build_case(partial, progress)
            if progress(1, 1, "Done") is False:
                raise Cancelled("building the sample case cancelled")
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
        return target
    return work
