"""Task-force scale: the same calls analysed on the desktop path (pandas fold + igraph in one process), on
DuckDB and on Spark local mode, at 1M and 10M calls. Prints wall seconds, CPU seconds and peak memory of each
path's process tree (the driver, a local Spark's JVM and its Python workers: on a shared machine the CPU
seconds are the fairer figure), the load average, and how each grows from the smaller size to the larger, with
a floor measured in the same run (reading the links' Parquet into Arrow and summing a column).

    python benchmarks/scale.py [--calls 1000000 10000000] [--paths desktop duckdb spark] [--keep DIR]

The desktop path here is the graph part of `linkgraph analyze` from links already in memory (fold, degree,
PageRank, k-core, components, Leiden); the engines read the store's Parquet and run fold, degree, components,
k-core, PageRank and groups ("measures"), then number swaps and co-locations (timed apart). Each path runs
in a child process of its own so peak memory is its own. Seeded: the same arguments give the same calls.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DAY = 86_400
START = 1_704_067_200          # 2024-01-01 UTC
PUSH = "20240101T000000000000Z-bench0"


def make_store(folder: Path, calls: int, seed: int = 21) -> None:
    """A folder store of one push: `calls` calls among calls/10 phones in groups of ~50, over 180 days,
    half of them with one of 2,000 cell sites (written straight as the push format, no case file)."""
    from linkgraph.scale.store import open_store

    rng = np.random.default_rng(seed)
    phones = max(calls // 10, 100)
    group = rng.integers(0, max(phones // 50, 1), phones)
    order = np.argsort(group, kind="stable")
    starts_of = np.searchsorted(group[order], np.arange(group.max() + 2))
    a = rng.integers(0, phones, calls)
    g = group[a]
    lo, hi = starts_of[g], starts_of[g + 1]
    b_local = order[lo + (rng.random(calls) * (hi - lo)).astype(np.int64)]
    stray = rng.random(calls) < 0.1
    b = np.where(stray, rng.integers(0, phones, calls), b_local)
    keep = a != b
    a, b = a[keep], b[keep]
    n = len(a)
    start = START + rng.integers(0, 180 * DAY, n)
    site = np.where(rng.random(n) < 0.5, rng.integers(0, 2000, n), -1)
    keys = np.array([f"Phone:+1555{i:07d}" for i in range(phones)], dtype=object)
    site_keys = np.array([f"CellSite:site-{i}" for i in range(2000)], dtype=object)
    data = folder / "data"
    (data / "entities").mkdir(parents=True, exist_ok=True)
    entity = pa.table({
        "push_id": [PUSH] * (phones + 2000), "ekey": list(keys) + list(site_keys),
        "type": ["Phone"] * phones + ["CellSite"] * 2000, "label": [None] * (phones + 2000),
        "role": pa.array([None] * (phones + 2000), pa.string()), "minor": [False] * (phones + 2000),
        "service": [False] * (phones + 2000), "protected": [False] * (phones + 2000),
        "city": pa.array([None] * (phones + 2000), pa.string()),
        "first_seen": pa.array([None] * (phones + 2000), pa.int64())})
    pq.write_table(entity, data / "entities" / f"{PUSH}.parquet")
    month = ((start - START) // (30 * DAY)).astype(np.int64)
    for m in np.unique(month):
        chosen = np.flatnonzero(month == m)
        links = pa.table({
            "push_id": pa.array([PUSH] * len(chosen), pa.string()),
            "link_ref": pa.array([f"{PUSH}:{i:012d}" for i in chosen.tolist()], pa.string()),
            "type": pa.array(["call"] * len(chosen), pa.string()),
            "a_key": pa.array(keys[a[chosen]], pa.string()), "b_key": pa.array(keys[b[chosen]], pa.string()),
            "start_time": pa.array(start[chosen], pa.int64()), "end_time": pa.array([None] * len(chosen), pa.int64()),
            "duration": pa.array(np.full(len(chosen), 60.0)), "amount": pa.array([None] * len(chosen), pa.float64()),
            "weight": pa.array(np.ones(len(chosen))),
            "location_key": pa.array([site_keys[s] if s >= 0 else None for s in site[chosen].tolist()], pa.string()),
            "day": pa.array((start[chosen] // DAY).astype(np.int64)), "day_end": pa.array(start[chosen] // DAY),
            "room": pa.array([None] * len(chosen), pa.string()),
            "hour": pa.array(start[chosen] // 3600 % 24), "weekday": pa.array((start[chosen] // DAY + 3) % 7),
            **{f"attr_{name}": pa.array([None] * len(chosen), pa.string())
               for name in ("category", "method", "payment", "obscured", "source")},
            "source_sha256": pa.array(["0" * 64] * len(chosen), pa.string()),
            "src_row": pa.array(chosen.astype(np.int64) + 2)})
        out = data / "links" / f"month=2024-{int(m) + 1:02d}"
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(links, out / f"{PUSH}.parquet")
    with open_store(folder, create=True) as store:
        with store.transaction():
            store.insert("pushes", {"push_id": PUSH, "pushed_at": "2024-01-01T00:00:00Z", "pushed_by": "bench",
                                    "agency": "bench", "case_id": "bench", "case_name": "bench",
                                    "timezone": "UTC", "blind": 0, "key_check": None, "entities": phones + 2000,
                                    "links": n, "sources": 1, "manifest": "{}", "manifest_sha256": "0" * 64})


def child(path: str, folder: Path, spark_conf: dict[str, str] | None = None) -> dict[str, Any]:
    """One path, timed in this (child) process: wall seconds and the CPU seconds of its process tree."""
    from linkgraph.scale.engines import tree_cpu_seconds

    clock = time.perf_counter()
    if path == "floor":
        table = pq.read_table(folder / "data" / "links", columns=["weight"])
        total = float(pa.compute.sum(table["weight"]).as_py())
        return {"seconds": time.perf_counter() - clock, "cpu_seconds": tree_cpu_seconds(), "check": total}
    if path == "desktop":
        import pandas as pd

        from linkgraph.analysis import centrality, communities
        from linkgraph.graph import fold_links

        table = pq.read_table(folder / "data" / "links", columns=["a_key", "b_key", "start_time", "weight"])
        codes = pd.factorize(pd.concat([table["a_key"].to_pandas(), table["b_key"].to_pandas()]))[0]
        n = table.num_rows
        links = pd.DataFrame({"src": codes[:n], "dst": codes[n:], "type": pd.Categorical(["call"] * n),
                              "start": table["start_time"].to_numpy().astype(float),
                              "weight": table["weight"].to_numpy()})
        del table
        loaded = time.perf_counter() - clock
        edges = fold_links(links)
        data = centrality.GraphArrays.from_edges(edges)
        centrality.weighted_degree(None, data=data)
        centrality.pagerank(None, data=data)
        centrality.core_number(None, data=data)
        communities.components(None, data=data)
        membership = communities.leiden(None, data=data)
        q = communities.modularity(None, membership, data=data)
        return {"seconds": time.perf_counter() - clock, "cpu_seconds": tree_cpu_seconds(), "seconds_loading": loaded,
                "modularity": q, "ties": len(edges)}
    from linkgraph.scale.analyses import RunParams
    from linkgraph.scale.engines import DuckDBEngine, SparkEngine
    from linkgraph.scale.run import analyse, load_snapshot, snapshot
    from linkgraph.scale.store import open_store

    engine = DuckDBEngine() if path == "duckdb" else SparkEngine("local-spark", conf=spark_conf)
    started = time.perf_counter() - clock
    def said(done: int, total: int, what: str) -> bool:
        """Each step on stderr with the time, so a run that does not finish shows where it was."""
        print(f"{time.strftime('%H:%M:%S', time.gmtime())} {path} step {done}/{total}: {what}", file=sys.stderr,
              flush=True)
        return True

    with open_store(folder) as store:
        load_snapshot(engine, store, snapshot(store, "latest"))
        report = analyse(engine, RunParams(), said)
    cpu = tree_cpu_seconds()             # before the JVM stops: its CPU is counted while it is this process's child
    seconds = time.perf_counter() - clock
    engine.close()
    counts = report.counts
    spent = sorted(engine.spent.items(), key=lambda item: -item[1][1])
    return {"seconds": seconds, "cpu_seconds": cpu, "seconds_start": started,
            "seconds_steps": {k: v for k, v in counts.items() if k.startswith("seconds_")},
            "cpu_steps": {k.removeprefix("cpu_"): v for k, v in counts.items() if k.startswith("cpu_seconds_")},
            "spent": [[label, int(calls), round(seconds, 2), round(cpu, 2)] for label, (calls, seconds, cpu) in spent[:25]],
            "seconds_measures": counts["seconds_fold"] + counts["seconds_measures"],
            "seconds_swaps": counts["seconds_swaps"], "seconds_colocations": counts["seconds_colocations"],
            "seconds_findings": counts["seconds_circuits_indicators"],
            "modularity": report.groups.get("modularity"), "ties": counts["ties"], "rounds": report.rounds,
            "betweenness": {k: v for k, v in report.betweenness.items() if k not in ("sampled", "method")},
            "driver_graph": report.on_driver}


@dataclass
class TreeMemory:
    """Memory of a path's process tree at one moment (bytes): the driver (the child process), its JVM, the Python
    workers under the JVM, anything else under the driver, and the short-lived commands the JVM starts (Hadoop's
    `chmod` on each file it writes). `total` counts the workers by PSS (forked from one daemon, they share its
    pages, which RSS counts once in each) and leaves the JVM's commands out: until it execs, such a child shares
    the JVM's memory (posix_spawn) and its RSS is the JVM's (summed, a sample caught then read twice the JVM)."""

    total: int = 0
    driver: int = 0
    jvm: int = 0
    workers: int = 0
    workers_pss: int = 0
    workers_count: int = 0
    other: int = 0
    jvm_commands: int = 0
    jvm_commands_count: int = 0


def tree_rss(pid: int) -> TreeMemory:
    """The memory of a process and its descendants, by part."""
    import psutil

    memory = TreeMemory()
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return memory
    jvms: set[int] = set()
    for proc in procs:                   # parents come before their children
        try:
            rss = proc.memory_info().rss
            if proc.pid == pid:
                memory.driver += rss
                memory.total += rss
            elif any(parent.pid in jvms for parent in proc.parents()):
                if proc.name().startswith("python"):
                    pss = proc.memory_full_info().pss
                    memory.workers += rss
                    memory.workers_pss += pss
                    memory.workers_count += 1
                    memory.total += pss
                else:
                    memory.jvm_commands += rss
                    memory.jvm_commands_count += 1
            elif proc.name() == "java":
                memory.jvm += rss
                memory.total += rss
                jvms.add(proc.pid)
            else:
                memory.other += rss
                memory.total += rss
        except psutil.Error:
            pass
    return memory


def measure(path: str, folder: Path, spark_conf: list[str] | None = None) -> dict[str, Any]:
    """Run one path in a child process; its result with the peak RSS of its process tree, the load average
    before and after, and the CPU seconds getrusage(RUSAGE_CHILDREN) reports once it has ended (which leaves out
    a local Spark's JVM: nobody waits for it, so its CPU is not handed up; the child's process-tree figure
    counts it while it runs)."""
    import resource

    def ended_cpu() -> float:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return kids.ru_utime + kids.ru_stime

    command = [sys.executable, __file__, "--child", path, "--store", str(folder),
               *(f"--spark-conf={item}" for item in spark_conf or [])]
    load_before, cpu_before = os.getloadavg()[0], ended_cpu()
    log = folder / f"{path}.log"
    with open(log, "w", encoding="utf-8") as errors:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True,
                                env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"})
        out = _watch(proc)
    if proc.returncode != 0:
        lines = [ln for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
        cause = next((ln for ln in reversed(lines) if "Error" in ln or "Exception" in ln), lines[-1] if lines else "")
        return {"error": f"exit {proc.returncode}: {cause.strip()[:300]} (whole log: {log})"}
    result = json.loads(out["text"].strip().splitlines()[-1])
    result["cpu_seconds_ended"] = ended_cpu() - cpu_before
    result["load"] = (load_before, os.getloadavg()[0])
    result["peak_mb"] = round(out["peak"].total / 2**20)
    result["peak_jvm_mb"] = round(out["peak_parts"].jvm / 2**20)
    result["at_peak_mb"] = {name: round(value / 2**20) if not name.endswith("_count") else value
                            for name, value in asdict(out["peak"]).items()}
    result["peak_parts_mb"] = {name: round(value / 2**20) if not name.endswith("_count") else value
                               for name, value in asdict(out["peak_parts"]).items()}
    return result


def _watch(proc: subprocess.Popen) -> dict[str, Any]:
    """Wait for a child, sampling its process tree's memory four times a second: the peak of the whole, and
    the peak of each part apart (not at the same moment)."""
    peak = TreeMemory()
    parts = TreeMemory()
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            now = tree_rss(proc.pid)
            if now.total > peak.total:
                peak = now
            for name, value in asdict(now).items():
                setattr(parts, name, max(getattr(parts, name), value))
            time.sleep(0.25)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    done.set()
    watcher.join()
    return {"text": out, "peak": peak, "peak_parts": parts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--paths", nargs="+", default=["desktop", "duckdb", "spark"])
    parser.add_argument("--keep", type=Path, help="keep the generated stores here")
    parser.add_argument("--spent", action="store_true", help="print the engines' seconds (wall and CPU) per SQL file")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting of the Spark session (repeat for more), e.g. "
                             "spark.sql.autoBroadcastJoinThreshold=64m")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        conf = dict(item.split("=", 1) for item in args.spark_conf)
        print(json.dumps(child(args.child, args.store, conf), default=float))
        return
    import igraph

    from linkgraph.scale.engines import local_memory

    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, igraph {igraph.__version__}; load {os.getloadavg()[0]:.1f}; "
          f"Spark local heap {local_memory()}{'; Spark ' + ', '.join(args.spark_conf) if args.spark_conf else ''}; started {time.strftime('%H:%M:%S', time.gmtime())} UTC")
    base = args.keep or Path(tempfile.mkdtemp(prefix="lg-scale-bench-"))
    results: dict[int, dict[str, Any]] = {}
    for calls in args.calls:
        folder = base / f"calls{calls}"
        if not (folder / "catalogue.sqlite").exists():
            clock = time.perf_counter()
            make_store(folder, calls)
            print(f"{calls:,} calls: store written in {time.perf_counter() - clock:.1f} s")
        results[calls] = {"floor": measure("floor", folder)}
        floor = results[calls]["floor"]["seconds"]
        for path in args.paths:
            got = measure(path, folder, args.spark_conf if path == "spark" else None)
            results[calls][path] = got
            with open(base / "results.jsonl", "a", encoding="utf-8") as kept:     # every run's figures, kept
                kept.write(json.dumps({"calls": calls, "path": path, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                       "spark_conf": args.spark_conf if path == "spark" else [], **got}, default=float) + "\n")
            if "error" in got:
                print(f"  {path:8s} {got['error']}")
                continue
            jvm = f" (JVM {got['peak_jvm_mb']:,} MB)" if got.get("peak_jvm_mb") else ""
            extra = "".join(f", {k.replace('seconds_', '')} {got[k]:.1f} s" for k in
                            ("seconds_loading", "seconds_start", "seconds_measures", "seconds_swaps",
                             "seconds_colocations", "seconds_findings") if k in got)
            print(f"  {time.strftime('%H:%M:%S', time.gmtime())} {path:8s} {got['seconds']:7.1f} s, CPU "
                  f"{got['cpu_seconds']:.1f} s ({got['seconds'] / floor:6.0f} x floor {floor:.2f} s{extra}), "
                  f"peak {got['peak_mb']:,} MB{jvm}, modularity {got.get('modularity') or 0:.3f}, load "
                  f"{got['load'][0]:.1f} -> {got['load'][1]:.1f}")
            print(f"           CPU: the process tree's (driver, a local Spark's JVM and Python workers); "
                  f"getrusage(RUSAGE_CHILDREN) saw {got['cpu_seconds_ended']:.1f} s (not a JVM nobody waited for)")
            if got.get("peak_jvm_mb"):
                at, parts = got["at_peak_mb"], got["peak_parts_mb"]
                print(f"           memory at the peak, MB: driver {at['driver']:,}, JVM {at['jvm']:,}, Python workers "
                      f"{at['workers']:,} ({at['workers_count']}; PSS {at['workers_pss']:,}), other {at['other']:,}; "
                      f"each part's own peak: driver {parts['driver']:,}, JVM {parts['jvm']:,}, workers "
                      f"{parts['workers']:,} ({parts['workers_count']}; PSS {parts['workers_pss']:,}); the JVM's "
                      f"commands (left out) up to {parts['jvm_commands']:,} ({parts['jvm_commands_count']})")
            if got.get("rounds"):
                print(f"           rounds: {got['rounds']}")
            if got.get("seconds_steps"):
                cpu_steps = got.get("cpu_steps", {})
                print("           steps, wall (CPU) s: " + ", ".join(
                    f"{k.replace('seconds_', '')} {v:.1f} ({cpu_steps.get(k, float('nan')):.1f})"
                    for k, v in got["seconds_steps"].items()))
            if got.get("driver_graph"):
                pulled = got["driver_graph"]
                print(f"           on the driver: {pulled['arcs']:,} arcs pulled in {pulled['seconds_pull']:.1f} s "
                      f"(CPU {pulled['cpu_seconds_pull']:.1f}); " + ", ".join(
                          f"{m['measure']} {m['seconds']:.1f} s" for m in pulled["measures"]))
            if got.get("betweenness"):
                print(f"           group betweenness: {got['betweenness']}")
            if args.spent and got.get("spent"):
                for label, times, seconds, cpu in got["spent"]:
                    print(f"           {seconds:8.2f} s (CPU {cpu:7.2f}) {times:4d} x {label}")
    sizes = sorted(results)
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        for path in args.paths:
            a, b = results[small].get(path, {}), results[big].get(path, {})
            if "seconds" in a and "seconds" in b:
                print(f"growth {small:,} -> {big:,} calls, {path}: time x{b['seconds'] / a['seconds']:.1f}, "
                      f"memory x{b['peak_mb'] / max(a['peak_mb'], 1):.1f}")


if __name__ == "__main__":
    main()
