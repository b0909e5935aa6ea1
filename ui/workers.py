"""Long work off the GUI thread: imports, analysis, exports, previews and the sample case.

A `Job` runs one function `work(progress)` from its own QThread and reports through Qt signals.
The progress callable returns False once the user has pressed Cancel, so the library raises
`Cancelled` and rolls back. Heavy work (`InProcess`: imports, analysis, exports, the sample case,
name matching) runs in a separate Python process that the thread watches: pandas, igraph and
SQLite hold the GIL for long stretches, and in a thread of the GUI's own process they stalled the
event loop for 250-350 ms at a time; in a child process the GUI never waits for them. Each job
opens its own CaseFile connection where it runs (SQLite connections never cross threads).
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import queue
import time
import traceback
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
CANCEL_GRACE = 1.0         # seconds a child process has to stop after Cancel before it is ended (a layout in C
                           # never asks whether to go on; nothing it does is written anywhere)


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
        self.in_process = isinstance(work, InProcess)
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
            self.result = self._run_in_process() if self.in_process else self.work(self.progress)
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

    def _run_in_process(self) -> Any:
        """Run the work in a child process; relay its progress, pass Cancel on, return its result."""
        context = multiprocessing.get_context("spawn")
        messages = context.Queue()
        stop = context.Event()
        child = context.Process(target=_child_main, args=(self.work, messages, stop), daemon=True,
                                name=f"linkgraph: {self.title}")
        child.start()
        asked: float | None = None
        try:
            while True:
                if self.cancel_requested:
                    stop.set()
                    asked = asked or time.monotonic()
                    if self.work.killable and time.monotonic() - asked > CANCEL_GRACE:
                        child.kill()
                        raise Cancelled(f"{self.title} cancelled")
                try:
                    message = messages.get(timeout=0.05)
                except queue.Empty:
                    if child.is_alive():
                        continue
                    try:
                        message = messages.get(timeout=1.0)
                    except queue.Empty:
                        raise LinkgraphError(
                            f"{self.title} stopped unexpectedly (worker exit code {child.exitcode}); "
                            "nothing half-done was kept") from None
                kind = message[0]
                if kind == "progress":
                    self.progress(*message[1:])
                elif kind == "ok":
                    if self.cancel_requested and self.work.killable:   # nothing to keep: Cancel wins the race
                        raise Cancelled(f"{self.title} cancelled")
                    return message[1]
                elif kind == "cancelled":
                    raise Cancelled(message[1])
                elif kind == "failed":
                    raise LinkgraphError(message[1])
                else:
                    log.error("%s failed in its worker process\n%s", self.title, message[2])
                    raise RuntimeError(message[1])
        finally:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
                child.join()

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()


class InProcess(functools.partial):
    """Work for a child process: a module-level function with its arguments bound (so it pickles).
    `killable` work (it writes nothing: a layout) is ended outright when it does not stop soon after Cancel."""

    killable = False


class Killable(InProcess):
    killable = True


def _layout(nodes: list[int], edges: list[tuple[int, int]], communities: dict[int, int] | None, name: str,
            pinned: dict[int, tuple[float, float]] | None, progress: Progress) -> Any:
    import networkx as nx

    from linkgraph.layout import layout

    progress(0, 0, f"Laying out {len(nodes):,} entities")
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return layout(graph, name, pinned=pinned, communities=communities)


def layout_work(nodes: list[int], edges: list[tuple[int, int]], name: str, *,
                communities: dict[int, int] | None = None,
                pinned: dict[int, tuple[float, float]] | None = None) -> InProcess:
    """A chart layout (`linkgraph.layout.layout`) in a child process: the chart stays live, Cancel ends it."""
    return Killable(_layout, list(nodes), list(edges), communities, name, pinned)


def _child_main(work: Callable[[Progress], Any], messages: Any, stop: Any) -> None:
    """The child process: run the work, sending progress (every 50 ms at most) and then how it ended."""
    last = [0.0]

    def progress(done: int, total: int | None, message: str = "") -> bool:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL or (total and done >= total):
            last[0] = now
            messages.put(("progress", int(done), int(total or 0), str(message)))
        return not stop.is_set()

    try:
        result = work(progress)
    except Cancelled as exc:
        messages.put(("cancelled", str(exc)))
    except LinkgraphError as exc:
        messages.put(("failed", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which logs it and shows a sentence
        messages.put(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    else:
        messages.put(("ok", result))


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


# ---- the work itself: each opens its own connection where it runs ------------------------------
def _import(case_path: Path, file: Path, options: Any, passphrase: str | None, progress: Progress) -> Any:
    from importers import import_file

    with CaseFile.open(case_path, passphrase=passphrase) as case:
        return import_file(case, file, options, progress)


def import_work(case_path: Path, file: Path, options: Any, passphrase: str | None = None) -> InProcess:
    """Import one file into the case at `case_path` (the same `importers.import_file` the CLI calls)."""
    return InProcess(_import, Path(case_path), Path(file), options, passphrase)


def _preview(file: Path, options: Any, timezone: str, region: str, progress: Progress) -> Any:
    from importers.preview import preview_import

    return preview_import(file, options, timezone=timezone, region=region, progress=progress)


def preview_work(file: Path, options: Any, timezone: str, region: str) -> Callable[[Progress], Any]:
    """Preview an import (kind, profile, mapping, first rows, rows that would be rejected): quick, on a thread."""
    return functools.partial(_preview, Path(file), options, timezone, region)


def _analyse(case_path: Path, params: Any, save: bool, passphrase: str | None, progress: Progress) -> Any:
    from linkgraph.analysis import analyze_and_record

    with CaseFile.open(case_path, passphrase=passphrase) as case:
        return analyze_and_record(case, params, progress, save=save)


def analysis_work(case_path: Path, params: Any = None, *, save: bool = True,
                  passphrase: str | None = None) -> InProcess:
    """Run `linkgraph.analysis.analyze` and keep the run in the case (as `linkgraph analyze` does)."""
    return InProcess(_analyse, Path(case_path), params, save, passphrase)


def _names(case_path: Path, passphrase: str | None, progress: Progress) -> Any:
    from linkgraph.identity import suggest_name_matches

    with CaseFile.open(case_path, passphrase=passphrase, read_only=True) as case:
        people = [(e.id, e.label) for e in case.entities("Person")]
    progress(0, 1, "Comparing names")
    return [dict(m.__dict__) for m in suggest_name_matches(people)]


def name_match_work(case_path: Path, passphrase: str | None = None) -> InProcess:
    """Persons whose names may be one person (`identity.suggest_name_matches`), as dicts, best first."""
    return InProcess(_names, Path(case_path), passphrase)


def _export(case_path: Path, fmt: str, out: Path, options: Any, passphrase: str | None, read_only_reason: str | None,
            progress: Progress) -> Any:
    from linkgraph.exports import export

    with CaseFile.open(case_path, passphrase=passphrase, read_only=read_only_reason is not None) as case:
        case.read_only_reason = case.read_only_reason or read_only_reason
        written = export(case, fmt, out, options, progress)
        if case.unrecorded:              # a read-only case: the export's audit entry goes beside its files
            from linkgraph.case.case_file import record_path

            written.append(case.write_unrecorded(record_path(Path(out)), written))
        return written


def export_work(case_path: Path, fmt: str, out: Path, options: Any = None,
                passphrase: str | None = None, read_only_reason: str | None = None) -> InProcess:
    """Write an export with `linkgraph.exports.export` (audited in the case; from a read-only case, recorded in
    `linkgraph-record.json` beside the files)."""
    return InProcess(_export, Path(case_path), fmt, Path(out), options, passphrase, read_only_reason)


def _sample(target: Path, progress: Progress) -> Path:
    from sample_cases.build import build_case

    partial = target.with_name(target.name + ".building")
    partial.unlink(missing_ok=True)
    try:
        build_case(partial, progress, review=True)   # with the analyst's confirmed matches and roles
        if progress(1, 1, "Done") is False:
            raise Cancelled("building the sample case cancelled")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target


def sample_work(target: Path) -> InProcess:
    """Build the bundled sample case (Operation Crossroads) at `target`."""
    return InProcess(_sample, Path(target))
