"""GraphML for Gephi, Cytoscape and yEd: the chart under the options, one edge per pair of entities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from linkgraph.case import CaseFile
from linkgraph.exports.cells import xml_text
from linkgraph.exports.redaction import redactor_for
from linkgraph.exports.selection import select_chart
from linkgraph.progress import Progress, no_progress
from linkgraph.times import format_time


def interchange_graph(case: CaseFile, options: Any, *, default_redact: bool = False) -> nx.Graph:
    """The chart as a graph with only text, number and boolean attributes (what GraphML/GEXF can hold).

    Nodes: label, type, canonical_key, role, minor, colour, title (ads); edges: label, weight, count, types, first, last
    (local time text), link_ids. Victims and minors are pseudonymised when the options ask.
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
    return graph


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write OUT (a .graphml file; a folder gets OUT/chart.graphml)."""
    path = out / "chart.graphml" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    progress(0, 1, "Writing GraphML")
    nx.write_graphml(interchange_graph(case, options), path, encoding="utf-8", prettyprint=True)
    return [path]
