"""The links of one entity, as the inspector lists them: each with the entity at the other end
and the source file and row it came from (provenance one click away)."""

from __future__ import annotations

from typing import Any

from linkgraph.case import CaseFile

LINK_LIMIT = 500


def entity_links(case: CaseFile, entity_id: int, *, limit: int = LINK_LIMIT) -> list[dict[str, Any]]:
    """Links touching `entity_id` or any entity merged into it, oldest first (undated last), at most `limit`.

    Each: id, type, direction ("out"/"in"), other (standing id), other_label, other_type, start, end,
    duration, amount, currency, weight, source_id, file, row.
    """
    reps = case.representatives()
    standing = reps.get(entity_id, entity_id)
    members = [standing] + [merged for merged, rep in reps.items() if rep == standing]
    marks = ",".join("?" * len(members))
    rows = case.conn.execute(
        f"SELECT l.id, l.type, l.src, l.dst, l.start, l.end, l.duration, l.amount, l.currency, l.weight, "
        f"l.source_id, s.name, l.row FROM links l JOIN sources s ON s.id = l.source_id "
        f"WHERE l.src IN ({marks}) OR l.dst IN ({marks}) "
        f"ORDER BY l.start IS NULL, l.start, l.id LIMIT ?",
        (*members, *members, int(limit)),
    ).fetchall()
    inside = set(members)
    others = {reps.get(r[3] if r[2] in inside else r[2], r[3] if r[2] in inside else r[2]) for r in rows}
    labels: dict[int, tuple[str, str]] = {}
    if others:
        marks = ",".join("?" * len(others))
        labels = {i: (label, kind) for i, label, kind in case.conn.execute(
            f"SELECT id, label, type FROM entities WHERE id IN ({marks})", tuple(others))}
    found = []
    for (link_id, link_type, src, dst, start, end, duration, amount, currency, weight,
         source_id, file, row) in rows:
        outgoing = src in inside
        other = reps.get(dst if outgoing else src, dst if outgoing else src)
        label, other_type = labels.get(other, (str(other), ""))
        found.append({
            "id": link_id, "type": link_type, "direction": "out" if outgoing else "in",
            "other": other, "other_label": label, "other_type": other_type,
            "start": start, "end": end, "duration": duration, "amount": amount, "currency": currency,
            "weight": weight, "source_id": source_id, "file": file, "row": row,
        })
    return found


def link_count(case: CaseFile, entity_id: int) -> int:
    """How many links touch `entity_id` or the entities merged into it (to say when a list is cut short)."""
    reps = case.representatives()
    standing = reps.get(entity_id, entity_id)
    members = [standing] + [merged for merged, rep in reps.items() if rep == standing]
    marks = ",".join("?" * len(members))
    return int(case.conn.execute(
        f"SELECT COUNT(*) FROM links WHERE src IN ({marks}) OR dst IN ({marks})", (*members, *members)
    ).fetchone()[0])
