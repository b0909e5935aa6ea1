"""Number swaps at scale: the desktop's search (`analysis.replacements`), its heavy part on the engine.

The engine does the exact inverted-index join (old phone -> contacts <- new phone, hubs capped) for every
round, with the swaps found so far as a chain table (phone -> the first number of its chain); the driver
keeps only the candidates' contact lists and accepts pairs best first, as the desktop does. Not MinHash:
a new number sharing 3 of its 4 contacts with the old one has a Jaccard similarity of about 0.07, which no
sketch threshold keeps without drowning in noise.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

from linkgraph.analysis.replacements import swap_candidate
from linkgraph.scale import on_driver
from linkgraph.scale.analyses import RunParams, RunReport
from linkgraph.scale.engines import Engine, sql_text, tree_cpu_seconds

DAY = 86_400


def _ids(table: pa.Table, column: str) -> list[int]:
    return [int(v) for v in table.column(column).to_pylist()]


def find_swaps(engine: Engine, params: RunParams, report: RunReport) -> list[dict[str, Any]]:
    """Likely number replacements over the snapshot: [{old, new (entity keys), similarity, gap_days,
    shared_contacts (keys), shared_devices, round}], best first."""
    report.counts["phone_calls"] = engine.run("phone_calls", "phone_calls", count=True)
    if not report.counts["phone_calls"]:
        return []
    engine.run("phone_span", "phone_span")
    report.counts["contacts"] = engine.run("contacts", "contacts", count=True)
    # Where the contacts fit on the driver (the graph's cap), each round's join runs there: on Spark a round's
    # join of the olds' and news' contacts was two shuffles of them (94 s a round at 10M calls).
    held = None
    if 0 < report.counts["contacts"] <= params.driver_arcs:
        clock, cpu = time.perf_counter(), tree_cpu_seconds()
        with engine.timed("the contacts pulled to the driver"):
            held = on_driver.Contacts.pull(engine, int(report.counts.get("nodes") or 0) + 1)
        on_driver.described(report, "number swaps: contacts pulled", time.perf_counter() - clock,
                            tree_cpu_seconds() - cpu, contacts=report.counts["contacts"])
    else:
        engine.run("contact_degree", "contact_degree")
    bounds = engine.arrow("SELECT MIN(start_time) AS b, MAX(start_time) AS f FROM phone_calls")
    begin, finish = float(bounds.column("b")[0].as_py()), float(bounds.column("f")[0].as_py())
    span = engine.arrow("SELECT phone, first_time, last_time FROM phone_span")
    first = dict(zip(_ids(span, "phone"), [float(v) for v in span.column("first_time").to_pylist()], strict=True))
    last = dict(zip(_ids(span, "phone"), [float(v) for v in span.column("last_time").to_pylist()], strict=True))
    olds = {p for p in first if last[p] <= finish - params.quiet_days * DAY}
    news = {p for p in first if first[p] >= begin + params.quiet_days * DAY}
    if not olds or not news:
        return []
    hand = engine.arrow(sql_text("handsets"))
    phones_of: dict[str, set[int]] = {}
    for device, phone in zip(hand.column("device").to_pylist(), _ids(hand, "phone"), strict=True):
        phones_of.setdefault(device, set()).add(phone)
    handsets = {d: sorted(p) for d, p in sorted(phones_of.items()) if len(p) > 1}

    def devices_of(phone: int) -> list[str]:
        return [d for d, phones in handsets.items() if phone in phones]

    cache: dict[int, set[int]] = {}

    def fetch(phones: Iterable[int]) -> None:
        wanted = sorted(set(phones) - set(cache))
        if not wanted:
            return
        if held is not None:
            for phone in wanted:
                cache[phone] = set(held.contact[held.starts[phone]:held.starts[phone + 1]].tolist())
            return
        engine.register("wanted", pa.table({"phone": pa.array(wanted, pa.int64())}))
        table = engine.arrow("SELECT c.phone, c.contact FROM contacts c JOIN wanted w ON w.phone = c.phone")
        for phone in wanted:
            cache[phone] = set()
        for phone, contact in zip(_ids(table, "phone"), _ids(table, "contact"), strict=True):
            cache[phone].add(contact)

    root: dict[int, int] = {}
    chain: dict[int, list[int]] = {}
    replaced: set[int] = set()
    taken: set[int] = set()
    found: list[dict[str, Any]] = []

    def rooted(p: int) -> int:
        return root.get(p, p)

    def mapped(members: Iterable[int]) -> set[int]:
        out: set[int] = set()
        for m in members:
            out.update(rooted(c) for c in cache[m])
        return out

    def fits(o: int, n: int) -> bool:
        gap = first[n] - last[o]
        return -params.max_overlap_days * DAY <= gap <= params.max_gap_days * DAY

    if held is not None:
        first_of = np.full(len(held.degree), np.nan)
        last_of = np.full(len(held.degree), np.nan)
        first_of[list(first)], last_of[list(last)] = list(first.values()), list(last.values())
    for round_number in range(1, params.swap_rounds + 1):
        if held is not None:
            clock, cpu = time.perf_counter(), tree_cpu_seconds()
            root_of = np.arange(len(held.degree), dtype=np.int64)
            root_of[list(root)] = list(root.values())
            old_ids, new_ids, shared_counts = on_driver.shared_contacts(
                held, np.array(sorted(olds - replaced), dtype=np.int64), np.array(sorted(news - taken), dtype=np.int64),
                root_of, first_of, last_of, int(params.hub_limit), float(params.max_overlap_days * DAY),
                float(params.max_gap_days * DAY))
            counts = dict(zip(zip(old_ids.tolist(), new_ids.tolist(), strict=True), shared_counts.tolist(), strict=True))
            on_driver.described(report, f"number swaps: round {round_number}", time.perf_counter() - clock,
                                tree_cpu_seconds() - cpu, pairs=len(counts))
        else:
            engine.register("chain", pa.table({"phone": pa.array(list(root), pa.int64()),
                                               "root": pa.array(list(root.values()), pa.int64())}))
            engine.register("olds", pa.table({"phone": pa.array(sorted(olds - replaced), pa.int64())}))
            engine.register("news", pa.table({"phone": pa.array(sorted(news - taken), pa.int64())}))
            shared = engine.arrow(sql_text("swap_shared", hub_limit=int(params.hub_limit),
                                           max_overlap=float(params.max_overlap_days * DAY),
                                           max_gap=float(params.max_gap_days * DAY)))
            counts = {(o, n): int(c) for o, n, c in zip(_ids(shared, "old"), _ids(shared, "new"),
                                                        _ids(shared, "shared"), strict=True)}
        for phones in handsets.values():
            for o in phones:
                for n in phones:
                    if (o != n and o in olds - replaced and n in news - taken and rooted(o) != rooted(n)
                            and o in first and n in first and fits(o, n)):
                        counts.setdefault((o, n), 0)
        pairs = [(o, n) for (o, n), c in sorted(counts.items()) if c >= params.min_shared or devices_of(o)]
        fetch([m for o, n in pairs for m in chain.get(rooted(o), [o])] + [n for _, n in pairs])
        candidates = []
        for o, n in pairs:
            old_side = mapped(chain.get(rooted(o), [o])) - {rooted(o), rooted(n)}
            new_side = mapped([n]) - {rooted(o), rooted(n)}
            devices = sorted(set(devices_of(o)) & set(devices_of(n)))
            candidate = swap_candidate(o, n, old_side, new_side, devices, abs(first[n] - last[o]), params)
            if candidate is not None:
                candidates.append(candidate)
        candidates.sort(key=lambda c: c[:5])
        accepted = 0
        for *_, o, n, similarity, common, devices in candidates:
            if o in replaced or n in taken or rooted(o) == rooted(n):
                continue
            replaced.add(o)
            taken.add(n)
            accepted += 1
            top = rooted(o)
            moved = chain.pop(n, [n])
            chain[top] = chain.get(top, [top]) + moved
            for m in moved:
                root[m] = top
            shown = sorted(c for c in cache[n] if rooted(c) in common)
            found.append({"old": o, "new": n, "similarity": round(similarity, 3),
                          "gap_days": round((first[n] - last[o]) / DAY, 1), "last_seen_old": last[o],
                          "first_seen_new": first[n], "shared_contacts": shown, "shared_devices": devices,
                          "round": round_number})
        if not accepted:
            report.rounds["swaps"] = round_number
            break
    else:
        report.rounds["swaps"] = params.swap_rounds
    if not found:
        return []
    ids = sorted({f["old"] for f in found} | {f["new"] for f in found} | {c for f in found for c in f["shared_contacts"]})
    engine.register("wanted", pa.table({"phone": pa.array(ids, pa.int64())}))
    keys_table = engine.arrow("SELECT n.id, n.ekey FROM nodes n JOIN wanted w ON w.phone = n.id")
    keys = dict(zip(_ids(keys_table, "id"), keys_table.column("ekey").to_pylist(), strict=True))
    for item in found:
        item["old"], item["new"] = keys[item["old"]], keys[item["new"]]
        item["shared_contacts"] = sorted(keys[c] for c in item["shared_contacts"])
    report.counts["swaps"] = len(found)
    return sorted(found, key=lambda f: (-f["similarity"], f["old"], f["new"]))


def colocations(engine: Engine, params: RunParams, report: RunReport) -> None:
    """Hotel overlaps and cell-site meetings as tables `hotel_overlaps` and `site_meetings` (entity keys)."""
    from linkgraph.scale.circuits import prepare_findings

    prepare_findings(engine)
    report.counts["hotel_overlaps"] = engine.run("hotel_overlaps", "hotel_overlaps", count=True)
    # The located records on their sites once, read twice by the meetings (calm records, and those they meet):
    # as one query the engine built the sites' windows twice (at 1M calls on Spark, 29 s against 18).
    engine.run("site_events", "site_events", window=int(round(params.site_minutes * 60)))
    report.counts["site_meetings"] = engine.run(
        "site_meetings", "cell_site_meetings", count=True, max_crowd=int(params.max_crowd),
        min_meetings=int(params.min_meetings))
