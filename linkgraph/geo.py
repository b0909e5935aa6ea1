"""Where selected entities were: cell sites (with sector azimuths), hotels, ad cities, and dated events there.

Read by the GUI's map. Positions are an entity's own lat/lon, else its city's centre from the
offline gazetteer (`linkgraph/exports/places.yaml`); nothing is fetched. `project` maps them to a
plain equirectangular plane in kilometres (y grows southward, as on a screen), and `wedge`
gives a sector's outline from its azimuth.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from linkgraph.analysis.records import Records, city_key
from linkgraph.exports.kml import places, position
from linkgraph.timeline import stands_for

EARTH_KM = 6371.0
BEAM = 120.0                 # a sector's width in degrees (azimuth is its centre)
SECTOR_KM = 1.2              # drawn sector radius
SITE_LINKS = ("call", "sms", "transferred", "paid", "seen_at")
STAY_LINKS = ("stayed_at", "booked")
AD_LINKS = ("posted", "listed_in")


@dataclass
class Place:
    """One point on the map: a cell site, hotel or ad city, with the entities of the selection that touch it."""

    id: int | str                     # entity id, or "city:<name>" for an ad city
    kind: str                         # "site", "hotel" or "ad_city"
    label: str
    lat: float
    lon: float
    azimuths: list[float] = field(default_factory=list)
    ads: list[int] = field(default_factory=list)


@dataclass
class MapData:
    """Places and dated events (time, place id, kind, entity, link) of a selection; `unplaced` counts the rest."""

    places: list[Place]
    events: pd.DataFrame
    unplaced: int = 0

    def wedge_count(self) -> int:
        return sum(len(p.azimuths) for p in self.places if p.kind == "site")


def azimuths(attrs: dict[str, Any]) -> list[float]:
    """A site's sector azimuths: one number, a list, or {sector: azimuth} as the importers store it."""
    value = attrs.get("azimuth")
    if value is None or value == "":
        return []
    values = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in values:
        try:
            out.append(float(item) % 360)
        except (TypeError, ValueError):
            continue
    return sorted(set(out))


def _city_position(text: Any) -> tuple[str, float, float] | None:
    key = city_key(text)
    if not key:
        return None
    table = places()
    for name, (lat, lon) in table.items():
        if city_key(name) == key:
            return name.split(",")[0].title(), lat, lon
    return None


def map_data(records: Records, ids: Iterable[int]) -> MapData:
    """The places of the selected entities (and of their phones) and their dated events there."""
    wanted = {int(i) for i in ids}
    members = set().union(*stands_for(records, wanted).values()) if wanted else set()
    owner = {m: e for e, group in stands_for(records, wanted).items() for m in group}
    entities = records.entities
    attrs_of = entities["attrs"] if "attrs" in entities else pd.Series(dtype=object)
    types = entities["type"]
    links = records.links
    touching = links[(links["src"].isin(list(members)) | links["dst"].isin(list(members))).to_numpy()]
    found: dict[Any, Place] = {}
    rows: list[tuple] = []
    unplaced = 0

    def attrs(entity: int) -> dict[str, Any]:
        value = attrs_of.get(entity) if len(attrs_of) else None
        if isinstance(value, dict):
            return value
        return records.case.entity(entity).attrs if records.case is not None else {}

    def place_entity(entity: int, kind: str) -> Place | None:
        nonlocal unplaced
        if entity in found:
            return found[entity]
        data = attrs(entity)
        spot = position(data)
        if spot is None:
            named = _city_position(data.get("address") or data.get("city"))
            spot = named[1:] if named else None
        if spot is None:
            unplaced += 1
            found[entity] = None  # type: ignore[assignment]
            return None
        found[entity] = Place(entity, kind, records.label(entity), spot[0], spot[1],
                              azimuths(data) if kind == "site" else [])
        return found[entity]

    def place_city(ad: int) -> Place | None:
        nonlocal unplaced
        data = attrs(ad)
        named = _city_position(data.get("city"))
        if named is None:
            unplaced += 1
            return None
        key = f"city:{named[0]}"
        if key not in found:
            found[key] = Place(key, "ad_city", named[0], named[1], named[2])
        if ad not in found[key].ads:
            found[key].ads.append(ad)
        return found[key]

    for entity in sorted(wanted):
        kind = types.get(entity)
        if kind == "CellSite":
            place_entity(entity, "site")
        elif kind == "Hotel":
            place_entity(entity, "hotel")
        elif kind == "Ad":
            place_city(entity)
    for link in touching.itertuples(index=False):
        who = owner.get(int(link.src), owner.get(int(link.dst)))
        start = None if pd.isna(link.start) else int(link.start)
        if link.type in SITE_LINKS and not pd.isna(link.location) and types.get(int(link.location)) == "CellSite":
            spot = place_entity(int(link.location), "site")
            if spot is not None and start is not None:
                rows.append((start, spot.id, str(link.type), who, int(link.id)))
        elif link.type in STAY_LINKS:
            other = int(link.dst) if int(link.src) in members else int(link.src)
            if types.get(other) == "Hotel":
                spot = place_entity(other, "hotel")
                if spot is not None and start is not None:
                    rows.append((start, spot.id, "stay", who, int(link.id)))
        elif link.type in AD_LINKS:
            other = int(link.dst) if int(link.src) in members else int(link.src)
            if types.get(other) == "Ad":
                spot = place_city(other)
                if spot is not None and start is not None:
                    rows.append((start, spot.id, "ad", who, int(link.id)))
    frame = pd.DataFrame(rows, columns=["start", "place", "kind", "entity", "link"]).sort_values(
        ["start", "link"], kind="stable").reset_index(drop=True)
    placed = [p for p in found.values() if p is not None]
    return MapData(sorted(placed, key=lambda p: (p.kind, str(p.label))), frame, unplaced)


def project(lat: float, lon: float, lat0: float) -> tuple[float, float]:
    """Kilometres east and south of (lat0, 0) on an equirectangular plane true at latitude lat0."""
    x = math.radians(lon) * EARTH_KM * math.cos(math.radians(lat0))
    y = -math.radians(lat) * EARTH_KM
    return x, y


def wedge(x: float, y: float, azimuth: float, *, beam: float = BEAM, radius: float = SECTOR_KM,
          steps: int = 12) -> list[tuple[float, float]]:
    """A sector's outline on the projected plane: the site, then an arc `beam` wide centred on `azimuth`.

    Azimuth is degrees clockwise from north; on the plane north is -y.
    """
    points = [(x, y)]
    for i in range(steps + 1):
        bearing = math.radians(azimuth - beam / 2 + beam * i / steps)
        points.append((x + radius * math.sin(bearing), y - radius * math.cos(bearing)))
    return points
