"""Common contacts of a set of phones (or any entities): who is tied to several of them at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx


def common_contacts(graph: nx.Graph, ids: Iterable[int], *, min_shared: int | None = None) -> list[dict[str, Any]]:
    """Entities tied to at least `min_shared` of `ids` (default: all of them when two are given, else two).

    Each: {id, label, type, contacts: [ids of the set it touches], links: records with them},
    most shared first, then most links, then lowest id. Members of the set can be common
    contacts of the others.
    """
    chosen = sorted({i for i in ids if i in graph})
    if min_shared is None:
        min_shared = 2 if len(chosen) != 1 else 1
    touched: dict[int, list[int]] = {}
    records: dict[int, int] = {}
    for member in chosen:
        for other in graph[member]:
            touched.setdefault(other, []).append(member)
            records[other] = records.get(other, 0) + int(graph.edges[member, other].get("count", 1))
    nodes = graph.nodes
    found = [
        {"id": other, "label": nodes[other].get("label", str(other)), "type": nodes[other].get("type"),
         "contacts": sorted(members), "links": records[other]}
        for other, members in touched.items() if len(members) >= min_shared
    ]
    return sorted(found, key=lambda c: (-len(c["contacts"]), -c["links"], c["id"]))
