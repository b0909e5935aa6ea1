"""`analyze`: rank key players, find communities and the other findings; `--json` for machines."""

from __future__ import annotations

import argparse

from linkgraph.analysis import AnalysisParams, analyze
from linkgraph.cli.common import add_case, add_filter, graph_filter, open_case, print_json, print_table
from linkgraph.progress import TerminalProgress


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser("analyze", help="key players, communities, swaps, co-locations, circuits, indicators")
    add_case(cmd)
    cmd.add_argument("--json", action="store_true", help="print one JSON object (see README for its keys)")
    cmd.add_argument("--seed", type=int, default=7, help="seed for communities and sampling (default 7)")
    cmd.add_argument("--top", type=int, default=25, help="key players to list (default 25)")
    cmd.add_argument("--no-save", action="store_true", help="do not keep this run in the case file")
    add_filter(cmd)
    cmd.set_defaults(run=cmd_analyze)


def cmd_analyze(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        params = AnalysisParams(filter=graph_filter(args, case), seed=args.seed, top=args.top)
        bar = TerminalProgress()
        try:
            result = analyze(case, params, bar)
        finally:
            bar.done()
        if not args.no_save:
            result["run_id"] = case.record_analysis(params.as_dict(), result)
    if args.json:
        print_json(result)
        return 0
    print_summary(result, args.top)
    return 0


def print_summary(result: dict, top: int = 25) -> None:
    """The human reading of an analysis: key players, then groups, then findings."""
    graph = result["graph"]
    print(f"Case {result['case']}: {graph['nodes']} entities, {graph['edges']} ties in the {graph['view']} view"
          + (f" (betweenness sampled on {graph['betweenness_sample']} nodes)" if graph.get("betweenness_sample") else ""))
    print("\nKey players (score = mean of scaled degree, betweenness and PageRank)")
    print_table([
        (i + 1, e["label"], e["type"], e.get("role") or "", e["degree"], f"{e['betweenness']:.3f}",
         f"{e['pagerank']:.4f}", e["community"], f"{e['score']:.3f}")
        for i, e in enumerate(result["entities"][:top])
    ], ["#", "entity", "type", "role", "degree", "betweenness", "pagerank", "community", "score"])
    print(f"\n{len(result['communities'])} communities")
    for community in result["communities"][:10]:
        members = ", ".join(community["members"][:6])
        more = f" (+{community['size'] - 6})" if community["size"] > 6 else ""
        print(f"  {community['id']}: {community['size']} members: {members}{more}")
    for key, title in (("replacements", "Possible number replacements (burner swaps)"),
                       ("indicators", "Indicators (leads to review)"), ("circuits", "Circuits"),
                       ("colocations", "Co-locations")):
        items = result.get(key)
        if items:
            print(f"\n{title}: {len(items)}")
            for item in items[:10]:
                print(f"  {describe(key, item)}")


def describe(key: str, item: dict) -> str:
    """One line for a finding."""
    if key == "replacements":
        return (f"{item['old']} -> {item['new']}  similarity {item['similarity']:.2f}, old last seen "
                f"{item['last_seen_old']}, new first seen {item['first_seen_new']}, "
                f"{len(item['shared_contacts'])} shared contacts"
                + (f", same handset {', '.join(item['shared_devices'])}" if item.get("shared_devices") else ""))
    if key == "indicators":
        labels = ", ".join(str(e.get("label", e)) if isinstance(e, dict) else str(e) for e in item["entities"][:4])
        return f"{item['rule']}: {labels} ({len(item['evidence'])} records)"
    return item.get("summary") or ", ".join(f"{k}={v}" for k, v in list(item.items())[:4])
