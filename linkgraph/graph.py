"""From a case file to a networkx graph, with the filters and views an analyst asks for.

`load_links` reads the links as columns (fast, filtered in SQL); `build_graph` folds them
into a weighted undirected `nx.Graph` (one edge per pair of entities, weight = number of
links, with types, first/last time and the link ids behind it) for analysis and charts.
Merged entities are replaced by the entity that stands for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from linkgraph.case import CaseFile

VIEWS = ("entities", "persons", "ad_phones")
# Link types that say "this identifier belongs to that person" (for the person-level view).
USE_LINKS = ("uses", "owns")
REPLACEABLE = ("Phone", "Account", "Device", "Email", "OnlineAccount", "Vehicle")


@dataclass
class GraphFilter:
    """What to leave in: a time window, types, a minimum weight, and entities left out by hand."""

    start: int | None = None                   # UTC epoch seconds, inclusive
    end: int | None = None                     # UTC epoch seconds, inclusive
    entity_types: set[str] | None = None       # None = all
    link_types: set[str] | None = None         # None = all
    min_weight: float = 0.0                    # edges with fewer links (or less summed weight) drop out
    exclude_service: bool = True               # carrier voicemail, short codes, service numbers
    exclude_ids: set[int] = field(default_factory=set)
    view: str = "entities"

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end,
            "entity_types": sorted(self.entity_types) if self.entity_types else None,
            "link_types": sorted(self.link_types) if self.link_types else None,
            "min_weight": self.min_weight, "exclude_service": self.exclude_service,
            "exclude_ids": sorted(self.exclude_ids), "view": self.view,
        }


def load_entities(case: CaseFile) -> pd.DataFrame:
    """Every entity as a frame indexed by id: type, key, label, role, minor, first/last seen, service flag."""
    frame = pd.read_sql_query(
        "SELECT id, type, key, label, role, minor, first_seen, last_seen, merged_into, "
        "json_extract(attrs, '$.kind') AS kind FROM entities",
        case.conn, index_col="id",
    )
    frame["service"] = frame["kind"].isin(["service", "short_code"])
    return frame


def load_links(case: CaseFile, flt: GraphFilter | None = None) -> pd.DataFrame:
    """Links as columns (id, type, src, dst, start, end, duration, amount, weight, source_id, row), filtered."""
    flt = flt or GraphFilter()
    sql = "SELECT id, type, src, dst, start, end, duration, amount, weight, source_id, row FROM links WHERE 1=1"
    args: list[Any] = []
    if flt.link_types:
        sql += f" AND type IN ({','.join('?' * len(flt.link_types))})"
        args.extend(sorted(flt.link_types))
    if flt.start is not None:
        sql += " AND (start IS NULL OR COALESCE(end, start) >= ?)"
        args.append(flt.start)
    if flt.end is not None:
        sql += " AND (start IS NULL OR start <= ?)"
        args.append(flt.end)
    rows = case.conn.execute(sql + " ORDER BY id", args).fetchall()
    columns = ["id", "type", "src", "dst", "start", "end", "duration", "amount", "weight", "source_id", "row"]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    reps = case.representatives()
    if reps and len(frame):
        frame["src"] = frame["src"].map(lambda v: reps.get(v, v))
        frame["dst"] = frame["dst"].map(lambda v: reps.get(v, v))
    return frame


def _person_of(case: CaseFile, entities: pd.DataFrame) -> dict[int, int]:
    """Identifier id -> the person who uses it, where exactly one person does."""
    reps = case.representatives()
    pairs = case.conn.execute(
        f"SELECT src, dst FROM links WHERE type IN ({','.join('?' * len(USE_LINKS))})", USE_LINKS
    ).fetchall()
    owners: dict[int, set[int]] = {}
    for src, dst in pairs:
        src, dst = reps.get(src, src), reps.get(dst, dst)
        kinds = entities["type"].get(src), entities["type"].get(dst)
        if kinds[0] == "Person" and kinds[1] in REPLACEABLE:
            owners.setdefault(dst, set()).add(src)
        elif kinds[1] == "Person" and kinds[0] in REPLACEABLE:
            owners.setdefault(src, set()).add(dst)
    return {ident: next(iter(people)) for ident, people in owners.items() if len(people) == 1}


def build_graph(case: CaseFile, flt: GraphFilter | None = None) -> nx.Graph:
    """The case as a weighted undirected graph under the filter and view asked for."""
    flt = flt or GraphFilter()
    if flt.view not in VIEWS:
        raise ValueError(f"unknown view '{flt.view}' (views: {', '.join(VIEWS)})")
    entities = load_entities(case)
    links = load_links(case, flt)
    if flt.view == "ad_phones":
        links = _ad_phone_links(links, entities)
    if flt.view == "persons" and len(links):
        owner = _person_of(case, entities)
        links = links[~links["type"].isin(USE_LINKS)].copy()
        links["src"] = links["src"].map(lambda v: owner.get(v, v))
        links["dst"] = links["dst"].map(lambda v: owner.get(v, v))
    keep = entities[entities["merged_into"].isna()]
    if flt.entity_types:
        keep = keep[keep["type"].isin(flt.entity_types)]
    if flt.exclude_service:
        keep = keep[~keep["service"]]
    if flt.exclude_ids:
        keep = keep[~keep.index.isin(list(flt.exclude_ids))]
    links = links[links["src"].isin(keep.index) & links["dst"].isin(keep.index) & (links["src"] != links["dst"])]

    graph = nx.Graph(view=flt.view, filter=json.dumps(flt.as_dict()))
    if len(links):
        low = np.minimum(links["src"].to_numpy(), links["dst"].to_numpy())
        high = np.maximum(links["src"].to_numpy(), links["dst"].to_numpy())
        folded = pd.DataFrame({
            "a": low, "b": high, "weight": links["weight"].to_numpy(dtype=float), "type": links["type"].to_numpy(),
            "start": links["start"].to_numpy(dtype=float), "id": links["id"].to_numpy(),
        })
        grouped = folded.groupby(["a", "b"], sort=True).agg(
            weight=("weight", "sum"), count=("id", "size"), first=("start", "min"), last=("start", "max"),
            types=("type", lambda s: ",".join(sorted(set(s)))),
        )
        grouped = grouped[grouped["weight"] >= flt.min_weight]
        edges = grouped.reset_index()
        graph.add_edges_from(
            (int(a), int(b), {"weight": float(w), "count": int(c), "types": t,
                              "first": None if np.isnan(f) else int(f), "last": None if np.isnan(la) else int(la)})
            for a, b, w, c, f, la, t in edges[["a", "b", "weight", "count", "first", "last", "types"]].itertuples(
                index=False, name=None)
        )
    used = keep.loc[keep.index.isin(list(graph.nodes))] if graph.number_of_nodes() else keep.iloc[0:0]
    for entity_id, etype, key, label, role, minor in used[["type", "key", "label", "role", "minor"]].itertuples(name=None):
        graph.add_node(int(entity_id), type=etype, key=key, label=label, role=role, minor=bool(minor))
    return graph


def _ad_phone_links(links: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """Phone-to-phone links: two phones tie when they appear in the same ad or in near-duplicate ads."""
    types = entities["type"]
    listed = links[links["type"].isin(["posted", "listed_in"])]
    phone_ad = []
    for link_id, src, dst, start, source_id, row in listed[["id", "src", "dst", "start", "source_id", "row"]].itertuples(
            index=False, name=None):
        kinds = types.get(src), types.get(dst)
        if kinds == ("Phone", "Ad"):
            phone_ad.append((src, dst, start, link_id, source_id, row))
        elif kinds == ("Ad", "Phone"):
            phone_ad.append((dst, src, start, link_id, source_id, row))
    near = links[links["type"] == "near_duplicate"]
    twins: dict[int, set[int]] = {}
    for a, b in near[["src", "dst"]].itertuples(index=False, name=None):
        twins.setdefault(a, set()).add(b)
        twins.setdefault(b, set()).add(a)
    phones_of: dict[int, list[tuple]] = {}
    for phone, ad, start, link_id, source_id, row in phone_ad:
        phones_of.setdefault(ad, []).append((phone, start, link_id, source_id, row))
    out = []
    for ad in sorted(phones_of):
        group = list(phones_of[ad])
        for twin in sorted(twins.get(ad, ())):
            group.extend(phones_of.get(twin, []))
        seen = sorted({g[0] for g in group})
        for i, first in enumerate(seen):
            for second in seen[i + 1:]:
                cite = next(g for g in group if g[0] == first)
                out.append((cite[2], "same_ad", first, second, cite[1], None, None, None, 1.0, cite[3], cite[4]))
    return pd.DataFrame(out, columns=links.columns).drop_duplicates(subset=["src", "dst", "id"]) if out else links.iloc[0:0]
