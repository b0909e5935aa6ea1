"""GEXF 1.2 for Gephi: the chart under the options, with node colours from the model and the time of
every record as a spell, so Gephi's timeline replays the case (a line appears when its records do).

Written element by element (networkx's writer puts a `name` on `graph`, which GEXF 1.2 does not allow,
and writes no spells); valid against the GEXF 1.2draft RELAX NG. Spells are ISO 8601 date-times with the
case's UTC offset under timeformat "date" (the schema allows date-times there, and networkx's reader
knows "date" but not "dateTime").
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from linkgraph import __version__
from linkgraph.case import CaseFile
from linkgraph.exports.cells import xml_text
from linkgraph.exports.graphml import interchange_graph
from linkgraph.progress import Progress, no_progress
from linkgraph.times import now_iso, to_local

GEXF_NS = "http://www.gexf.net/1.2draft"
VIZ_NS = "http://www.gexf.net/1.2draft/viz"
NODE_ATTRIBUTES = (("type", "string"), ("canonical_key", "string"), ("role", "string"), ("minor", "boolean"),
                   ("title", "string"))
EDGE_ATTRIBUTES = (("count", "integer"), ("types", "string"), ("first", "string"), ("last", "string"),
                   ("link_ids", "string"))


def _stamp(epoch: int, tz: str) -> str:
    moment = to_local(epoch, tz)
    return moment.isoformat() if moment else ""


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write OUT (a .gexf file; a folder gets OUT/chart.gexf)."""
    path = out / "chart.gexf" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    progress(0, 1, "Writing GEXF")
    graph = interchange_graph(case, options, spells=True)
    tz = case.timezone
    ET.register_namespace("", GEXF_NS)
    ET.register_namespace("viz", VIZ_NS)
    root = ET.Element(f"{{{GEXF_NS}}}gexf", version="1.2")
    meta = ET.SubElement(root, f"{{{GEXF_NS}}}meta", lastmodifieddate=now_iso()[:10])
    ET.SubElement(meta, f"{{{GEXF_NS}}}creator").text = f"linkgraph {__version__}"
    ET.SubElement(meta, f"{{{GEXF_NS}}}description").text = xml_text(
        f"{graph.graph.get('name', '')} (times in {tz})")
    body = ET.SubElement(root, f"{{{GEXF_NS}}}graph", defaultedgetype="undirected", mode="dynamic",
                         timeformat="date")
    for cls, attributes in (("node", NODE_ATTRIBUTES), ("edge", EDGE_ATTRIBUTES)):
        declared = ET.SubElement(body, f"{{{GEXF_NS}}}attributes", mode="static", **{"class": cls})
        for name, kind in attributes:
            ET.SubElement(declared, f"{{{GEXF_NS}}}attribute", id=name, title=name, type=kind)
    node_spans: dict[int, list[int]] = {}
    for a, b, data in graph.edges(data=True):
        for start, end in data.get("_spells", []):
            for node in (a, b):
                span = node_spans.setdefault(node, [start, end])
                span[0], span[1] = min(span[0], start), max(span[1], end)
    nodes = ET.SubElement(body, f"{{{GEXF_NS}}}nodes")
    for node, data in graph.nodes(data=True):
        element = ET.SubElement(nodes, f"{{{GEXF_NS}}}node", id=str(node), label=data["label"])
        _values(element, data, NODE_ATTRIBUTES)
        if node in node_spans:
            spells = ET.SubElement(element, f"{{{GEXF_NS}}}spells")
            ET.SubElement(spells, f"{{{GEXF_NS}}}spell", start=_stamp(node_spans[node][0], tz),
                          end=_stamp(node_spans[node][1], tz))
        colour = data["colour"].lstrip("#")
        ET.SubElement(element, f"{{{VIZ_NS}}}color", r=str(int(colour[0:2], 16)), g=str(int(colour[2:4], 16)),
                      b=str(int(colour[4:6], 16)), a="1.0")
    edges = ET.SubElement(body, f"{{{GEXF_NS}}}edges")
    for number, (a, b, data) in enumerate(graph.edges(data=True)):
        element = ET.SubElement(edges, f"{{{GEXF_NS}}}edge", id=str(number), source=str(a), target=str(b),
                                weight=repr(float(data["weight"])), label=xml_text(data["label"]))
        _values(element, data, EDGE_ATTRIBUTES)
        if data.get("_spells"):
            spells = ET.SubElement(element, f"{{{GEXF_NS}}}spells")
            for start, end in data["_spells"]:
                ET.SubElement(spells, f"{{{GEXF_NS}}}spell", start=_stamp(start, tz), end=_stamp(end, tz))
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return [path]


def _values(element: ET.Element, data: dict[str, Any], attributes: tuple[tuple[str, str], ...]) -> None:
    values = ET.SubElement(element, f"{{{GEXF_NS}}}attvalues")
    for name, kind in attributes:
        value = data.get(name)
        if value in (None, ""):
            continue
        text = ("true" if value else "false") if kind == "boolean" else xml_text(value)
        ET.SubElement(values, f"{{{GEXF_NS}}}attvalue", value=text, **{"for": name})
