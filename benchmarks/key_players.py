"""How long `disruption.key_players` takes on a case's graph, in CPU seconds, against the igraph reference.

    python benchmarks/key_players.py CASE [--repeat 5] [--k 5]

Loads the graph as `linkgraph analyze` does (entities, links, the service choice, folded edges, arrays and the
measures' scores), then times the fast route (`key_players`) and the reference (`key_players_reference`)
alternately with the garbage collector paused, as the analysis runs, and checks that both give the same dict.
On a shared machine the CPU figures are the steadier ones; compare medians.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkgraph.analysis import AnalysisParams, centrality, disruption, names, service_choice  # noqa: E402
from linkgraph.analysis.records import ATTR_LINKS  # noqa: E402
from linkgraph.case import CaseFile  # noqa: E402
from linkgraph.graph import fold_links, graph_from_edges, graph_links, load_entities, load_links  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    case = CaseFile.open(args.case, read_only=True)
    params = AnalysisParams()
    entities = load_entities(case, attrs=True)
    apart, _ = names.keep_apart(case, entities)
    base = replace(params.filter, keep_apart=set(params.filter.keep_apart) | apart)
    entities = names.unmerged(entities, base.keep_apart)
    links = load_links(case, replace(base, link_types=None), attrs=ATTR_LINKS)
    flt, _ = service_choice(entities, links, base)
    edges = fold_links(graph_links(case, flt, entities=entities, links=links))
    edges = edges[edges["weight"] >= flt.min_weight]
    graph = graph_from_edges(edges, entities, flt, ties=False)
    data = centrality.GraphArrays.from_edges(edges)
    scores = centrality.measure(graph, seed=params.seed, data=data, full=params.full).score
    print(f"{len(data.nodes):,} entities, {len(data.a):,} ties; k = {args.k}")
    data.components()                     # made before key players in the analysis (groups, components)
    seconds: dict[str, list[float]] = {"key_players": [], "key_players_reference": []}
    results = {}
    gc.disable()
    for _ in range(args.repeat):
        for name, run in seconds.items():
            call = getattr(disruption, name)
            started = time.process_time()
            results[name] = call(graph, k=args.k, scores=scores, data=data)
            run.append(time.process_time() - started)
    gc.enable()
    for name, run in seconds.items():
        print(f"{name:>22}: median {statistics.median(run):.3f} s CPU  ({', '.join(f'{s:.3f}' for s in run)})")
    same = results["key_players"] == results["key_players_reference"]
    print("same result" if same else "RESULTS DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
