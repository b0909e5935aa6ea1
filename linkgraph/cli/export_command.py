"""`export`: exhibits, spreadsheets, interactive HTML and the formats other tools read."""

from __future__ import annotations

import argparse
from pathlib import Path

from linkgraph.cli.common import add_case, add_filter, graph_filter, open_case
from linkgraph.exports import FORMATS, ExportOptions, export
from linkgraph.progress import TerminalProgress


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser("export", help="export the case: " + ", ".join(FORMATS))
    add_case(cmd)
    cmd.add_argument("--format", "-f", required=True, choices=list(FORMATS), dest="fmt")
    cmd.add_argument("-o", "--out", required=True, type=Path, help="output file or folder")
    redact = cmd.add_mutually_exclusive_group()
    redact.add_argument("--redact-victims", dest="redact", action="store_true", default=None,
                        help="replace victims' and minors' identities with pseudonyms (default for exhibits)")
    redact.add_argument("--no-redact-victims", dest="redact", action="store_false")
    cmd.add_argument("--no-victims-marked", action="store_true",
                     help="export a redacted exhibit although no one is marked victim or minor (the exhibit says so)")
    cmd.add_argument("--key-file", type=Path, help="write the pseudonym key here (only when asked)")
    cmd.add_argument("--title", help="exhibit or chart title")
    cmd.add_argument("--exhibit-number", help="exhibit number printed on every page")
    cmd.add_argument("--community", type=int, help="chart one community of the latest analysis")
    cmd.add_argument("--ego", type=int, metavar="ID", help="chart one entity and its neighbours")
    cmd.add_argument("--path", type=int, nargs=2, metavar=("FROM_ID", "TO_ID"), help="chart the path between two")
    cmd.add_argument("--entities", type=int, nargs="*", metavar="ID", help="chart exactly these entities")
    cmd.add_argument("--run", type=int, dest="run_id", help="analysis run to cite (default: the latest)")
    cmd.add_argument("--max-nodes", type=int, metavar="N",
                     help="chart at most N entities, the busiest (exhibits default to 45; others chart all)")
    add_filter(cmd)
    cmd.set_defaults(run=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        options = ExportOptions(
            filter=graph_filter(args, case), redact_victims=args.redact, key_file=args.key_file, title=args.title,
            exhibit_number=args.exhibit_number, community=args.community, ego=args.ego,
            path=tuple(args.path) if args.path else None, entity_ids=args.entities, run_id=args.run_id,
            no_victims_marked=args.no_victims_marked,
            extra={"max_nodes": args.max_nodes} if args.max_nodes else {},
        )
        bar = TerminalProgress()
        try:
            written = export(case, args.fmt, args.out, options, bar)
        finally:
            bar.done()
    for path in written:
        print(f"wrote {path}")
    return 0
