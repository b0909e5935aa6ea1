"""`analyze`: rank key players, find communities and the other findings; `--json` for machines."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

from linkgraph.analysis_choices import LARGE_TIES, METHODS
from linkgraph.cli.common import add_case, add_filter, graph_filter, open_case, print_table
from linkgraph.progress import TerminalProgress
from linkgraph.reading import start_reading


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser("analyze", help="key players, communities, swaps, co-locations, circuits, indicators")
    add_case(cmd)
    cmd.add_argument("--json", action="store_true", help="print one JSON object (see README for its keys)")
    cmd.add_argument("--indent", type=int, default=None, metavar="N",
                     help="indent the JSON by N spaces (default: compact, one line; much faster on big cases)")
    cmd.add_argument("--seed", type=int, default=7, help="seed for communities and sampling (default 7)")
    cmd.add_argument("--top", type=int, default=25, help="key players to list (default 25)")
    cmd.add_argument("--no-save", action="store_true", help="do not keep this run in the case file")
    cmd.add_argument("--method", choices=METHODS, default="auto",
                     help="communities: auto (default: multiplex Leiden across calls, meetings, money and devices "
                          "when the case has two or more of them, else Leiden), leiden, louvain or multiplex")
    cmd.add_argument("--resolution", type=float, default=1.0, help="community resolution (higher: smaller groups)")
    cmd.add_argument("--disrupt", type=int, default=5, metavar="N", help="key players to remove (default 5)")
    cmd.add_argument("--path", type=int, nargs=2, metavar=("FROM", "TO"),
                     help="shortest path and all paths between two entity ids")
    cmd.add_argument("--max-hops", type=int, default=3, help="longest path listed with --path (default 3)")
    cmd.add_argument("--connect", type=int, nargs="+", metavar="ID", help="connecting network of these entities")
    cmd.add_argument("--common", type=int, nargs="+", metavar="ID", help="common contacts of these entities")
    cmd.add_argument("--no-findings", action="store_true",
                     help="measures and groups only (no swaps, co-locations, circuits, indicators)")
    add_filter(cmd)
    cmd.add_argument("--full", action="store_true",
                     help="every measure on a large case too: closeness and eigenvector (left out above "
                          f"{LARGE_TIES:,} ties) and betweenness from more sampled sources (slower)")
    cmd.set_defaults(run=cmd_analyze, quick_exit=True)    # its case closed and output written: nothing to tidy


def cmd_analyze(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        flt = graph_filter(args, case)
        # The case's links and entities are read in threads (the Arrow reader releases the GIL) while the
        # analysis libraries load: on two cores the second of loading them mostly hides behind the reads.
        # A run to be kept: the audit's state digest of the case is made meanwhile too (a big case), not after.
        reading = start_reading(case, replace(flt, link_types=None), state=not args.no_save)
        try:
            from linkgraph.analysis import AnalysisParams, analyze_and_record
        except BaseException:
            reading.finish()
            raise
        params = AnalysisParams(
            filter=flt, seed=args.seed, top=args.top, method=args.method,
            resolution=args.resolution, disrupt=args.disrupt, path=tuple(args.path) if args.path else None,
            max_hops=args.max_hops, connect=args.connect, common=args.common, findings=not args.no_findings,
            full=args.full, beside=True,                  # a command holds no other threads: big cases use a second core
        )
        bar = TerminalProgress()
        encoded: dict[str, bytes | None] = {}

        def encode(result: dict[str, Any]) -> None:        # while the run is kept in the case (a thread)
            encoded["body"] = json_bytes(result, indent=args.indent)

        try:
            result = analyze_and_record(case, params, bar, save=not args.no_save, reading=reading,
                                        while_saving=encode if args.json else None)
        finally:
            bar.done()
    args.result = result           # kept to a quick exit (cli.run): a big result takes a tenth of a second to free
    if result.get("run_record"):
        print(f"linkgraph: note: {case.path.name} is read-only, so this run is not kept in it; its record (time, "
              f"parameters, digest {result['run_record']['digest'][:16]}...) is in this output under 'run_record' "
              "(--json): save the output to keep it", file=sys.stderr)
    if args.json:
        from linkgraph.analysis import left_out_line

        write_json(result, sys.stdout, indent=args.indent, body=encoded.get("body"))
        said = left_out_line(result.get("left_out") or {})
        if said:
            print(said, file=sys.stderr)
        return 0
    print_summary(result, args.top)
    if result.get("run_record"):
        record = result["run_record"]
        print(f"\nRun record ({record['note']}): at {record['at']} by {record['by']}, case file SHA-256 "
              f"{record['case_file_sha256']}, result digest {record['digest']}")
    return 0


def json_bytes(data: Any, *, indent: int | None = None) -> bytes | None:
    """`data` as `write_json` writes it (no line break), by orjson; None where orjson does not write it (not
    installed, an indent other than 2)."""
    try:
        import orjson
    except ImportError:
        return None
    if indent not in (None, 2):
        return None
    from linkgraph.case.case_file import orjson_dumps

    return orjson_dumps(orjson, data, orjson.OPT_SERIALIZE_NUMPY | (orjson.OPT_INDENT_2 if indent else 0))


def write_json(data: Any, out: Any, *, indent: int | None = None, body: bytes | None = None) -> None:
    """One JSON object and a line break: orjson when installed (tens of MB in well under a second), else the
    standard library's C encoder (compact) or its indenting encoder (pure Python: slow on big cases).

    `body`: `json_bytes` of `data` made before its last key, `run_id`, was added (encoded while the run was kept
    in the case); the run id is written after it, as encoding the whole would have written it."""
    encoded = (_with_run_id(body, data, indent) if body is not None else None) or json_bytes(data, indent=indent)
    if encoded is not None:
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            out.flush()
            buffer.write(encoded + b"\n")
            buffer.flush()
        else:
            out.write(encoded.decode("utf-8") + "\n")
        return
    separators = (",", ":") if indent is None else None
    json.dump(data, out, ensure_ascii=False, indent=indent, separators=separators, default=str)
    out.write("\n")


def _with_run_id(body: bytes, data: dict[str, Any], indent: int | None) -> bytes | None:
    """`body` (the encoding of `data` less its last key, `run_id`) with that key added; None (encode it all) when
    `data` is not that."""
    keys = list(data)
    end = b"\n}" if indent else b"}"
    if len(keys) < 2 or keys[-1] != "run_id" or type(data["run_id"]) is not int or not body.endswith(end):
        return None
    run_id = str(data["run_id"]).encode()
    return body[:-len(end)] + (b',\n  "run_id": ' + run_id + end if indent else b',"run_id":' + run_id + end)


def print_summary(result: dict, top: int = 25) -> None:
    """The human reading of an analysis: key players, then groups, then findings."""
    from linkgraph.analysis import left_out_line
    from linkgraph.analysis.disruption import TARGET_TYPES

    graph = result["graph"]
    said = left_out_line(result.get("left_out") or {})
    if said:
        print(said)
    print(f"Case {result['case']}: {graph['nodes']} entities, {graph['edges']} ties in the {graph['view']} view"
          + (f" (betweenness sampled on {graph['betweenness_sample']} nodes)" if graph.get("betweenness_sample") else ""))
    players = [e for e in result["entities"] if e["type"] in TARGET_TYPES][:top]
    print("\nKey players: people and what they carry (score = mean of scaled degree, betweenness and PageRank;"
          " hotels, places and ads are left out of this list, not out of the measures)")
    print_table([
        (i + 1, e["label"], e["id"], e["type"], e.get("role") or "", e["degree"], f"{e['betweenness']:.3f}",
         f"{e['pagerank']:.4f}", e["community"], f"{e['score']:.3f}")
        for i, e in enumerate(players)
    ], ["#", "entity", "id", "type", "role", "ties", "betweenness", "pagerank", "group", "score"])
    disruption = result.get("disruption") or {}
    if disruption.get("removed"):
        before = disruption["before"]
        print(f"\nDisruption: taking out these {len(disruption['removed'])} leaves the largest group of "
              f"{before['largest'][0] if before['largest'] else 0} entities at "
              f"{(disruption['after']['largest'] or [0])[0]}")
        for step in disruption["removed"]:
            print(f"  {step['step']}. {step['label']} ({step['type']}): {step['components']} separate groups, "
                  f"largest {', '.join(str(n) for n in step['largest'][:3])}")
    print(f"\n{len(result['communities'])} communities")
    for community in result["communities"][:10]:
        print(f"  {community['id']}: {community.get('name') or ''} ({community['size']} members)")
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
                + (f", same handset {', '.join(item['shared_devices'])}" if item.get("shared_devices") else "")
                + (f"; old went quiet after {item['old_busy_until']} ({item['old_records_after']} stray records "
                   f"after)" if item.get("old_records_after") else ""))
    if key == "indicators":
        return f"{item.get('title', item['rule'])}: {item.get('summary', '')}  [{_rows(item['evidence'])}]"
    return item.get("summary") or ", ".join(f"{k}={v}" for k, v in list(item.items())[:4])


def _rows(evidence: list[dict]) -> str:
    """Where a finding comes from: 'cashapp_haskins.csv rows 6, 32, 48 +7'."""
    by_file: dict[str, list[int]] = {}
    for cited in evidence:
        by_file.setdefault(cited["source"], []).append(cited["row"])
    parts = []
    for name, rows in by_file.items():
        rows = sorted(set(rows))
        more = f" +{len(rows) - 5}" if len(rows) > 5 else ""
        parts.append(f"{name} row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows[:5]))}{more}")
    return "; ".join(parts)
