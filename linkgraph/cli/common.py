"""Arguments and output shared by several commands (case path, filters, tables, JSON)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkgraph.case import CaseFile
from linkgraph.case.case_file import NotACaseFile, what_file_is
from linkgraph.errors import CaseFileError, LinkgraphError
from linkgraph.safe_text import terminal_text
from linkgraph.times import parse_iso

if TYPE_CHECKING:
    from linkgraph.reading import GraphFilter


PASSPHRASE_ENV = "LINKGRAPH_PASSPHRASE"


def add_case(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", type=Path, metavar="CASE", help="the case file (.lgcase)")
    add_passphrase(parser)


def add_passphrase(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passphrase", help=f"passphrase of an encrypted case file (visible to other users: prefer "
                                             f"${PASSPHRASE_ENV}, --passphrase-file, or the prompt)")
    parser.add_argument("--passphrase-file", type=Path, metavar="FILE", help="file whose first line is the passphrase")


def passphrase(args: argparse.Namespace, path: Path | None = None, *, prompt: str = "Passphrase: ") -> str | None:
    """The passphrase from --passphrase, --passphrase-file, $LINKGRAPH_PASSPHRASE or, when `path` is an encrypted
    case and a terminal is attached, a prompt that echoes nothing; None for a plain case."""
    given = getattr(args, "passphrase", None)
    if given:
        return given
    file = getattr(args, "passphrase_file", None)
    if file is not None:
        try:
            return Path(file).read_text(encoding="utf-8").splitlines()[0].rstrip("\r\n")
        except (OSError, UnicodeDecodeError, IndexError) as exc:
            raise LinkgraphError(f"{file}: cannot read the passphrase ({exc})") from exc
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if path is None or not _encrypted(Path(path)):
        return None
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise LinkgraphError(f"{path}: this case file is encrypted; give its passphrase (${PASSPHRASE_ENV}, "
                         "--passphrase-file or --passphrase)")


def _encrypted(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    if len(head) < 16 or head == b"SQLite format 3\x00":
        return False
    return what_file_is(path) is None          # random bytes: an encrypted case (a CSV or a PDF is not one)


def open_case(args: argparse.Namespace, *, read_only: bool = False, writes: bool = False) -> CaseFile:
    """Open the command's case. A file that is not a case is named for what it is, with the command the user
    probably meant; a case on read-only media opens read-only, said on stderr (a command that `writes`
    stops there, before doing anything); a command that writes holds the case's writer lock until it closes it."""
    try:
        case = CaseFile.open(args.case, passphrase=passphrase(args, args.case), read_only=read_only,
                             lock=not read_only)
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
    from linkgraph.reading import VIEWS  # (no pandas or networkx: `analyze` reads the case while they load)

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
    from linkgraph.reading import GraphFilter

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
    """JSON on standard output; C1 controls and bidirectional overrides (which JSON leaves as they are) escaped."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode(
        "utf-8", "backslashreplace").decode("utf-8") + "\n")


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def print_table(rows: Sequence[Sequence[Any]], header: Sequence[str], *, limit: int | None = None) -> None:
    """A plain aligned text table (what a terminal user reads)."""
    shown = [[terminal_text(v) for v in row] for row in (rows[:limit] if limit else rows)]
    widths = [len(h) for h in header]
    for row in shown:
        widths = [max(w, min(len(v), 48)) for w, v in zip(widths, row, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=False))
    print(terminal_text(line))
    print("  ".join("-" * w for w in widths))
    for row in shown:
        print("  ".join((v if len(v) <= 48 else v[:45] + "...").ljust(w) for v, w in zip(row, widths, strict=False)))
    if limit and len(rows) > limit:
        print(f"... {len(rows) - limit} more")


def today() -> str:
    return datetime.now().strftime("%Y-%m-%d")
