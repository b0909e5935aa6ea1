"""i2 Analyst's Notebook exchange format (ANX): entities with icon types and attributes, links with
types, dates, record counts and one card per source record carrying its 5x5x5 grades.

Links refer to entities by id (IdReferenceLinking="true"): every End1Id/End2Id is an EntityId.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.exports.cells import xml_text
from linkgraph.exports.redaction import redactor_for
from linkgraph.exports.selection import select_chart
from linkgraph.layout import layout
from linkgraph.progress import Progress, no_progress
from linkgraph.times import to_local, zone

# Analyst's Notebook standard icon names for our entity types
ICONS = {"Person": "Person", "Phone": "Mobile Phone", "Email": "Email", "Device": "Mobile Phone",
         "Account": "Bank Account", "OnlineAccount": "Internet", "Business": "Organization", "Hotel": "Hotel",
         "Location": "Address", "CellSite": "Cell Site", "Ad": "Document", "Vehicle": "Car",
         "Organization": "Organization", "IdDocument": "Document"}
GRADE_ONE = ["A - Always reliable", "B - Mostly reliable", "C - Sometimes reliable", "D - Unreliable",
             "E - Untested source"]
GRADE_TWO = ["1 - Known to be true without reservation", "2 - Known personally to the source",
             "3 - Not personally known to the source but corroborated", "4 - Cannot be judged",
             "5 - Suspected to be false"]
GRADE_THREE = ["1 - May be disseminated", "2 - Disseminate to prosecuting authorities only",
               "3 - Disseminate to other agencies with conditions", "4 - Disseminate within the agency only",
               "5 - No further dissemination without the originator"]
CARDS_PER_LINK = 200
ATTRIBUTES = (("Role", "AttText"), ("Minor", "AttFlag"), ("Key", "AttText"), ("Records", "AttNumber"),
              ("Link ids", "AttText"))


def grade_indexes(grade: str) -> tuple[int, int, int]:
    """'B21' -> (1, 1, 0): indexes into GradeOne/Two/Three; an unknown part reads as 'cannot be judged'."""
    letter = grade[:1].upper() if grade else ""
    one = "ABCDE".index(letter) if letter and letter in "ABCDE" else 4
    two = int(grade[1]) - 1 if len(grade) > 1 and grade[1] in "12345" else 3
    three = int(grade[2]) - 1 if len(grade) > 2 and grade[2] in "12345" else 0
    return one, two, three


def _when(epoch: float | None, tz: str) -> str | None:
    moment: datetime | None = to_local(epoch, tz) if epoch is not None and epoch == epoch else None
    return moment.strftime("%Y-%m-%dT%H:%M:%S") if moment else None


def _zone(case: CaseFile) -> dict[str, str]:
    """The chart's time zone as i2 shows it: the case's IANA zone and its UTC offset now."""
    tz = case.timezone
    offset = datetime.now(zone(tz)).strftime("%z")
    return {"Name": f"(UTC{offset[:3]}:{offset[3:]}) {tz}"}


def _card(source: Any, row: int, summary: str, when: str | None, redactor: Any, tz_attrs: dict[str, str],
          parent: ET.Element) -> None:
    """One source card: what the record is, its file, row and SHA-256, the 5x5x5 grade and its time."""
    one, two, three = grade_indexes(source.grade)
    card = {"Summary": xml_text(summary),
            "SourceReference": xml_text(f"{redactor.text(source.name)} row {row} (SHA-256 {source.sha256})"),
            "SourceType": xml_text(source.kind), "GradeOneIndex": str(one), "GradeTwoIndex": str(two),
            "GradeThreeIndex": str(three),
            "Text": xml_text(f"File: {redactor.text(source.name)}\nRow: {row}\nSHA-256: {source.sha256}\n"
                             f"Grade: {source.grade}")}
    if when:
        card.update(DateSet="true", TimeSet="true", DateTime=when)
    element = ET.SubElement(parent, "Card", **card)
    if when:
        ET.SubElement(element, "TimeZone", **tz_attrs)


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write OUT (an .anx file; a folder gets OUT/chart.anx) from the chart under the options.

    Element order and attributes follow the ANX 7 schema: grades, strengths, attribute classes and
    types first; each entity at its layout position with its source cards inside `Entity`, each link's
    cards inside `Link` before its `LinkStyle`. `Identity` is the entity id (two "John Smith" stay
    two), the label is shown apart from it.
    """
    path = out / "chart.anx" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    redactor = redactor_for(case, options, default=False)
    chart = select_chart(case, options, max_nodes=options.extra.get("max_nodes"))
    graph = chart.graph
    tz = case.timezone
    tz_attrs = _zone(case)
    link_labels = {name: t.label for name, t in case.model.links.items()}
    root = ET.Element("Chart", IdReferenceLinking="true", Rigorous="true", UseLocalTimeZone="false")
    for tag, texts in (("GradeOne", GRADE_ONE), ("GradeTwo", GRADE_TWO), ("GradeThree", GRADE_THREE)):
        collection = ET.SubElement(ET.SubElement(root, tag), "StringCollection")
        for i, text in enumerate(texts):
            ET.SubElement(collection, "String", Id=f"{tag}{i}", Text=text)
    strengths = ET.SubElement(root, "StrengthCollection")
    ET.SubElement(strengths, "Strength", Name="Confirmed", DotStyle="DotStyleSolid")
    attribute_classes = ET.SubElement(root, "AttributeClassCollection")
    for name, kind in ATTRIBUTES:
        ET.SubElement(attribute_classes, "AttributeClass", Name=name, Type=kind, ShowValue="true")
    entity_types = ET.SubElement(root, "EntityTypeCollection")
    used_types = sorted({graph.nodes[n].get("type") or "Thing" for n in graph.nodes})
    for name in used_types:
        etype = case.model.entities.get(name)
        ET.SubElement(entity_types, "EntityType", Name=name, IconFile=ICONS.get(name, "General"),
                      Colour=str(_colour(etype.colour if etype else "#999999")))
    link_types = ET.SubElement(root, "LinkTypeCollection")
    per_pair: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for src, dst, ltype in chart.links[["src", "dst", "type"]].itertuples(index=False, name=None):
        per_pair[(min(src, dst), max(src, dst))][str(ltype)] += 1
    used_links = sorted({link_labels.get(t, t) for counts in per_pair.values() for t in counts} | {"Link"})
    for name in used_links:
        ET.SubElement(link_types, "LinkType", Name=name, Colour="0")
    ET.SubElement(root, "TimeZone", **tz_attrs)
    items = ET.SubElement(root, "ChartItemCollection")
    entity_attrs = {e.id: e.attrs for e in case.entities()}
    sources = {s.id: s for s in case.sources()}
    evidence: dict[int, list[tuple[int, int]]] = defaultdict(list)
    reps = case.representatives()
    for source_id, row, entity_id in case.conn.execute(
            "SELECT source_id, row, entity_id FROM entity_evidence ORDER BY source_id, row"):
        evidence[reps.get(entity_id, entity_id)].append((source_id, row))
    positions = layout(graph, "force", seed=7) if graph.number_of_nodes() else {}
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        label = xml_text(redactor.label(node, data.get("label") or ""))
        title = redactor.attrs(node, entity_attrs.get(node, {})).get("title", "")
        item = ET.SubElement(items, "ChartItem", Label=label,
                             Description=xml_text(f"{data.get('type')} {node}" + (f": {title}" if title else "")))
        x, y = positions.get(node, (0.0, 0.0))
        end = ET.SubElement(item, "End", X=str(int(round(x))), Y=str(int(round(y))))
        entity = ET.SubElement(end, "Entity", EntityId=f"e{node}", Identity=f"linkgraph-{node}",
                               LabelIsIdentity="false")
        ET.SubElement(ET.SubElement(entity, "Icon"), "IconStyle", Type=data.get("type") or "Thing")
        cites = evidence.get(node, [])[:CARDS_PER_LINK]
        if cites:
            cards = ET.SubElement(entity, "CardCollection")
            for source_id, row in cites:
                _card(sources[source_id], row, f"{data.get('type')} named in this record", None, redactor,
                      tz_attrs, cards)
        attributes = ET.SubElement(item, "AttributeCollection")
        ET.SubElement(attributes, "Attribute", AttributeClass="Role", Value=xml_text(data.get("role") or ""))
        ET.SubElement(attributes, "Attribute", AttributeClass="Minor", Value="true" if data.get("minor") else "false")
        ET.SubElement(attributes, "Attribute", AttributeClass="Key",
                      Value=xml_text(redactor.key(node, data.get("key")) or ""))
    by_id = chart.links.drop_duplicates("id").set_index("id")
    pairs = sorted(graph.edges, key=lambda e: (min(e), max(e)))
    for done, (a, b) in enumerate(pairs):
        if done % 500 == 0:
            progress(done, len(pairs), "Writing links")
        a, b = min(a, b), max(a, b)
        data = graph.edges[a, b]
        counts = per_pair.get((a, b), Counter())
        main = counts.most_common(1)[0][0] if counts else "link"
        label = ", ".join(f"{n} {link_labels.get(t, t)}" for t, n in counts.most_common())
        attrs = {"Label": xml_text(label), "Description": xml_text(data.get("types") or "")}
        first = _when(data.get("first"), tz)
        if first:
            attrs.update(DateSet="true", TimeSet="true", DateTime=first)
        item = ET.SubElement(items, "ChartItem", **attrs)
        link = ET.SubElement(item, "Link", End1Id=f"e{a}", End2Id=f"e{b}")
        records = chart.edge_records.get((a, b), [])
        if records:
            cards = ET.SubElement(link, "CardCollection")
            for link_id in records[:CARDS_PER_LINK]:
                row = by_id.loc[link_id]
                _card(sources[int(row["source_id"])], int(row["row"]),
                      f"{link_labels.get(str(row['type']), row['type'])} record {link_id}",
                      _when(row["start"], tz), redactor, tz_attrs, cards)
        ET.SubElement(link, "LinkStyle", Type=link_labels.get(main, main), ArrowStyle="ArrowNone",
                      MlStyle="MultiplicitySingle", Strength="Confirmed",
                      LineWidth=str(min(1 + int(data.get("count", 1)) // 10, 8)))
        attributes = ET.SubElement(item, "AttributeCollection")
        ET.SubElement(attributes, "Attribute", AttributeClass="Records", Value=str(len(records)))
        ET.SubElement(attributes, "Attribute", AttributeClass="Link ids", Value=" ".join(map(str, records[:500])))
        if first:
            ET.SubElement(item, "TimeZone", **tz_attrs)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return [path]


def _colour(hex_colour: str) -> int:
    """'#rrggbb' as the BGR integer Analyst's Notebook stores colours in."""
    value = hex_colour.lstrip("#")
    red, green, blue = int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    return blue * 65536 + green * 256 + red
