"""`linkgraph analyze` reads the case while the analysis libraries load: its options are built, the case opened
and both reads started without pandas, networkx, scipy or igraph loaded (a reading thread that loaded one
while the command loads it too would only wait, or worse)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from linkgraph import analysis_choices
from linkgraph.analysis import centrality, communities

ROOT = Path(__file__).resolve().parents[2]

STARTUP = """
import json, sys
from linkgraph.cli import build_parser
from linkgraph.cli.common import graph_filter, open_case
from linkgraph.reading import start_reading

args = build_parser("analyze").parse_args(["analyze", sys.argv[1]])
with open_case(args) as case:
    reading = start_reading(case, graph_filter(args, case))
    reading.finish()
    read = {"links": reading.links.columns is not None, "entities": reading.entities.table is not None}
heavy = [m for m in ("pandas", "networkx", "scipy", "igraph", "linkgraph.graph", "linkgraph.analysis")
         if m in sys.modules]
print(json.dumps({"read": read, "heavy": heavy}))
"""


def test_the_command_line_choices_are_the_analysis_modules_own() -> None:
    assert analysis_choices.METHODS == communities.METHODS
    assert analysis_choices.LARGE_TIES == centrality.LARGE_TIES


def test_reads_start_before_the_analysis_libraries_load(sample_copy: Path) -> None:
    done = subprocess.run([sys.executable, "-c", STARTUP, str(sample_copy)], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    said = json.loads(done.stdout)
    assert said["heavy"] == []
    assert said["read"] == {"links": True, "entities": True}
