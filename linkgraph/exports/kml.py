"""KML for Google Earth: cell sites, hotels and other places, and ads at their cities with their
posting times (the time slider replays a circuit). Places with only a city name are put at the
city centre from places.yaml; places without any position are counted, not guessed.

Google Earth renders descriptions as HTML, so markup in case text (<, > and character references)
is HTML-escaped before the XML writer escapes the file; plain text (apostrophes, "Inn & Suites") is
written once, so viewers that show the text as it is (QGIS) show it right too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from linkgraph.analysis.records import city_key
from linkgraph.case import CaseFile
from linkgraph.exports.cells import xml_text
from linkgraph.exports.redaction import redactor_for
from linkgraph.progress import Progress, no_progress
from linkgraph.times import format_time

KML_NS = "http://www.opengis.net/kml/2.2"
FOLDERS = (("CellSite", "Cell sites"), ("Hotel", "Hotels"), ("Location", "Places"), ("Ad", "Ads by city"))
STYLES = {"CellSite": "ff4b9cc4", "Hotel": "ff2827d6", "Location": "ff4b568c", "Ad": "ffc277e3"}   # aabbggrr


@cache
def places() -> dict[str, tuple[float, float]]:
    """City centres by 'City, REGION' (upper-cased), from places.yaml."""
    data = yaml.safe_load(resources.files("linkgraph.exports").joinpath("places.yaml").read_text(encoding="utf-8"))
    return {name.upper(): (float(lat), float(lon)) for name, (lat, lon) in data.items()}


def position(attrs: dict[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) from an entity's own coordinates, else its city's centre, else None."""
    try:
        lat, lon = float(attrs["lat"]), float(attrs["lon"])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    except (KeyError, TypeError, ValueError):
        pass
    city, region = str(attrs.get("city") or "").strip(), str(attrs.get("region") or "").strip()
    if city and region:
        found = places().get(f"{city}, {region}".upper())
        if found:
            return found
    for text in (city, attrs.get("address")):       # a city without its state, or the city of an address
        key = city_key(text) if text else None
        if key and key in cities():
            return cities()[key]
    return None


@cache
def cities() -> dict[str, tuple[float, float]]:
    """City centres by city name alone, for the cities the gazetteer holds once (a name two states share
    is not guessed)."""
    found: dict[str, list[tuple[float, float]]] = {}
    for name, where in places().items():
        key = city_key(name)
        if key:
            found.setdefault(key, []).append(where)
    return {key: spots[0] for key, spots in found.items() if len(spots) == 1}


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write OUT (a .kml file; a folder gets OUT/places.kml)."""
    path = out / "places.kml" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    redactor = redactor_for(case, options, default=False)
    tz = case.timezone
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    document = ET.SubElement(root, f"{{{KML_NS}}}Document")
    _text(document, "name", _inert(xml_text(redactor.text(case.name))))
    for etype, colour in STYLES.items():
        style = ET.SubElement(document, f"{{{KML_NS}}}Style", id=etype)
        icon_style = ET.SubElement(style, f"{{{KML_NS}}}IconStyle")
        _text(icon_style, "color", colour)
    missing: Counter = Counter()
    progress(0, len(FOLDERS), "Placing entities")
    for done, (etype, title) in enumerate(FOLDERS):
        folder = ET.SubElement(document, f"{{{KML_NS}}}Folder")
        _text(folder, "name", title)
        for entity in case.entities(etype):
            attrs = entity.attrs
            where = position(attrs)
            if where is None:
                missing[etype] += 1
                continue
            mark = ET.SubElement(folder, f"{{{KML_NS}}}Placemark", id=f"entity-{entity.id}")
            _text(mark, "name", _inert(xml_text(redactor.label(entity.id, entity.label))))
            lines = [f"{etype} {entity.id}"]
            if etype == "Ad":
                shown = redactor.attrs(entity.id, attrs)
                lines += [f"Site: {shown.get('site', '')}", f"City: {attrs.get('city', '')}",
                          f"Posted: {shown.get('posted', '') or format_time(entity.first_seen, tz)}",
                          f"Title: {shown.get('title', '')}"]
            else:
                lines += [f"{k}: {redactor.text(str(v))}" for k, v in sorted(attrs.items())
                          if k in ("address", "city", "region", "site_id", "azimuth", "sector")]
            _text(mark, "description", _inert(xml_text("\n".join(lines))))
            if etype == "Ad" and entity.first_seen:
                stamp = ET.SubElement(mark, f"{{{KML_NS}}}TimeStamp")
                _text(stamp, "when", datetime.fromtimestamp(entity.first_seen, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
            _text(mark, "styleUrl", f"#{etype}")
            point = ET.SubElement(mark, f"{{{KML_NS}}}Point")
            _text(point, "coordinates", f"{where[1]:.6f},{where[0]:.6f},0")
        progress(done + 1, len(FOLDERS), f"Placed {title.lower()}")
    if missing:
        note = "Left out, no position known: " + ", ".join(f"{n} {t}" for t, n in sorted(missing.items()))
        described = ET.Element(f"{{{KML_NS}}}description")
        described.text = _inert(note)
        document.insert(1, described)            # KML wants a Feature's description right after its name
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return [path]


_MARKUP = re.compile(r"[<>]|&(?=#?\w+;)")


def _inert(text: str) -> str:
    """Text that renders as itself in an HTML description: tags and character references escaped, nothing else."""
    return _MARKUP.sub(lambda m: {"<": "&lt;", ">": "&gt;", "&": "&amp;"}[m.group(0)], text)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{KML_NS}}}{tag}")
    element.text = text
    return element
