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


def members_in_score_order(ids: np.ndarray, group: np.ndarray, score: np.ndarray) -> tuple[list[int], list[int]]:
    """Each group's members by score (ties by id), as positions into `ids`: (positions, bounds) with group
    number g's members at positions[bounds[k]:bounds[k + 1]] for the k-th group number in order. The plain
    reading (communities.summarize's before it): walk the nodes by score and append each to its group."""
    order = np.lexsort((ids, -score))
    regrouped = order[np.argsort(group[order], kind="stable")]
    present = sorted_distinct(group)
    bounds = np.r_[0, np.cumsum(np.bincount(group)[present])] if len(group) else np.zeros(1, dtype=np.int64)
    return regrouped.tolist(), bounds.tolist()
