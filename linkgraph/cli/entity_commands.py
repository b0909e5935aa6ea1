"""`entities`, `edit`, `merge-entities`, `unmerge`, `suggest`, `trace`: working on entities by hand."""

from __future__ import annotations

import argparse

from linkgraph.case import merge_entities, merges, unmerge
from linkgraph.cli.common import add_case, open_case, print_json, print_table
from linkgraph.identity import suggest_name_matches
from linkgraph.search import search_entities
from linkgraph.times import format_time


def register(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser("entities", help="list or search entities (a number in any format, a name, ad text)")
    add_case(listing)
    listing.add_argument("--type", help="only this entity type")
    listing.add_argument("--search", help="text, name or number to look for")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_entities)

    edit = commands.add_parser("edit", help="set a person's role or minor flag, relabel, or add a note")
    add_case(edit)
    edit.add_argument("entity", type=int, metavar="ID")
    edit.add_argument("--role", help="suspect, victim, witness, associate or unknown")
    minor = edit.add_mutually_exclusive_group()
    minor.add_argument("--minor", dest="minor", action="store_true", default=None)
    minor.add_argument("--not-minor", dest="minor", action="store_false")
    edit.add_argument("--label", help="new display label")
    edit.add_argument("--note", help="attach a note")
    edit.add_argument("--alias", action="append", metavar="NAME",
                      help="a name the person goes by, e.g. a victim's working name in ads (repeat for more; "
                           "replaces the recorded aliases; redacted exports hide them)")
    edit.set_defaults(run=cmd_edit)

    merge = commands.add_parser("merge-entities", help="treat two entities as one (reversible)")
    add_case(merge)
    merge.add_argument("keep", type=int, metavar="KEEP_ID")
    merge.add_argument("other", type=int, metavar="OTHER_ID")
    merge.add_argument("--reason", default="", help="why (kept in the audit log)")
    merge.set_defaults(run=cmd_merge)

    undo = commands.add_parser("unmerge", help="undo an entity merge")
    add_case(undo)
    undo.add_argument("merge", type=int, nargs="?", metavar="MERGE_ID", help="omit to list merges")
    undo.set_defaults(run=cmd_unmerge)

    suggest = commands.add_parser("suggest", help="persons whose names look alike (to confirm by hand)")
    add_case(suggest)
    suggest.add_argument("--threshold", type=float, default=88.0)
    suggest.add_argument("--json", action="store_true")
    suggest.set_defaults(run=cmd_suggest)

    trace = commands.add_parser("trace", help="the source rows behind an entity or a link")
    add_case(trace)
    what = trace.add_mutually_exclusive_group(required=True)
    what.add_argument("--entity", type=int, metavar="ID")
    what.add_argument("--link", type=int, metavar="ID")
    trace.add_argument("--json", action="store_true")
    trace.set_defaults(run=cmd_trace)


def cmd_entities(args: argparse.Namespace) -> int:
    with open_case(args, read_only=True) as case:
        found = search_entities(case, args.search, limit=500) if args.search else case.entities(args.type)
        if args.search and args.type:
            found = [e for e in found if e.type == case.model.entity_type(args.type).name]
        if args.json:
            print_json([e.__dict__ for e in found])
            return 0
        tz = case.timezone
        print_table([(e.id, e.type, e.label, e.key or "", e.role or "", "minor" if e.minor else "",
                      format_time(e.first_seen, tz, with_zone=False), format_time(e.last_seen, tz, with_zone=False))
                     for e in found], ["id", "type", "label", "key", "role", "", "first seen", "last seen"])
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        entity = case.edit_entity(args.entity, role=args.role, minor=args.minor, label=args.label)
        if getattr(args, "alias", None):
            entity = case.set_aliases(args.entity, args.alias)
        if args.note:
            case.add_note(args.entity, args.note)
        print(f"{entity.id} {entity.type} '{entity.label}'" + (f" role {entity.role}" if entity.role else "")
              + (" minor" if entity.minor else "")
              + (f" aliases {', '.join(entity.attrs['alias'])}" if entity.attrs.get("alias") else ""))
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        merge_id = merge_entities(case, args.keep, args.other, args.reason)
        print(f"merge {merge_id}: {case.entity(args.other).label} is now shown as {case.entity(args.keep).label} "
              f"(undo with: linkgraph unmerge {args.case} {merge_id})")
    return 0


def cmd_unmerge(args: argparse.Namespace) -> int:
    with open_case(args) as case:
        if args.merge is None:
            print_table([(m["id"], m["survivor"], m["merged"], m["reason"], m["at"], m["by"]) for m in merges(case)],
                        ["merge", "keep", "merged", "reason", "at", "by"])
            return 0
        unmerge(case, args.merge)
        print(f"merge {args.merge} undone")
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    with open_case(args, read_only=True) as case:
        people = [(e.id, e.label) for e in case.entities("Person")]
        matches = suggest_name_matches(people, threshold=args.threshold)
    if args.json:
        print_json([m.__dict__ for m in matches])
        return 0
    print_table([(m.left_id, m.left, m.right_id, m.right, f"{m.score:.0f}", m.reason) for m in matches],
                ["id", "name", "id", "name", "score", "why"])
    print("\nconfirm a match with: linkgraph merge-entities CASE KEEP_ID OTHER_ID")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    with open_case(args, read_only=True) as case:
        cites = case.link_provenance(args.link) if args.link else case.entity_provenance(args.entity)
    if args.json:
        print_json(cites)
        return 0
    for cite in cites:
        print(f"{cite['file']} row {cite['row']}  (SHA-256 {cite['sha256']}, grade {cite['grade']})")
        for column, value in cite["raw"].items():
            if value not in ("", None):
                print(f"    {column}: {value}")
    return 0
