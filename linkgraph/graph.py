"""From a case file to a networkx graph, with the filters and views an analyst asks for.

`load_links` reads the links as columns (fast, filtered in SQL); `graph_links` applies a
view and the filter to them (the records behind every edge, so a finding can cite them);
`build_graph` folds them into a weighted undirected `nx.Graph`: one edge per pair of
entities with weight (summed link weight), count, types, first/last time. Merged entities
are replaced by the entity that stands for them.

Views: `entities` (the records as they are), `persons` (phones, accounts, devices... replaced
by the one person who uses or owns them: "entity replace"), `ad_phones` (two phones tied
when they appear in the same ad or in near-duplicate ads).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from itertools import chain
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from linkgraph import reading
from linkgraph.case import CaseFile
from linkgraph.process_switches import collector_paused
from linkgraph.reading import (  # noqa: F401  (GraphFilter, VIEWS and the columns are this module's API too)
    CHART_COLUMNS,
    LINK_COLUMNS,
    NULL,
    VIEWS,
    CaseReading,
    EntityColumns,
    GraphFilter,
    LinksQuery,
    links_query,
    start_reading,
)

try:
    from orjson import loads as _orjson_loads
except ImportError:  # orjson is a dependency; a bare install still reads attributes
    _orjson_loads = json.loads

# Link types that say "this identifier belongs to that person" (for the person-level view).
USE_LINKS = ("uses", "owns")
REPLACEABLE = ("Phone", "Account", "Device", "Email", "OnlineAccount", "Vehicle")
AD_LINKS = ("posted", "listed_in")


def load_entities(case: CaseFile, *, attrs: bool = False, beside: CaseReading | None = None) -> pd.DataFrame:
    """Every entity as a frame indexed by id: type, key, label, role, minor, first/last seen, service flag.

    With `attrs`, an `attrs` column holds each entity's attributes as a dict. Read into Arrow columns by the
    ADBC SQLite driver when it can (`reading.entities_read`: a third of the time of the plain read, which stays
    the reference and gives the same frame); `beside`: reads already started (`start_reading`).
    """
    columns = None
    if beside is not None and beside.entities is not None:
        columns = beside.entities.columns_for(case, attrs)
    if columns is None:
        plan = reading.entities_plan(case)
        table = reading.entities_read(plan, attrs) if plan is not None else None
        columns = table.columns() if table is not None else None
    if columns is None:
        return _entities_plain(case, attrs=attrs)
    return _entities_frame(columns, attrs=attrs)


def _entities_plain(case: CaseFile, *, attrs: bool = False) -> pd.DataFrame:
    """`load_entities` through the case's own connection: the reference the Arrow read is held equal to."""
    frame = pd.read_sql_query(
        "SELECT id, type, key, label, role, minor, first_seen, last_seen, merged_into, "
        "json_extract(attrs, '$.kind') AS kind" + (", attrs" if attrs else "") + " FROM entities ORDER BY id",
        case.conn, index_col="id",
    )
    for name in ("type", "key", "label", "role", "kind"):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    frame["service"] = frame["kind"].isin(["service", "short_code"])
    if attrs:
        frame["attrs"] = _all_attrs(frame["attrs"].tolist())
    return frame


def _entities_frame(columns: EntityColumns, *, attrs: bool) -> pd.DataFrame:
    """The frame `_entities_plain` makes, from the Arrow reader's columns: whole numbers typed as pandas types a
    column of Python values read from SQLite (int64 without NULL, float64 with NaN for some, None for all)."""
    index = pd.Index(columns.ids, name="id")
    data: dict[str, pd.Series] = {}
    for name in reading.ENTITY_ORDER:
        if name in columns.text:           # object, as the plain read leaves it (not inferred as pandas' str)
            data[name] = pd.Series(columns.text[name], index=index, dtype=object, copy=False)
            continue
        values = columns.whole[name]
        if not values.null_count:
            whole = np.asarray(values.to_numpy(), dtype=np.int64)
        elif values.null_count == len(values):
            whole = np.full(len(values), None, dtype=object)
        else:                              # NaN for NULL (as pandas makes Python ints and None a float64 column)
            whole = np.asarray(values.to_numpy(zero_copy_only=False), dtype=float)
        data[name] = pd.Series(whole, index=index, dtype=whole.dtype, copy=False)
    frame = pd.DataFrame(data, copy=False)
    if attrs:
        frame["attrs"] = _all_attrs(columns.attrs or [])
    frame["service"] = frame["kind"].isin(["service", "short_code"])
    return frame


def _all_attrs(texts: list[Any]) -> list[Any]:
    """Each entity's stored attributes as Python, as `_attrs` reads one (an empty dict for none): a hundred
    thousand read by orjson in one call as one JSON array, when none holds what orjson reads otherwise."""
    filled = [text if text else "{}" for text in texts]
    if _orjson_loads is not json.loads and filled:
        joined = ("[" + ",".join(filled) + "]").encode("utf-8", "surrogatepass")
        # A run of 19 digits, found as nineteen zeros once every digit reads 0 (bytes.translate and a substring
        # search: ten times the speed of the regular expression over megabytes).
        if _ZEROS not in joined.translate(_DIGITS_AS_ZERO):
            try:
                parsed = _orjson_loads(joined)
            except ValueError:
                parsed = None
            if isinstance(parsed, list) and len(parsed) == len(filled):
                return parsed
    return [_attrs(text) if text != "{}" else {} for text in filled]


def _attrs(text: str) -> Any:
    """Stored attributes (JSON text) as Python: orjson, several times faster on a hundred thousand entities;
    the standard library for what orjson refuses (NaN) or reads differently (an integer of 19 digits or more
    becomes a float there)."""
    if _LONG_NUMBER.search(text) is None:
        try:
            return _orjson_loads(text)
        except ValueError:
            pass
    return json.loads(text)


_LONG_NUMBER = re.compile(r"\d{19}")
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_ZEROS = b"0" * 19


def load_links(case: CaseFile, flt: GraphFilter | None = None, *, attrs: bool | Iterable[str] = False,
               columns: Iterable[str] | None = None, beside: CaseReading | None = None) -> pd.DataFrame:
    """Links as columns (id, type, src, dst, start, end, duration, amount, weight, source_id, row, location).

    Filtered by the filter's time window and link types; ends (and location) follow merges.
    Times, amounts and location are floats (NaN when missing); `type` is categorical.
    `attrs=True` adds an `attrs` column of dicts; a collection of link types parses only those
    (others get an empty dict, shared: do not modify it). Numbers are read in one pass into a
    numpy array, which keeps a million links at about two seconds. `columns`: only these of LINK_COLUMNS
    (id and type always; CHART_COLUMNS are what `graph_links` needs): a quarter less to read for a chart.
    `beside`: reads already started (`start_reading`): their numbers are used when asked for the same rows.
    """
    flt = flt or GraphFilter()
    kept = set(LINK_COLUMNS) if columns is None else {"id", "type", *columns}
    query = links_query(case, flt, kept)
    numeric, args, where = query.numeric, query.args, query.where
    names = list(case.model.links)
    numbers = beside.links.numbers(case, query) if beside is not None and beside.links is not None else None
    columns = numbers if numbers is not None else _number_columns(case, numeric, query.code, query.rest, args)
    codes = columns.pop().astype(np.int64)
    if (codes < 0).any():
        odd = dict(case.conn.execute(f"SELECT id, type FROM links WHERE 1=1{where} AND type NOT IN "
                                     f"({','.join('?' * len(names))})", [*args, *names]))
        extra = sorted(set(odd.values()))
        names += extra
        ids = columns[0].astype(np.int64)
        for position in np.flatnonzero(codes < 0):
            codes[position] = names.index(odd[int(ids[position])])
    whole = set(reading.WHOLE_LINK_COLUMNS)
    # The id columns as integers before the frame is made, and each column kept as its own block (copy=False):
    # pandas would otherwise stack the eleven columns of a million links into one block, a copy of 90 MB.
    frame = pd.DataFrame({name: _whole(column) if name in whole else column
                          for name, column in zip(numeric, columns, strict=True)}, copy=False)
    frame.insert(1, "type", pd.Categorical.from_codes(codes, categories=names))
    reps = _followed(case, flt)
    if reps and len(frame):
        for name in ("src", "dst", "location"):
            if name in kept:
                frame[name] = _follow(frame[name], reps)
    if attrs:
        wanted = names if attrs is True else [n for n in attrs]
        if attrs is True:
            parsed = dict(case.conn.execute(f"SELECT id, attrs FROM links WHERE attrs IS NOT NULL{where} ORDER BY id",
                                            args))
        else:
            # Only the rows of the wanted types, looked up by id (a million calls' attributes are not scanned).
            chosen = frame["id"].to_numpy()[np.isin(codes, [i for i, n in enumerate(names) if n in set(wanted)])]
            parsed = _attrs_text(case, chosen.tolist())
        empty: dict[str, Any] = {}
        frame["attrs"] = [_attrs(parsed[i]) if i in parsed else empty for i in frame["id"].tolist()] \
            if parsed else [empty] * len(frame)
    return frame


def _whole(column: np.ndarray) -> np.ndarray:
    """A column of whole numbers read as floats, as int64 (NaN refused as pandas' astype refuses it); one read as
    integers (the Arrow reader's, `reading.whole_positions`) as it is."""
    if column.dtype.kind in "iu":
        return column.astype(np.int64, copy=False)
    if np.isfinite(column).all():
        return column.astype(np.int64)
    return pd.Series(column).astype(np.int64).to_numpy()


def _number_columns(case: CaseFile, numeric: list[str], last: str, rest: str, args: list[Any]) -> list[np.ndarray]:
    """`SELECT numeric..., last rest` as float columns, NaN for NULL (`last`, a number never NULL, comes last).

    Read as Arrow columns by the ADBC SQLite driver when it can (`_arrow_numbers`: a million links
    in about a third of the time); else through the case's own connection, the rows streamed into
    one float array. Both read the same committed rows and give the same numbers.
    """
    columns = _arrow_numbers(case, numeric, last, rest, args)
    if columns is not None:
        return columns
    # NULL comes back as a sentinel so the rows stream straight into one float array (np.fromiter),
    # about twice as fast as np.array over a million tuples; the sentinel then becomes NaN.
    read = ", ".join(f"IFNULL({c}, {NULL})" for c in numeric)
    with collector_paused():
        # The sentinel as this SQLite reads it: some versions (SQLCipher's 3.51) read -1.5e308 one unit lower.
        null = case.conn.execute(f"SELECT {NULL}").fetchone()[0]
        rows = case.conn.execute(f"SELECT {read}, {last} {rest}", args).fetchall()
        width = len(numeric) + 1
        table = np.fromiter(chain.from_iterable(rows), dtype=float, count=len(rows) * width).reshape(len(rows), width)
        del rows
    table[table == null] = np.nan
    return [np.ascontiguousarray(table[:, i]) for i in range(width)]


def _arrow_numbers(case: CaseFile, numeric: list[str], last: str, rest: str,
                   args: list[Any]) -> list[np.ndarray] | None:
    """The columns of `_number_columns`, read into Arrow by the ADBC SQLite driver (no Python object per value);
    None when it cannot read them as the case's connection would, and the caller reads them itself: no driver
    installed, an encrypted case (SQLCipher), the connection inside a transaction (another connection would not
    see its uncommitted rows), an argument it cannot spell in SQL, or any error of the driver (a locked file)."""
    plan = reading.links_plan(case, numeric, last, rest, args)
    return None if plan is None else reading.links_read(*plan, len(numeric), reading.whole_positions(numeric))


def _attrs_text(case: CaseFile, ids: list[int]) -> dict[int, str]:
    """Link id -> its stored attributes (JSON text), for these links that have any."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        found.update(case.conn.execute(
            f"SELECT id, attrs FROM links WHERE attrs IS NOT NULL AND id IN ({','.join('?' * len(chunk))})", chunk))
    return found


def _followed(case: CaseFile, flt: GraphFilter | None) -> dict[int, int]:
    """The merges to follow: every one, less the merged ids the filter keeps apart."""
    reps = case.representatives()
    if flt is not None and flt.keep_apart:
        reps = {k: v for k, v in reps.items() if k not in flt.keep_apart}
    return reps


def _follow(column: pd.Series, reps: dict[int, int]) -> pd.Series:
    """Ids replaced by the id that stands for them after merges (vectorised)."""
    mapped = column.map(reps)
    return mapped.fillna(column).astype(column.dtype)


def person_owners(case: CaseFile, entities: pd.DataFrame | None = None,
                  flt: GraphFilter | None = None, *, links: pd.DataFrame | None = None) -> dict[int, int]:
    """Identifier id (phone, account, device...) -> the person who uses or owns it, where exactly one does.

    `links`: every link of the case as `load_links` reads it under `flt`'s merges (no time window or link types
    applied, ends followed): the uses and owns links are taken from it instead of read again."""
    entities = load_entities(case) if entities is None else entities
    if links is None:
        reps = _followed(case, flt)
        pairs = case.conn.execute(
            f"SELECT src, dst FROM links WHERE type IN ({','.join('?' * len(USE_LINKS))}){case.removed_links_sql()} "
            "ORDER BY id", USE_LINKS
        ).fetchall()
    else:                       # their ends followed already
        reps = {}
        used = links[links["type"].isin(USE_LINKS).to_numpy()]
        pairs = list(zip(used["src"].tolist(), used["dst"].tolist(), strict=True))
    types = entities["type"]
    owners: dict[int, set[int]] = {}
    for src, dst in pairs:
        src, dst = reps.get(src, src), reps.get(dst, dst)
        kinds = types.get(src), types.get(dst)
        if kinds[0] == "Person" and kinds[1] in REPLACEABLE:
            owners.setdefault(dst, set()).add(src)
        elif kinds[1] == "Person" and kinds[0] in REPLACEABLE:
            owners.setdefault(src, set()).add(dst)
    return {ident: next(iter(people)) for ident, people in sorted(owners.items()) if len(people) == 1}


def graph_links(
    case: CaseFile,
    flt: GraphFilter | None = None,
    *,
    entities: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The links that become edges under the filter and view, their ends mapped as the view says.

    Excluded and service entities drop out by their own id and, in the persons view, by the
    person standing for them; entity types apply to the ends as the view shows them.
    Pass `entities`/`links` already loaded (unfiltered by view) to avoid reading them again.
    """
    flt = flt or GraphFilter()
    if flt.view not in VIEWS:
        raise ValueError(f"unknown view '{flt.view}' (views: {', '.join(VIEWS)})")
    entities = load_entities(case) if entities is None else entities
    links = load_links(case, flt) if links is None else _time_and_type(links, flt)
    dropped = set(flt.exclude_ids)
    if flt.exclude_service:
        dropped.update(int(i) for i in entities.index[entities["service"].to_numpy()])
    if dropped:
        gone = list(dropped)
        links = links[~links["src"].isin(gone) & ~links["dst"].isin(gone)]
    if flt.view == "ad_phones":
        links = _ad_phone_links(links, entities)
    elif flt.view == "persons" and len(links):
        owner = person_owners(case, entities, flt)
        links = links[~links["type"].isin(USE_LINKS)].copy()
        links["src"] = _follow(links["src"], owner)
        links["dst"] = _follow(links["dst"], owner)
    keep = entities[entities["merged_into"].isna()]
    if flt.entity_types:
        keep = keep[keep["type"].isin(flt.entity_types)]
    if flt.exclude_ids:
        keep = keep[~keep.index.isin(list(flt.exclude_ids))]
    return links[links["src"].isin(keep.index) & links["dst"].isin(keep.index) & (links["src"] != links["dst"])]


def _time_and_type(links: pd.DataFrame, flt: GraphFilter) -> pd.DataFrame:
    """The filter's time window and link types applied to links loaded without them."""
    mask = np.ones(len(links), dtype=bool)
    if flt.link_types:
        mask &= links["type"].isin(flt.link_types).to_numpy()
    timed = links["start"].notna().to_numpy()
    if flt.start is not None:
        last = links["end"].fillna(links["start"]).to_numpy()
        mask &= ~timed | (last >= flt.start)
    if flt.end is not None:
        mask &= ~timed | (links["start"].to_numpy() <= flt.end)
    return links[mask]


def build_graph(
    case: CaseFile,
    flt: GraphFilter | None = None,
    *,
    entities: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
) -> nx.Graph:
    """The case as a weighted undirected graph under the filter and view asked for.

    Nodes carry type, label, key, role, minor; edges weight, count, types ("call,sms"),
    first and last (epoch of the earliest and latest timed link, or None).
    """
    flt = flt or GraphFilter()
    entities = load_entities(case) if entities is None else entities
    chosen = graph_links(case, flt, entities=entities, links=links)
    return graph_from_links(chosen, entities, flt)


def graph_from_links(links: pd.DataFrame, entities: pd.DataFrame, flt: GraphFilter | None = None) -> nx.Graph:
    """Fold links (already filtered, see `graph_links`) into one weighted edge per pair of entities."""
    flt = flt or GraphFilter()
    edges = fold_links(links)
    return graph_from_edges(edges[edges["weight"] >= flt.min_weight], entities, flt)


def graph_from_edges(edges: pd.DataFrame, entities: pd.DataFrame, flt: GraphFilter | None = None, *,
                     ties: bool = True) -> nx.Graph:
    """The networkx graph of folded edges (see `fold_links`), nodes labelled from `entities`.

    `ties=False` gives the nodes (with their attributes) only: for callers that compute on the
    ties' arrays (analysis.centrality.GraphArrays) and read the graph for labels and types.
    """
    flt = flt or GraphFilter()
    graph = nx.Graph(view=flt.view, filter=json.dumps(flt.as_dict()))
    if not len(edges):
        return graph
    ends_a, ends_b = edges["a"].to_numpy(np.int64), edges["b"].to_numpy(np.int64)
    from linkgraph.analysis.at_scale import distinct_ids  # (imported here: analysis imports this module)

    nodes = entities.loc[distinct_ids(ends_a, ends_b), ["type", "key", "label", "role", "minor"]]
    # Filled the way nx.Graph.add_edges_from fills them (one attribute dict shared by both directions),
    # without its per-edge checks: a 700,000-tie graph in about half the time.
    columns = [nodes[name].tolist() for name in ("type", "key", "label", "role", "minor")]
    graph._node.update(
        (int(i), {"type": t, "key": k, "label": lab, "role": r, "minor": bool(m)})
        for i, t, k, lab, r, m in zip(nodes.index.tolist(), *columns, strict=True)
    )
    adjacency = graph._adj
    adjacency.update((node, {}) for node in graph._node)
    if not ties:
        return graph
    first, last = _whole_or_none(edges["first"]), _whole_or_none(edges["last"])
    with collector_paused():
        for a, b, w, c, t, f, la in zip(ends_a.tolist(), ends_b.tolist(), edges["weight"].tolist(),
                                        edges["count"].tolist(), edges["types"].tolist(), first, last, strict=True):
            data = {"weight": w, "count": c, "types": t, "first": f, "last": la}
            adjacency[a][b] = data
            adjacency[b][a] = data
    return graph


def _whole_or_none(column: pd.Series) -> list[int | None]:
    """Times as Python ints (cut toward zero, as int() cuts), None where NaN: in numpy, not one test per edge."""
    values = column.to_numpy(float)
    out = np.empty(len(values), dtype=object)
    timed = ~np.isnan(values)
    out[timed] = values[timed].astype(np.int64).tolist()
    return out.tolist()


def fold_links(links: pd.DataFrame) -> pd.DataFrame:
    """One row per unordered pair (a < b), in (a, b) order: summed weight, link count, first/last start
    (NaN when no link of the pair is timed), and the link types joined by commas ("call,sms")."""
    columns = ["a", "b", "weight", "count", "first", "last", "types"]
    if not len(links):
        return pd.DataFrame({c: [] for c in columns})
    src = links["src"].to_numpy(np.int64)
    dst = links["dst"].to_numpy(np.int64)
    low, high = np.minimum(src, dst), np.maximum(src, dst)
    span = int(high.max()) + 1
    order, pair = stable_order(low * span + high)
    heads = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    codes, names = _type_codes(links["type"])
    if len(names) > 62:
        raise ValueError("more than 62 link types cannot be folded")
    bits = np.left_shift(np.int64(1), codes.astype(np.int64))[order]
    start = links["start"].to_numpy(float)[order]
    timed = ~np.isnan(start)
    first = np.fmin.reduceat(np.where(timed, start, np.inf), heads)
    last = np.fmax.reduceat(np.where(timed, start, -np.inf), heads)
    masks = np.bitwise_or.reduceat(bits, heads)
    kinds = np.sort(masks)                        # np.unique(masks, return_inverse=True), by a sort and a search
    kinds = kinds[np.r_[True, kinds[1:] != kinds[:-1]]]
    which = np.searchsorted(kinds, masks)
    spelled = [",".join(str(names[i]) for i in range(len(names)) if int(m) >> i & 1) for m in kinds]
    # The types as a categorical (each distinct combination spelled once), read as the strings themselves.
    types = pd.Categorical.from_codes(which, categories=spelled) if len(set(spelled)) == len(spelled) else \
        np.array(spelled, dtype=object)[which].tolist()
    keys = pair[heads]
    return pd.DataFrame({
        "a": keys // span, "b": keys % span,
        "weight": np.add.reduceat(links["weight"].to_numpy(float)[order], heads),
        "count": np.diff(np.r_[heads, len(pair)]),
        "first": np.where(np.isinf(first), np.nan, first), "last": np.where(np.isinf(last), np.nan, last),
        "types": types,
    })


def stable_order(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.argsort(keys, kind="stable") and the keys in that order. Non-negative keys small enough are sorted
    with their position appended (keys * len + position: all distinct, so any sort keeps equal keys in their
    order), which numpy's plain sort does several times faster than its stable argsort; `stable_order_reference`
    is the plain call."""
    count = len(keys)
    if count and int(keys.min()) >= 0 and int(keys.max()) < (1 << 62) // count:
        both = np.sort(keys * count + np.arange(count, dtype=np.int64))
        return both % count, both // count
    return stable_order_reference(keys)


def stable_order_reference(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`stable_order` as numpy's stable argsort gives it."""
    order = np.argsort(keys, kind="stable")
    return order, keys[order]


def _type_codes(types: pd.Series) -> tuple[np.ndarray, Any]:
    """Each link's type as a number and the types present, in name order (as `pd.factorize(..., sort=True)`
    gives them); from a categorical's codes when it is one (no string per link made)."""
    if isinstance(types.dtype, pd.CategoricalDtype):
        raw = types.cat.codes.to_numpy()
        present = np.unique(raw)
        if len(present) and present[0] >= 0:
            categories = types.cat.categories
            names = sorted(str(categories[i]) for i in present)
            rank = np.zeros(len(categories), dtype=np.int64)
            rank[present] = [names.index(str(categories[i])) for i in present]
            return rank[raw], pd.Index(names, dtype=object)
    return pd.factorize(np.asarray(types, dtype=object), sort=True)


def edge_links(links: pd.DataFrame, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    """The link ids behind each edge (a, b) of a graph made from `links` (as `graph_links` returns them)."""
    wanted = {(min(a, b), max(a, b)) for a, b in pairs}
    if not wanted or not len(links):
        return {pair: [] for pair in wanted}
    ends = {n for pair in wanted for n in pair}
    near = links[links["src"].isin(ends) & links["dst"].isin(ends)]
    found: dict[tuple[int, int], list[int]] = {pair: [] for pair in wanted}
    for link_id, src, dst in near[["id", "src", "dst"]].itertuples(index=False, name=None):
        key = (min(src, dst), max(src, dst))
        if key in found:
            found[key].append(int(link_id))
    return {pair: sorted(ids) for pair, ids in found.items()}


def _ad_phone_links(links: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """Phone-to-phone links: two phones tie when they appear in the same ad or in near-duplicate ads.

    Each tie cites the posting record of the first phone (link id, source and row).
    """
    types = entities["type"]
    listed = links[links["type"].isin(AD_LINKS)]
    src_type = listed["src"].map(types).to_numpy()
    dst_type = listed["dst"].map(types).to_numpy()
    forward = listed[(src_type == "Phone") & (dst_type == "Ad")]
    backward = listed[(src_type == "Ad") & (dst_type == "Phone")]
    phone_ad = pd.concat([
        pd.DataFrame({"phone": forward["src"], "ad": forward["dst"], "start": forward["start"], "id": forward["id"],
                      "source_id": forward["source_id"], "row": forward["row"]}),
        pd.DataFrame({"phone": backward["dst"], "ad": backward["src"], "start": backward["start"],
                      "id": backward["id"], "source_id": backward["source_id"], "row": backward["row"]}),
    ]).sort_values(["ad", "phone", "id"])
    near = links[links["type"] == "near_duplicate"]
    twins: dict[int, set[int]] = {}
    for a, b in near[["src", "dst"]].itertuples(index=False, name=None):
        twins.setdefault(a, set()).add(b)
        twins.setdefault(b, set()).add(a)
    phones_of: dict[int, list[tuple]] = {}
    for phone, ad, start, link_id, source_id, row in phone_ad.itertuples(index=False, name=None):
        phones_of.setdefault(ad, []).append((phone, start, link_id, source_id, row))
    out = []
    for ad in sorted(phones_of):
        group = list(phones_of[ad])
        for twin in sorted(twins.get(ad, ())):
            group.extend(phones_of.get(twin, []))
        seen = sorted({g[0] for g in group})
        for i, first in enumerate(seen):
            cite = next(g for g in group if g[0] == first)
            for second in seen[i + 1:]:
                out.append((cite[2], "same_ad", first, second, cite[1], np.nan, np.nan, np.nan, 1.0, cite[3], cite[4],
                            np.nan))
    if not out:
        return links.iloc[0:0].reindex(columns=LINK_COLUMNS)
    frame = pd.DataFrame(out, columns=LINK_COLUMNS).drop_duplicates(subset=["src", "dst", "id"])
    return frame.reset_index(drop=True)
