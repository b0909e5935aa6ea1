"""Circuits: the same phone or person advertised or staying in a sequence of cities (the movement
pattern of a trafficking "circuit").

Events: an ad (its city, its posting time) counts for each phone it advertises, each person it
names and the person who uses an advertised phone; a hotel stay (the hotel's city, the arrival)
counts for the guest and, when the guest is a phone or account, for the person using it.
Events in time order are cut where more than `max_gap_days` pass between two of them;
consecutive events in one city make one stop; a run of stops in at least `min_cities`
different cities is a circuit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from linkgraph.analysis.colocation import stays
from linkgraph.analysis.records import DAY, Records


@dataclass
class CircuitParams:
    """Thresholds of the circuit search (kept with each analysis run)."""

    min_cities: int = 3
    max_gap_days: float = 21.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def events(records: Records) -> dict[int, list[tuple[float, str, str, list[int]]]]:
    """Subject id -> [(time, city key, "ad" or "stay", link ids)] for every ad and stay with a city."""
    found: dict[int, list[tuple[float, str, str, list[int]]]] = {}
    for ad in sorted(set(records.ad_phones) | set(records.ad_persons)):
        city, when = records.city.get(ad), records.ad_time(ad)
        if city is None or when is None:
            continue
        phones = records.ad_phones.get(ad, [])
        subjects = set(phones) | set(records.ad_persons.get(ad, []))
        subjects |= {records.owners[p] for p in phones if p in records.owners}
        cited = records.ad_links(ad)
        for subject in subjects:
            found.setdefault(subject, []).append((when, city, "ad", cited))
    for row in stays(records).itertuples(index=False):
        city = records.city.get(row.hotel)
        if city is None:
            continue
        subjects = {int(row.guest)}
        if row.guest in records.owners:
            subjects.add(records.owners[row.guest])
        for subject in subjects:
            found.setdefault(subject, []).append((float(row.start), city, "stay", [int(row.id)]))
    return found


def find_circuits(records: Records, params: CircuitParams | None = None) -> list[dict[str, Any]]:
    """Circuits, most cities first: [{"entity", "entities", "cities", "stops", "distinct_cities", "from", "to",
    "sources", "summary", "links"}]."""
    params = params or CircuitParams()
    out = []
    for subject, items in sorted(events(records).items()):
        items.sort(key=lambda e: (e[0], e[1], e[2]))
        runs: list[list[tuple[float, str, str, list[int]]]] = [[items[0]]]
        for item in items[1:]:
            if item[0] - runs[-1][-1][0] > params.max_gap_days * DAY:
                runs.append([item])
            else:
                runs[-1].append(item)
        for run in runs:
            if len({e[1] for e in run}) < params.min_cities:
                continue
            stops: list[dict[str, Any]] = []
            for when, city, kind, cited in run:
                if not stops or stops[-1]["key"] != city:
                    stops.append({"key": city, "from": when, "to": when, "ads": 0, "stays": 0, "links": set()})
                stop = stops[-1]
                stop["to"] = when
                stop["ads" if kind == "ad" else "stays"] += 1
                stop["links"].update(cited)
            links = sorted({lk for stop in stops for lk in stop["links"]})
            cities = [records.city_name(s["key"]) for s in stops]
            ref = records.ref(subject)
            out.append({
                "entity": ref, "entities": [ref], "cities": cities,
                "stops": [{"city": records.city_name(s["key"]), "from": records.when(s["from"]),
                           "to": records.when(s["to"]), "ads": s["ads"], "stays": s["stays"]} for s in stops],
                "distinct_cities": len({s["key"] for s in stops}),
                "from": records.when(run[0][0]), "to": records.when(run[-1][0]),
                "sources": sorted({"ads" if e[2] == "ad" else "stays" for e in run}),
                "summary": f"{ref['label']}: {' -> '.join(cities)}",
                "links": links,
            })
    out.sort(key=lambda c: (-c["distinct_cities"], -len(c["stops"]), c["entity"]["type"] != "Person",
                            c["entity"]["id"]))
    return out
