"""GEXF 1.2 for Gephi: the chart under the options, with node colours from the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from linkgraph.case import CaseFile
from linkgraph.exports.graphml import interchange_graph
from linkgraph.progress import Progress, no_progress


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write OUT (a .gexf file; a folder gets OUT/chart.gexf)."""
    path = out / "chart.gexf" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    progress(0, 1, "Writing GEXF")
    graph = interchange_graph(case, options)
    for _, data in graph.nodes(data=True):
        colour = data["colour"].lstrip("#")
        data["viz"] = {"color": {"r": int(colour[0:2], 16), "g": int(colour[2:4], 16), "b": int(colour[4:6], 16),
                                 "a": 1.0}}
    nx.write_gexf(graph, path, encoding="utf-8", prettyprint=True, version="1.2draft")
    return [path]
