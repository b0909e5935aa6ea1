"""The case's records as the findings read them, loaded once per analysis, and how findings cite them.

Findings (replacements, co-locations, circuits, indicators, activity) work on records, not on
the folded graph: they need each call's time, each stay's nights, each payment's amount.
`load_records` applies the filter's time window and leaves out excluded and service
entities; entity and link type filters shape the chart only, not the findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from linkgraph.case import CaseFile
from linkgraph.graph import AD_LINKS, GraphFilter, load_entities, load_links, person_owners
from linkgraph.times import format_time

# Link types whose attributes findings read (a million call attributes are never parsed).
ATTR_LINKS = ("stayed_at", "booked", "paid", "transferred", "posted", "listed_in", "employed_by", "located_at",
              "uses", "owns", "near_duplicate", "seen_at")
PHONE_LINKS = ("call", "sms")
STAY_LINKS = ("stayed_at", "booked")
DAY = 86_400

_STATE_TAIL = re.compile(r"^(?:[A-Za-z]{2}|[A-Za-z]{2}\s+\d{5}(?:-\d{4})?|\d{5}(?:-\d{4})?|usa|us|united states)$", re.I)


def city_key(text: Any) -> str | None:
    """A city as a comparable key: 'Fresno, CA 93721' and 'FRESNO' -> 'fresno'; a street address keeps its city."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    if isinstance(text, (list, tuple)):
        text = text[0] if text else None
        return city_key(text)
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    while len(parts) > 1 and _STATE_TAIL.match(parts[-1]):
        parts.pop()
    if not parts:
        return None
    city = parts[-1] if len(parts) > 1 or not re.match(r"^\d", parts[0]) else None
    if city is None:
        return None
    city = re.sub(r"\s+[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?$", "", city)  # 'Fresno CA 93721'
    key = " ".join(re.sub(r"[^\w\s]", " ", city.lower()).split())
    return key or None


@dataclass
class Records:
    """Entities (with attrs) and links (with attrs for non-call types) of one analysis, plus what cites them."""

    entities: pd.DataFrame
    links: pd.DataFrame
    owners: dict[int, int] = field(default_factory=dict)
    timezone: str = "UTC"
    sources: dict[int, str] = field(default_factory=dict)
    extra_evidence: dict[int, list[tuple[int, int]]] | None = None
    case: CaseFile | None = None
    # Calls and texts left out only because one end is a service number (voicemail, short code):
    # not contacts, but they show a phone was in use (its first and last record).
    service_calls: pd.DataFrame | None = None

    # ---- entities ---------------------------------------------------------------------------
    def label(self, entity_id: int) -> str:
        found = self._labels.get(int(entity_id))
        return str(entity_id) if found is None else str(found)

    def ref(self, entity_id: int) -> dict[str, Any]:
        """An entity as findings name it: the same id and label as in `analyze`'s "entities"."""
        entity_id = int(entity_id)
        return {"id": entity_id, "label": self.label(entity_id), "type": self._types.get(entity_id)}

    @cached_property
    def _labels(self) -> dict[int, Any]:
        return dict(zip(self.entities.index.tolist(), self.entities["label"].tolist(), strict=True))

    @cached_property
    def _types(self) -> dict[int, Any]:
        return dict(zip(self.entities.index.tolist(), self.entities["type"].tolist(), strict=True))

    def types(self, ids: pd.Series) -> np.ndarray:
        return ids.map(self.entities["type"]).to_numpy()

    @cached_property
    def city(self) -> pd.Series:
        """Entity id -> city key, for hotels, locations, cell sites and ads (from attrs, address or listed city)."""
        out: dict[int, str] = {}
        for entity_id, etype, label, attrs in self.entities[["type", "label", "attrs"]].itertuples(name=None):
            if etype not in ("Hotel", "Location", "CellSite", "Ad", "Business", "Account"):
                continue
            attrs = attrs or {}
            found = city_key(attrs.get("city"))
            if found is None and attrs.get("address"):
                found = city_key(attrs["address"])
            if found is None and etype == "Location":
                found = city_key(label)
            if found:
                out[int(entity_id)] = found
        listed = self.of_types(AD_LINKS)
        for src, dst in listed[["src", "dst"]].itertuples(index=False, name=None):
            ad, place = (src, dst) if self.entities["type"].get(src) == "Ad" else (dst, src)
            if self.entities["type"].get(ad) == "Ad" and ad not in out and self.entities["type"].get(place) == "Location":
                if place in out:
                    out[int(ad)] = out[place]
        return pd.Series(out, dtype=object)

    def city_name(self, key: str | None) -> str | None:
        """A city key as people write it ('san jose' -> 'San Jose')."""
        return key.title() if key else None

    @cached_property
    def user_role(self) -> pd.Series:
        """Entity id -> role of the person it stands for (a person's own role; an identifier's user's role)."""
        roles = self.entities["role"].copy()
        persons = roles.index[self.entities["type"] == "Person"]
        for ident, person in self.owners.items():
            if person in persons and ident in roles.index:
                roles.at[ident] = roles.at[person]
        return roles

    @cached_property
    def user_minor(self) -> pd.Series:
        """Entity id -> the minor flag of the person it stands for."""
        minor = self.entities["minor"].astype(bool).copy()
        for ident, person in self.owners.items():
            if ident in minor.index and person in minor.index:
                minor.at[ident] = bool(minor.at[person])
        return minor

    @cached_property
    def ad_phones(self) -> dict[int, list[int]]:
        """Ad id -> the phones it advertises."""
        return self._ad_partners("Phone")

    @cached_property
    def ad_persons(self) -> dict[int, list[int]]:
        """Ad id -> the persons (names) it names."""
        return self._ad_partners("Person")

    def _ad_partners(self, kind: str) -> dict[int, list[int]]:
        listed = self.of_types(AD_LINKS)
        types = self.entities["type"]
        found: dict[int, set[int]] = {}
        for src, dst in listed[["src", "dst"]].itertuples(index=False, name=None):
            if types.get(src) == "Ad" and types.get(dst) == kind:
                found.setdefault(int(src), set()).add(int(dst))
            elif types.get(dst) == "Ad" and types.get(src) == kind:
                found.setdefault(int(dst), set()).add(int(src))
        return {ad: sorted(ids) for ad, ids in sorted(found.items())}

    @cached_property
    def in_ads(self) -> pd.Series:
        """Entity id -> True for phones advertised in an ad, persons named in one, and the users of ad phones."""
        flagged: set[int] = set()
        for ids in self.ad_phones.values():
            flagged.update(ids)
        for ids in self.ad_persons.values():
            flagged.update(ids)
        flagged.update(self.owners[p] for p in list(flagged) if p in self.owners)
        return pd.Series(self.entities.index.isin(list(flagged)), index=self.entities.index)

    def ad_time(self, ad: int) -> float | None:
        """When an ad was posted: its earliest timed posting link, else its first-seen time."""
        return self._ad_times.get(ad)

    @cached_property
    def _ad_times(self) -> dict[int, float]:
        listed = self.of_types(AD_LINKS)
        listed = listed[listed["start"].notna()]
        types = self.entities["type"]
        times: dict[int, float] = {}
        for src, dst, start in listed[["src", "dst", "start"]].itertuples(index=False, name=None):
            ad = src if types.get(src) == "Ad" else dst if types.get(dst) == "Ad" else None
            if ad is not None:
                times[int(ad)] = min(times.get(int(ad), start), start)
        ads = self.entities[self.entities["type"] == "Ad"]
        for ad, seen in ads["first_seen"].items():
            if int(ad) not in times and pd.notna(seen):
                times[int(ad)] = float(seen)
        return times

    def ad_links(self, ad: int) -> list[int]:
        """The posting/listing links of an ad (its records)."""
        return self._ad_links.get(int(ad), [])

    @cached_property
    def _ad_links(self) -> dict[int, list[int]]:
        listed = self.of_types(AD_LINKS)
        types = self.entities["type"]
        found: dict[int, list[int]] = {}
        for link_id, src, dst in listed[["id", "src", "dst"]].itertuples(index=False, name=None):
            for end in {src, dst}:
                if types.get(end) == "Ad":
                    found.setdefault(int(end), []).append(int(link_id))
        return {ad: sorted(ids) for ad, ids in found.items()}

    def of_types(self, types: tuple[str, ...] | list[str]) -> pd.DataFrame:
        """The links of these types (kept, so asking twice costs nothing)."""
        key = tuple(sorted(types))
        if key not in self._typed:
            self._typed[key] = self.links[self.links["type"].isin(list(key)).to_numpy()]
        return self._typed[key]

    @cached_property
    def _typed(self) -> dict[tuple[str, ...], pd.DataFrame]:
        return {}

    def memo(self, name: str, make: Any) -> Any:
        """A value derived from these records, made once (`make(self)`) and kept."""
        if name not in self._memos:
            self._memos[name] = make(self)
        return self._memos[name]

    @cached_property
    def _memos(self) -> dict[str, Any]:
        return {}

    # ---- times ------------------------------------------------------------------------------
    def when(self, epoch: float | None) -> str | None:
        """A stored time as the case shows it (its own time zone)."""
        if epoch is None or (isinstance(epoch, float) and np.isnan(epoch)):
            return None
        return format_time(int(epoch), self.timezone)

    def local(self, epochs: pd.Series) -> pd.Series:
        """Epoch seconds as aware datetimes in the case's time zone."""
        return pd.to_datetime(epochs, unit="s", utc=True).dt.tz_convert(self.timezone)

    def local_day(self, epochs: pd.Series | np.ndarray) -> np.ndarray:
        """Epoch seconds -> local calendar day number (days since 1970-01-01 in the case zone)."""
        series = pd.Series(np.asarray(epochs, dtype=float))
        stamps = self.local(series)
        naive = stamps.dt.tz_localize(None)
        days = (naive - pd.Timestamp("1970-01-01")).dt.days
        return days.to_numpy(dtype=float, na_value=np.nan)

    # ---- citing -----------------------------------------------------------------------------
    def cite(self, link_ids: list[int] | set[int], *, limit: int | None = 100) -> list[dict[str, Any]]:
        """The source rows behind links: [{"link", "source", "source_id", "row"}], by source and row.

        Includes the other rows that recorded the same event (link_evidence). `limit` keeps
        the list short for display; None keeps every row.
        """
        ids = sorted({int(i) for i in link_ids})
        if not ids:
            return []
        rows: set[tuple[int, int, int]] = set()
        for link_id in ids:
            found = self._row_of(link_id)
            if found is not None:
                rows.add((found[0], found[1], link_id))
        for link_id, extra in self._extra(ids).items():
            rows.update((source_id, row, link_id) for source_id, row in extra)
        ordered = sorted(rows)
        if limit is not None:
            ordered = ordered[:limit]
        return [{"link": link_id, "source": self.sources.get(source_id, str(source_id)), "source_id": source_id,
                 "row": row} for source_id, row, link_id in ordered]

    def _row_of(self, link_id: int) -> tuple[int, int] | None:
        """A link's (source id, row) by binary search over the ids (no dict of a million entries)."""
        ids, order = self._link_ids
        at = int(np.searchsorted(ids, link_id, side="right")) - 1     # the last of equal ids, as a dict keeps
        if at < 0 or ids[at] != link_id:
            return None
        position = int(order[at])
        return int(self._sources_rows[0][position]), int(self._sources_rows[1][position])

    @cached_property
    def _link_ids(self) -> tuple[np.ndarray, np.ndarray]:
        ids = self.links["id"].to_numpy(np.int64)
        order = np.argsort(ids, kind="stable")
        return ids[order], order

    @cached_property
    def _sources_rows(self) -> tuple[np.ndarray, np.ndarray]:
        return self.links["source_id"].to_numpy(np.int64), self.links["row"].to_numpy(np.int64)

    def _extra(self, ids: list[int]) -> dict[int, list[tuple[int, int]]]:
        if self.extra_evidence is not None:
            return {i: self.extra_evidence[i] for i in ids if i in self.extra_evidence}
        if self.case is None:
            return {}
        found: dict[int, list[tuple[int, int]]] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            for link_id, source_id, row in self.case.conn.execute(
                f"SELECT link_id, source_id, row FROM link_evidence WHERE link_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                found.setdefault(int(link_id), []).append((int(source_id), int(row)))
        return found


def load_records(case: CaseFile, flt: GraphFilter | None = None) -> Records:
    """The records of a case for findings: time window and exclusions of `flt` applied, merges followed."""
    flt = flt or GraphFilter()
    entities = load_entities(case, attrs=True)
    links = load_links(case, replace(flt, link_types=None, entity_types=None), attrs=ATTR_LINKS)
    return records_from(case, entities, links, flt)


def records_from(case: CaseFile, entities: pd.DataFrame, links: pd.DataFrame, flt: GraphFilter, *,
                 every_link: bool = False) -> Records:
    """Records from frames already loaded (entities with attrs; links with attrs for ATTR_LINKS).

    `every_link`: `links` holds every link of the case (loaded with no time window or link types), so the persons
    who use or own an identifier are found among them (graph.person_owners) instead of read again."""
    owners = person_owners(case, entities, flt, links=links if every_link else None)
    dropped = set(flt.exclude_ids)
    service = [int(i) for i in entities.index[entities["service"].to_numpy()]] if flt.exclude_service else []
    dropped.update(service)
    service_calls = None
    if service:
        to_service = links["src"].isin(service) | links["dst"].isin(service)
        excluded = links["src"].isin(list(flt.exclude_ids)) | links["dst"].isin(list(flt.exclude_ids))
        service_calls = links[(to_service & ~excluded & links["type"].isin(PHONE_LINKS)).to_numpy()]
    if dropped:
        gone = list(dropped)
        links = links[~links["src"].isin(gone) & ~links["dst"].isin(gone)]
    if "attrs" not in links:
        links = links.assign(attrs=[{}] * len(links))
    sources = dict(case.conn.execute("SELECT id, name FROM sources"))
    return Records(entities=entities, links=links.reset_index(drop=True), owners=owners,
                   timezone=case.timezone, sources=sources, case=case, service_calls=service_calls)
