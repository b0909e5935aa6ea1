"""The graph of a case: folding links into edges, filters, views, merges, and the records behind an edge."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from linkgraph.case import CaseFile, ImportSession, merge_entities
from linkgraph.graph import (
    CHART_COLUMNS,
    GraphFilter,
    build_graph,
    edge_links,
    graph_links,
    load_entities,
    load_links,
    person_owners,
)
from linkgraph.times import parse_iso


def at(text: str) -> int:
    return parse_iso(text, "America/Los_Angeles")


def ties(graph) -> set[frozenset[int]]:
    return {frozenset(edge) for edge in graph.edges}


def tie(*ends: int) -> frozenset[int]:
    return frozenset(ends)


class Writer:
    """Records of one source file, each entity or link on a row of its own."""

    def __init__(self, session: ImportSession) -> None:
        self.session = session
        self.row = 1

    def _row(self) -> int:
        self.row += 1
        self.session.raw_row(self.row, [str(self.row)])
        return self.row

    def phone(self, last4: str) -> int:
        return self.session.entity("Phone", f"+1209555{last4}", f"(209) 555-{last4}", row=self._row())

    def entity(self, etype: str, key: str | None, label: str, **attrs: Any) -> int:
        return self.session.entity(etype, key, label, row=self._row(), attrs=attrs or None)

    def link(self, kind: str, src: int, dst: int, **fields: Any) -> int:
        return self.session.link(kind, src, dst, row=self._row(), **fields)

    def call(self, a: int, b: int, when: str, kind: str = "call") -> int:
        return self.link(kind, a, b, start=at(when))


@pytest.fixture
def write(case: CaseFile, tmp_path: Path) -> Callable[[], Any]:
    counter = itertools.count(1)

    @contextmanager
    def make() -> Iterator[Writer]:
        path = tmp_path / f"source{next(counter)}.csv"
        path.write_text(path.name, encoding="utf-8")
        with ImportSession(case, path, kind="links") as session:
            yield Writer(session)

    return make


@pytest.fixture
def calls(write) -> dict[str, int]:
    """Phones A, B, C, a voicemail number V; Ann uses A, Bob uses B; three A-B records, one B-C, one A-V."""
    with write() as w:
        a, b, c = w.phone("0101"), w.phone("0102"), w.phone("0103")
        v = w.entity("Phone", "+18056377243", "T-Mobile voicemail", kind="service")
        ann, bob = w.entity("Person", None, "Ann"), w.entity("Person", None, "Bob")
        ids = {"A": a, "B": b, "C": c, "V": v, "Ann": ann, "Bob": bob}
        ids["ab1"] = w.call(a, b, "2024-03-01 10:00")
        ids["ab2"] = w.call(b, a, "2024-03-05 10:00")
        ids["ab3"] = w.call(a, b, "2024-03-09 10:00", kind="sms")
        ids["bc"] = w.call(b, c, "2024-04-01 10:00")
        ids["av"] = w.call(a, v, "2024-03-02 10:00")
        w.link("uses", ann, a)
        w.link("uses", bob, b)
    return ids


def test_links_fold_into_one_weighted_edge_per_pair(case: CaseFile, calls: dict[str, int]) -> None:
    graph = build_graph(case)
    a, b, c = calls["A"], calls["B"], calls["C"]
    assert graph.edges[a, b] == {"weight": 3.0, "count": 3, "types": "call,sms",
                                 "first": at("2024-03-01 10:00"), "last": at("2024-03-09 10:00")}
    assert graph.edges[b, c]["count"] == 1
    assert graph.nodes[a]["label"] == "(209) 555-0101" and graph.nodes[a]["type"] == "Phone"
    assert graph.nodes[calls["Ann"]]["role"] == "unknown"
    assert graph.edges[calls["Ann"], a] == {"weight": 1.0, "count": 1, "types": "uses", "first": None, "last": None}
    assert calls["V"] not in graph                      # the voicemail number is not a contact
    assert calls["V"] in build_graph(case, GraphFilter(exclude_service=False))


def test_time_window_types_weight_and_exclusions(case: CaseFile, calls: dict[str, int]) -> None:
    a, b, c = calls["A"], calls["B"], calls["C"]
    march = build_graph(case, GraphFilter(start=at("2024-03-04 00:00"), end=at("2024-03-31 23:59")))
    assert march.edges[a, b]["count"] == 2 and not march.has_edge(b, c)
    assert march.has_edge(calls["Ann"], a)              # standing ties (no time) stay in every window
    phones = build_graph(case, GraphFilter(entity_types={"Phone"}))
    assert set(phones) == {a, b, c}
    texts = build_graph(case, GraphFilter(link_types={"sms"}))
    assert ties(texts) == {tie(a, b)} and texts.edges[a, b]["count"] == 1
    heavy = build_graph(case, GraphFilter(min_weight=2))
    assert ties(heavy) == {tie(a, b)}
    without_b = build_graph(case, GraphFilter(exclude_ids={b}))
    assert b not in without_b and c not in without_b and without_b.has_edge(calls["Ann"], a)


def test_persons_view_replaces_phones_by_their_users(case: CaseFile, calls: dict[str, int]) -> None:
    assert person_owners(case) == {calls["A"]: calls["Ann"], calls["B"]: calls["Bob"]}
    graph = build_graph(case, GraphFilter(view="persons"))
    ann, bob, c = calls["Ann"], calls["Bob"], calls["C"]
    assert ties(graph) == {tie(ann, bob), tie(bob, c)}
    assert graph.edges[ann, bob]["count"] == 3
    only_people = build_graph(case, GraphFilter(view="persons", entity_types={"Person"}))
    assert ties(only_people) == {tie(ann, bob)}


@pytest.mark.parametrize("apart", [False, True])
def test_person_owners_from_every_link_loaded_equal_the_ones_read(case: CaseFile, calls: dict[str, int], write,
                                                                  apart: bool) -> None:
    """Found among the links `load_links` read (ends followed), the owners are those read again from the case:
    merges followed (or kept apart), a removed source's links left out, a phone two persons use owned by none."""
    with write() as w:
        cara, d, e = w.entity("Person", None, "Cara"), w.phone("0104"), w.phone("0105")
        w.link("owns", d, cara)
        w.link("uses", cara, e)
    with write() as w:
        w.link("uses", calls["Bob"], calls["C"])
        removed = w.session.source_id
    with write() as w:
        w.link("uses", calls["Ann"], e)
    merge_entities(case, calls["A"], d, "same phone")
    case.remove_source(removed, "wrong return")
    flt = GraphFilter(keep_apart={d} if apart else set())
    entities = load_entities(case)
    links = load_links(case, flt)
    owners = person_owners(case, entities, flt)
    assert person_owners(case, entities, flt, links=links) == owners
    assert calls["C"] not in owners and e not in owners
    assert owners[d] == cara if apart else d not in owners and calls["A"] not in owners


def test_ad_phones_view_ties_phones_of_the_same_or_near_duplicate_ads(case: CaseFile, write) -> None:
    with write() as w:
        p1, p2, p3, p4 = (w.phone(n) for n in ("0150", "0151", "0152", "0199"))
        ad1, ad2, ad3 = (w.entity("Ad", f"site:{n}", f"Ad {n}") for n in (1, 2, 3))
        w.link("posted", ad1, p1, start=at("2024-03-01 12:00"))
        w.link("posted", ad1, p2, start=at("2024-03-01 12:00"))
        w.link("posted", ad2, p3, start=at("2024-03-02 12:00"))
        w.link("posted", ad3, p4, start=at("2024-03-03 12:00"))
        w.link("near_duplicate", ad1, ad2)
    graph = build_graph(case, GraphFilter(view="ad_phones"))
    assert set(graph.nodes) == {p1, p2, p3}
    assert ties(graph) == {tie(p1, p2), tie(p1, p3), tie(p2, p3)}
    assert graph.edges[p1, p2]["count"] == 1 and graph.edges[p1, p2]["types"] == "same_ad"


def test_merged_entities_follow_the_survivor_and_edges_cite_their_links(case: CaseFile, calls: dict[str, int]) -> None:
    merge_entities(case, calls["A"], calls["C"], "same phone written differently")
    graph = build_graph(case)
    assert calls["C"] not in graph and graph.edges[calls["A"], calls["B"]]["count"] == 4
    chosen = graph_links(case, GraphFilter())
    behind = edge_links(chosen, [(calls["B"], calls["A"])])
    assert behind == {(calls["A"], calls["B"]): sorted([calls["ab1"], calls["ab2"], calls["ab3"], calls["bc"]])}


def test_unknown_view_is_refused(case: CaseFile) -> None:
    with pytest.raises(ValueError, match="unknown view"):
        build_graph(case, GraphFilter(view="nonsense"))


def test_links_read_as_columns_with_missing_values_as_nan(case: CaseFile, write) -> None:
    with write() as w:
        a, b = w.phone("0101"), w.phone("0102")
        account = w.entity("Account", "ACCT1", "Account 1")
        call = w.link("call", a, b, start=at("2024-03-01 10:00"), duration=75)
        paid = w.link("paid", account, a, amount=-2.9)
    links = load_links(case).set_index("id")
    assert links.at[call, "duration"] == 75 and links.at[call, "start"] == at("2024-03-01 10:00")
    assert links.at[call, "amount"] != links.at[call, "amount"]          # NaN: no amount on a call
    assert links.at[paid, "amount"] == -2.9 and links.at[paid, "start"] != links.at[paid, "start"]
    assert list(links["type"]) == ["call", "paid"] and links.at[paid, "row"] > links.at[call, "row"]


def test_stored_attributes_read_as_the_standard_library_reads_them() -> None:
    import json

    from linkgraph.graph import _attrs

    for text in ['{"a": NaN}', '{"iccid": 89014103211118510720}', '{"b": -1234567890123456789}',
                 '{"c": [1, 2.5, "é", null, true]}', '{"d": 1e400}', '{"e": 1.5e-300, "f": {"g": "\\u2028"}}']:
        assert repr(_attrs(text)) == repr(json.loads(text)), text


def test_the_charts_columns_make_the_same_graphs(case: CaseFile, calls: dict[str, int], write) -> None:
    """The chart reads only CHART_COLUMNS of the links: every view and filter gives the graph all columns give."""
    with write() as w:
        p1, p2 = w.phone("0150"), w.phone("0151")
        ad1 = w.entity("Ad", "site:1", "Ad 1")
        w.link("posted", ad1, p1, start=at("2024-03-01 12:00"))
        w.link("posted", ad1, p2, start=at("2024-03-01 12:00"))
    merge_entities(case, calls["A"], calls["C"], "same phone written differently")
    entities = load_entities(case)
    narrow = load_links(case, columns=CHART_COLUMNS)
    assert set(narrow.columns) == set(CHART_COLUMNS)
    for flt in (GraphFilter(), GraphFilter(view="persons"), GraphFilter(view="ad_phones"),
                GraphFilter(start=at("2024-03-04 00:00"), end=at("2024-03-31 23:59"), min_weight=1)):
        full = build_graph(case, flt, entities=entities, links=load_links(case))
        chart = build_graph(case, flt, entities=entities, links=narrow)
        assert list(chart.nodes(data=True)) == list(full.nodes(data=True)), flt.view
        assert list(chart.edges(data=True)) == list(full.edges(data=True)), flt.view
