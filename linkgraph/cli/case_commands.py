"""`new`, `info` and `verify`: making a case, seeing what is in it, proving it is intact."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections import Counter
from pathlib import Path

from linkgraph.case import CaseFile, verify_connection
from linkgraph.cli.common import add_case, add_passphrase, open_case, passphrase, print_json, print_table
from linkgraph.errors import LinkgraphError


def register(commands: argparse._SubParsersAction) -> None:
    new = commands.add_parser("new", help="create an empty case file")
    new.add_argument("case", type=Path, metavar="CASE")
    new.add_argument("--name", help="case name (default: the file name)")
    new.add_argument("--tz", default="UTC", help="the case's time zone, IANA name (default UTC)")
    new.add_argument("--region", default="US", help="default phone region, ISO country code (default US)")
    new.add_argument("--agency", help="the agency that holds this case")
    add_passphrase(new)
    new.add_argument("--encrypt", action="store_true", help="encrypt the new case (passphrase asked for, or "
                                                            "from --passphrase-file or $LINKGRAPH_PASSPHRASE)")
    new.set_defaults(run=cmd_new)

    info = commands.add_parser("info", help="what is in a case: sources, entities, links, rejected rows")
    add_case(info)
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.add_argument("--rejected", type=int, default=20, metavar="N", help="rejected rows to show (default 20)")
    info.set_defaults(run=cmd_info)

    verify = commands.add_parser("verify", help="prove a case (or package) is intact: SQLite, audit chain, row digests")
    verify.add_argument("case", type=Path, metavar="CASE_OR_PACKAGE")
    add_passphrase(verify)
    verify.add_argument("--anchor", action="append", default=[], metavar="HASH_OR_SIGNATURE",
                        help="an audit hash or signature cited on an exhibit or package: proves this is that case")
    verify.add_argument("--key", action="append", default=[], type=Path, metavar="PUBLIC_KEY_FILE",
                        help="an examiner's public key to accept as a signer (repeatable)")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=cmd_verify)


def _name(path: Path) -> Path:
    return path if path.suffix else path.with_suffix(".lgcase")


def cmd_new(args: argparse.Namespace) -> int:
    secret = passphrase(args)
    if secret is None and args.encrypt:
        if not sys.stdin.isatty():
            raise LinkgraphError("give the passphrase ($LINKGRAPH_PASSPHRASE, --passphrase-file or --passphrase)")
        secret = getpass.getpass("Passphrase for the new case: ")
        if getpass.getpass("Passphrase again: ") != secret:
            raise LinkgraphError("the two passphrases differ; nothing was created")
    case = CaseFile.create(_name(args.case), name=args.name, timezone=args.tz, region=args.region,
                           agency=args.agency, passphrase=secret)
    print(f"created {case.path} (time zone {case.timezone}, phone region {case.region})")
    case.close()
    return 0


def case_info(case: CaseFile, rejected_limit: int = 20) -> dict:
    """Everything `info` shows, as data (the GUI's case summary uses it too)."""
    counts = case.counts()
    return {
        "case": case.name, "path": str(case.path), "timezone": case.timezone, "region": case.region,
        "agency": case.meta("agency"), "created_at": case.meta("created_at"), "created_by": case.meta("created_by"),
        "sources": [
            {"id": s.id, "file": s.name, "kind": s.kind, "profile": s.profile, "grade": s.grade,
             "sha256": s.sha256, "rows_read": s.rows_read, "rows_imported": s.rows_imported,
             "rows_rejected": s.rows_rejected, "imported_at": s.imported_at, "imported_by": s.imported_by,
             "agency": s.agency}
            for s in case.sources()
        ],
        "entities": counts["entities"], "links": counts["links"],
        "entity_total": counts["entity_total"], "link_total": counts["link_total"],
        "rejected": (rejected := case.rejected_rows())[:rejected_limit],
        "rejected_total": len(rejected),
        "set_aside": (set_aside := case.set_aside_values())[:rejected_limit],
        "set_aside_total": len(set_aside),
        "set_aside_by_reason": [{"source_id": s, "reason": r, "count": n}
                                for (s, r), n in Counter((v["source_id"], v["reason"]) for v in set_aside).most_common()],
    }


def cmd_info(args: argparse.Namespace) -> int:
    with open_case(args, read_only=True) as case:
        data = case_info(case, args.rejected)
    if args.json:
        print_json(data)
        return 0
    print(f"Case {data['case']}  ({data['path']})")
    print(f"Time zone {data['timezone']}, phone region {data['region']}, agency {data['agency'] or '-'}, "
          f"created {data['created_at']} by {data['created_by']}")
    print(f"\n{len(data['sources'])} sources")
    if data["sources"]:
        print_table([
            (s["id"], s["file"], s["kind"], s["profile"], s["grade"], s["rows_read"], s["rows_imported"],
             s["rows_rejected"], s["sha256"][:12])
            for s in data["sources"]
        ], ["id", "file", "kind", "profile", "grade", "read", "imported", "rejected", "sha256"])
    print(f"\n{data['entity_total']} entities: " + (", ".join(f"{k} {v}" for k, v in data["entities"].items()) or "-"))
    print(f"{data['link_total']} links: " + (", ".join(f"{k} {v}" for k, v in data["links"].items()) or "-"))
    if data["rejected_total"]:
        names = {s["id"]: s["file"] for s in data["sources"]}
        print(f"\n{data['rejected_total']} rejected rows (kept in the case, not imported):")
        print_table([(names.get(r["source_id"]), r["row"], r["column"] or "", r["reason"]) for r in data["rejected"]],
                    ["file", "row", "column", "reason"])
    if data["set_aside_total"]:
        names = {s["id"]: s["file"] for s in data["sources"]}
        print(f"\n{data['set_aside_total']} values set aside (their records kept):")
        print_table([(names.get(g["source_id"]), g["count"], g["reason"]) for g in data["set_aside_by_reason"]],
                    ["file", "values", "reason"])
        print_table([(names.get(v["source_id"]), v["row"], v["column"] or "", v["value"], v["reason"])
                     for v in data["set_aside"]], ["file", "row", "column", "value", "reason"])
    return 0


def _keys(files: list[Path]) -> list:
    from linkgraph.case import signing

    keys = []
    for file in files:
        try:
            keys.append(signing.parse_public(file.read_text(encoding="utf-8"), str(file)))
        except (OSError, UnicodeDecodeError) as exc:
            raise LinkgraphError(f"{file}: cannot read the key ({exc})") from exc
    return keys


def cmd_verify(args: argparse.Namespace) -> int:
    path: Path = args.case
    if path.suffix.lower() == ".lgpkg":
        try:
            from linkgraph.share.package import verify_package
        except ModuleNotFoundError as exc:
            raise LinkgraphError("case packages are not supported in this build") from exc
        report = verify_package(path, passphrase=passphrase(args), anchors=args.anchor, trusted=_keys(args.key))
    else:
        with open_case(args, read_only=True) as case:
            report = verify_connection(case.conn, anchors=args.anchor, trusted=_keys(args.key))
            head, signature = case.meta("audit_head"), case.meta("audit_signature")
        if not args.json and report.ok:
            print(f"anchor   audit head {head}" + (f"\n         signature {signature}" if signature else ""))
    if args.json:
        print_json(report.as_dict())
    else:
        for line in report.checks:
            print(f"ok       {line}")
        for line in report.warnings:
            print(f"WARNING  {line}")
        for line in report.problems:
            print(f"PROBLEM  {line}")
        print(f"\n{path.name}: " + ("intact" if report.ok else f"{len(report.problems)} problem(s) found"))
    return 0 if report.ok else 2
