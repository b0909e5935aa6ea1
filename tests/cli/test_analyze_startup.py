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


def test_quick_exit_writes_what_the_usual_exit_writes(sample_copy: Path, tmp_path: Path) -> None:
    """`analyze` exits at once once its case is closed and its output written (cli.run): the same output, the same
    exit code and the run kept in the case, as with LINKGRAPH_QUICK_EXIT=0."""
    import os
    import shutil

    outputs = []
    for quick in ("1", "0"):
        case = tmp_path / f"quick{quick}.lgcase"
        shutil.copy(sample_copy, case)
        done = subprocess.run([sys.executable, "-c", "from linkgraph.cli import run; run()", "analyze", str(case),
                               "--json"], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "LINKGRAPH_QUICK_EXIT": quick})
        assert done.returncode == 0, done.stderr
        assert done.stdout.endswith("}\n")
        outputs.append((json.loads(done.stdout), done.stderr))
    (quick, said_quick), (usual, said_usual) = outputs
    assert quick == usual and said_quick == said_usual
    assert isinstance(quick["run_id"], int)
