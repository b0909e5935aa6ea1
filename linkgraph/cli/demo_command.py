"""`demo`: build a case from the bundled sample and show what an investigator wants to see first."""

from __future__ import annotations

import argparse
from pathlib import Path

from linkgraph.analysis import AnalysisParams, analyze
from linkgraph.case import CaseFile, merges
from linkgraph.cli.analyze_command import print_summary
from linkgraph.errors import LinkgraphError
from linkgraph.graph import GraphFilter
from linkgraph.identity import suggest_name_matches
from linkgraph.progress import TerminalProgress


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser("demo", help="build the bundled sample case and print the first findings")
    cmd.add_argument("--out", type=Path, default=Path("linkgraph-demo"), help="folder for the demo case")
    cmd.set_defaults(run=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        from sample_cases.build import build_case
    except ImportError as exc:
        raise LinkgraphError(f"the sample case is not installed with this build ({exc})") from exc
    args.out.mkdir(parents=True, exist_ok=True)
    bar = TerminalProgress()
    try:
        path, results = build_case(args.out / "gang_enterprise.lgcase", bar, review=True)
    finally:
        bar.done()
    print(f"Built {path} from {len(results)} source files:")
    for result in results:
        print(f"  {result.name:<36} {result.kind:<8} profile {result.profile:<22} "
              f"{result.rows_imported:>6,} rows, {result.links_created:>6,} links"
              + (f", {result.duplicates_merged} already in the case (cited, not stored twice)"
                 if result.duplicates_merged else ""))
    with CaseFile.open(path, lock=True) as case:
        merged = sum(1 for m in merges(case))
        roles = case.conn.execute(
            "SELECT COUNT(*) FILTER (WHERE role = 'victim'), COUNT(*) FILTER (WHERE minor = 1), "
            "COUNT(*) FILTER (WHERE role = 'suspect') FROM entities WHERE type = 'Person' AND merged_into IS NULL"
        ).fetchone()
        print(f"The analyst's review so far: {merged} same-name matches confirmed (reversible merges), "
              f"{roles[0]} victims ({roles[1]} minors) and {roles[2]} suspects marked.")
        # People first: phones, accounts and devices stand in for the person who uses them.
        params = AnalysisParams(filter=GraphFilter(view="persons"))
        result = analyze(case, params)
        result["run_id"] = case.record_analysis(params.as_dict(), result)
        print()
        print_summary(result, top=15)
        people = [(e.id, e.label) for e in case.entities("Person")]
        matches = suggest_name_matches(people)
        if matches:
            print(f"\nNames that may be one person (never merged automatically): {len(matches)}")
            for m in matches[:8]:
                print(f"  {m.left} ({m.left_id}) ~ {m.right} ({m.right_id})  score {m.score:.0f}  {m.reason}")
    print(f"\nNext: linkgraph gui {path}   |   linkgraph export {path} --format exhibit -o exhibit/")
    return 0
