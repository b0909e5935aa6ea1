"""Co-location: entities at the same hotel on overlapping nights; phones on the same cell site within
minutes of each other; an ad's city and date against the stays and towers of its phone and people.

Which phone a cell site belongs to: a carrier return is one target's records, so in a source
where one phone is an end of at least half the links, the site of those links is that phone's;
elsewhere it is the calling phone's (the site the records key gives for the originating party).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from linkgraph.analysis.records import DAY, PHONE_LINKS, STAY_LINKS, Records


@dataclass
class ColocationParams:
    """Thresholds of the co-location searches (kept with each analysis run)."""

    minutes: float = 15.0              # two phones on one cell site within this many minutes
    min_meetings: int = 2              # ... on at least this many different days
    max_crowd: int = 30                # a site window with more records than this (a stadium) shows nothing
    hotel_crowd: int = 15              # a hotel night with more guests than this (a resort, a convention) shows nothing
    ad_days: float = 1.0               # an ad's date against stays and towers, give or take this many days
    limit: int = 500                   # findings of each kind kept (strongest first)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_colocations(records: Records, params: ColocationParams | None = None) -> list[dict[str, Any]]:
    """Every kind of co-location: "hotel", "cell_site", "ad_stay", "ad_tower", "ad_elsewhere"."""
    params = params or ColocationParams()
    return hotel_overlaps(records, params) + cell_site_meetings(records, params) + ad_places(records, params)


def _day_text(day: float) -> str:
    return (pd.Timestamp("1970-01-01") + pd.Timedelta(days=int(day))).date().isoformat()


def stays(records: Records) -> pd.DataFrame:
    """Hotel stays as rows: link id, guest, hotel, arrival and departure (local day numbers), room, start."""
    return records.memo("stays", _stays)


def _stays(records: Records) -> pd.DataFrame:
    links = records.of_types(STAY_LINKS)
    links = links[links["start"].notna()]
    # A booking is a stay only when the same record names no guest staying: a booker who took three
    # rooms slept in one of them, not in all three.
    booked = (links["type"] == "booked").to_numpy()
    if booked.any():
        guests = links[~booked]
        seen = set(zip(guests["source_id"].tolist(), guests["row"].tolist(), strict=True))
        named = np.fromiter(((s, r) in seen for s, r in zip(links["source_id"].tolist(), links["row"].tolist(),
                                                             strict=True)), dtype=bool, count=len(links))
        links = links[~(booked & named)]
    if not len(links):
        return pd.DataFrame(columns=["id", "guest", "hotel", "arrive", "leave", "room", "start", "end"])
    src_hotel = records.types(links["src"]) == "Hotel"
    dst_hotel = records.types(links["dst"]) == "Hotel"
    links = links[src_hotel ^ dst_hotel]
    src_hotel = records.types(links["src"]) == "Hotel"
    arrive = records.local_day(links["start"])
    leave = records.local_day(links["end"].fillna(links["start"]))
    leave = np.where(leave <= arrive, arrive + 1, leave)
    rooms = [str(a.get("room")) if a.get("room") not in (None, "") else None for a in links["attrs"]]
    return pd.DataFrame({
        "id": links["id"].to_numpy(), "guest": np.where(src_hotel, links["dst"], links["src"]),
        "hotel": np.where(src_hotel, links["src"], links["dst"]), "arrive": arrive, "leave": leave,
        "room": rooms, "start": links["start"].to_numpy(), "end": links["end"].to_numpy(),
    }).sort_values(["hotel", "arrive", "id"]).reset_index(drop=True)


def hotel_overlaps(records: Records, params: ColocationParams) -> list[dict[str, Any]]:
    """Pairs of guests at the same hotel on overlapping nights, with the nights, dates and rooms."""
    table = stays(records)
    free = _uncrowded_nights(records, table, params.hotel_crowd)
    table = table[[bool(free[i]) for i in range(len(table))]] if len(table) else table
    found: dict[tuple[int, int, int], dict[str, Any]] = {}
    for hotel, group in table.groupby("hotel", sort=True):
        rows = list(group.itertuples())
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                if b.arrive >= a.leave:
                    break
                if a.guest == b.guest:
                    continue
                together = free[a.Index] & free[b.Index]
                nights = len(together)
                if nights <= 0:
                    continue
                one, two = sorted((int(a.guest), int(b.guest)))
                item = found.setdefault((one, two, int(hotel)), {
                    "nights": 0, "from": np.inf, "to": -np.inf, "rooms": set(), "links": set(), "same_room": False})
                item["nights"] += int(nights)
                item["from"] = min(item["from"], min(together))
                item["to"] = max(item["to"], max(together) + 1)
                item["rooms"].update(r for r in (a.room, b.room) if r)
                item["same_room"] |= bool(a.room and a.room == b.room)
                item["links"].update((int(a.id), int(b.id)))
    out = []
    for (one, two, hotel), item in found.items():
        city = records.city.get(hotel)
        out.append({
            "kind": "hotel", "entities": [records.ref(one), records.ref(two)], "place": records.ref(hotel),
            "city": records.city_name(city), "from": _day_text(item["from"]), "to": _day_text(item["to"]),
            "nights": item["nights"], "rooms": sorted(item["rooms"]), "same_room": item["same_room"],
            "summary": f"{records.label(one)} and {records.label(two)} at {records.label(hotel)} "
                       f"{_day_text(item['from'])} to {_day_text(item['to'])} ({item['nights']} nights together)",
            "links": sorted(item["links"]),
        })
    out.sort(key=lambda f: (-f["nights"], not f["same_room"], f["entities"][0]["id"], f["entities"][1]["id"],
                            f["place"]["id"]))
    return out[:params.limit]


def _uncrowded_nights(records: Records, table: pd.DataFrame, crowd: int) -> list[set[int]]:
    """Each stay's nights (local day numbers) at its hotel, less the nights with more than `crowd` guests there:
    sharing a resort's busy night says nothing, as sharing a stadium's cell site says nothing. The crowded
    nights left out are kept in the records' memo `crowded_hotel_nights` ([{hotel, night, guests}])."""
    nights = [set(range(int(a), int(min(b, a + 366)))) for a, b in zip(table["arrive"].tolist(),
                                                                     table["leave"].tolist(), strict=True)]
    guests: dict[tuple[int, int], set[int]] = {}
    for hotel, guest, own in zip(table["hotel"].tolist(), table["guest"].tolist(), nights, strict=True):
        for night in own:
            guests.setdefault((int(hotel), night), set()).add(int(guest))
    crowded = {key: len(who) for key, who in guests.items() if len(who) > crowd}
    records.memo("crowded_hotel_nights", lambda _: [
        {"hotel": records.ref(h), "night": _day_text(n), "guests": size} for (h, n), size in sorted(crowded.items())])
    if not crowded:
        return nights
    return [{n for n in own if (int(hotel), n) not in crowded}
            for hotel, own in zip(table["hotel"].tolist(), nights, strict=True)]


def site_events(records: Records) -> pd.DataFrame:
    """Calls and texts with a cell site: link id, site, time and the phone the site belongs to."""
    return records.memo("site_events", _site_events)


def _site_events(records: Records) -> pd.DataFrame:
    links = records.of_types(PHONE_LINKS)
    links = links[links["location"].notna() & links["start"].notna()]
    if not len(links):
        return pd.DataFrame(columns=["id", "site", "start", "phone", "other"])
    dominant = links["source_id"].map(_source_targets(links)).to_numpy()
    at_dst = dominant == links["dst"].to_numpy()
    return pd.DataFrame({
        "id": links["id"].to_numpy(), "site": links["location"].to_numpy(np.int64),
        "start": links["start"].to_numpy(), "phone": np.where(at_dst, links["dst"], links["src"]),
        "other": np.where(at_dst, links["src"], links["dst"]),
    })


def _source_targets_reference(links: pd.DataFrame) -> pd.Series:
    """_source_targets the plain way: every (source, phone) end counted, the most counted phone of each source."""
    ends = pd.DataFrame({"source_id": np.r_[links["source_id"], links["source_id"]],
                         "phone": np.r_[links["src"], links["dst"]]})
    counts = ends.value_counts().reset_index(name="n").sort_values(["source_id", "n", "phone"],
                                                                  ascending=[True, False, True])
    top = counts.drop_duplicates("source_id").set_index("source_id")
    total = links.groupby("source_id").size()
    return top["phone"][top["n"] >= 0.5 * total.reindex(top.index)]


def _source_targets(links: pd.DataFrame) -> pd.Series:
    """Source id -> the phone that is an end of at least half its records (a carrier return's target), the
    most frequent end (ties: the smallest id); sources with no such phone are left out. The ends counted per
    source with np.bincount (the reference's counting of every distinct end pair costs a fifth of a second on
    a million calls); many sources or ids far apart go to the reference."""
    source = links["source_id"].to_numpy(np.int64)
    phone = np.r_[links["src"].to_numpy(np.int64), links["dst"].to_numpy(np.int64)]
    if not len(source):
        return _source_targets_reference(links)
    sources = np.unique(source)
    low, high = int(phone.min()), int(phone.max())
    width = high - low + 1
    if low < 0 or len(sources) * width > 4 * len(phone) + (1 << 22):
        return _source_targets_reference(links)
    rank = np.searchsorted(sources, source)
    counts = np.bincount(np.r_[rank, rank] * width + (phone - low), minlength=len(sources) * width)
    counts = counts.reshape(len(sources), width)
    best = counts.argmax(axis=1)                               # the first of the most counted: the smallest id
    most = counts[np.arange(len(sources)), best]
    total = np.bincount(rank, minlength=len(sources))
    chosen = most >= 0.5 * total
    return pd.Series((best[chosen] + low).astype(np.int64), index=pd.Index(sources[chosen], name="source_id"),
                     name="phone")


def cell_site_meetings(records: Records, params: ColocationParams) -> list[dict[str, Any]]:
    """Pairs of phones on the same cell site within `minutes`, on at least `min_meetings` different days."""
    events = site_events(records).sort_values(["site", "start", "id"]).reset_index(drop=True)
    if len(events) < 2:
        return []
    window = params.minutes * 60
    site = events["site"].to_numpy()
    start = events["start"].to_numpy()
    phone = events["phone"].to_numpy()
    ids = events["id"].to_numpy()
    site_rank = np.cumsum(np.r_[0, site[1:] != site[:-1]])      # np.unique's inverse (the sites come sorted)
    span = float(start.max() - start.min() + window + 1)
    key = site_rank * span + (start - start.min())
    reach = np.searchsorted(key, key + window, side="right")
    crowd = reach - np.arange(len(key)) - 1
    calm = crowd <= params.max_crowd
    day = records.local_day(start)
    pairs = []
    for step in range(1, int(min(crowd.max(), params.max_crowd)) + 1):
        i = np.flatnonzero(calm & (crowd >= step))
        j = i + step
        good = phone[i] != phone[j]
        i, j = i[good], j[good]
        pairs.append(np.column_stack([np.minimum(phone[i], phone[j]), np.maximum(phone[i], phone[j]), site[i],
                                      day[i], ids[i], ids[j]]))
    if not pairs:
        return []
    met = pd.DataFrame(np.concatenate(pairs), columns=["a", "b", "site", "day", "i", "j"]).astype(
        {"a": np.int64, "b": np.int64, "site": np.int64, "i": np.int64, "j": np.int64})
    if not len(met):
        return []
    days = met.groupby(["a", "b"])["day"].nunique()
    strong = days[days >= params.min_meetings]
    met = met.merge(strong.index.to_frame(index=False), on=["a", "b"])
    if not len(met):
        return []
    out = []
    # Each pair's rows as slices of sorted arrays (a DataFrame per pair costs a millisecond; there may be thousands).
    order = np.lexsort((met["b"].to_numpy(), met["a"].to_numpy()))
    pa, pb, psite, pday, pi, pj = (met[c].to_numpy()[order] for c in ("a", "b", "site", "day", "i", "j"))
    bounds = np.flatnonzero(np.r_[True, (pa[1:] != pa[:-1]) | (pb[1:] != pb[:-1]), True]).tolist()
    meetings_of = dict(zip(strong.index.tolist(), strong.tolist(), strict=True))
    for begin, end in zip(bounds[:-1], bounds[1:], strict=True):
        a, b = int(pa[begin]), int(pb[begin])
        meetings = meetings_of[(a, b)]
        sites = sorted(set(psite[begin:end].tolist()))
        days = pday[begin:end]
        both_users = records.owners.get(a), records.owners.get(b)
        out.append({
            "kind": "cell_site", "entities": [records.ref(a), records.ref(b)],
            "places": [records.ref(s) for s in sites], "meetings": int(meetings), "records": end - begin,
            "from": _day_text(days.min()), "to": _day_text(days.max()),
            "same_user": both_users[0] is not None and both_users[0] == both_users[1],
            "summary": f"{records.label(a)} and {records.label(b)} on the same cell site within "
                       f"{params.minutes:g} minutes on {int(meetings)} days",
            "links": sorted(set(pi[begin:end].tolist()) | set(pj[begin:end].tolist()))[:40],
        })
    out.sort(key=lambda f: (-f["meetings"], -f["records"], f["entities"][0]["id"], f["entities"][1]["id"]))
    return out[:params.limit]


def ad_places(records: Records, params: ColocationParams) -> list[dict[str, Any]]:
    """Each ad's city and date against its phone's and people's stays ("ad_stay") and towers ("ad_tower",
    or "ad_elsewhere" when every tower that day is in another city)."""
    slack = params.ad_days * DAY
    table = stays(records)
    stays_of: dict[int, list[tuple]] = {}
    for row in table.assign(city=table["hotel"].map(records.city)).itertuples(index=False):
        stays_of.setdefault(int(row.guest), []).append(row)
    events = site_events(records)
    wanted = {p for ids in records.ad_phones.values() for p in ids}
    events = events[events["phone"].isin(list(wanted))].sort_values(["phone", "start", "id"])
    events_of = _split(events.assign(city=events["site"].map(records.city)), "phone")
    ads = [a for a in sorted(set(records.ad_persons) | set(records.ad_phones))
           if records.city.get(a) is not None and records.ad_time(a) is not None]
    days = dict(zip(ads, records.local_day(np.array([records.ad_time(a) for a in ads], dtype=float)), strict=True))
    out = []
    for ad in ads:
        phones = records.ad_phones.get(ad, [])
        city, when, ad_day = records.city[ad], records.ad_time(ad), days[ad]
        people = set(records.ad_persons.get(ad, [])) | {records.owners[p] for p in phones if p in records.owners}
        by_hotel: dict[int, list[tuple]] = {}
        for guest in sorted(set(phones) | people):
            for stay in stays_of.get(guest, []):
                if stay.city == city and stay.arrive - params.ad_days <= ad_day <= stay.leave + params.ad_days:
                    by_hotel.setdefault(int(stay.hotel), []).append(stay)
        for hotel, group in sorted(by_hotel.items()):
            guests = sorted({int(g.guest) for g in group})
            out.append({
                "kind": "ad_stay", "ad": records.ref(ad), "entities": [records.ref(g) for g in guests],
                "place": records.ref(hotel), "city": records.city_name(city), "ad_time": records.when(when),
                "from": _day_text(min(g.arrive for g in group)), "to": _day_text(max(g.leave for g in group)),
                "summary": f"ad {records.label(ad)} for {records.city_name(city)} while "
                           f"{', '.join(records.label(g) for g in guests)} stayed at {records.label(hotel)}",
                "links": sorted(set(records.ad_links(ad)) | {int(g.id) for g in group}),
            })
        near = []
        for phone in phones:
            if phone in events_of:
                rows = events_of[phone]
                lo = np.searchsorted(rows["start"], when - slack, side="left")
                hi = np.searchsorted(rows["start"], when + slack, side="right")
                near.extend((rows["start"][i], int(rows["site"][i]), rows["city"][i], int(rows["id"][i]), phone)
                            for i in range(lo, hi))
        if not near:
            continue
        match = [e for e in near if e[2] == city]
        kind = "ad_tower" if match else "ad_elsewhere"
        chosen = match or near
        cities = sorted({e[2] for e in near if isinstance(e[2], str)})
        elsewhere = [c for c in cities if c != city]
        out.append({
            "kind": kind, "ad": records.ref(ad), "entities": [records.ref(p) for p in sorted({e[4] for e in chosen})],
            "places": [records.ref(s) for s in sorted({e[1] for e in chosen})], "city": records.city_name(city),
            "tower_cities": [records.city_name(c) for c in cities], "ad_time": records.when(when),
            "summary": (f"ad {records.label(ad)} for {records.city_name(city)}: its phone used a tower there"
                        if kind == "ad_tower" else
                        f"ad {records.label(ad)} for {records.city_name(city)}: its phone was in "
                        f"{', '.join(records.city_name(c) or '' for c in elsewhere)} that day"),
            "links": sorted(set(records.ad_links(ad)) | {e[3] for e in chosen[:20]}),
        })
    order = {"ad_stay": 0, "ad_tower": 1, "ad_elsewhere": 2}
    out.sort(key=lambda f: (order[f["kind"]], f["ad"]["id"]))
    return out[:params.limit * 3]


def _split(frame: pd.DataFrame, column: str) -> dict[int, dict[str, np.ndarray]]:
    """A frame sorted by `column` as numpy columns per value of that column."""
    if not len(frame):
        return {}
    keys = frame[column].to_numpy()
    heads = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    tails = np.r_[heads[1:], len(keys)]
    arrays = {name: frame[name].to_numpy() for name in frame.columns}
    return {int(keys[h]): {name: values[h:t] for name, values in arrays.items()} for h, t in zip(heads, tails,
                                                                                             strict=True)}
