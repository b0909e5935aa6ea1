"""FollowTheMoney entities (one JSON object per line) for Aleph: every entity as the FtM schema
model.yaml names, with its attributes mapped to FtM properties, and every link as an interval
entity (Call, Payment, Membership...) citing the source file and row it came from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.errors import Cancelled
from linkgraph.exports.redaction import redactor_for
from linkgraph.progress import Progress, no_progress
from linkgraph.times import to_local

ASSETS = {"BankAccount", "Vehicle", "Company"}            # FtM schemata an Ownership may point at
LEGAL_ENTITIES = {"Person", "Company", "Organization"}     # FtM schemata that can pay, call or employ
# the attribute of a keyed type that holds its identifier (the canonical key goes to its FtM property)
KEY_ATTRIBUTE = {"Phone": "number", "Email": "address", "Device": "imei", "Account": "number",
                 "OnlineAccount": "handle", "Vehicle": "plate", "IdDocument": "number"}


def entity_id(entity: int) -> str:
    return f"linkgraph-entity-{entity}"


def _date(epoch: Any, tz: str) -> str | None:
    moment = to_local(epoch, tz) if epoch is not None else None
    return moment.isoformat() if moment else None


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write OUT (a .json file of FtM entities, one per line; a folder gets OUT/case.ftm.json)."""
    path = out / "case.ftm.json" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    redactor = redactor_for(case, options, default=False)
    model = case.model
    tz = case.timezone
    schema_of: dict[int, str] = {}
    number_of: dict[int, str] = {}
    with path.open("w", encoding="utf-8") as handle:
        for entity in case.entities():
            etype = model.entities.get(entity.type)
            schema = etype.ftm if etype else "Thing"
            schema_of[entity.id] = schema
            props: dict[str, list[str]] = {"name": [redactor.label(entity.id, entity.label)]}
            attrs = redactor.attrs(entity.id, entity.attrs)
            for ours, theirs in (etype.properties if etype else {}).items():
                value = attrs.get(ours)
                if value in (None, "", []):
                    continue
                values = value if isinstance(value, list) else [value]
                props.setdefault(theirs, []).extend(str(redactor.deep(v)) for v in values)
            if entity.key and etype and entity.type in KEY_ATTRIBUTE:
                shown = redactor.key(entity.id, entity.key) or ""
                number_of[entity.id] = shown
                key_prop = etype.properties.get(KEY_ATTRIBUTE[entity.type], "keywords")
                if shown not in props.get(key_prop, []):
                    props.setdefault(key_prop, []).append(shown)
            if "date" in props:                  # FtM dates are ISO 8601: use the time we parsed, not the text
                props.pop("date")
                if entity.first_seen is not None:
                    props["date"] = [_date(entity.first_seen, tz)]
            if entity.type == "Person" and entity.role:
                props.setdefault("keywords", []).append(entity.role)
            handle.write(json.dumps({"id": entity_id(entity.id), "schema": schema, "properties": props},
                                    ensure_ascii=False) + "\n")
        reps = case.representatives()
        sources = {s.id: s for s in case.sources()}
        rows = case.conn.execute("SELECT id, type, src, dst, start, end, duration, amount, currency, source_id, row "
                                 "FROM links ORDER BY id").fetchall()
        for done, (lid, ltype, src, dst, start, end, duration, amount, currency, sid, row) in enumerate(rows):
            if done % 5000 == 0 and progress(done, len(rows), "Writing links") is False:
                raise Cancelled("export cancelled")
            src, dst = reps.get(src, src), reps.get(dst, dst)
            source = sources[sid]
            schema, props = _link(model.links[ltype].ftm if ltype in model.links else "UnknownLink", ltype,
                                  src, dst, schema_of, number_of)
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


def _link(schema: str, ltype: str, src: int, dst: int, schema_of: dict[int, str],
          number_of: dict[int, str]) -> tuple[str, dict[str, list[str]]]:
    """The FtM schema and end properties of one link, falling back to UnknownLink when the ends do not fit."""
    a, b = schema_of.get(src, "Thing"), schema_of.get(dst, "Thing")
    if schema == "Call":
        props: dict[str, list[str]] = {}
        for end, role in ((src, "caller"), (dst, "receiver")):
            if schema_of.get(end) in LEGAL_ENTITIES:
                props[role] = [entity_id(end)]
            elif end in number_of:
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
        if len(props) == 2:
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
