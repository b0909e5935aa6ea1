"""Circuits at scale: the same phone or person advertised or staying in a sequence of cities, found by the SQL
files owners, ad_ends, stays, circuit_events, circuit_stops and circuit_links (the desktop's rule in
linkgraph/analysis/circuits.py, over the snapshot's entity keys). Each circuit cites its records by the source
file's SHA-256 and row."""

from __future__ import annotations

from typing import Any

from linkgraph.scale.analyses import RunParams, RunReport
from linkgraph.scale.engines import Engine

DAY = 86_400


def prepare_findings(engine: Engine) -> None:
    """The tables several findings read: identifier owners, ads' ends and hotel stays."""
    if "owners" not in engine.tables:
        engine.run("owners", "owners")
        engine.run("ad_ends", "ad_ends")
        engine.run("stays", "stays")


def find_circuits(engine: Engine, params: RunParams, report: RunReport) -> list[dict[str, Any]]:
    """Circuits, most cities first: [{"entity", "type", "cities", "stops", "distinct_cities", "from", "to",
    "sources", "links"}] with times in epoch seconds and each cited record as {link_ref, source_sha256, row}."""
    prepare_findings(engine)
    report.counts["circuit_events"] = engine.run("circuit_events", "circuit_events", count=True)
    engine.run("circuit_stops", "circuit_stops", gap=float(params.circuit_max_gap_days * DAY),
               min_cities=int(params.circuit_min_cities))
    engine.run("circuit_links", "circuit_links")
    stops = engine.arrow("SELECT s.*, e.type FROM circuit_stops s JOIN entity e ON e.ekey = s.subject").to_pylist()
    cited = engine.arrow("SELECT * FROM circuit_links").to_pylist()
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for stop in sorted(stops, key=lambda s: (s["subject"], s["run"], s["stop"])):
        item = found.setdefault((stop["subject"], int(stop["run"])), {
            "entity": stop["subject"], "type": stop["type"], "cities": [], "stops": [], "links": []})
        item["cities"].append(stop["city"])
        item["stops"].append({"city": stop["city"], "from": int(stop["first_time"]), "to": int(stop["last_time"]),
                              "ads": int(stop["ads"]), "stays": int(stop["stays"])})
    for row in sorted(cited, key=lambda r: (r["source_sha256"], r["src_row"], r["link_ref"])):
        item = found.get((row["subject"], int(row["run"])))
        if item is not None:
            item["links"].append({"link_ref": row["link_ref"], "source_sha256": row["source_sha256"],
                                  "row": int(row["src_row"])})
    out = []
    for item in found.values():
        item["distinct_cities"] = len(set(item["cities"]))
        item["from"], item["to"] = item["stops"][0]["from"], item["stops"][-1]["to"]
        item["sources"] = sorted({"ads" for s in item["stops"] if s["ads"]} | {"stays" for s in item["stops"]
                                                                                if s["stays"]})
        out.append(item)
    out.sort(key=lambda c: (-c["distinct_cities"], -len(c["stops"]), c["type"] != "Person", c["entity"]))
    report.counts["circuits"] = len(out)
    return out
