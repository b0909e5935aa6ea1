"""`package`, `unpack`, `merge`, `deconflict`, `blind-export`/`-respond`/`-match`, `encrypt`, `decrypt`: sharing a case."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from linkgraph.case import CaseFile
from linkgraph.cli.common import add_case, add_passphrase, passphrase, print_json, print_table
from linkgraph.errors import LinkgraphError
from linkgraph.progress import TerminalProgress
from linkgraph.times import format_time


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser("package", help="pack a case (and optionally its source files) into one .lgpkg")
    add_case(cmd)
    cmd.add_argument("-o", "--out", required=True, type=Path, help="the package file (.lgpkg)")
    cmd.add_argument("--sources", action="store_true", help="include the original source files (SHA-256 checked)")
    cmd.add_argument("--source-dir", type=Path, action="append", default=[], metavar="DIR",
                     help="also look for the original files here (repeatable)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=cmd_package)

    cmd = commands.add_parser("unpack", help="extract a .lgpkg into a folder (checked first, nothing written outside)")
    cmd.add_argument("package", type=Path, metavar="PACKAGE")
    cmd.add_argument("-o", "--out", required=True, type=Path, help="target folder")
    add_passphrase(cmd)
    cmd.set_defaults(run=cmd_unpack)

    cmd = commands.add_parser("merge", help="bring another agency's case into this one (conflicts listed, not overwritten)")
    add_case(cmd)
    cmd.add_argument("other", type=Path, metavar="OTHER", help="the other case file (.lgcase)")
    cmd.add_argument("--other-passphrase", help="passphrase of the other case, if encrypted")
    cmd.add_argument("--agency", help="the other case's agency (default: the one it records)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=cmd_merge)

    cmd = commands.add_parser("deconflict", help="identifiers two cases share, and where each appears in both")
    add_case(cmd)
    cmd.add_argument("other", type=Path, metavar="OTHER")
    cmd.add_argument("--other-passphrase", help="passphrase of the other case, if encrypted")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=cmd_deconflict)

    cmd = commands.add_parser("blind-export", help="step 1 of blind deconfliction: our identifiers, blinded by a "
                                                    "secret that never leaves this computer, for the other agency")
    add_case(cmd)
    cmd.add_argument("-o", "--out", required=True, type=Path, help="the request file (.json) to give the other agency")
    cmd.add_argument("--names", action="store_true", help="also offer persons' full names (exact matches only)")
    cmd.set_defaults(run=cmd_blind_export)

    cmd = commands.add_parser("blind-respond", help="step 2: answer another agency's request (it learns which of "
                                                     "its identifiers we hold; we learn nothing)")
    add_case(cmd)
    cmd.add_argument("request", type=Path, metavar="REQUEST")
    cmd.add_argument("-o", "--out", required=True, type=Path, help="the response file (.json) to send back")
    cmd.add_argument("--max-values", type=int, default=None, metavar="N",
                     help="refuse a request holding more than N values (default 200,000)")
    cmd.set_defaults(run=cmd_blind_respond)

    cmd = commands.add_parser("blind-match", help="step 3: which of our identifiers the other agency also holds")
    add_case(cmd)
    cmd.add_argument("response", type=Path, metavar="RESPONSE")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=cmd_blind_match)

    for name, text in (("encrypt", "encrypt a case file with a passphrase (SQLCipher)"),
                       ("decrypt", "write an encrypted case back as a plain case file")):
        cmd = commands.add_parser(name, help=text)
        cmd.add_argument("case", type=Path, metavar="CASE")
        cmd.add_argument("-o", "--out", type=Path, help="write a new file instead of converting in place")
        add_passphrase(cmd)
        cmd.set_defaults(run=cmd_encrypt if name == "encrypt" else cmd_decrypt)


def _passphrase(args: argparse.Namespace, confirm: bool) -> str:
    given = passphrase(args)
    if given:
        return given
    if not sys.stdin.isatty():
        raise LinkgraphError("give the passphrase ($LINKGRAPH_PASSPHRASE, --passphrase-file or --passphrase)")
    first = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Passphrase again: ") != first:
        raise LinkgraphError("the two passphrases differ; nothing was changed")
    return first


def cmd_package(args: argparse.Namespace) -> int:
    from linkgraph.share.package import create_package

    bar = TerminalProgress()
    try:
        result = create_package(args.case, args.out, passphrase=passphrase(args, args.case), include_sources=args.sources,
                                source_dirs=args.source_dir, progress=bar)
    finally:
        bar.done()
    if args.json:
        print_json(result.as_dict())
        return 0
    print(f"wrote {result.path} ({len(result.files)} files)")
    print(f"package SHA-256 {result.sha256}  (tell the receiver this by another channel)")
    from linkgraph.share.package import package_manifest

    info = package_manifest(result.path).get("case", {})
    anchor = info.get("audit_signature") or info.get("audit_head")
    if anchor:
        print(f"anchor (check with `linkgraph verify CASE --anchor ...`): {anchor}")
    for missing in result.sources_missing:
        print(f"not included: source {missing['source_id']} {missing['file']}: {missing['reason']}")
    return 0


def cmd_unpack(args: argparse.Namespace) -> int:
    from linkgraph.share.package import unpack_package

    bar = TerminalProgress()
    try:
        written = unpack_package(args.package, args.out, passphrase=passphrase(args), progress=bar)
    finally:
        bar.done()
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from linkgraph.share.merge import merge_case

    bar = TerminalProgress()
    with CaseFile.open(args.case, passphrase=passphrase(args, args.case), lock=True) as case:
        try:
            result = merge_case(case, args.other, passphrase=args.other_passphrase, agency=args.agency, progress=bar)
        finally:
            bar.done()
    if args.json:
        print_json(result.as_dict())
        return 0
    print(f"merged {result.other_case} ({result.agency}): {len(result.sources_added)} sources, "
          f"{result.entities_added} new entities, {result.entities_met} met existing ones, {result.links_added} links, "
          f"{result.events_met} events already here (cited)")
    for skipped in result.sources_already_here:
        print(f"already here: {skipped['file']} (same SHA-256 as source {skipped['source']}); its rows were not copied")
    if result.conflicts:
        print(f"\n{len(result.conflicts)} conflicts (this case's value kept; decide and edit):")
        print_table([(c.entity, c.label, c.field, c.ours, c.theirs, c.why) for c in result.conflicts],
                    ["id", "entity", "field", "ours", f"theirs ({result.agency})", "why"])
    if result.person_suggestions:
        print(f"\n{len(result.person_suggestions)} persons may be the same (never merged automatically; "
              "confirm with `linkgraph merge-entities`):")
        print_table([(s["ours"], s["ours_label"], s["theirs"], s["theirs_label"], s["score"], s["reason"])
                     for s in result.person_suggestions], ["ours", "name", "theirs", "name", "score", "why"], limit=40)
    return 0


def _where(side: dict, zone: str) -> str:
    files = ", ".join(f"{s['file']} row {s['row']}" + (f" ({s['agency']})" if s["agency"] else "")
                      for s in side["sources"][:3])
    more = side["sources_total"] - min(3, len(side["sources"]))
    seen = format_time(side["first_seen"], zone) if side["first_seen"] else ""
    return files + (f" +{more} more" if more > 0 else "") + (f"; first seen {seen}" if seen else "")


def cmd_deconflict(args: argparse.Namespace) -> int:
    from linkgraph.share.deconflict import deconflict

    with CaseFile.open(args.case, passphrase=passphrase(args, args.case), lock=True) as case, \
            CaseFile.open(args.other, passphrase=args.other_passphrase, read_only=True) as other:
        result = deconflict(case, other)
        zone = case.timezone
    if args.json:
        print_json(result.as_dict())
        return 0
    print(f"{len(result.shared)} identifiers in both {result.our_case} and {result.their_case}"
          + (f" ({result.their_agency})" if result.their_agency else ""))
    if result.shared:
        print_table([(s.type, s.ours["label"], s.ours["entity"], _where(s.ours, zone), _where(s.theirs, zone))
                     for s in result.shared], ["type", "identifier", "id", "ours", "theirs"])
    if result.name_suggestions:
        print(f"\n{len(result.name_suggestions)} names that may be the same person (suggestions, not matches):")
        print_table([(n["ours"], n["ours_label"], n["ours_role"], n["theirs_label"], n["theirs_role"], n["score"])
                     for n in result.name_suggestions], ["ours", "name", "role", "theirs", "role", "score"], limit=40)
    return 0


def cmd_blind_export(args: argparse.Namespace) -> int:
    from linkgraph.share.blind import export_request

    with CaseFile.open(args.case, passphrase=passphrase(args, args.case), lock=True) as case:
        written = export_request(case, args.out, names=args.names)
    print(f"wrote {written['file']}: {written['values']} blinded identifiers (no identifier, label or time can be "
          "read or guessed from it); give it to the other agency and run blind-match on its response")
    return 0


def cmd_blind_respond(args: argparse.Namespace) -> int:
    from linkgraph.share.blind import MAX_REQUEST_VALUES, respond

    with CaseFile.open(args.case, passphrase=passphrase(args, args.case), lock=True) as case:
        written = respond(case, args.request, args.out, max_values=args.max_values or MAX_REQUEST_VALUES)
    print(f"wrote {written['file']}: answered {written['their_values']} of their values with "
          f"{written['our_values']} of ours, all blinded; send it back")
    return 0


def cmd_blind_match(args: argparse.Namespace) -> int:
    from linkgraph.share.blind import match_response

    with CaseFile.open(args.case, passphrase=passphrase(args, args.case), lock=True) as case:
        matches = match_response(case, args.response)
        zone = case.timezone
    if args.json:
        print_json([{"type": m.type, "key": m.key, "ours": m.ours} for m in matches])
        return 0
    print(f"{len(matches)} of our identifiers are also held by the other agency")
    if matches:
        print_table([(m.type, m.ours["label"], m.ours["entity"], _where(m.ours, zone)) for m in matches],
                    ["type", "identifier", "id", "where in our case"])
    return 0


def cmd_encrypt(args: argparse.Namespace) -> int:
    from linkgraph.case import encryption

    target = encryption.encrypt_case(args.case, _passphrase(args, confirm=True), args.out)
    print(f"encrypted {target} (open it with --passphrase; a lost passphrase cannot be recovered)")
    return 0


def cmd_decrypt(args: argparse.Namespace) -> int:
    from linkgraph.case import encryption

    target = encryption.decrypt_case(args.case, _passphrase(args, confirm=False), args.out)
    print(f"wrote {target} as a plain case file")
    return 0
