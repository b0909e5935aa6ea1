"""`new`, `info`, `verify` and `remove-source`: making a case, seeing what is in it, proving it is intact,
taking a source back out (reversibly, its rows kept for the audit)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections import Counter
from pathlib import Path

from linkgraph.case import CaseFile, verify_connection
from linkgraph.case.case_file import machine_timezone
from linkgraph.cli.common import add_case, add_passphrase, open_case, passphrase, print_json, print_table
from linkgraph.errors import LinkgraphError


def register(commands: argparse._SubParsersAction) -> None:
    new = commands.add_parser("new", help="create an empty case file")
    new.add_argument("case", type=Path, metavar="CASE")
    new.add_argument("--name", help="case name (default: the file name)")
    new.add_argument("--tz", help="the case's time zone, IANA name (default: this computer's zone, printed)")
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

    remove = commands.add_parser(
        "remove-source", help="take an imported source out of the graph and analysis (reversible, audited)",
        description="Take a source (a file imported twice, the wrong file) out of the case: its rows stay in the "
                    "case for the audit, the graph, the analysis and the exports leave its links out. "
                    "--restore puts it back. Without SOURCE_ID, lists the sources.")
    add_case(remove)
    remove.add_argument("source", type=int, nargs="?", metavar="SOURCE_ID", help="the source's id (see `info`)")
    remove.add_argument("--reason", default="", help="why (kept in the audit log)")
    remove.add_argument("--restore", action="store_true", help="put a removed source back")
    remove.set_defaults(run=cmd_remove_source)


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
    timezone = args.tz or machine_timezone()
    case = CaseFile.create(_name(args.case), name=args.name, timezone=timezone, region=args.region,
                           agency=args.agency, passphrase=secret)
    how = "" if args.tz else ": this computer's zone; give --tz to choose the zone the records' local times are in"
    print(f"created {case.path} (time zone {case.timezone}{how}; phone region {case.region})")
    case.close()
    return 0


def cmd_remove_source(args: argparse.Namespace) -> int:
    if args.source is None:
        with open_case(args, read_only=True) as case:
            removed = case.removed_sources()
            print_table([(s.id, s.name, s.kind, s.rows_imported, s.imported_at,
                          f"removed {removed[s.id]['at']} by {removed[s.id]['by']}" if s.id in removed else "in use")
                         for s in case.sources()], ["id", "file", "kind", "rows", "imported", "state"])
        return 0
    with open_case(args, writes=True) as case:
        if args.restore:
            source = case.restore_source(args.source, args.reason)
            print(f"source {source.id} ({source.name}) restored: its links are in the graph and analysis again")
            return 0
        source = case.remove_source(args.source, args.reason)
        links = case.conn.execute("SELECT COUNT(*) FROM links WHERE source_id = ?", (source.id,)).fetchone()[0]
    print(f"source {source.id} ({source.name}) removed: its {links:,} links are left out of the graph, the analysis "
          f"and exports; its rows stay in the case for the audit (undo with: linkgraph remove-source {args.case} "
          f"{source.id} --restore)")
    return 0


def case_info(case: CaseFile, rejected_limit: int = 20) -> dict:
    """Everything `info` shows, as data (the GUI's case summary uses it too)."""
    counts = case.counts()
    return {
        "case": case.name, "path": str(case.path), "timezone": case.timezone, "region": case.region,
        "agency": case.meta("agency"), "created_at": case.meta("created_at"), "created_by": case.meta("created_by"),
        "sources": [
            {"id": s.id, "file": s.name, "kind": s.kind, "profile": s.profile, "grade": s.grade,
             "removed": s.options.get("removed"),
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
        "money": money_by_source(case),
    }


def money_by_source(case: CaseFile) -> list[dict]:
    """Per source: the payments it stored (count and total per currency) and those it only cited because
    another source had them already, so money counted twice shows at a glance."""
    stored = case.conn.execute(
        "SELECT source_id, COALESCE(currency, ''), COUNT(*), ROUND(SUM(amount), 2) FROM links "
        "WHERE type IN ('paid', 'transferred') AND amount IS NOT NULL GROUP BY source_id, currency").fetchall()
    cited = case.conn.execute(
        "SELECT e.source_id, COALESCE(l.currency, ''), COUNT(*), ROUND(SUM(l.amount), 2) FROM link_evidence e "
        "JOIN links l ON l.id = e.link_id WHERE l.type IN ('paid', 'transferred') AND l.amount IS NOT NULL "
        "AND e.source_id != l.source_id GROUP BY e.source_id, l.currency").fetchall()
    out: dict[tuple[int, str], dict] = {}
    for source, currency, count, total in stored:
        out[(source, currency)] = {"source_id": source, "currency": currency, "stored": count, "stored_total": total,
                                   "cited": 0, "cited_total": 0.0}
    for source, currency, count, total in cited:
        item = out.setdefault((source, currency), {"source_id": source, "currency": currency, "stored": 0,
                                                   "stored_total": 0.0, "cited": 0, "cited_total": 0.0})
        item["cited"], item["cited_total"] = count, total
    return [out[k] for k in sorted(out)]


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
             s["rows_rejected"], s["sha256"][:12], "removed" if s["removed"] else "")
            for s in data["sources"]
        ], ["id", "file", "kind", "profile", "grade", "read", "imported", "rejected", "sha256", ""])
    print(f"\n{data['entity_total']} entities: " + (", ".join(f"{k} {v}" for k, v in data["entities"].items()) or "-"))
    print(f"{data['link_total']} links: " + (", ".join(f"{k} {v}" for k, v in data["links"].items()) or "-"))
    if data["money"]:
        names = {s["id"]: s["file"] for s in data["sources"]}
        print("\nmoney per source (payments stored; payments already in the case and only cited):")
        print_table([(names.get(m["source_id"]), m["currency"] or "-", m["stored"], f"{m['stored_total']:,.2f}",
                      m["cited"], f"{m['cited_total']:,.2f}") for m in data["money"]],
                    ["file", "currency", "stored", "stored total", "cited", "cited total"])
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
