"""The analysis's per-entity arithmetic on arrays, for cases of a hundred thousand entities.

Each function here gives exactly what a plain function elsewhere gives (named in its docstring, and
held to it by tests/analysis/test_at_scale.py): the plain one is the reference a reader checks by hand,
this one does the same sums on numpy arrays instead of one Python dict entry at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """np.unique of integers (their distinct values, in order) by a sort and a compare: numpy's own, which
    hashes, takes many times longer on a million entity ids or edge keys."""
    values = np.sort(np.asarray(values).ravel())
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


DENSE_IDS = 4          # ids up to this many times their count: told apart by a table, not a sort


def distinct_ids(*columns: np.ndarray) -> np.ndarray:
    """sorted_distinct of the columns together (the entities at the ends of the ties), as int64: by a table indexed
    by id when the ids are dense enough (a case's ids are row numbers), a pass or two over the ids instead of a
    sort; else by sorted_distinct."""
    return dense_distinct(*columns)[0]


def dense_distinct(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """`distinct_ids`, and the table where it was made by one (each id's position among them, for `ids[where]`);
    None for the table where the ids were too sparse for one and were sorted."""
    count = sum(len(column) for column in columns)
    if count:
        low = min(int(column.min()) for column in columns if len(column))
        high = max(int(column.max()) for column in columns if len(column))
        if low >= 0 and high < DENSE_IDS * count + 1024:
            seen = np.zeros(high + 1, dtype=bool)
            for column in columns:
                seen[column] = True
            ids = np.flatnonzero(seen).astype(np.int64)
            where = np.zeros(len(seen), dtype=np.int64)
            where[ids] = np.arange(len(ids), dtype=np.int64)
            return ids, where
    both = np.concatenate([np.asarray(column, dtype=np.int64).ravel() for column in columns]) if columns \
        else np.zeros(0, dtype=np.int64)
    return sorted_distinct(both).astype(np.int64, copy=False), None


def ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The positions lo[0]..hi[0]-1, lo[1]..hi[1]-1, ... in one array."""
    sizes = hi - lo
    total = int(sizes.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(sizes) - sizes
    return np.repeat(lo - offsets, sizes) + np.arange(total, dtype=np.int64)


def lexsort(keys: Sequence[np.ndarray]) -> np.ndarray:
    """np.lexsort(keys) (the last key sorts first), faster for keys of whole numbers (ids, epoch seconds): one
    stable pass per key from the first, each a plain sort of the key with the row's place appended (all
    distinct, so the sort keeps equal keys in their order). Any other key, or keys too wide for 63 bits with
    the places appended, go to np.lexsort."""
    count = len(keys[0]) if len(keys) else 0
    whole = []
    for key in keys:
        key = np.asarray(key)
        if key.dtype.kind == "f":
            if not count or not np.isfinite(key).all() or not np.array_equal(key, np.floor(key)):
                return np.lexsort(keys)
        elif key.dtype.kind not in "iu":
            return np.lexsort(keys)
        low, high = (key.min(), key.max()) if count else (0, 0)
        if float(high) - float(low) >= float((1 << 62) // max(count, 1)):
            return np.lexsort(keys)
        whole.append(((key - low).astype(np.int64), int(high - low) + 1 if count else 1))
    # Neighbouring keys whose ranges multiply within the limit sort as one (the more significant one scaled).
    passes: list[tuple[np.ndarray, int]] = []
    for key, span in reversed(whole):                  # the most significant first
        if passes and passes[-1][1] * span * max(count, 1) < (1 << 62):
            joined, width = passes[-1]
            passes[-1] = (joined * span + key, width * span)
        else:
            passes.append((key, span))
    order = np.arange(count, dtype=np.int64)
    places = np.arange(count, dtype=np.int64)
    for key, _ in reversed(passes):                    # the least significant first
        order = order[np.sort(key[order] * count + places) % count]
    return order


def column(values: Mapping[int, float], nodes: Sequence[int]) -> np.ndarray:
    """A measure (entity -> value) as an array in the order of `nodes` (missing entities count 0)."""
    if len(values) == len(nodes) and list(values) == list(nodes):      # made in node order (the usual case)
        return np.fromiter(values.values(), dtype=float, count=len(nodes))
    return np.fromiter((values.get(n, 0.0) for n in nodes), dtype=float, count=len(nodes))


def _scaled(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top else np.zeros(len(values))


def key_player_scores(degree: np.ndarray, betweenness: np.ndarray, pagerank: np.ndarray) -> np.ndarray:
    """centrality.key_player_scores on arrays in one node order: the mean of the three measures, each scaled
    by its maximum, rounded to 6 places as Python's round() does (numpy's rounding can differ in the last digit)."""
    raw = (_scaled(degree) + _scaled(betweenness) + _scaled(pagerank)) / 3
    return np.array([round(x, 6) for x in raw.tolist()], dtype=float)


def ranks(ids: np.ndarray, values: np.ndarray) -> dict[int, int]:
    """Entity -> 1-based rank by value, highest first, ties by id (for rules that require a top rank)."""
    order = np.lexsort((ids, -values))
    return dict(zip(ids[order].tolist(), range(1, len(order) + 1), strict=True))


def numbered(nodes: Sequence[int], groups: Sequence[int] | np.ndarray) -> dict[int, int]:
    """communities._numbered of dict(zip(nodes, groups)), on arrays: groups renumbered by size (largest first),
    ties by smallest member id; the dict lists nodes by new number, then in their given order, as the plain
    one does."""
    if not len(nodes):
        return {}
    ids = np.asarray(nodes, dtype=np.int64)
    given = np.asarray(groups, dtype=np.int64)
    labels = sorted_distinct(given)
    group = np.searchsorted(labels, given)
    sizes = np.bincount(group, minlength=len(labels))
    smallest = np.full(len(labels), np.iinfo(np.int64).max)
    np.minimum.at(smallest, group, ids)
    rank = np.empty(len(labels), dtype=np.int64)
    rank[np.lexsort((smallest, -sizes))] = np.arange(len(labels))
    new = rank[group]
    order = np.argsort(new, kind="stable")
    return dict(zip(ids[order].tolist(), new[order].tolist(), strict=True))


def group_extremes(group: np.ndarray, low: np.ndarray, high: np.ndarray, count: int,
                   rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group number 0..count-1, over the rows it holds where `rows` is true and `low` is a number: the least
    `low` and the greatest `high` (inf and -inf when there is none). As `group_extremes_reference`, without
    copying out the rows chosen: a row left out takes part as inf (-inf), which changes no minimum (maximum)."""
    counted = rows & ~np.isnan(low)
    least = np.full(count, np.inf)
    greatest = np.full(count, -np.inf)
    np.minimum.at(least, group, np.where(counted, low, np.inf))
    np.maximum.at(greatest, group, np.where(counted, high, -np.inf))
    return least, greatest


def group_extremes_reference(group: np.ndarray, low: np.ndarray, high: np.ndarray, count: int,
                             rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`group_extremes` plainly: the rows chosen copied out, then each group's minimum and maximum."""
    counted = rows & ~np.isnan(low)
    least = np.full(count, np.inf)
    greatest = np.full(count, -np.inf)
    np.minimum.at(least, group[counted], low[counted])
    np.maximum.at(greatest, group[counted], high[counted])
    return least, greatest


def members_in_score_order(ids: np.ndarray, group: np.ndarray, score: np.ndarray) -> tuple[list[int], list[int]]:
    """Each group's members by score (ties by id), as positions into `ids`: (positions, bounds) with group
    number g's members at positions[bounds[k]:bounds[k + 1]] for the k-th group number in order. The plain
    reading (communities.summarize's before it): walk the nodes by score and append each to its group."""
    order = np.lexsort((ids, -score))
    regrouped = order[np.argsort(group[order], kind="stable")]
    present = sorted_distinct(group)
    bounds = np.r_[0, np.cumsum(np.bincount(group)[present])] if len(group) else np.zeros(1, dtype=np.int64)
    return regrouped.tolist(), bounds.tolist()
