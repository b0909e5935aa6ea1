"""Co-locations and number swaps at their edges, on DuckDB and Spark local against the desktop: a crowd above
the crowd cap on one site in one window, records exactly the window apart and a second more, records at the
same second, a carrier return's target owning its sites, a hub above the hub cap and a chain of swaps."""

from __future__ import annotations

from typing import Any

import pytest
from seeded import build_crowded_case

from linkgraph.analysis.colocation import ColocationParams, cell_site_meetings
from linkgraph.analysis.records import load_records
from linkgraph.analysis.replacements import find_replacements
from linkgraph.case import CaseFile
from linkgraph.scale.analyses import RunParams, RunReport, prepare
from linkgraph.scale.engines import DuckDBEngine, SparkEngine
from linkgraph.scale.push import case_ekeys, entity_keys, push_case
from linkgraph.scale.run import load_snapshot, snapshot
from linkgraph.scale.store import open_store
from linkgraph.scale.swaps import colocations, find_swaps


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The crowded case pushed to a folder store, with the desktop's meetings and swaps by entity key."""
    folder = tmp_path_factory.mktemp("crowded")
    path = build_crowded_case(folder / "crowded.lgcase", 7)
    store_folder = folder / "store"
    with CaseFile.open(path) as case, open_store(store_folder, create=True) as store:
        push_case(case, store)
        snap = snapshot(store, "latest")
        keys = case_ekeys(case, entity_keys(case, None))
        ekey = dict(zip(keys.index.tolist(), keys["ekey"].tolist(), strict=True))
        records = load_records(case)
        sites = {(min(ekey[f["entities"][0]["id"]], ekey[f["entities"][1]["id"]]),
                  max(ekey[f["entities"][0]["id"]], ekey[f["entities"][1]["id"]]), f["meetings"], f["records"])
                 for f in cell_site_meetings(records, ColocationParams())}
        swaps = {(ekey[f["old_id"]], ekey[f["new_id"]], f["similarity"], f["round"])
                 for f in find_replacements(records)}
    return {"store": store_folder, "snapshot": snap, "sites": sites, "swaps": swaps}


def _engine_answers(engine: Any, entry: dict[str, Any]) -> tuple[set[tuple], set[tuple]]:
    with open_store(entry["store"]) as store:
        load_snapshot(engine, store, entry["snapshot"])
    report = RunReport()
    params = RunParams()
    prepare(engine, report)
    swaps = {(f["old"], f["new"], f["similarity"], f["round"]) for f in find_swaps(engine, params, report)}
    colocations(engine, params, report)
    sites = {(s["a_key"], s["b_key"], int(s["meetings"]), int(s["records"]))
             for s in engine.arrow("SELECT * FROM site_meetings").to_pylist()}
    return sites, swaps


def _phone(n: int) -> str:
    return f"Phone:+1212555{n:04d}"


def test_the_case_reaches_the_edges(crowded: dict[str, Any]) -> None:
    """The desktop's answers show each edge: the crowd's last records meet, its first do not; exactly the window
    apart meets, a second more does not; the carrier return's target owns the site; the chain of swaps (its second
    swap in round 2, through the chain's contacts) and the gap of exactly 21 days are found, 21 days and a second is not."""
    pairs = {(a, b) for a, b, _, _ in crowded["sites"]}
    assert (_phone(138), _phone(139)) in pairs and (_phone(100), _phone(101)) not in pairs
    assert (_phone(141), _phone(142)) in pairs and (_phone(141), _phone(143)) not in pairs
    assert (_phone(144), _phone(145)) in pairs
    assert (_phone(200), _phone(203)) in pairs and (_phone(201), _phone(203)) not in pairs
    swaps = {(old, new): round_number for old, new, _, round_number in crowded["swaps"]}
    assert swaps.get((_phone(150), _phone(151))) == 1 and swaps.get((_phone(151), _phone(152))) == 2
    assert (_phone(153), _phone(154)) not in swaps


def _assert_equals_desktop(engine: Any, crowded: dict[str, Any]) -> None:
    """The engine's site meetings and swaps are the desktop's (the engine closed after)."""
    try:
        sites, swaps = _engine_answers(engine, crowded)
    finally:
        engine.close()
    assert sites == crowded["sites"]
    assert swaps == crowded["swaps"]


def test_duckdb_equals_desktop_at_the_edges(crowded: dict[str, Any]) -> None:
    _assert_equals_desktop(DuckDBEngine(), crowded)


def test_spark_local_equals_desktop_at_the_edges(crowded: dict[str, Any], spark_session: Any) -> None:
    _assert_equals_desktop(SparkEngine("local-spark", session=spark_session), crowded)
