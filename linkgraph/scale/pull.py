"""`linkgraph pull`: a run's results for this case's entities, and their capped k-hop neighbourhood in the
task force's graph, imported as a source of kind `cluster`.

The results are first written as an extract file beside the case (JSON lines: a header naming the store,
run, manifest digest, focus and hops; then one line per entity, tie and finding: swaps, co-locations, circuits
and indicator findings touching the focus, each citing its records by source SHA-256 and row). That file is imported with
ImportSession like any other source: its SHA-256 and every line are kept, each pulled entity and tie cites its
line, and the import's data digest puts it under `linkgraph verify`. Ties between two of this case's own
entities that the case links already are not imported again (the case holds the records behind them); the
desktop's exact analysis then runs on the case with the pulled neighbourhood, before anything goes in an exhibit.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from linkgraph.case import CaseFile, ImportSession
from linkgraph.progress import Progress, no_progress
from linkgraph.scale import ScaleError
from linkgraph.scale.push import case_ekeys, entity_keys
from linkgraph.scale.run import read_results
from linkgraph.scale.store import Store, canonical

FORMAT = "linkgraph-cluster-extract"
TIE_LINK = "related_to"


def _focus_keys(frame: Any, focus: list[str] | None) -> list[str]:
    """This case's entity keys the user named (ids, canonical keys, or Type:key), or all of them."""
    if not focus:
        return frame["ekey"].tolist()
    chosen = []
    for item in focus:
        text = str(item).strip()
        hit = frame[frame.index == int(text)] if text.isdigit() else frame.iloc[0:0]
        if not len(hit):
            hit = frame[(frame["key"] == text) | (frame["ekey"] == text)]
        if not len(hit):
            raise ScaleError(f"--focus {text}: no entity of this case has that id or key")
        chosen.extend(hit["ekey"].tolist())
    return sorted(set(chosen))


def neighbourhood(ties: pa.Table, start: list[str], hops: int, max_nodes: int) -> tuple[list[str], list[str]]:
    """The entities within `hops` ties of `start` (strongest ties first once `max_nodes` would be passed);
    returns (nodes, notes)."""
    chosen = list(dict.fromkeys(start))
    seen = set(chosen)
    frontier = list(chosen)
    notes = []
    for hop in range(1, hops + 1):
        if not frontier:
            break
        values = pa.array(frontier, pa.string())
        near = ties.filter(pc.or_(pc.is_in(ties["a_key"], value_set=values), pc.is_in(ties["b_key"], value_set=values)))
        best: dict[str, float] = {}
        for a, b, w in zip(near["a_key"].to_pylist(), near["b_key"].to_pylist(), near["weight"].to_pylist(),
                           strict=True):
            for other in (a, b):
                if other not in seen:
                    best[other] = max(best.get(other, 0.0), float(w))
        ranked = sorted(best, key=lambda k: (-best[k], k))
        room = max(0, max_nodes - len(chosen))
        if len(ranked) > room:
            notes.append(f"hop {hop}: {len(ranked) - room} of {len(ranked)} neighbours left out (cap {max_nodes} "
                         "entities; the strongest ties kept)")
            ranked = ranked[:room]
        chosen.extend(ranked)
        seen.update(ranked)
        frontier = ranked
    return chosen, notes


def _label(ekey: str, etype: str, label: str | None) -> tuple[str | None, str]:
    """(canonical key, label) for an entity known to this case only through the store."""
    if ekey.startswith(("h:", "p:", "~")):
        short = ekey.replace("~", "").replace(":", "")[-10:]
        name = label or f"Task-force {etype.lower()} {short}"
        return (None if etype == "Person" else ekey), name
    key = ekey.split(":", 1)[1] if ":" in ekey else ekey
    return (None if etype == "Person" else key), (label or key)


def pull_run(case: CaseFile, store: Store, run_id: str, *, focus: list[str] | None = None, hops: int = 2,
             max_nodes: int = 500, secret: str | None = None, grade: str | None = None, force: bool = False,
             progress: Progress = no_progress) -> dict[str, Any]:
    """Import a run's results around this case's entities; returns the import's summary."""
    if hops < 0:
        raise ScaleError("--hops must be 0 or more")
    progress(0, 3, "Reading the run")
    results = read_results(store, run_id)
    manifest = results["manifest"]
    inputs = {p["push_id"] for p in manifest["inputs"]}
    checks = {p["key_check"] for p in store.pushes() if p["push_id"] in inputs}
    keys = entity_keys(case, secret)
    if checks and keys.check not in checks:
        raise ScaleError("this run was made from blind pushes: give the task force's secret (--secret-file)"
                         if not secret and checks != {None} else
                         "this run's pushes were made with another secret (or without one): the case's entities "
                         "cannot be found in it")
    mine = case_ekeys(case, keys)
    tables = results["tables"]
    entities: pa.Table = tables["entities.parquet"]
    ties: pa.Table = tables["ties.parquet"]
    known = set(entities["ekey"].to_pylist())
    start = [k for k in _focus_keys(mine, focus) if k in known]
    if not start:
        raise ScaleError(f"none of this case's {'focus ' if focus else ''}entities is in run {run_id}")
    chosen, notes = neighbourhood(ties, start, hops, max_nodes)
    chosen_set = pa.array(chosen, pa.string())
    kept_entities = entities.filter(pc.is_in(entities["ekey"], value_set=chosen_set))
    inside = pc.and_(pc.is_in(ties["a_key"], value_set=chosen_set), pc.is_in(ties["b_key"], value_set=chosen_set))
    kept_ties = ties.filter(inside)
    labels = _store_labels(store, inputs, chosen)
    header = {"format": FORMAT, "store": store.location.shown, "run_id": run_id,
              "manifest_sha256": results["manifest_sha256"], "snapshot_id": manifest["snapshot_id"],
              "engine": manifest["engine"], "community": manifest.get("community", {}).get("method"),
              "focus": start, "hops": hops, "max_nodes": max_nodes, "notes": notes}
    lines = [canonical(header)]
    for row in sorted(kept_entities.to_pylist(), key=lambda r: r["ekey"]):
        lines.append(canonical({"record": "entity", **row, "label": labels.get(row["ekey"])}))
    for row in sorted(kept_ties.to_pylist(), key=lambda r: (r["a_key"], r["b_key"])):
        lines.append(canonical({"record": "tie", **row}))
    focus_set = set(start)
    for swap in tables["swaps.json"]:
        if swap["old"] in focus_set or swap["new"] in focus_set:
            lines.append(canonical({"record": "swap", **swap}))
    for name in ("hotel_overlaps.parquet", "site_meetings.parquet"):
        for row in tables[name].to_pylist():
            if row["a_key"] in focus_set or row["b_key"] in focus_set:
                lines.append(canonical({"record": name.split(".")[0], **row}))
    for circuit in tables.get("circuits.json", []):            # runs before circuits were found at scale have none
        if circuit["entity"] in focus_set:
            lines.append(canonical({"record": "circuit", **circuit}))
    for finding in tables.get("indicators.json", []):
        if focus_set.intersection(finding["entities"]):
            lines.append(canonical({"record": "indicator", **finding}))
    text = "\n".join(lines) + "\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    folder = case.path.parent / f"{case.path.stem}.cluster"
    folder.mkdir(exist_ok=True)
    extract = folder / f"{run_id}-{digest[:12]}.jsonl"
    if not extract.exists():
        partial = extract.with_name("." + extract.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(extract)
    progress(1, 3, "Importing")
    local = {e: (int(i), t, k) for i, e, t, k in zip(mine.index, mine["ekey"], mine["type"], mine["key"], strict=True)}
    reps = case.representatives()
    members: dict[int, list[int]] = {}
    for merged, standing in reps.items():
        members.setdefault(standing, [standing]).append(merged)

    def linked(a: int, b: int) -> bool:
        """Whether the case links these two entities already (merged records included), by the links indexes."""
        ours, theirs = members.get(a, [a]), members.get(b, [b])
        marks_a, marks_b = ",".join("?" * len(ours)), ",".join("?" * len(theirs))
        return case.conn.execute(
            f"SELECT 1 FROM links WHERE (src IN ({marks_a}) AND dst IN ({marks_b})) OR "
            f"(src IN ({marks_b}) AND dst IN ({marks_a})) LIMIT 1", [*ours, *theirs, *theirs, *ours]).fetchone() is not None

    already = {(row["a_key"], row["b_key"]) for row in kept_ties.to_pylist()
               if row["a_key"] in local and row["b_key"] in local
               and linked(local[row["a_key"]][0], local[row["b_key"]][0])}
    skipped = 0
    with ImportSession(case, extract, kind="cluster", profile=FORMAT, grade=grade, force=force,
                       options={"run_id": run_id, "store": store.location.shown,
                                "manifest_sha256": results["manifest_sha256"], "hops": hops,
                                "max_nodes": max_nodes, "focus": len(start)},
                       progress=progress) as session:
        session.set_header(["record"], 1)
        ids: dict[str, int] = {}
        for number, line in enumerate(lines, start=1):
            session.raw_row(number, [line])
            if number == 1:
                continue
            item = json.loads(line)
            scores = {k: item.get(k) for k in ("degree", "strength", "pagerank", "core", "component", "grp",
                                             "group_betweenness", "betweenness")}
            if item["record"] == "entity":
                ekey, etype = item["ekey"], item["type"]
                attrs = {"cluster": {"run": run_id, **scores}}
                if ekey in local:
                    entity_id, _, key = local[ekey]
                    if key is not None:
                        label = case.entity(entity_id).label
                        entity_id = session.entity(etype, key, label, row=number, attrs=attrs)
                    ids[ekey] = entity_id
                else:
                    key, label = _label(ekey, etype, item.get("label"))
                    ids[ekey] = session.entity(etype, key, label, row=number, attrs=attrs)
            elif item["record"] == "tie":
                a, b = ids.get(item["a_key"]), ids.get(item["b_key"])
                if a is None or b is None:
                    continue
                if (item["a_key"], item["b_key"]) in already:
                    skipped += 1
                    continue
                session.link(TIE_LINK, a, b, row=number, start=item.get("first_time"), end=item.get("last_time"),
                             weight=1.0, attrs={"cluster_run": run_id, "links": item["links"],
                                                "weight": item["weight"]})
        if skipped:
            session.notes.append(f"{skipped} ties between this case's own linked entities not imported again")
        session.notes.extend(notes)
    result = session.result
    summary = {**result.as_dict(), "file": str(extract), "run_id": run_id, "entities_in_neighbourhood": len(chosen),
               "ties": kept_ties.num_rows, "ties_already_in_case": skipped, "notes": result.notes}
    progress(3, 3, "Pulled")
    return summary


def _store_labels(store: Store, pushes: set[str], wanted: list[str]) -> dict[str, str]:
    """Labels the pushes carry for these entities (none for blind pushes; pseudonyms for protected ones)."""
    import pyarrow.dataset as ds

    folder = store.data / "entities"
    files = [folder / f"{p}.parquet" for p in sorted(pushes) if (folder / f"{p}.parquet").exists()]
    if not files:
        return {}
    table = ds.dataset([str(f) for f in files], format="parquet").to_table(
        columns=["ekey", "label"], filter=pc.field("ekey").isin(wanted))
    out: dict[str, str] = {}
    for ekey, label in zip(table["ekey"].to_pylist(), table["label"].to_pylist(), strict=True):
        if label and ekey not in out:
            out[ekey] = label
    return out
