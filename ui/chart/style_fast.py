"""A big chart's styling as columns: every entity's size and colour key in a few passes, beside the plain loop.

`ChartView._restyle` sizes and colours a chart one entity at a time (the reference a reader checks by hand);
on a chart of more than `view.EAGER_MOST` entities it asks this module instead, which gives the same radii,
the same colour keys in the same order and the link layer's dot groups as arrays (no QColor asked for its
value per entity), held equal to the plain loop by tests/ui/test_style_fast.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

CATEGORICAL = ("type", "community", "role", "component")


def node_rows(attrs: Mapping[int, dict[str, Any]], ids: Sequence[int]) -> list[dict[str, Any]]:
    """Each entity's attribute dict in the order of `ids` (an empty one for an entity the graph lacks)."""
    empty: dict[str, Any] = {}
    get = attrs.get
    return [get(n, empty) for n in ids]


def _floats(raw: list[Any]) -> np.ndarray:
    """Values as floats, 0 where missing or not a number (`float(value)` each, as the plain loop does)."""
    try:
        values = np.array([0.0 if v is None else v for v in raw], dtype=float)
        if values.shape == (len(raw),):
            return values
    except (TypeError, ValueError):
        pass
    out = []
    for value in raw:
        try:
            out.append(float(value) if value is not None else 0.0)
        except (TypeError, ValueError):
            out.append(0.0)
    return np.array(out, dtype=float)


def shares(ids: Sequence[int], rows: list[dict[str, Any]], attr: str,
           degree: Callable[[], Mapping[int, int]]) -> tuple[np.ndarray, str]:
    """ChartView._shares as a column: each entity's `attr` as a share of the largest (0 when missing), and the
    measure really used (the key-player score falls back to ties while no analysis has given scores)."""
    if attr == "score" and all(row.get("score") is None for row in rows):
        attr = "degree"
    raw = [row.get(attr) for row in rows]
    if attr == "degree" and any(v is None for v in raw):
        ties = degree()
        raw = [ties[n] if v is None else v for n, v in zip(ids, raw, strict=True)]
    values = _floats(raw)
    top = float(values.max()) if len(values) else 0.0
    return (values / top if top > 0 else np.zeros(len(values))), attr


def radii(sizes: np.ndarray, base: float) -> list[float]:
    """Each entity's icon radius from its size share, worked out once per distinct share (ties and scores
    repeat) with Python's round, as the plain loop rounds."""
    distinct, which = np.unique(sizes, return_inverse=True)
    rounded = np.array([round(base * (0.7 + 1.8 * s ** 0.5), 1) for s in distinct.tolist()], dtype=float)
    return rounded[which.ravel()].tolist() if len(sizes) else []


def colour_keys(rows: list[dict[str, Any]], colour_attr: str | None, ramp: np.ndarray | None) -> list[tuple]:
    """Each entity's colour key, as the plain loop makes it: ("type", t), ("role", r), ("ramp", share) or
    ("group", value)."""
    if colour_attr is None or colour_attr == "type":
        return [("type", row.get("type")) for row in rows]
    if colour_attr == "role":
        return [("role", row.get("role") or "unknown") if row.get("type") == "Person" else ("type", row.get("type"))
                for row in rows]
    if colour_attr not in CATEGORICAL:
        assert ramp is not None
        return [("ramp", round(share, 3)) for share in ramp.tolist()]
    return [("group", row.get(colour_attr)) for row in rows]


def numbered(keys: list[tuple]) -> tuple[np.ndarray, list[tuple]]:
    """Each key's number in order of first appearance, and the distinct keys in that order."""
    seen: dict[tuple, int] = {}
    codes = np.fromiter((seen.setdefault(k, len(seen)) for k in keys), dtype=np.int64, count=len(keys))
    return codes, list(seen)


def dot_groups(codes: np.ndarray, rgba: np.ndarray, sizes: np.ndarray) -> list[tuple[int, float, np.ndarray]]:
    """The link layer's dot groups from columns: (shade number, size, members) per distinct (colour value, size),
    ordered by colour value then size as `EdgeLayer.set_dots` orders them; members are node indices, rising."""
    if not len(codes):
        return []
    if sizes.min() < 0 or sizes.max() >= 1024 or not (sizes == np.round(sizes)).all():
        keys = np.column_stack([rgba[codes], sizes])
        kinds, first, which = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        which = which.ravel()
        order = np.argsort(which, kind="stable")
        bounds = np.searchsorted(which[order], np.arange(len(kinds) + 1))
        return [(int(codes[first[g]]), float(kinds[g][1]), order[bounds[g]:bounds[g + 1]]) for g in range(len(kinds))]
    # whole sizes under 1024: (colour value, size) as one integer sorts the same, many times faster
    key = rgba[codes] * 1024 + sizes.astype(np.int64)
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    heads = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    bounds = np.r_[heads, len(order)]
    return [(int(codes[order[bounds[g]]]), float(sizes[order[bounds[g]]]), order[bounds[g]:bounds[g + 1]])
            for g in range(len(heads))]
