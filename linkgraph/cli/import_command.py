"""`import`: bring source files into a case, each atomically, with provenance to the row."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from linkgraph.cli.common import add_case, open_case
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.import_options import ImportOptions
from linkgraph.plugins import front_door, importer_kinds
from linkgraph.progress import TerminalProgress


def _fields_help() -> str:
    """Field names per kind for --map, read from the bundled profiles."""
    try:
        profiles = front_door("profiles")
    except (LinkgraphError, ModuleNotFoundError):
        return ""
    lines = ["fields for --map FIELD=COLUMN, by kind:"]
    for kind in importer_kinds():
        found = profiles(kind)
        if not found:
            continue
        fields: list[str] = []
        for profile in found:
            fields.extend(f for f in profile.fields if f not in fields)
        lines.append(f"  {kind}: {', '.join(fields)}")
        lines.append(f"    profiles: {', '.join(p.name for p in found)}")
    return "\n".join(lines)


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser(
        "import", help="import source files (phone records, ads, hotel, finance, roster, link sheets)",
        epilog=_fields_help(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_case(cmd)
    cmd.add_argument("files", type=Path, nargs="+", metavar="FILE")
    cmd.add_argument("--kind", help="phone, extraction, ads, hotel, finance, roster or links (default: detected)")
    cmd.add_argument("--profile", help="profile name or YAML file (default: detected from the header)")
    cmd.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                     help="read FIELD from COLUMN (repeatable); overrides the profile")
    cmd.add_argument("--date-format", help="strptime format of the date column, e.g. %%d/%%m/%%Y")
    cmd.add_argument("--tz", help="set the case's time zone (IANA name, stored with the case)")
    cmd.add_argument("--source-tz", metavar="ZONE",
                     help="IANA zone of this file's times written without an offset, when it differs from the "
                          "case's or the layout's (Venmo statements: UTC); the import line says which zone was used")
    cmd.add_argument("--region", help="default phone region for this file (ISO country code)")
    cmd.add_argument("--owner", metavar="NUMBER",
                     help="phone: the handset's own number for a handset's call log or an extraction (one party "
                          "per row); default: the extraction's device-information sheet")
    strict = cmd.add_mutually_exclusive_group()
    strict.add_argument("--strict", dest="strict", action="store_true", default=True,
                        help="stop at the first bad row and import nothing (default)")
    strict.add_argument("--lenient", dest="strict", action="store_false",
                        help="import the good rows; keep bad rows as rejected with reasons")
    cmd.add_argument("--force", action="store_true", help="import a file that was imported before")
    cmd.add_argument("--grade", help="5x5x5 evaluation of the source, e.g. A1 or B2 (default by kind)")
    cmd.add_argument("--handling", help="5x5x5 handling code 1-5 (default 1)")
    cmd.add_argument("--agency", help="agency that supplied the file (default: the case's)")
    cmd.add_argument("--sheet", action="append", default=[], metavar="NAME",
                     help="Excel sheet to read (default: the best-looking one; an extraction: every artifact sheet). "
                          "Repeat it to import several sheets of an extraction workbook")
    cmd.add_argument("--save-profile", metavar="NAME", help="save the mapping used as a named profile")
    cmd.add_argument("--source-type", help="links: entity type of the source column (default Person)")
    cmd.add_argument("--target-type", help="links: entity type of the target column (default Person)")
    cmd.add_argument("--link-type", help="links: link type when the sheet has no type column")
    cmd.add_argument("--holder", help="finance: name of the statement's holder (person or business)")
    cmd.add_argument("--holder-account", help="finance: the holder's account, e.g. a $cashtag or account number")
    cmd.add_argument("--hotel", metavar="NAME",
                     help="hotel: the property the records are from, when the file does not name it (a Booking.com "
                          "reservations download); without it the file gets its own hotel, marked not named")
    cmd.add_argument("--amounts", choices=["purchases-positive", "purchases-negative", "type-column"],
                     help="finance: which way the amounts point (default: detected per file and said on the "
                          "import line): purchases-positive (card downloads), purchases-negative (bank: money "
                          "out negative), type-column (unsigned; the type column says debit or credit)")
    cmd.add_argument("--no-header", action="store_true",
                     help="the file has no header row: columns are numbered 1, 2, 3... (--map date=1 amount=3)")
    cmd.add_argument("--dayfirst", action="store_true", default=None,
                     help="read dates such as 03/04/2024 day first when no value above 12 settles the order "
                          "(the order is always decided for the whole column, never per value)")
    cmd.set_defaults(run=cmd_import)


def parse_map(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        if "=" not in item:
            raise LinkgraphError(f"--map {item}: write it as FIELD=COLUMN, e.g. --map caller='Calling Number'")
        field, column = item.split("=", 1)
        mapping[field.strip()] = column.strip()
    return mapping


def unreadable(exc: BaseException) -> str:
    """What made a hostile file unreadable, in one line."""
    if isinstance(exc, RecursionError):
        return "values nested too deeply"
    if isinstance(exc, UnicodeError):
        return "text that is not valid Unicode (a lone surrogate or a broken character)"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "integer string conversion" in text:
        return "a number with thousands of digits"
    return text[:200]


def cmd_import(args: argparse.Namespace) -> int:
    import_file = front_door("import_file")
    mapping = parse_map(args.map)
    with open_case(args, writes=True) as case:
        # The new zone is set once an import has succeeded with it (a failing import leaves the case as it was).
        pending_tz = args.tz if args.tz and args.tz != case.timezone else None
        if pending_tz:
            from linkgraph.times import zone

            zone(pending_tz)
        if args.source_tz:
            from linkgraph.times import zone

            zone(args.source_tz)
        for path in args.files:
            options = ImportOptions(
                kind=args.kind, profile=args.profile, mapping=dict(mapping), date_format=args.date_format,
                tz=args.source_tz, region=args.region, strict=args.strict, force=args.force, grade=args.grade,
                handling=args.handling, agency=args.agency, sheet=args.sheet[0] if len(args.sheet) == 1 else None,
                save_profile=args.save_profile,
                extra={k: v for k, v in (("source_type", args.source_type), ("target_type", args.target_type),
                                         ("link_type", args.link_type), ("holder", args.holder),
                                         ("holder_account", args.holder_account), ("amounts", args.amounts),
                                         ("no_header", args.no_header or None), ("dayfirst", args.dayfirst),
                                         ("owner", args.owner), ("case_tz", pending_tz), ("hotel", args.hotel),
                                         ("sheets", args.sheet if len(args.sheet) > 1 else None))
                       if v},
            )
            bar = TerminalProgress()
            try:
                result = import_file(case, path, options, bar)
            except LinkgraphError:
                raise
            except (RecursionError, UnicodeError, ValueError, OverflowError, re.error) as exc:
                # a hostile file (JSON nested 10,000 deep, a 5,000-digit number, a lone surrogate): one line
                raise InputError(f"cannot be read: {unreadable(exc)}; nothing was imported", file=path) from exc
            finally:
                bar.done()
            if pending_tz:
                case.set_meta("timezone", pending_tz)
                print(f"case time zone set to {pending_tz}")
                pending_tz = None
            how = "detected" if not args.profile else "chosen"
            print(f"{path.name}: {result.kind} records, profile '{result.profile}' ({how}); "
                  f"{result.rows_imported:,} rows imported, {result.rows_rejected:,} rejected, "
                  f"{result.entities_created:,} new entities, {result.links_created:,} links"
                  + (f", {result.duplicates_merged:,} already in the case (this row cited, not stored twice)"
                     if result.duplicates_merged else ""))
            if result.assumed:
                print("  assumed: " + "; ".join(f"{name} {value}" for name, value in result.assumed.items()))
            for reason, count in sorted(result.set_aside.items(), key=lambda item: -item[1]):
                print(f"  {count:,} value{'s' if count != 1 else ''} set aside (record kept): {reason}")
            for note in result.notes:
                print(f"  note: {note}")
            if args.save_profile:
                print(f"  mapping saved as profile '{args.save_profile}'")
    return 0
