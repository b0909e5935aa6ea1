"""FollowTheMoney entities (one JSON object per line) for Aleph: every entity as the FtM schema
model.yaml names, with its attributes mapped to FtM properties, and every link as an interval
entity (Call, Payment, Membership...) citing the source file and row it came from.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.errors import Cancelled
from linkgraph.exports.redaction import redactor_for
from linkgraph.progress import Progress, no_progress
from linkgraph.times import to_local

ASSETS = {"BankAccount", "Vehicle", "Company", "Asset"}   # FtM schemata an Ownership may point at
LEGAL_ENTITIES = {"Person", "Company", "Organization", "LegalEntity"}     # FtM schemata that can pay, call or employ
HOLDING = ("uses", "owns")
# the attribute of a keyed type that holds its identifier (the canonical key goes to its FtM property)
KEY_ATTRIBUTE = {"Phone": "number", "Email": "address", "Device": "imei", "Account": "number",
                 "OnlineAccount": "handle", "Vehicle": "plate", "IdDocument": "number"}
# FtM properties holding dates or numbers: written ISO 8601 / as numbers, or kept as notes when unreadable
DATE_PROPERTIES = {"birthDate", "deathDate", "date", "startDate", "endDate", "incorporationDate"}
NUMBER_PROPERTIES = {"latitude", "longitude", "amount"}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y%m%d")


def entity_id(entity: int) -> str:
    return f"linkgraph-entity-{entity}"


def _date(epoch: Any, tz: str) -> str | None:
    moment = to_local(epoch, tz) if epoch is not None else None
    return moment.isoformat() if moment else None


def iso_date(value: Any) -> str | None:
    """An attribute's date as ISO 8601 ('01/14/1978' -> '1978-01-14'; US order, as the records are); None
    when it cannot be read."""
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        pass
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return None


def _number(value: Any) -> str | None:
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        return None
    return repr(number) if number == number else None


def _dialable(number: str) -> bool:
    """An E.164 number ('+12095550144'), which FtM's phone type reads; short codes and pseudonyms are not."""
    return number.startswith("+") and number[1:].isdigit()


def _put(props: dict[str, list[str]], prop: str, value: Any, ours: str) -> None:
    """Add a value in the form FtM reads; what it could not read goes to notes with its name (nothing silent)."""
    if prop in DATE_PROPERTIES:
        shown = iso_date(value)
    elif prop in NUMBER_PROPERTIES:
        shown = _number(value)
    else:
        shown = str(value)
    if shown is None:
        props.setdefault("notes", []).append(f"{ours}: {value}")
    elif shown not in props.get(prop, []):
        props.setdefault(prop, []).append(shown)


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write OUT (a .json file of FtM entities, one per line; a folder gets OUT/case.ftm.json).

    Every entity gets a concrete schema Aleph indexes: phones are legal entities holding the number
    (calls connect them as caller and receiver), e-mail addresses and handles are user accounts owned by
    whoever uses them, ID documents are identifications of their holder, handsets are assets, cell sites
    are addresses. The people who use a phone or mailbox carry its number or address too.
    """
    path = out / "case.ftm.json" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    redactor = redactor_for(case, options, default=False)
    model = case.model
    tz = case.timezone
    reps = case.representatives()
    standing = {e.id: e for e in case.entities()}
    holders: dict[int, list[int]] = {}
    for src, dst in case.conn.execute(
            f"SELECT src, dst FROM links WHERE type IN ({','.join('?' * len(HOLDING))}) ORDER BY id", HOLDING):
        src, dst = reps.get(src, src), reps.get(dst, dst)
        if src in standing and dst in standing and standing[src].type == "Person" and standing[dst].type != "Person":
            holders.setdefault(dst, [])
            if src not in holders[dst]:
                holders[dst].append(src)
    held: dict[int, dict[str, list[str]]] = {}
    for item, people in holders.items():
        kind = standing[item].type
        if kind in ("Phone", "Email") and standing[item].key and not redactor.is_protected(item) and \
                (kind == "Email" or _dialable(standing[item].key)):
            for person in people:
                held.setdefault(person, {}).setdefault("phone" if kind == "Phone" else "email", []).append(
                    redactor.key(item, standing[item].key) or "")
    schema_of: dict[int, str] = {}
    number_of: dict[int, str] = {}
    with path.open("w", encoding="utf-8") as handle:
        for entity in standing.values():
            etype = model.entities.get(entity.type)
            schema = etype.ftm if etype else "LegalEntity"
            if entity.type == "IdDocument" and not holders.get(entity.id):
                schema = "Note"                      # FtM needs an identification's holder: none is known
            schema_of[entity.id] = schema
            props: dict[str, list[str]] = {"name": [redactor.label(entity.id, entity.label)]}
            attrs = redactor.attrs(entity.id, entity.attrs)
            for ours, theirs in (etype.properties if etype else {}).items():
                value = attrs.get(ours)
                if value in (None, "", []) or (entity.type in KEY_ATTRIBUTE and ours == KEY_ATTRIBUTE[entity.type]):
                    continue
                for item in value if isinstance(value, list) else [value]:
                    _put(props, theirs, redactor.deep(item), ours)
            if entity.key and etype and entity.type in KEY_ATTRIBUTE:
                shown = redactor.key(entity.id, entity.key) or ""
                number_of[entity.id] = shown
                key_prop = etype.properties.get(KEY_ATTRIBUTE[entity.type], "keywords")
                if key_prop in ("phone", "email") and (redactor.is_protected(entity.id) or not _dialable(shown)):
                    key_prop = "keywords"            # a pseudonym or a short code is not a number FtM reads
                if shown not in props.get(key_prop, []):
                    props.setdefault(key_prop, []).append(shown)
            if schema == "UserAccount":
                props.setdefault("username", [number_of.get(entity.id) or props["name"][0]])
            if schema == "Identification":
                props.pop("name", None)              # an identification is named by its number
            if schema == "Note":
                props.setdefault("keywords", []).append(number_of.get(entity.id, ""))
                props.pop("number", None)
                props.pop("type", None)
            if schema in ("Identification", "UserAccount", "Vehicle") and holders.get(entity.id):
                props["holder" if schema == "Identification" else "owner"] = [entity_id(h) for h in holders[entity.id]]
            if "date" in props or entity.type == "Ad":      # the time we parsed, not the text
                props.pop("date", None)
                if entity.first_seen is not None:
                    props["date"] = [_date(entity.first_seen, tz)]
            if entity.type == "Person":
                if entity.role:
                    props.setdefault("keywords", []).append(entity.role)
                if not redactor.is_protected(entity.id):
                    for prop, values in held.get(entity.id, {}).items():
                        props.setdefault(prop, []).extend(v for v in values if v not in props.get(prop, []))
            props = {k: [v for v in values if v not in (None, "")] for k, values in props.items()}
            handle.write(json.dumps({"id": entity_id(entity.id), "schema": schema,
                                     "properties": {k: v for k, v in props.items() if v}},
                                    ensure_ascii=False) + "\n")
        sources = {s.id: s for s in case.sources()}
        rows = case.conn.execute("SELECT id, type, src, dst, start, end, duration, amount, currency, source_id, row "
                                 "FROM links ORDER BY id").fetchall()
        for done, (lid, ltype, src, dst, start, end, duration, amount, currency, sid, row) in enumerate(rows):
            if done % 5000 == 0 and progress(done, len(rows), "Writing links") is False:
                raise Cancelled("export cancelled")
            src, dst = reps.get(src, src), reps.get(dst, dst)
            source = sources[sid]
            schema, props = _link(model.links[ltype].ftm if ltype in model.links else "UnknownLink", ltype,
                                  src, dst, schema_of, number_of, holders)
            props["recordId"] = [str(lid)]
            props["summary"] = [f"{redactor.text(source.name)} row {row} (SHA-256 {source.sha256})"]
            if start is not None:
                props["date" if schema != "UnknownLink" else "startDate"] = [_date(start, tz)]
            if end is not None:
                props["endDate"] = [_date(end, tz)]
            if duration is not None and schema == "Call":
                props["duration"] = [str(duration)]
            if amount is not None and schema == "Payment":
                props["amount"] = [str(amount)]
                if currency:
                    props["currency"] = [currency]
            handle.write(json.dumps({"id": f"linkgraph-link-{lid}", "schema": schema, "properties": props},
                                    ensure_ascii=False) + "\n")
    return [path]


def _link(schema: str, ltype: str, src: int, dst: int, schema_of: dict[int, str], number_of: dict[int, str],
          holders: dict[int, list[int]]) -> tuple[str, dict[str, list[str]]]:
    """The FtM schema and end properties of one link, falling back to UnknownLink when the ends do not fit."""
    a, b = schema_of.get(src, ""), schema_of.get(dst, "")
    if schema == "Call":
        props: dict[str, list[str]] = {}
        for end, role in ((src, "caller"), (dst, "receiver")):
            if schema_of.get(end) in LEGAL_ENTITIES:
                props[role] = [entity_id(end)]
            if end in number_of and schema_of.get(end) == "LegalEntity" and _dialable(number_of[end]):
                props[f"{role}Number"] = [number_of[end]]
        if props:
            return "Call", props
    if schema == "Payment":
        props = {}
        for end, role in ((src, "payer"), (dst, "beneficiary")):
            kind = schema_of.get(end)
            if kind in LEGAL_ENTITIES:
                props[role] = [entity_id(end)]
            elif kind == "BankAccount":
                props[f"{role}Account"] = [entity_id(end)]
                if len(holders.get(end, [])) == 1:           # the account's one known holder pays or is paid
                    props[role] = [entity_id(holders[end][0])]
        if "payer" in props and "beneficiary" in props:
            return "Payment", props
    if schema == "Ownership" and a in LEGAL_ENTITIES and b in ASSETS:
        return "Ownership", {"owner": [entity_id(src)], "asset": [entity_id(dst)]}
    if schema == "Membership" and a in LEGAL_ENTITIES and b == "Organization":
        return "Membership", {"member": [entity_id(src)], "organization": [entity_id(dst)]}
    if schema == "Employment" and a == "Person" and b in LEGAL_ENTITIES:
        return "Employment", {"employee": [entity_id(src)], "employer": [entity_id(dst)]}
    if schema == "Associate" and a == b == "Person":
        return "Associate", {"person": [entity_id(src)], "associate": [entity_id(dst)], "relationship": [ltype]}
    if schema == "Family" and a == b == "Person":
        return "Family", {"person": [entity_id(src)], "relative": [entity_id(dst)], "relationship": [ltype]}
    return "UnknownLink", {"subject": [entity_id(src)], "object": [entity_id(dst)], "role": [ltype]}
