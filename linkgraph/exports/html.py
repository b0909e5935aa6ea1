"""Interactive HTML chart: one self-contained file that opens offline and makes no network request.

pyvis assembles the nodes, edges and physics options; the page is our own template (pyvis' default
pulls Bootstrap from a CDN): vis-network's JavaScript and CSS are inlined from pyvis' local copy,
the case data travels as JSON inside a non-executable script element with <, > and & escaped,
details are shown with textContent (a name like <img src=x onerror=...> stays text), and a
Content-Security-Policy forbids any fetch, image or frame from elsewhere.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pyvis.network import Network

from linkgraph.case import CaseFile
from linkgraph.exports.drawing import ROLE_COLOURS
from linkgraph.exports.redaction import protection_line, redactor_for, victims_marked
from linkgraph.exports.selection import select_chart
from linkgraph.progress import Progress, no_progress
from linkgraph.times import format_time

VIS_SHAPES = {"person": "dot", "phone": "square", "email": "square", "device": "square", "account": "square",
              "business": "hexagon", "hotel": "triangle", "location": "triangle", "tower": "triangle",
              "ad": "diamond", "vehicle": "hexagon", "group": "hexagon", "id": "square"}
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
       "font-src 'none'; connect-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>{vis_css}</style>
<style>
body {{ margin: 0; font-family: Helvetica, Arial, sans-serif; display: flex; height: 100vh; }}
#chart {{ flex: 1; border-right: 1px solid #ccc; }}
#side {{ width: 340px; padding: 12px; overflow: auto; font-size: 13px; overflow-wrap: anywhere; }}
#side h1 {{ font-size: 16px; margin: 0 0 6px 0; }}
#details dt {{ font-weight: bold; margin-top: 6px; }}
#details dd {{ margin: 0; white-space: pre-wrap; word-break: break-word; }}
.legend span {{ display: inline-block; width: 10px; height: 10px; margin-right: 4px; }}
</style>
</head>
<body>
<div id="chart"></div>
<div id="side">
<h1 id="heading"></h1>
<p id="meta"></p>
<div class="legend" id="legend"></div>
<h1>Details</h1>
<p>Click an entity or a line.</p>
<dl id="details"></dl>
</div>
<script type="application/json" id="chart-data">{data}</script>
<script>{vis_js}</script>
<script>
(function () {{
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  document.title = data.title;
  document.getElementById("heading").textContent = data.title;
  document.getElementById("meta").textContent = data.meta;
  var legend = document.getElementById("legend");
  data.legend.forEach(function (item) {{
    var row = document.createElement("div");
    var swatch = document.createElement("span");
    swatch.style.background = item.colour;
    row.appendChild(swatch);
    row.appendChild(document.createTextNode(item.name));
    legend.appendChild(row);
  }});
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var network = new vis.Network(document.getElementById("chart"), {{nodes: nodes, edges: edges}}, data.options);
  function show(pairs) {{
    var list = document.getElementById("details");
    while (list.firstChild) {{ list.removeChild(list.firstChild); }}
    pairs.forEach(function (pair) {{
      var term = document.createElement("dt");
      term.textContent = pair[0];
      var value = document.createElement("dd");
      value.textContent = pair[1];
      list.appendChild(term);
      list.appendChild(value);
    }});
  }}
  network.on("click", function (params) {{
    if (params.nodes.length) {{ show(data.details["n" + params.nodes[0]] || []); }}
    else if (params.edges.length) {{ show(data.details["e" + params.edges[0]] || []); }}
  }});
}})();
</script>
</body>
</html>
"""


def safe_json(value: Any) -> str:
    """JSON that cannot close the script element it sits in or open markup: <, >, & and line separators escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                       ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def _vis_asset(name: str) -> str:
    """vis-network's file from pyvis' own package folder, made safe to sit inside a <script>/<style>."""
    text = Path(str(resources.files("pyvis").joinpath("lib", "vis-9.1.2", name))).read_text(encoding="utf-8")
    return re.sub(r"</(script|style)", r"<\\/\1", text, flags=re.IGNORECASE)


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write the chart under the options (filter, community, ego, path, entities) as one HTML file."""
    path = out / "chart.html" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    redactor = redactor_for(case, options, default=False)
    progress(0, 2, "Selecting the chart")
    chart = select_chart(case, options, max_nodes=options.extra.get("max_nodes"))
    tz = case.timezone
    model = case.model
    net = Network(directed=False, cdn_resources="local")
    details: dict[str, list[list[str]]] = {}
    attributes = {e.id: e.attrs for e in case.entities()}
    for node in sorted(chart.graph.nodes):
        data = chart.graph.nodes[node]
        etype = model.entities.get(data.get("type") or "")
        label = redactor.label(node, data.get("label") or "")
        role = data.get("role") or ""
        border = ROLE_COLOURS.get(role, "#333333")
        net.add_node(node, label=label, shape=VIS_SHAPES.get(etype.shape if etype else "", "dot"),
                     color={"background": etype.colour if etype else "#999999", "border": border},
                     borderWidth=3 if role in ROLE_COLOURS else 1, size=14)
        details[f"n{node}"] = [["Entity", str(node)], ["Type", data.get("type") or ""], ["Label", label],
                               ["Key", redactor.key(node, data.get("key")) or ""], ["Role", role],
                               ["Minor", "yes" if data.get("minor") else ""]]
        attrs = redactor.attrs(node, attributes.get(node, {}))
        details[f"n{node}"] += [[name, ", ".join(map(str, value)) if isinstance(value, list) else str(value)]
                                for name, value in sorted(attrs.items()) if value not in (None, "", [])]
    for number, (a, b) in enumerate(sorted((min(a, b), max(a, b)) for a, b in chart.graph.edges)):
        edge = chart.graph.edges[a, b]
        # appended as pyvis stores them: Network.add_edge scans every edge for duplicates (quadratic)
        net.edges.append({"from": a, "to": b, "id": number, "value": edge.get("count", 1), "color": "#7f8c8d"})
        records = chart.edge_records.get((a, b), [])
        details[f"e{number}"] = [
            ["Between", f"{redactor.label(a, chart.graph.nodes[a].get('label') or '')} and "
                        f"{redactor.label(b, chart.graph.nodes[b].get('label') or '')}"],
            ["Records", f"{edge.get('count', 1)} ({edge.get('types', '')})"],
            ["First", format_time(edge.get("first"), tz)], ["Last", format_time(edge.get("last"), tz)],
            ["Link ids", ", ".join(map(str, records[:200])) + (" ..." if len(records) > 200 else "")],
        ]
    net.barnes_hut(gravity=-6000, spring_length=140)
    nodes, edges, _, _, _, vis_options = net.get_network_data()
    layout_options = json.loads(vis_options)
    # a big chart settles in a few hundred physics steps instead of a thousand: it opens in seconds
    layout_options.setdefault("physics", {})["stabilization"] = {
        "enabled": True, "iterations": 1000 if len(nodes) <= 200 else 200, "updateInterval": 50}
    title = redactor.text(options.title) if options.title else f"{redactor.text(case.name)}: link chart"
    types = sorted({chart.graph.nodes[n].get("type") for n in chart.graph.nodes} - {None})
    payload = {
        "title": title,
        "meta": f"{redactor.text(chart.focus)}: {chart.graph.number_of_nodes()} entities, "
                f"{chart.graph.number_of_edges()} lines. Case file SHA-256 {case.sha256()}."
                + (f" {protection_line(redactor, victims_marked(case))}." if redactor.enabled else ""),
        "legend": [{"name": t, "colour": model.entities[t].colour if t in model.entities else "#999999"}
                   for t in types],
        "nodes": nodes, "edges": edges, "options": layout_options, "details": details,
    }
    progress(1, 2, "Writing the page")
    page = PAGE.format(csp=CSP, title=escape(title), vis_css=_vis_asset("vis-network.css"),
                       vis_js=_vis_asset("vis-network.min.js"), data=safe_json(payload))
    path.write_text(page, encoding="utf-8")
    return [path]
