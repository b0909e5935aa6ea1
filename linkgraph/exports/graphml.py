"""GraphML for Gephi, Cytoscape and yEd: the chart under the options, one edge per pair of entities."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx

from linkgraph.case import CaseFile
from linkgraph.exports.cells import xml_text
from linkgraph.exports.redaction import redactor_for
from linkgraph.exports.selection import select_chart
from linkgraph.progress import Progress, no_progress
from linkgraph.times import format_time

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
ET.register_namespace("", GRAPHML_NS)
ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")


def interchange_graph(case: CaseFile, options: Any, *, default_redact: bool = False,
                      spells: bool = False) -> nx.Graph:
    """The chart as a graph with only text, number and boolean attributes (what GraphML/GEXF can hold).

    Nodes: label, type, canonical_key, role, minor, colour, title (ads); edges: label, weight, count, types, first, last
    (local time text), link_ids. Victims and minors are pseudonymised when the options ask. With `spells`,
    each edge also carries `_spells`: the (start, end) epoch seconds of every timed record behind it.
    """
    redactor = redactor_for(case, options, default=default_redact)
    chart = select_chart(case, options, max_nodes=options.extra.get("max_nodes"))
    tz = case.timezone
    attributes = {e.id: e.attrs for e in case.entities()}
    graph = nx.Graph(name=xml_text(redactor.text(case.name)), timezone=tz)
    for node in sorted(chart.graph.nodes):
        data = chart.graph.nodes[node]
        etype = case.model.entities.get(data.get("type") or "")
        graph.add_node(node, label=xml_text(redactor.label(node, data.get("label") or "")), type=data.get("type") or "",
                       canonical_key=xml_text(redactor.key(node, data.get("key")) or ""),
                       role=xml_text(data.get("role") or ""),
                       minor=bool(data.get("minor")), colour=etype.colour if etype else "#999999",
                       title=xml_text(redactor.attrs(node, attributes.get(node, {})).get("title", "")))
    for a, b in sorted((min(a, b), max(a, b)) for a, b in chart.graph.edges):
        data = chart.graph.edges[a, b]
        graph.add_edge(a, b, label=xml_text(f"{data.get('count', 1)} {data.get('types', '')}"),
                       weight=float(data["weight"]), count=int(data.get("count", 1)),
                       types=xml_text(data.get("types") or ""),
                       first=format_time(data.get("first"), tz), last=format_time(data.get("last"), tz),
                       link_ids=" ".join(map(str, chart.edge_records.get((a, b), []))))
    if spells:
        times = chart.links.drop_duplicates("id").set_index("id")[["start", "end"]]
        for a, b, data in graph.edges(data=True):
            found = set()
            for link_id in chart.edge_records.get((a, b), []):
                start, end = times.at[link_id, "start"], times.at[link_id, "end"]
                if start == start and start is not None:
                    found.add((int(start), int(end) if end == end and end is not None and end >= start else int(start)))
            data["_spells"] = sorted(found)
    return graph


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write OUT (a .graphml file; a folder gets OUT/chart.graphml)."""
    path = out / "chart.graphml" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    progress(0, 1, "Writing GraphML")
    nx.write_graphml(interchange_graph(case, options), path, encoding="utf-8", prettyprint=True)
    name_keys(path)
    return [path]


def name_keys(path: Path) -> None:
    """Give every GraphML key its attribute's name as id ("label", "type"...): Gephi labels nodes from the
    key named label, not from networkx's numbered d0, d1... An edge key whose name a node key already
    holds becomes edge_<name> (ids are unique in a GraphML file)."""
    tree = ET.parse(path)
    root = tree.getroot()
    renamed: dict[str, str] = {}
    taken: set[str] = set()
    keys = root.findall(f"{{{GRAPHML_NS}}}key")
    for key in sorted(keys, key=lambda k: ("node", "edge", "graph").index(k.get("for", "graph"))
                      if k.get("for") in ("node", "edge", "graph") else 3):
        name = key.get("attr.name") or key.get("id")
        wanted = name if name not in taken else f"{key.get('for', 'all')}_{name}"
        renamed[key.get("id")] = wanted
        taken.add(wanted)
        key.set("id", wanted)
    for data in root.iter(f"{{{GRAPHML_NS}}}data"):
        data.set("key", renamed.get(data.get("key"), data.get("key")))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
