"""How fast `linkgraph analyze` is, end to end as a user runs it, against a floor measured in the same run.

    python benchmarks/analyze.py [--rows 1000000] [--phones 100000] [--repeat 2] [--keep DIR] [--steps]

End to end (the default): writes a carrier-style CSV of 1,000,000 calls and texts among 100,000 phones
(the layout of the phone-import benchmark's file, benchmarks/import_phone.py, with many callers
instead of one target), imports it into a case (not timed: that is the import benchmark), then times
`linkgraph analyze CASE --json > out.json` in a fresh process, output and saved run included. The
floor, timed in the same run between the command's runs: pandas reads the same CSV, folds the calls
into weighted pairs, and igraph builds the graph and runs Leiden, PageRank and degree. Prints
seconds, the ratio to the floor (target: 3x or less), peak memory, the load average and the machine.

`--steps` also times each step of the analysis on a seeded synthetic case of 100,000 entities and
1,000,000 links of every kind (calls, stays, ads, payments) and a 10,000-entity one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkgraph.analysis import (  # noqa: E402  # noqa: E402
    AnalysisParams,
    analyze,
    centrality,
    circuits,
    colocation,
    communities,
    disruption,
    indicators,
    replacements,
)
from linkgraph.analysis.records import ATTR_LINKS, records_from  # noqa: E402
from linkgraph.case import CaseFile, ImportSession  # noqa: E402
from linkgraph.graph import (  # noqa: E402
    GraphFilter,
    fold_links,
    graph_from_edges,
    graph_links,
    load_entities,
    load_links,
)

DAY = 86_400
START = 1_709_280_000          # 2024-03-01 08:00 UTC
# The "default analysis": every centrality (sampled betweenness), Leiden, components, k-core.
DEFAULT_STEPS = {"arrays + igraph twin", "betweenness", "closeness", "eigenvector", "pagerank", "k-core",
                 "degree + weighted degree", "leiden", "components"}


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import igraph
    import networkx

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory,
            "python": platform.python_version(), "networkx": networkx.__version__, "igraph": igraph.__version__}


def generate(path: Path, entities: int, links: int, seed: int = 1) -> Path:
    """A seeded synthetic case: phones in calling groups with heavy-tailed activity, users, cell sites,
    hotels and stays, ads, accounts and payments; calls carry a cell site."""
    rng = np.random.default_rng(seed)
    n_sites = max(10, entities // 50)
    n_hotels = max(5, entities // 500)
    n_ads = max(10, entities // 40)
    n_accounts = max(10, entities // 100)
    n_persons = max(10, entities // 15)
    n_phones = entities - n_sites - n_hotels - n_ads - n_accounts - n_persons
    cities = ["Stockton", "Modesto", "Sacramento", "Oakland", "San Jose", "Fresno", "Bakersfield", "Visalia"]
    roster = path.with_suffix(".entities.txt")
    roster.write_text(f"synthetic benchmark entities {entities} {seed}\n", encoding="utf-8")
    source = path.with_suffix(".links.txt")
    source.write_text(f"synthetic benchmark links {entities} {links} {seed}\n", encoding="utf-8")
    with CaseFile.create(path, name="benchmark", timezone="America/Los_Angeles") as case:
        # Entities first, links in a second import: links then reference rows that exist already
        # (written together, SQLite checks each new entity against links.location, which has no index).
        with ImportSession(case, roster, kind="links") as session:
            session.set_header(["synthetic"], 1)
            phones = [session.entity("Phone", f"+1{2_000_000_000 + i * 7 + 3}", f"phone {i}", row=2,
                                     attrs={"kind": "mobile_or_fixed"}) for i in range(n_phones)]
            sites = [session.entity("CellSite", f"SITE{i}", f"site {i}", row=2,
                                    attrs={"city": cities[i % len(cities)]}) for i in range(n_sites)]
            hotels = [session.entity("Hotel", None, f"Motel {i}", row=2, attrs={"city": cities[i % len(cities)]})
                      for i in range(n_hotels)]
            ads = [session.entity("Ad", f"ad:{i}", f"ad {i}", row=2, attrs={"city": cities[i % len(cities)]})
                   for i in range(n_ads)]
            accounts = [session.entity("Account", f"ACCT{i}", f"account {i}", row=2) for i in range(n_accounts)]
            persons = [session.entity("Person", None, f"Person {i}", row=2) for i in range(n_persons)]
            session.mark_imported([2])
        with ImportSession(case, source, kind="links") as session:
            session.set_header(["synthetic"], 1)
            phones_a, sites_a = np.array(phones), np.array(sites)
            group = rng.integers(0, max(1, n_phones // 120), n_phones)
            members: dict[int, np.ndarray] = {}
            order = np.argsort(group, kind="stable")
            bounds = np.searchsorted(group[order], np.arange(group.max() + 2))
            for g in range(group.max() + 1):
                members[g] = order[bounds[g]:bounds[g + 1]]
            activity = rng.pareto(1.2, n_phones) + 1
            activity /= activity.sum()
            extra = n_persons + n_ads * 2 + n_hotels * 10 + n_accounts * 5
            n_calls = max(0, links - extra)
            caller = rng.choice(n_phones, n_calls, p=activity)
            inside = rng.random(n_calls) < 0.85
            callee = rng.integers(0, n_phones, n_calls)
            for g, who in members.items():
                pick = inside & (group[caller] == g)
                if len(who) and pick.any():
                    callee[pick] = who[rng.integers(0, len(who), int(pick.sum()))]
            keep = caller != callee
            caller, callee = caller[keep], callee[keep]
            starts = START + rng.integers(0, 180 * DAY, len(caller))
            home = rng.integers(0, n_sites, n_phones)
            site = sites_a[(home[caller] + rng.integers(0, 3, len(caller))) % n_sites]
            kinds = np.where(rng.random(len(caller)) < 0.3, "sms", "call")
            durations = rng.integers(0, 600, len(caller))
            rows = iter(range(3, 10**9))
            session.links_bulk(
                (k, int(phones_a[a]), int(phones_a[b]), int(t), None, float(d) if k == "call" else None, None, None,
                 int(s), 1.0, None, next(rows))
                for k, a, b, t, d, s in zip(kinds.tolist(), caller.tolist(), callee.tolist(), starts.tolist(),
                                            durations.tolist(), site.tolist(), strict=True)
            )
            more = []
            for i, person in enumerate(persons):
                more.append(("uses", person, phones[(i * 13) % n_phones], None, None, None, None, None, None, 1.0,
                             None, next(rows)))
            for i, ad in enumerate(ads):
                t = int(START + rng.integers(0, 180 * DAY))
                more.append(("posted", ad, phones[int(rng.integers(0, n_phones))], t, None, None, None, None, None,
                             1.0, None, next(rows)))
                more.append(("posted", ad, phones[(i * 31) % n_phones], t, None, None, None, None, None, 1.0, None,
                             next(rows)))
            for hotel in hotels:
                for _ in range(10):
                    t = int(START + rng.integers(0, 180 * DAY))
                    guest = persons[int(rng.integers(0, n_persons))]
                    attrs = json.dumps({"room": str(int(rng.integers(100, 140))),
                                        "payment": str(rng.choice(["card", "cash"]))})
                    more.append(("stayed_at", guest, hotel, t, t + int(rng.integers(1, 4)) * DAY, None, None, None,
                                 None, 1.0, attrs, next(rows)))
            for account in accounts:
                for _ in range(5):
                    t = int(START + rng.integers(0, 180 * DAY))
                    attrs = json.dumps({"category": str(rng.choice(["lodging", "food", "payroll", "transfer"]))})
                    more.append(("paid", account, accounts[int(rng.integers(0, n_accounts))], t, None, None,
                                 float(rng.integers(5, 2000)), "USD", None, 1.0, attrs, next(rows)))
            session.links_bulk(more)
    source.unlink()
    roster.unlink()
    return path


def timed(results: list[tuple[str, float]], name: str, work: Callable[[], Any]) -> Any:
    began = time.perf_counter()
    value = work()
    results.append((name, time.perf_counter() - began))
    return value


def run(path: Path, label: str) -> list[tuple[str, float]]:
    """Time each step of the default analysis on one case file."""
    steps: list[tuple[str, float]] = []
    with CaseFile.open(path) as case:
        flt = GraphFilter()
        entities = timed(steps, "read entities", lambda: load_entities(case, attrs=True))
        links = timed(steps, "read links", lambda: load_links(case, flt, attrs=ATTR_LINKS))
        chosen = timed(steps, "filter and view", lambda: graph_links(case, flt, entities=entities, links=links))
        edges = timed(steps, "fold links into ties", lambda: fold_links(chosen))
        graph = timed(steps, "networkx graph", lambda: graph_from_edges(edges, entities, flt))
        data = timed(steps, "arrays + igraph twin", lambda: centrality.GraphArrays.from_edges(edges))
        between, sample = timed(steps, "betweenness", lambda: centrality.betweenness(graph, data=data))
        timed(steps, "closeness", lambda: centrality.closeness(graph, data=data))
        timed(steps, "eigenvector", lambda: centrality.eigenvector(graph, data=data))
        rank = timed(steps, "pagerank", lambda: centrality.pagerank(graph, data=data))
        timed(steps, "k-core", lambda: centrality.core_number(graph, data=data))
        degree = timed(steps, "degree + weighted degree", lambda: (centrality.degree(graph),
                                                                   centrality.weighted_degree(graph, data=data))[0])
        scores = centrality.key_player_scores(degree, between, rank)
        member = timed(steps, "leiden", lambda: communities.leiden(graph, data=data))
        timed(steps, "louvain (option)", lambda: communities.louvain(graph, data=data))
        timed(steps, "components", lambda: communities.components(graph, data=data))
        timed(steps, "community summary", lambda: communities.summarize(graph, member, scores, data=data))
        timed(steps, "disruption (5 key players)", lambda: disruption.key_players(graph, scores=scores, data=data))
        records = timed(steps, "records for findings", lambda: records_from(case, entities, links, flt))
        swaps = timed(steps, "replacements", lambda: replacements.find_replacements(records))
        places = timed(steps, "colocations", lambda: colocation.find_colocations(records))
        trips = timed(steps, "circuits", lambda: circuits.find_circuits(records))
        timed(steps, "indicators", lambda: indicators.run_rules(
            records, findings={"replacements": swaps, "colocations": places, "circuits": trips}))
        result = timed(steps, "analyze() end to end", lambda: analyze(case, AnalysisParams()))
    build = sum(s for n, s in steps[:5])
    default = sum(s for n, s in steps if n in DEFAULT_STEPS)
    print(f"\n== {label} (load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores): "
          f"{graph.number_of_nodes():,} entities in the graph, {graph.number_of_edges():,} ties, "
          f"{len(links):,} links; betweenness sample {sample}")
    for name, seconds in steps:
        print(f"  {name:<32} {seconds:8.2f} s")
    print(f"  {'graph build (read + fold)':<32} {build:8.2f} s   (target 5 s at 100k)")
    print(f"  {'default analysis (measures)':<32} {default:8.2f} s   (target 15 s at 100k, 2 s at 10k)")
    print(f"  findings: {len(result['replacements'])} replacements, {len(result['colocations'])} colocations, "
          f"{len(result['circuits'])} circuits, {len(result['indicators'])} indicators")
    return steps


def network_csv(path: Path, rows: int, phones: int, seed: int = 7) -> int:
    """A carrier-style CSV (T-Mobile layout, as benchmarks/import_phone.py writes) of `rows` calls and texts
    among `phones` numbers in calling groups with heavy-tailed activity; returns the rows written."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    numbers = 12000000000 + rng.choice(np.arange(2000000000, 9999999999, 977), phones, replace=False)
    group = rng.integers(0, max(1, phones // 120), phones)
    activity = rng.pareto(1.2, phones) + 1
    activity /= activity.sum()
    caller = rng.choice(phones, rows, p=activity)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(group.max() + 2))
    lo, hi = bounds[group[caller]], bounds[group[caller] + 1]
    inside = order[np.minimum(lo + (rng.random(rows) * (hi - lo)).astype(np.int64), hi - 1)]
    callee = np.where(rng.random(rows) < 0.85, inside, rng.integers(0, phones, rows))
    keep = caller != callee
    caller, callee = caller[keep], callee[keep]
    n = len(caller)
    sms = rng.random(n) < 0.4
    stamp = pd.to_datetime(np.sort(rng.integers(1709251200, 1709251200 + 90 * DAY, n)), unit="s")
    site = rng.integers(0, max(10, phones // 150), n)
    frame = pd.DataFrame({
        "Date": stamp.strftime("%m/%d/%Y"), "(UTC) Time": stamp.strftime("%H:%M:%S"),
        "Duration": np.where(sms, 0, rng.integers(0, 1800, n)),
        "Call Type": np.where(sms, "mSOriginatingSMSinMSC", "mSOriginating"), "Direction": "Outgoing",
        "Calling Number": numbers[caller], "Dialed Number": numbers[callee] - 10000000000,
        "Called Number": numbers[callee],
        "1st LTE Site ID": np.where(sms, "", (40000 + site).astype(str)),
        "1st Tower LAT": np.where(sms, "", np.round(37.9 + site / 1000, 6).astype(str)),
        "1st Tower LONG": np.where(sms, "", np.round(-121.3 - site / 1000, 6).astype(str)),
    })
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("T-Mobile USA, Inc. - Law Enforcement Relations\nAll times are in UTC\n\n")
        frame.to_csv(handle, index=False, lineterminator="\n")
    return n


def floor(csv: Path) -> dict[str, float]:
    """The computation the command wraps, with nothing around it: pandas reads the calls, numpy folds them into
    weighted pairs, igraph builds the graph and runs Leiden (2 iterations), PageRank and degree."""
    import igraph as ig
    import pandas as pd

    began, cpu = time.perf_counter(), time.process_time()
    frame = pd.read_csv(csv, skiprows=3, usecols=["Calling Number", "Called Number"], engine="pyarrow")
    a, b = frame["Calling Number"].to_numpy(np.int64), frame["Called Number"].to_numpy(np.int64)
    nodes, index = np.unique(np.r_[a, b], return_inverse=True)
    low, high = np.minimum(index[:len(a)], index[len(a):]), np.maximum(index[:len(a)], index[len(a):])
    pairs, weight = np.unique(low[low != high] * len(nodes) + high[low != high], return_counts=True)
    graph = ig.Graph(n=len(nodes), edges=list(zip((pairs // len(nodes)).tolist(), (pairs % len(nodes)).tolist(),
                                                   strict=True)))
    weights = weight.astype(float).tolist()
    graph.community_leiden(objective_function="modularity", weights=weights, n_iterations=2)
    graph.pagerank(weights=weights)
    graph.degree()
    return {"seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu, "nodes": len(nodes),
            "ties": len(pairs)}


def command(case: Path, out: Path, extra: tuple[str, ...] = ()) -> dict[str, float]:
    """`linkgraph analyze CASE --json > out` in a fresh process: seconds and that process's peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    with out.open("wb") as handle:
        subprocess.run([sys.executable, "-m", "linkgraph", "analyze", str(case), "--json", *extra],
                       stdout=handle, check=True, cwd=Path(__file__).resolve().parents[1])
    seconds = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"seconds": seconds, "cpu": cpu, "peak_gib": after.ru_maxrss / 2**20, "bytes": out.stat().st_size}


def end_to_end(folder: Path, rows: int, phones: int, repeat: int, extra: tuple[str, ...] = ()) -> None:
    """The command against the floor, interleaved (floor, command, floor, ...) so both see the same load."""
    csv = folder / f"network_{rows}_{phones}.csv"
    case = csv.with_suffix(".lgcase")
    if not csv.is_file():
        began = time.perf_counter()
        written = network_csv(csv, rows, phones)
        print(f"wrote {csv.name}: {written:,} rows in {time.perf_counter() - began:.1f} s")
    if not case.is_file():
        from importers import import_file
        from importers.options import ImportOptions

        began = time.perf_counter()
        with CaseFile.create(case, name="benchmark", timezone="UTC", region="US") as opened:
            result = import_file(opened, csv, ImportOptions(kind="phone"))
        print(f"imported it: {result.rows_imported:,} rows, {result.links_created:,} links in "
              f"{time.perf_counter() - began:.1f} s (not timed below)")
    floors, runs = [floor(csv)], []
    for _ in range(repeat):
        load = os.getloadavg()[0]
        runs.append({**command(case, folder / "out.json", extra), "load": load})
        floors.append(floor(csv))
    base = statistics.median(f["seconds"] for f in floors)
    base_cpu = statistics.median(f["cpu"] for f in floors)
    print(f"\n== linkgraph analyze CASE --json{''.join(' ' + e for e in extra)} > out.json: {rows:,} rows, {floors[0]['nodes']:,} phones, "
          f"{floors[0]['ties']:,} ties ({os.cpu_count()} cores)")
    each = ", ".join(f"{f['seconds']:.2f}" for f in floors)
    print(f"  floor (pandas read + pair fold + igraph Leiden + PageRank + degree): {each} s, median {base:.2f} s "
          f"(CPU {base_cpu:.2f} s)")
    for number, run in enumerate(runs, 1):
        print(f"  run {number}: {run['seconds']:6.2f} s  = {run['seconds'] / base:4.1f}x the floor (target 3x); "
              f"CPU {run['cpu']:.2f} s = {run['cpu'] / base_cpu:4.1f}x the floor's CPU  peak {run['peak_gib']:.2f} GiB  "
              f"output {run['bytes'] / 1e6:.0f} MB  load {run['load']:.2f}")
    print("  (on a shared machine the CPU ratio is the steadier figure: waiting for a core counts in wall time only)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="calls and texts of the end-to-end case")
    parser.add_argument("--phones", type=int, default=100_000, help="phones of the end-to-end case")
    parser.add_argument("--repeat", type=int, default=2, help="runs of the command (each followed by a floor)")
    parser.add_argument("--steps", action="store_true", help="also time each step on synthetic cases of every kind")
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000, help="entities of the small case (0 to skip)")
    parser.add_argument("--full", action="store_true",
                        help="time `analyze --full` (every measure; the default leaves out closeness and eigenvector "
                             "and samples betweenness harder above 200,000 ties)")
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the generated files in")
    args = parser.parse_args(argv)
    print("machine:", json.dumps(machine()))
    folder = args.keep or Path(tempfile.mkdtemp(prefix="linkgraph-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    end_to_end(folder, args.rows, args.phones, args.repeat, ("--full",) if args.full else ())
    if not args.steps:
        return 0
    # The small case first: a process still holding the big one's objects makes Python's cycle collector
    # slow every later step down.
    cases = ([(args.small, args.small * 10)] if args.small else []) + [(args.entities, args.links)]
    for entities, links in cases:
        path = folder / f"bench-{entities}-{links}.lgcase"
        if not path.exists():
            began = time.perf_counter()
            generate(path, entities, links)
            print(f"generated {path.name} in {time.perf_counter() - began:.1f} s")
        print(f"load average before the run: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
        run(path, f"{entities:,} entities / {links:,} links")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
