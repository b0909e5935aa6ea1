"""Deconfliction: the identifiers two cases share, with where each appears in both.

Identifiers are the keyed entity types an agency can hold independently (phones, emails,
accounts, online accounts, devices, vehicles); carrier service numbers (voicemail, 611) are
left out because everyone "shares" them. Names are never matched as identifiers, only offered
as suggestions (identity.suggest_name_matches).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.identity import service_numbers, suggest_name_matches

# canonical-key kinds (model.yaml `key:`) that identify something across agencies
IDENTIFIER_KEYS = ("phone", "email", "account", "online_account", "device", "vehicle")
NAME_THRESHOLD = 90.0
APPEARANCES_SHOWN = 10


@dataclass
class SharedIdentifier:
    """One identifier both cases hold, with its label and the source rows naming it on each side."""

    type: str
    key: str
    ours: dict[str, Any]
    theirs: dict[str, Any]


@dataclass
class DeconflictResult:
    """Shared identifiers (exact) and possible shared persons (suggestions only)."""

    our_case: str
    their_case: str
    their_agency: str | None
    shared: list[SharedIdentifier] = field(default_factory=list)
    name_suggestions: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"our_case": self.our_case, "their_case": self.their_case, "their_agency": self.their_agency,
                "shared": [asdict(s) for s in self.shared], "name_suggestions": self.name_suggestions}


def identifier_types(case: CaseFile) -> list[str]:
    """Entity types whose canonical key identifies the same thing in any agency's records."""
    return [t.name for t in case.model.entities.values() if t.key in IDENTIFIER_KEYS]


def is_service(entity_type: str, key: str) -> bool:
    """A carrier service number or short code (a contact of everyone, so not a lead)."""
    if entity_type != "Phone":
        return False
    codes, numbers = service_numbers()
    return key in numbers or key in codes or key.lstrip("+") in codes


def identifiers(case: CaseFile) -> dict[tuple[str, str], int]:
    """(type, canonical key) -> entity id for every identifier in the case (merged-away ones too)."""
    types = identifier_types(case)
    marks = ",".join("?" * len(types))
    found: dict[tuple[str, str], int] = {}
    for entity_id, etype, key, kind in case.conn.execute(
        f"SELECT id, type, key, json_extract(attrs, '$.kind') FROM entities WHERE key IS NOT NULL "
        f"AND type IN ({marks}) ORDER BY id", types
    ):
        if kind == "service" or is_service(etype, key):
            continue
        found[(etype, key)] = entity_id
    return found


def appearances(case: CaseFile, entity_id: int, limit: int = APPEARANCES_SHOWN) -> dict[str, Any]:
    """Where an entity appears: its label, and the first row of each source naming it (file, row, agency)."""
    entity = case.entity(entity_id)
    rows = case.conn.execute(
        "SELECT s.id, s.name, s.kind, s.agency, e.row FROM entity_evidence e JOIN sources s ON s.id = e.source_id "
        "WHERE e.entity_id = ? ORDER BY s.id", (entity_id,)
    ).fetchall()
    links = case.conn.execute(
        "SELECT COUNT(*) FROM links WHERE src = ? OR dst = ?", (entity_id, entity_id)
    ).fetchone()[0]
    return {
        "entity": entity_id, "label": entity.label, "links": links,
        "first_seen": entity.first_seen, "last_seen": entity.last_seen,
        "sources": [{"source_id": s, "file": n, "kind": k, "agency": a, "row": r} for s, n, k, a, r in rows[:limit]],
        "sources_total": len(rows),
    }


def deconflict(case: CaseFile, other: CaseFile, *, name_threshold: float = NAME_THRESHOLD) -> DeconflictResult:
    """Compare two open cases: identifiers in both, and persons whose names may be one person. The other case
    must pass `verify` (a hostile case is refused before any of its values is read)."""
    from linkgraph.case import verify_connection
    from linkgraph.errors import LinkgraphError

    report = verify_connection(other.conn)
    if not report.ok:
        raise LinkgraphError(f"{other.path.name} fails verification, deconfliction refused: {report.problems[0]}")
    result = DeconflictResult(case.name, other.name, other.meta("agency") or None)
    ours, theirs = identifiers(case), identifiers(other)
    for ident in sorted(set(ours) & set(theirs)):
        result.shared.append(SharedIdentifier(
            ident[0], ident[1], appearances(case, ours[ident]), appearances(other, theirs[ident])))
    result.name_suggestions = name_suggestions(case, other, name_threshold)
    if not case.read_only:
        case.audit("deconflict", {"other_case": other.name, "other_case_id": other.meta("case_id"),
                                  "shared": len(result.shared), "name_suggestions": len(result.name_suggestions)})
    return result


def name_suggestions(case: CaseFile, other: CaseFile, threshold: float = NAME_THRESHOLD) -> list[dict[str, Any]]:
    """Pairs (our person, their person) whose names may be the same person, best first."""
    query = "SELECT id, label, role, minor FROM entities WHERE type = 'Person' AND merged_into IS NULL"
    mine = {r[0]: r for r in case.conn.execute(query)}
    yours = {-r[0]: r for r in other.conn.execute(query)}  # their ids negated so the two sides never collide
    names = [(i, r[1]) for i, r in mine.items()] + [(i, r[1]) for i, r in yours.items()]
    found = []
    for match in suggest_name_matches(names, threshold=threshold, limit_per_name=5):
        if (match.left_id < 0) == (match.right_id < 0):
            continue
        ours_id, theirs_id = (match.left_id, match.right_id) if match.left_id > 0 else (match.right_id, match.left_id)
        _, our_label, our_role, our_minor = mine[ours_id]
        _, their_label, their_role, their_minor = yours[theirs_id]
        found.append({
            "ours": ours_id, "ours_label": our_label, "ours_role": our_role, "ours_minor": bool(our_minor),
            "theirs": -theirs_id, "theirs_label": their_label, "theirs_role": their_role,
            "theirs_minor": bool(their_minor), "score": match.score, "reason": match.reason,
        })
    return found
