"""Phone-records import speed: a 1,000,000-row carrier-style CSV and a 100,000-row XLSX, each into a fresh case.

    python benchmarks/import_phone.py [--rows 1000000] [--xlsx-rows 100000] [--keep DIR]   (--xlsx-rows 0: CSV only)
    python benchmarks/import_phone.py --thread-cpu ...    # and each thread's CPU seconds (importer, writer, ...)
    python benchmarks/import_phone.py --memory [--memory-rows 1000000,5000000] [--rounds 2] [--keep DIR]

Prints the machine, rows/s, seconds and peak memory (resident set) of each import. Each import
runs in its own process so the peak memory is that import's alone; the clock starts once the importer's
Python modules are loaded (as in the desktop app, which loads them once), and that loading time is printed
beside it. Targets on a 2-core machine:
the CSV in 6 s or less with 1.5 GiB peak or less, the XLSX in 4 s or less.

`--memory` imports CSVs of each size in `--memory-rows`, read in batches (importers/phone_batches.py) and read
whole, alternating (`--rounds` times) so a busy machine slows both alike, and prints each peak and the ratio of
the biggest file's peak to the smallest's: read in batches, peak memory stays flat as the file grows.
`--batch-rows N` sets the batch size (default: importers.phone.BATCH_ROWS); `--modes batches` imports only in
batches (a 10,000,000-row file read whole needs about 8 GiB).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import re
import resource
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from queue import Empty

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 2095550123


def carrier_frame(rows: int, seed: int = 7, days_before: int = 0) -> pd.DataFrame:
    """T-Mobile-style rows: one target number, 5,000 contacts, calls and texts over 90 days, 60 towers
    (`days_before`: the 90 days start that many days later, so parts written one after another stay in order)."""
    rng = np.random.default_rng(seed)
    contacts = 12000000000 + rng.choice(np.arange(2000000000, 9999999999, 977), 5000, replace=False)
    other = contacts[rng.integers(0, len(contacts), rows)]
    outgoing = rng.random(rows) < 0.55
    sms = rng.random(rows) < 0.4
    first = 1709251200 + days_before * 86400
    start = np.sort(rng.integers(first, first + 90 * 86400, rows))
    stamp = pd.to_datetime(start, unit="s")
    site = rng.integers(0, 60, rows)
    sector = rng.integers(0, 3, rows)
    duration = np.where(sms, 0, rng.integers(0, 1800, rows))
    call_type = np.where(sms, np.where(outgoing, "mSOriginatingSMSinMSC", "mSTerminatingSMSinMSC"),
                         np.where(outgoing, "mSOriginating", "mSTerminating"))

    def site_col(values: np.ndarray) -> np.ndarray:
        return np.where(sms, "", values.astype(str))

    return pd.DataFrame({
        "Date": stamp.strftime("%m/%d/%Y"), "(UTC) Time": stamp.strftime("%H:%M:%S"), "Duration": duration,
        "Call Type": call_type, "Direction": np.where(outgoing, "Outgoing", "Incoming"),
        "Calling Number": np.where(outgoing, TARGET + 10000000000, other),
        "Dialed Number": np.where(outgoing, other - 10000000000, TARGET),
        "Called Number": np.where(outgoing, other, TARGET + 10000000000),
        "IMSI": "310260418822017", "IMEI": "356938035643809",
        "1st LTE Site ID": site_col(40000 + site), "1st LTE Sector ID": site_col(sector + 1),
        "1st Tower Azimuth": site_col(sector * 120),
        "1st Tower LAT": site_col(np.round(37.9 + site / 1000, 6)),
        "1st Tower LONG": site_col(np.round(-121.3 - site / 1000, 6)),
        "Last LTE Site ID": site_col(40000 + site), "Last LTE Sector ID": site_col(sector + 1),
        "Last Tower Azimuth": site_col(sector * 120),
    })


PART_ROWS = 1_000_000         # a bigger CSV is written a million rows (a new 90 days, new contacts) at a time


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("T-Mobile USA, Inc. - Law Enforcement Relations\nAll times are in UTC\n\n")
        for part, begin in enumerate(range(0, rows, PART_ROWS)):
            frame = carrier_frame(min(PART_ROWS, rows - begin), seed=7 + part, days_before=90 * part)
            frame.to_csv(handle, index=False, header=part == 0, lineterminator="\n")
        handle.write(f"\nTotal Records: {rows}\n")


def write_xlsx(path: Path, rows: int) -> None:
    frame = carrier_frame(rows, seed=11)
    frame.to_excel(path, index=False, engine="openpyxl")


def _import(path: str, case: str, queue, batch_rows: int | None = None) -> None:
    """One import, its figures put on `queue`; a failure is put there as its traceback (the parent says so and
    stops, rather than wait for figures that never come)."""
    try:
        _timed_import(path, case, queue, batch_rows)
    except BaseException:
        queue.put(traceback.format_exc())
        raise


def _timed_import(path: str, case: str, queue, batch_rows: int | None) -> None:
    loading = time.perf_counter()
    from importers import import_file, kind_module
    from importers.options import ImportOptions
    from linkgraph.case import CaseFile

    kind_module("phone")          # the importer and its libraries (pandas, pyarrow) load once per process
    import importers.phone_batches  # noqa: F401   (loaded by the first import otherwise)

    loaded = time.perf_counter() - loading
    began = time.perf_counter()
    cpu = _cpu_seconds()
    extra = {"batch_rows": batch_rows} if batch_rows else {}
    threads = ThreadCpu() if os.environ.get(THREAD_CPU) else None
    with CaseFile.create(Path(case), name="bench", timezone="America/Los_Angeles", region="US") as opened:
        result = import_file(opened, Path(path), ImportOptions(kind="phone", extra=extra))
    seconds = time.perf_counter() - began
    cpu = _cpu_seconds() - cpu
    if threads is not None:
        print(f"  CPU by thread: {threads.stop()}", flush=True)
    queue.put((seconds, peak_memory_kib(), result.rows_imported, result.links_created, result.profile, loaded, cpu))


THREAD_CPU = "LINKGRAPH_BENCH_THREAD_CPU"    # set by --thread-cpu for the import processes


class ThreadCpu:
    """Each thread's CPU seconds during an import (--thread-cpu): the threads' /proc stat read every 20 ms, so
    threads that end before the import does (the writer, the hasher, Arrow's parsers) are counted too. Which
    thread is short of CPU, and which waits, is what a profile of the importing thread alone cannot show."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, float]] = {}      # thread id -> (name, CPU seconds when last read)
        self._start = self._read()
        self._running = True
        self._sampler = threading.Thread(target=self._sample, name="bench-thread-cpu", daemon=True)
        self._sampler.start()

    def _read(self) -> dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        names = {str(thread.native_id): thread.name for thread in threading.enumerate()}
        found = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                stat = Path(f"/proc/self/task/{tid}/stat").read_text()
            except OSError:
                continue                                    # ended meanwhile
            fields = stat[stat.rindex(")") + 2:].split()
            found[tid] = (int(fields[11]) + int(fields[12])) / tick
            self._seen[tid] = (names.get(tid, self._seen.get(tid, ("other",))[0]), found[tid])
        return found

    def _sample(self) -> None:
        while self._running:
            self._read()
            time.sleep(0.02)

    def stop(self) -> str:
        """The CPU seconds per thread name (pools' numbered threads together), biggest first."""
        self._running = False
        self._sampler.join()
        self._read()
        totals: dict[str, float] = {}
        for tid, (name, seconds) in self._seen.items():
            if name == "bench-thread-cpu":
                continue
            key = re.sub(r"[-_\d]+$", "", name) or "other"
            totals[key] = totals.get(key, 0.0) + seconds - self._start.get(tid, 0.0)
        return ", ".join(f"{name} {value:.2f} s" for name, value in sorted(totals.items(), key=lambda i: -i[1])
                         if value >= 0.01)


def _cpu_seconds() -> float:
    """CPU time this process used (user + system, every thread): on a busy machine a steadier measure than the
    wall clock, since waiting for a core is not counted."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_memory_kib() -> int:
    """This process's peak resident memory: VmHWM on Linux (ru_maxrss there keeps the parent's peak
    across exec), ru_maxrss elsewhere (bytes on macOS)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def measure(path: Path, folder: Path, label: str, batch_rows: int | None = None) -> tuple[float, int, float]:
    """One import in its own process; prints and returns its seconds, peak memory (KiB) and CPU seconds."""
    case = folder / f"{path.stem}.lgcase"
    case.unlink(missing_ok=True)
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=_import,
                                                           args=(str(path), str(case), queue, batch_rows))
    process.start()
    found = _result(queue, process)
    process.join()
    if isinstance(found, str):
        raise SystemExit(f"{label}: the import failed\n{found}")
    seconds, peak_kib, rows, links, profile, loaded, cpu = found
    print(f"{label:<28} {rows:>9,} rows  {seconds:7.2f} s (CPU {cpu:6.2f} s)  {rows / seconds:>10,.0f} rows/s  "
          f"peak {peak_kib / 1024 / 1024:5.2f} GiB  ({links:,} links, profile {profile}; "
          f"modules loaded first in {loaded:.2f} s){load_average()}", flush=True)
    case.unlink(missing_ok=True)
    return seconds, peak_kib, cpu


def _result(queue, process) -> tuple | str:
    """What the import process put on the queue: its figures, or the traceback of its failure; a process that
    ended without either (killed, out of memory) is reported by its exit code."""
    while True:
        try:
            return queue.get(timeout=1.0)
        except Empty:
            if not process.is_alive():
                try:
                    return queue.get(timeout=1.0)     # put just before it ended
                except Empty:
                    return f"the import process ended with exit code {process.exitcode} and no result"


WHOLE = 10 ** 12                 # a batch size no file reaches: the file is read whole


def memory_report(folder: Path, sizes: list[int], rounds: int, batch_rows: int | None,
                  modes: tuple[str, ...] = ("batches", "whole")) -> None:
    """Peak memory and time per file size, in batches and whole (or only `modes`), alternating; the peaks'
    ratio; with both modes, each size's CPU time in batches over whole."""
    from importers.phone import BATCH_ROWS

    paths = {}
    for rows in sizes:
        paths[rows] = folder / f"carrier_{rows}.csv"
        if not paths[rows].is_file():
            write_csv(paths[rows], rows)
    chosen = batch_rows or BATCH_ROWS
    results: dict[tuple[int, str], list[tuple[float, int, float]]] = {}
    for round_number in range(rounds):
        for rows in sizes:
            for mode, size in (("batches", chosen), ("whole", WHOLE)):
                if mode not in modes:
                    continue
                label = f"CSV {rows:,} {mode} ({round_number + 1})"
                results.setdefault((rows, mode), []).append(measure(paths[rows], folder, label, size))
    print(f"\nbatches of {chosen:,} rows; best of {rounds} (wall and CPU time), highest peak:")
    for mode in modes:
        peaks = {rows: max(p for _, p, _ in results[(rows, mode)]) for rows in sizes}
        times = {rows: min(t for t, _, _ in results[(rows, mode)]) for rows in sizes}
        cpus = {rows: min(c for _, _, c in results[(rows, mode)]) for rows in sizes}
        line = "  ".join(f"{rows:,}: {times[rows]:.2f} s (CPU {cpus[rows]:.2f} s), "
                         f"{peaks[rows] / 1024 / 1024:.2f} GiB" for rows in sizes)
        print(f"  {mode:<8} {line}  peak ratio {max(sizes):,}/{min(sizes):,} rows: "
              f"{peaks[max(sizes)] / peaks[min(sizes)]:.2f}x")
    if set(modes) == {"batches", "whole"}:
        best = {key: min(c for _, _, c in found) for key, found in results.items()}
        ratios = "  ".join(f"{rows:,}: {best[(rows, 'batches')] / best[(rows, 'whole')]:.3f}" for rows in sizes)
        print(f"  CPU time in batches / whole (best of each): {ratios}")


def load_average() -> str:
    """The machine's 1/5/15-minute load (other jobs on shared cores slow every figure down)."""
    if not hasattr(os, "getloadavg"):
        return ""
    return "  load " + "/".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="write the files and cases here (default: a temporary folder)")
    parser.add_argument("--memory", action="store_true", help="peak memory by file size, in batches and whole")
    parser.add_argument("--memory-rows", default="1000000,5000000", help="file sizes for --memory (rows)")
    parser.add_argument("--rounds", type=int, default=2, help="--memory: imports of each kind, alternating")
    parser.add_argument("--batch-rows", type=int, help="rows per batch (default importers.phone.BATCH_ROWS)")
    parser.add_argument("--thread-cpu", action="store_true",
                        help="print each thread's CPU seconds during each import (Linux)")
    parser.add_argument("--modes", default="batches,whole",
                        help="--memory: 'batches', 'whole' or both (a 10M-row file read whole needs ~8 GiB)")
    args = parser.parse_args()
    if args.thread_cpu:
        os.environ[THREAD_CPU] = "1"                   # the import processes inherit it
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"pandas {pd.__version__}{load_average()}")
    with tempfile.TemporaryDirectory() as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.memory:
            memory_report(folder, [int(v) for v in args.memory_rows.split(",")], args.rounds, args.batch_rows,
                          tuple(m for m in ("batches", "whole") if m in args.modes.split(",")))
            return 0
        csv_path = folder / f"carrier_{args.rows}.csv"
        xlsx_path = folder / f"carrier_{args.xlsx_rows}.xlsx"
        began = time.perf_counter()
        if not csv_path.is_file():                 # --keep folders reuse the files written before
            write_csv(csv_path, args.rows)
        if args.xlsx_rows and not xlsx_path.is_file():
            write_xlsx(xlsx_path, args.xlsx_rows)
        xlsx_size = f"XLSX {xlsx_path.stat().st_size / 1e6:.0f} MB" if args.xlsx_rows else "no XLSX"
        print(f"files ready in {time.perf_counter() - began:.1f} s (CSV {csv_path.stat().st_size / 1e6:.0f} MB, "
              f"{xlsx_size})")
        for stale in folder.glob("*.lgcase"):
            stale.unlink()
        measure(csv_path, folder, f"CSV {args.rows:,} rows", args.batch_rows)
        if args.xlsx_rows:                         # --xlsx-rows 0: the CSV only
            measure(xlsx_path, folder, f"XLSX {args.xlsx_rows:,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
