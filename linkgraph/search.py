"""Finding entities the way an investigator types them: a number in any format, a name, ad text."""

from __future__ import annotations

from linkgraph.case import CaseFile, Entity
from linkgraph.identity import normalize_email, normalize_phone


def search_entities(case: CaseFile, text: str, *, limit: int = 50) -> list[Entity]:
    """Entities whose key or label matches `text` (phones matched by number, whatever the format)."""
    text = text.strip()
    if not text:
        return []
    found: dict[int, Entity] = {}
    reps = case.representatives()
    phone = normalize_phone(text, case.region) if sum(ch.isdigit() for ch in text) >= 3 else None
    if phone is not None:
        entity = case.find_entity("Phone", phone.e164)
        if entity:
            found[entity.id] = entity
    email = normalize_email(text) if "@" in text else None
    if email:
        entity = case.find_entity("Email", email)
        if entity:
            found[entity.id] = entity
    pattern = f"%{text.replace('%', '').replace('_', '')}%"
    for (entity_id,) in case.conn.execute(
        "SELECT id FROM entities WHERE (label LIKE ?1 OR key LIKE ?1 OR attrs LIKE ?1) ORDER BY "
        "CASE WHEN label LIKE ?2 THEN 0 ELSE 1 END, id LIMIT ?3",
        (pattern, text, limit * 2),
    ):
        standing = reps.get(entity_id, entity_id)
        if standing not in found:
            found[standing] = case.entity(standing)
        if len(found) >= limit:
            break
    return list(found.values())[:limit]
