"""`linkgraph cluster run`: the analyses over a snapshot of the store, on an engine, with a result manifest.

A snapshot is a fixed list of pushes ('latest' takes every push so far, or name pushes with commas); its
digest covers each push's manifest digest, so a run says exactly what it read. Results are Parquet files
(entities' scores, ties, co-locations) and JSON (swaps) under runs/<run id>/, each hashed in the manifest.
"""

from __future__ import annotations

import hashlib
import json
import platform
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from linkgraph import __version__
from linkgraph.progress import Progress, no_progress
from linkgraph.scale import ScaleError
from linkgraph.scale.analyses import ENTITY_RESULTS, TIE_RESULTS, RunParams, RunReport, measures, prepare
from linkgraph.scale.betweenness import described
from linkgraph.scale.circuits import find_circuits
from linkgraph.scale.engines import Engine, open_engine, tree_cpu_seconds
from linkgraph.scale.indicators import run_indicators
from linkgraph.scale.store import Store, canonical, now_iso, sha256_file
from linkgraph.scale.swaps import colocations, find_swaps

FORMAT = "linkgraph-cluster-run"


def snapshot(store: Store, spec: str, *, actor: str = "linkgraph") -> dict[str, Any]:
    """The snapshot `spec` names ('latest', an existing snapshot id, or push ids joined by commas), recorded."""
    existing = store.query("SELECT snapshot_id, pushes, digest FROM snapshots WHERE snapshot_id = ?", (spec,))
    if existing:
        return {"snapshot_id": existing[0][0], "pushes": json.loads(existing[0][1]), "digest": existing[0][2]}
    pushes = {p["push_id"]: p for p in store.pushes()}
    if spec == "latest":
        chosen = sorted(pushes)
    else:
        chosen = sorted(part.strip() for part in spec.split(",") if part.strip())
        unknown = [p for p in chosen if p not in pushes]
        if unknown:
            raise ScaleError(f"no snapshot or push named {', '.join(unknown)} in this store")
    if not chosen:
        raise ScaleError("the store holds no pushes yet (linkgraph push CASE --store ...)")
    checks = {pushes[p]["key_check"] for p in chosen}
    if len(checks) > 1:
        raise ScaleError("these pushes were made with different task-force secrets (or some blind, some not): "
                         "their entity keys cannot meet; name the pushes of one kind with --snapshot P1,P2")
    listed = [{"push_id": p, "manifest_sha256": pushes[p]["manifest_sha256"]} for p in chosen]
    digest = hashlib.sha256(canonical(listed).encode("utf-8")).hexdigest()
    snapshot_id = "s-" + digest[:16]
    if not store.query("SELECT 1 FROM snapshots WHERE snapshot_id = ?", (snapshot_id,)):
        with store.transaction():
            store.insert("snapshots", {"snapshot_id": snapshot_id, "created_at": now_iso(), "created_by": actor,
                                       "pushes": canonical(listed), "digest": digest})
            store.audit(actor, "snapshot", {"snapshot_id": snapshot_id, "pushes": len(listed), "digest": digest})
    return {"snapshot_id": snapshot_id, "pushes": listed, "digest": digest}


def load_snapshot(engine: Engine, store: Store, snap: dict[str, Any]) -> None:
    pushes = [p["push_id"] for p in snap["pushes"]]
    engine.load_parquet("entities_raw", store.data / "entities", pushes)
    engine.load_parquet("links_raw", store.data / "links", pushes)


def analyse(engine: Engine, params: RunParams, progress: Progress = no_progress) -> RunReport:
    """Every analysis over the tables `entities_raw` and `links_raw` already loaded in `engine`."""
    report = RunReport()
    last = [time.perf_counter(), tree_cpu_seconds()]

    def lap(label: str) -> None:
        """The wall and CPU seconds (the process tree's: a local Spark's JVM and workers too) since the last lap."""
        clock, cpu = time.perf_counter(), tree_cpu_seconds()
        report.counts[f"seconds_{label}"] = round(clock - last[0], 2)      # type: ignore[assignment]
        report.counts[f"cpu_seconds_{label}"] = round(cpu - last[1], 2)    # type: ignore[assignment]
        last[:] = [clock, cpu]

    progress(0, 5, "Folding links into ties")
    prepare(engine, report)
    lap("fold")
    measures(engine, params, report, progress)
    lap("measures")
    progress(2, 5, "Number swaps")
    report.swaps = find_swaps(engine, params, report)
    lap("swaps")
    progress(3, 5, "Co-locations")
    colocations(engine, params, report)
    lap("colocations")
    progress(4, 5, "Circuits and indicators")
    report.circuits = find_circuits(engine, params, report)
    report.indicators = run_indicators(engine, params, report)
    lap("circuits_indicators")
    return report


def cluster_run(store: Store, snapshot_spec: str, engine_spec: str, *, params: RunParams | None = None,
                actor: str = "linkgraph", engine: Engine | None = None,
                progress: Progress = no_progress) -> dict[str, Any]:
    """Run the analyses on a snapshot; write the results and the manifest; record the run. Returns the manifest."""
    params = params or RunParams()
    snap = snapshot(store, snapshot_spec, actor=actor)
    owned = engine is None
    engine = engine or open_engine(engine_spec)
    started = now_iso()
    run_id = "r-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    folder = store.data / "runs" / run_id
    if owned and hasattr(engine, "use_scratch") and not engine_spec.startswith("local"):
        # A cluster's executors write the iterations' steps where they all read: beside the store's data.
        engine.use_scratch(store.data / "scratch" / run_id)
    try:
        load_snapshot(engine, store, snap)
        report = analyse(engine, params, progress)
        outputs = []
        for name, sql in (("entities.parquet", ENTITY_RESULTS), ("ties.parquet", TIE_RESULTS),
                          ("hotel_overlaps.parquet", "SELECT * FROM hotel_overlaps"),
                          ("site_meetings.parquet", "SELECT * FROM site_meetings")):
            engine.write_parquet(sql, folder / name)
            outputs.append(name)
        for name, found in (("swaps.json", report.swaps), ("circuits.json", report.circuits),
                            ("indicators.json", report.indicators)):
            (folder / name).write_text(json.dumps(found, indent=1), encoding="utf-8")
            outputs.append(name)
        rows = {name: pq.ParquetFile(folder / name).metadata.num_rows if name.endswith(".parquet")
                else len(json.loads((folder / name).read_text(encoding="utf-8"))) for name in outputs}
        versions = engine.versions()
    finally:
        if owned:
            engine.close()
    import igraph

    manifest = {
        "format": FORMAT, "run_id": run_id, "snapshot_id": snap["snapshot_id"], "snapshot_digest": snap["digest"],
        "inputs": snap["pushes"], "engine": versions, "started_at": started, "finished_at": now_iso(),
        "run_by": actor, "linkgraph": __version__,
        "driver": {"python": platform.python_version(), "igraph": igraph.__version__},   # what runs on the driver
        "parameters": params.as_dict(), "seeds": {"leiden": params.seed, "betweenness": params.seed},
        "sample_sizes": {"pagerank": "all nodes (exact power iteration)", "betweenness": described(report.betweenness)},
        "betweenness": report.betweenness,
        "community": report.groups, "kcore": report.kcore, "driver_graph": report.on_driver, "counts": report.counts, "rounds": report.rounds, "notes": report.notes,
        "outputs": [{"path": f"runs/{run_id}/{name}", "sha256": sha256_file(folder / name),
                     "rows": rows[name]} for name in outputs],
    }
    text = canonical(manifest)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    with store.transaction():
        store.insert("runs", {"run_id": run_id, "snapshot_id": snap["snapshot_id"], "engine": versions["engine"],
                              "started_at": started, "finished_at": manifest["finished_at"], "run_by": actor,
                              "manifest": text, "manifest_sha256": digest})
        store.audit(actor, "cluster_run", {"run_id": run_id, "snapshot_id": snap["snapshot_id"],
                                           "manifest_sha256": digest, "engine": versions["engine"]})
    return {**manifest, "manifest_sha256": digest}


def read_results(store: Store, run_id: str) -> dict[str, Any]:
    """A run's manifest (digest checked) and its result files (each file's SHA-256 checked) as Arrow tables."""
    record = store.run_record(run_id)
    tables: dict[str, Any] = {}
    for item in record["manifest"]["outputs"]:
        path = store.data / item["path"]
        if not path.exists() or sha256_file(path) != item["sha256"]:
            raise ScaleError(f"run {run_id}: {item['path']} is missing or differs from its manifest")
        name = Path(item["path"]).name
        tables[name] = (json.loads(path.read_text(encoding="utf-8")) if name.endswith(".json")
                        else pq.read_table(path))
    return {**record, "tables": tables}


