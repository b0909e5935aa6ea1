"""Arguments and output shared by several commands (case path, filters, tables, JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkgraph.case import CaseFile
from linkgraph.case.case_file import NotACaseFile
from linkgraph.errors import CaseFileError, LinkgraphError
from linkgraph.times import parse_iso

if TYPE_CHECKING:
    from linkgraph.graph import GraphFilter


def add_case(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", type=Path, metavar="CASE", help="the case file (.lgcase)")
    parser.add_argument("--passphrase", help="passphrase of an encrypted case file")


def open_case(args: argparse.Namespace, *, read_only: bool = False, writes: bool = False) -> CaseFile:
    """Open the command's case. A file that is not a case is named for what it is, with the command the user
    probably meant; a case on read-only media opens read-only, said on stderr (a command that `writes`
    stops there, before doing anything)."""
    try:
        case = CaseFile.open(args.case, passphrase=getattr(args, "passphrase", None), read_only=read_only)
    except NotACaseFile as exc:
        raise CaseFileError(f"{exc}{did_you_mean(args, exc)}") from exc
    if case.read_only_reason and not read_only:
        if writes:
            name = case.path.name
            case.close()
            raise CaseFileError(f"{name} is read-only ({case.read_only_reason}): nothing was changed. Copy it to a "
                                "folder you may write to and run the command on the copy")
        print(f"linkgraph: note: {case.path.name} is read-only ({case.read_only_reason}); opened read-only: "
              "nothing is written to it", file=sys.stderr)
    return case


def record_beside(case: CaseFile, out: Path, written: Sequence[Path]) -> Path:
    """Where an export from a read-only case records itself: `linkgraph-record.json` in the export's folder,
    or `<file>.linkgraph-record.json` beside a single file."""
    from linkgraph.case.case_file import record_path

    return case.write_unrecorded(record_path(out), written)


def unsaved_run_note(case: CaseFile, params: dict, result: dict) -> dict:
    """An analysis of a read-only case cannot be kept in it: the run's record (time, user, parameters, the
    SHA-256 of the result as `record_analysis` would keep it) goes into the output instead, and stderr says so."""
    import hashlib

    from linkgraph.times import now_iso

    text = json.dumps(result, ensure_ascii=False, sort_keys=True, default=str)
    record = {"at": now_iso(), "by": case.user, "params": params, "case_file_sha256": case.sha256(),
              "digest": hashlib.sha256(text.encode("utf-8")).hexdigest(),
              "note": f"not kept in {case.path.name}, which is read-only: {case.read_only_reason}"}
    print(f"linkgraph: note: {case.path.name} is read-only, so this run is not kept in it; its record (time, "
          f"parameters, digest {record['digest'][:16]}...) is in this output under 'run_record' (--json): "
          "save the output to keep it", file=sys.stderr)
    return record


def did_you_mean(args: argparse.Namespace, exc: NotACaseFile) -> str:
    """The command a user who passed a data file as the case probably meant (swapped arguments...)."""
    name = exc.path.name
    if "package" in exc.what:
        return f"; did you mean `linkgraph unpack {name} CASE`?"
    if not any(word in exc.what for word in ("text", "CSV", "Excel", "JSON", "XML", "separated")):
        return "; a case file is made with `linkgraph new CASE.lgcase` and ends in .lgcase"
    files = [Path(f) for f in getattr(args, "files", None) or []]
    cases = [f for f in files if f.suffix.lower() == ".lgcase"]
    if getattr(args, "command", None) == "import" and cases:
        others = [str(f) for f in files if f not in cases]
        return f"; did you mean `linkgraph import {cases[0]} {' '.join([str(exc.path), *others])}`?"
    return f"; did you mean `linkgraph import CASE {exc.path}`?"


def add_filter(parser: argparse.ArgumentParser) -> None:
    """The graph filter options shared by analyze, export and the GUI's command line."""
    from linkgraph.graph import VIEWS  # networkx loads only for the commands that build a graph

    group = parser.add_argument_group("filter")
    group.add_argument("--from", dest="start", metavar="DATE", help="leave out links before DATE (YYYY-MM-DD[ HH:MM])")
    group.add_argument("--to", dest="end", metavar="DATE", help="leave out links after DATE")
    group.add_argument("--types", help="entity types to keep, comma-separated (e.g. Phone,Person)")
    group.add_argument("--link-types", help="link types to keep, comma-separated (e.g. call,sms)")
    group.add_argument("--min-weight", type=float, default=0.0, help="drop ties with fewer links than this")
    group.add_argument("--include-service", action="store_true",
                       help="keep voicemail, short-code and carrier service numbers")
    group.add_argument("--exclude", type=int, nargs="*", default=[], metavar="ID", help="entity ids to leave out")
    group.add_argument("--view", choices=VIEWS, default="entities",
                       help="entities (raw), persons (phones/accounts replaced by their user), ad_phones")


def graph_filter(args: argparse.Namespace, case: CaseFile) -> GraphFilter:
    """A GraphFilter from the filter options, dates read in the case's time zone."""
    from linkgraph.graph import GraphFilter

    model = case.model

    def split(text: str | None, resolve) -> set[str] | None:
        if not text:
            return None
        return {resolve(part.strip()).name for part in text.split(",") if part.strip()}

    def when(text: str | None, end: bool) -> int | None:
        if not text:
            return None
        try:
            value = parse_iso(text, case.timezone)
        except ValueError as exc:
            raise LinkgraphError(f"cannot read the date '{text}' (use YYYY-MM-DD or YYYY-MM-DD HH:MM)") from exc
        if end and len(text.strip()) == 10:
            value += 86399
        return value

    return GraphFilter(
        start=when(args.start, False), end=when(args.end, True),
        entity_types=split(args.types, model.entity_type), link_types=split(args.link_types, model.link_type),
        min_weight=args.min_weight, exclude_service=not args.include_service, exclude_ids=set(args.exclude),
        view=args.view,
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(rows: Sequence[Sequence[Any]], header: Sequence[str], *, limit: int | None = None) -> None:
    """A plain aligned text table (what a terminal user reads)."""
    shown = [[("" if v is None else str(v)) for v in row] for row in (rows[:limit] if limit else rows)]
    widths = [len(h) for h in header]
    for row in shown:
        widths = [max(w, min(len(v), 48)) for w, v in zip(widths, row, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=False))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in shown:
        print("  ".join((v if len(v) <= 48 else v[:45] + "...").ljust(w) for v, w in zip(row, widths, strict=False)))
    if limit and len(rows) > limit:
        print(f"... {len(rows) - limit} more")


def today() -> str:
    return datetime.now().strftime("%Y-%m-%d")
