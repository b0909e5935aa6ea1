"""What selected entities did over time: their dated records, a per-day activity series, an hour x weekday grid.

Read by the GUI's timeline and by anyone who wants the numbers. A person stands for the phones
and accounts they use or own (as in `analysis.activity`), service numbers are left out as the
analysis leaves them out, and local times are in the case's time zone, so the grid of one
entity adds up to the `by_hour` and `by_weekday` counts of `analyze`'s activity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkgraph.analysis.activity import WEEKDAYS, hour_and_weekday
from linkgraph.analysis.records import PHONE_LINKS, Records, records_from
from linkgraph.case import CaseFile
from linkgraph.graph import GraphFilter, load_entities, load_links

DAY = 86_400
EVENT_COLUMNS = ["entity", "link", "type", "start", "end", "other", "other_label", "other_type", "source_id", "row"]


@dataclass
class Activity:
    """Records per local day for each entity: `days` (local day numbers since 1970-01-01) x `counts`."""

    entities: list[int]
    days: np.ndarray              # first..last local day with a record, one per day
    counts: np.ndarray            # shape (len(entities), len(days))

    def dates(self) -> list[str]:
        """The days as ISO dates."""
        return [str(pd.Timestamp("1970-01-01") + pd.Timedelta(days=int(d)))[:10] for d in self.days]


def load(case: CaseFile) -> Records:
    """The case's records as the timeline reads them (the whole case, no time window)."""
    entities = load_entities(case, attrs=True)
    links = load_links(case)
    return records_from(case, entities, links, GraphFilter())


def stands_for(records: Records, ids: Iterable[int]) -> dict[int, set[int]]:
    """Each entity -> itself plus the identifiers it uses or owns (for a person)."""
    out = {int(i): {int(i)} for i in ids}
    for ident, person in records.owners.items():
        if person in out:
            out[person].add(ident)
    return out


def events(records: Records, ids: Iterable[int], *, types: Iterable[str] | None = None) -> pd.DataFrame:
    """The dated records touching each entity (through its identifiers), oldest first, one row per entity and record."""
    mine = stands_for(records, ids)
    links = records.links[records.links["start"].notna()]
    if types is not None:
        links = links[links["type"].isin(list(types)).to_numpy()]
    frames = []
    for entity, members in sorted(mine.items()):
        group = list(members)
        touching = links[(links["src"].isin(group) | links["dst"].isin(group)).to_numpy()]
        if not len(touching):
            continue
        other = np.where(touching["src"].isin(group).to_numpy(), touching["dst"].to_numpy(), touching["src"].to_numpy())
        frames.append(pd.DataFrame({
            "entity": entity, "link": touching["id"].to_numpy(), "type": touching["type"].astype(str).to_numpy(),
            "start": touching["start"].to_numpy(), "end": touching["end"].to_numpy(), "other": other,
            "other_label": [records.label(o) for o in other.tolist()],
            "other_type": [records.entities["type"].get(int(o)) for o in other.tolist()],
            "source_id": touching["source_id"].to_numpy(), "row": touching["row"].to_numpy(),
        }))
    if not frames:
        return pd.DataFrame({c: [] for c in EVENT_COLUMNS})
    return pd.concat(frames, ignore_index=True).sort_values(["start", "entity", "link"], kind="stable") \
        .reset_index(drop=True)


def daily_activity(records: Records, ids: Iterable[int], *, types: Iterable[str] | None = None) -> Activity:
    """Records per local day for each entity, over the days from the first to the last record of any of them."""
    wanted = sorted({int(i) for i in ids})
    found = events(records, wanted, types=types)
    if not len(found):
        return Activity(wanted, np.zeros(0, dtype=np.int64), np.zeros((len(wanted), 0), dtype=np.int64))
    day = records.local_day(found["start"].to_numpy()).astype(np.int64)
    first, last = int(day.min()), int(day.max())
    counts = np.zeros((len(wanted), last - first + 1), dtype=np.int64)
    row = {e: i for i, e in enumerate(wanted)}
    np.add.at(counts, (found["entity"].map(row).to_numpy(), day - first), 1)
    return Activity(wanted, np.arange(first, last + 1), counts)


def hour_weekday(records: Records, ids: Iterable[int], *, types: Iterable[str] = PHONE_LINKS) -> np.ndarray:
    """Calls and texts of the entities (any of them; a record between two counts once) by local weekday x hour.

    A 7 x 24 array, row 0 = Monday, column 0 = midnight to 1 am.
    """
    members = set().union(*stands_for(records, ids).values()) if ids else set()
    links = records.of_types(tuple(types))
    links = links[links["start"].notna()]
    mine = links[(links["src"].isin(list(members)) | links["dst"].isin(list(members))).to_numpy()]
    grid = np.zeros((7, 24), dtype=np.int64)
    if len(mine):
        hour, day = hour_and_weekday(records, mine["start"])
        np.add.at(grid, (day, hour), 1)
    return grid


__all__ = ["WEEKDAYS", "Activity", "daily_activity", "events", "hour_weekday", "load", "stands_for"]
