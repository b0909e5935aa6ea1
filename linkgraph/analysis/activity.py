"""When entities are active: calls and texts by hour of day and by weekday, in the case's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from linkgraph.analysis.records import PHONE_LINKS, Records

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NIGHT = (22, 23, 0, 1, 2, 3, 4)          # hours counted as night (22:00-04:59)


def activity(
    records: Records, ids: Iterable[int], *, link_types: Iterable[str] = PHONE_LINKS
) -> list[dict[str, Any]]:
    """Per entity: records by hour (0-23) and weekday (Mon-Sun), total, and the share at night.

    A person counts the calls of the phones they use (records.owners).
    """
    wanted = sorted({int(i) for i in ids})
    links = records.of_types(tuple(link_types))
    links = links[links["start"].notna()]
    stands_for: dict[int, set[int]] = {i: {i} for i in wanted}
    for ident, person in records.owners.items():
        if person in stands_for:
            stands_for[person].add(ident)
    out = []
    for entity in wanted:
        mine = list(stands_for[entity])
        own = links[links["src"].isin(mine) | links["dst"].isin(mine)]
        local = records.local(own["start"])
        hours = np.bincount(local.dt.hour.to_numpy(dtype=np.int64), minlength=24) if len(own) else np.zeros(24)
        days = np.bincount(local.dt.day_of_week.to_numpy(dtype=np.int64), minlength=7) if len(own) else np.zeros(7)
        total = int(len(own))
        night = int(sum(hours[h] for h in NIGHT))
        out.append({
            **records.ref(entity), "records": total, "by_hour": [int(v) for v in hours],
            "by_weekday": dict(zip(WEEKDAYS, (int(v) for v in days), strict=True)),
            "night_share": round(night / total, 3) if total else 0.0,
            "busiest_hour": int(np.argmax(hours)) if total else None,
        })
    return out


def hour_and_weekday(records: Records, starts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Local hour and weekday (0 = Monday) of epoch times (NaN times give -1)."""
    local = records.local(starts)
    hour = local.dt.hour.to_numpy(dtype=float, na_value=np.nan)
    day = local.dt.day_of_week.to_numpy(dtype=float, na_value=np.nan)
    return np.nan_to_num(hour, nan=-1).astype(np.int64), np.nan_to_num(day, nan=-1).astype(np.int64)
