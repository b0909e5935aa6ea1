"""Merging another agency's case into this one: entities meet by identifier, nothing is overwritten.

The other case's sources become sources of this case (kind 'case', with their agency, original
SHA-256 and grade; `options.merged_from` names the case they came from) and their raw rows are
copied, so tracing a merged link still shows the original cells. Keyed entities meet by (type,
key); persons never merge automatically (identity.suggest_name_matches proposes pairs); values
that differ (an attribute, a role) are listed as conflicts and this case's value is kept. The
whole merge is one audited transaction.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from linkgraph.case import CaseFile, verify_connection
from linkgraph.case.bulk_writer import SOURCE_COLUMNS, BulkWriter, attrs_json
from linkgraph.case.importing import file_sha256
from linkgraph.case.integrity import source_digest
from linkgraph.case.schema import ENTITY_COLUMNS, LINK_COLUMNS
from linkgraph.errors import Cancelled, LinkgraphError
from linkgraph.identity import person_name_key, suggest_name_matches
from linkgraph.progress import Progress, no_progress
from linkgraph.times import now_iso

SOURCE_FIELDS = ", ".join(("id", *SOURCE_COLUMNS))
ENTITY_FIELDS = ", ".join(column.name for column in ENTITY_COLUMNS)
LINK_FIELDS = ", ".join(column.name for column in LINK_COLUMNS)
NEW_ENTITY_COLUMNS = ("id", "type", "key", "label", "attrs", "role", "minor", "first_seen", "last_seen", "source_id")
LINK_BATCH = 100_000     # links copied this many at a time
NAME_THRESHOLD = 90.0
SAME_EVENT_SECONDS = 60  # one call in two agencies' returns: starts at most this far apart (as phone imports)


@dataclass
class Conflict:
    """One value the two cases disagree on; this case's value was kept."""

    entity: int
    other_entity: int
    type: str
    label: str
    field: str
    ours: Any
    theirs: Any
    their_agency: str
    why: str


@dataclass
class MergeResult:
    """What a merge brought in, what met, and what the analyst must look at."""

    other_case: str
    other_case_id: str | None
    agency: str
    sources_added: list[int] = field(default_factory=list)
    sources_already_here: list[dict[str, Any]] = field(default_factory=list)
    entities_added: int = 0
    entities_met: int = 0
    links_added: int = 0
    events_met: int = 0
    citations_added: int = 0
    met: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    person_suggestions: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["conflicts"] = [asdict(c) for c in self.conflicts]
        return data


def _ask(progress: Progress, done: int, total: int, message: str) -> None:
    if progress(done, total, message) is False:
        raise Cancelled("merge cancelled; the case is unchanged")


def merge_case(
    case: CaseFile,
    other_path: str | Path,
    *,
    passphrase: str | None = None,
    agency: str | None = None,
    progress: Progress = no_progress,
) -> MergeResult:
    """Bring every entity, link and source row of the case at `other_path` into `case`, in one transaction."""
    other_path = Path(other_path)
    with CaseFile.open(other_path, passphrase=passphrase, read_only=True) as other:
        report = verify_connection(other.conn)
        if not report.ok:
            raise LinkgraphError(f"{other_path.name} fails verification, merge refused: {report.problems[0]}")
        other_id = other.meta("case_id")
        head = other.meta("audit_head")
        if other_id == case.meta("case_id") and head == case.meta("audit_head"):
            raise LinkgraphError(f"{other_path.name} is an identical copy of this case; nothing to merge")
        for (details,) in case.conn.execute("SELECT details FROM audit WHERE action = 'merge_case'"):
            before = json.loads(details)
            if before.get("case_id") == other_id and before.get("audit_head") == head:
                raise LinkgraphError(
                    f"{other_path.name} (case {other_id}, audit head {head}) was merged into this case already"
                )
        their_agency = agency or other.meta("agency") or other.name
        result = MergeResult(other.name, other_id, their_agency)
        with case.transaction():
            _Merger(case, other, result, progress).run()
            result_sha = file_sha256(other_path)[0]
            case.audit("merge_case", {
                "case": other.name, "case_id": other_id, "agency": their_agency, "file": other_path.name,
                "sha256": result_sha, "audit_head": head, "sources_added": result.sources_added,
                "sources_already_here": [s["sha256"] for s in result.sources_already_here],
                "entities_added": result.entities_added, "entities_met": result.entities_met,
                "links_added": result.links_added, "events_met": result.events_met, "conflicts": [asdict(c) for c in result.conflicts],
                "person_suggestions": len(result.person_suggestions),
            })
    return result


class _Merger:
    """The steps of one merge, sharing the id maps (other case's ids -> this case's ids)."""

    def __init__(self, case: CaseFile, other: CaseFile, result: MergeResult, progress: Progress) -> None:
        self.case, self.other, self.result, self.progress = case, other, result, progress
        self.conn = case.conn                    # read here; every write goes through the writer
        self.writer = BulkWriter(case.conn, name=other.name)
        self.sources: dict[int, int] = {}        # copied sources
        self.skipped: dict[int, int] = {}        # other source -> our source with the same SHA-256
        self.entities: dict[int, int] = {}
        self.new_entities: set[int] = set()      # our ids of entities this merge created
        self.links: dict[int, int] = {}

    def run(self) -> None:
        self.writer.defer_references()
        steps = ("sources", "entities", "links", "rows", "notes", "persons", "audit")
        for number, step in enumerate(steps):
            _ask(self.progress, number, len(steps), f"Merging {step}")
            getattr(self, f"_{step}")()

    # ---- steps -------------------------------------------------------------------------
    def _sources(self) -> None:
        ours = dict(self.conn.execute("SELECT sha256, id FROM sources"))
        for row in self.other.conn.execute(f"SELECT {SOURCE_FIELDS} FROM sources ORDER BY id").fetchall():
            values = dict(zip([f.strip() for f in SOURCE_FIELDS.split(",")], row, strict=True))
            if values["sha256"] in ours:
                self.skipped[values["id"]] = ours[values["sha256"]]
                self.result.sources_already_here.append(
                    {"file": values["name"], "sha256": values["sha256"], "source": ours[values["sha256"]]})
                continue
            options = json.loads(values["options"] or "{}")
            options["merged_from"] = {
                "case": self.other.name, "case_id": self.other.meta("case_id"), "source_id": values["id"],
                "kind": values["kind"], "merged_at": now_iso(), "merged_by": self.case.user,
            }
            source_id = self.writer.source(values | {
                "kind": "case", "agency": values["agency"] or self.result.agency,
                "options": json.dumps(options, ensure_ascii=False, sort_keys=True)})
            self.sources[values["id"]] = source_id
            self.result.sources_added.append(source_id)

    def _source_of(self, other_source: int | None) -> int | None:
        if other_source is None:
            return None
        return self.sources.get(other_source, self.skipped.get(other_source))

    def _entities(self) -> None:
        keyed = {(t, k): i for t, k, i in self.conn.execute("SELECT type, key, id FROM entities WHERE key IS NOT NULL")}
        persons_by_source: dict[tuple[int, str], int] = {}
        if self.skipped:
            marks = ",".join("?" * len(self.skipped))
            for entity_id, label, source_id in self.conn.execute(
                f"SELECT id, label, source_id FROM entities WHERE type = 'Person' AND key IS NULL "
                f"AND source_id IN ({marks})", list(self.skipped.values())
            ):
                persons_by_source.setdefault((source_id, person_name_key(label)), entity_id)
        next_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM entities").fetchone()[0] + 1
        rows = self.other.conn.execute(f"SELECT {ENTITY_FIELDS} FROM entities ORDER BY id").fetchall()
        inserts = []
        for eid, etype, key, label, attrs, role, minor, first, last, _merged, source in rows:
            found = keyed.get((etype, key)) if key is not None else None
            if found is None and key is None and source in self.skipped:
                found = persons_by_source.get((self.skipped[source], person_name_key(label)))
            if found is not None:
                self.entities[eid] = found
                self._meet(found, eid, etype, label, json.loads(attrs or "{}"), role, minor, first, last)
                continue
            self.entities[eid] = next_id
            self.new_entities.add(next_id)
            inserts.append((next_id, etype, key, label, attrs or "{}", role, minor, first, last,
                            self._source_of(source)))
            if key is not None:
                keyed[(etype, key)] = next_id
            next_id += 1
        self.writer.entities(NEW_ENTITY_COLUMNS, inserts)
        self.result.entities_added = len(inserts)
        self._copy_merges(rows)
        evidence = [
            (self.entities[e], self._source_of(s), r)
            for e, s, r in self.other.conn.execute("SELECT entity_id, source_id, row FROM entity_evidence")
            if s in self.sources
        ]
        self.writer.entity_evidence(evidence)

    def _meet(self, ours: int, theirs: int, etype: str, label: str, attrs: dict[str, Any], role: str | None,
              minor: int, first: int | None, last: int | None) -> None:
        """An identifier both cases hold: fill what we lack, list what differs, widen first/last seen."""
        self.result.entities_met += 1
        row = self.conn.execute(
            "SELECT label, attrs, role, minor, first_seen, last_seen FROM entities WHERE id = ?", (ours,)
        ).fetchone()
        our_label, our_attrs_text, our_role, our_minor, our_first, our_last = row
        our_attrs = json.loads(our_attrs_text or "{}")
        self.result.met.append({"entity": ours, "type": etype, "label": our_label, "other_entity": theirs})
        added = False
        for name, value in sorted(attrs.items()):
            if value in (None, "", [], {}):
                continue
            mine = our_attrs.get(name)
            if mine in (None, "", [], {}):
                our_attrs[name] = value
                added = True
            elif mine != value:
                self._conflict(ours, theirs, etype, our_label, name, mine, value, "attribute differs")
        if etype == "Person":
            if role and our_role and role != our_role and "unknown" not in (role, our_role):
                self._conflict(ours, theirs, etype, our_label, "role", our_role, role, "role differs")
            if bool(minor) != bool(our_minor):
                self._conflict(ours, theirs, etype, our_label, "minor", bool(our_minor), bool(minor),
                               "minor flag differs")
        firsts = [v for v in (our_first, first) if v is not None]
        lasts = [v for v in (our_last, last) if v is not None]
        self.writer.update_entity(
            ours, attrs=attrs_json(our_attrs) if added else our_attrs_text,
            first_seen=min(firsts) if firsts else None, last_seen=max(lasts) if lasts else None)

    def _conflict(self, ours: int, theirs: int, etype: str, label: str, name: str, mine: Any, value: Any,
                  why: str) -> None:
        self.result.conflicts.append(Conflict(ours, theirs, etype, label, name, mine, value, self.result.agency, why))

    def _copy_merges(self, rows: list[tuple]) -> None:
        """The other analyst's confirmed merges between entities this merge created stay merged."""
        reasons = {merged: (survivor, reason, at, by) for _id, survivor, merged, reason, at, by in self.other.conn.execute(
            "SELECT id, survivor, merged, reason, at, by FROM merges WHERE undone_at IS NULL ORDER BY id")}
        for eid, *_rest in rows:
            merged_into = _rest[8]
            mine, parent = self.entities[eid], self.entities.get(merged_into) if merged_into else None
            if parent is None or mine not in self.new_entities or mine == parent:
                continue
            self.writer.update_entity(mine, merged_into=parent)
            survivor, reason, at, by = reasons.get(eid, (merged_into, "", now_iso(), "unknown"))
            self.writer.merge_record(parent, mine, f"from {self.result.agency}'s case {self.other.name}: "
                                     f"{reason or 'merged there'}", at, by)

    def _known_events(self) -> dict[tuple[str, int, int], list[tuple[int, float | None, float | None, int]]]:
        """Our timed events between entities the merge met: (type, src, dst) -> [(start, duration, amount, id)]."""
        met = set(self.entities.values()) - self.new_entities
        types = [name for name, link in self.case.model.links.items() if link.event]
        known: dict[tuple[str, int, int], list] = {}
        if not met or not types:
            return known
        marks = ",".join("?" * len(types))
        for link_id, ltype, src, dst, start, duration, amount in self.conn.execute(
            f"SELECT id, type, src, dst, start, duration, amount FROM links WHERE start IS NOT NULL "
            f"AND type IN ({marks})", types
        ):
            if src in met and dst in met:
                known.setdefault((ltype, src, dst), []).append((start, duration, amount, link_id))
        return known

    def _same_event(self, known: dict, used: set[int], ltype: str, src: int, dst: int, start: int | None,
                    duration: float | None, amount: float | None) -> int | None:
        """Our link for the same event (type, parties, duration and amount equal; start within a minute)."""
        if start is None:
            return None
        best: tuple[float, int] | None = None
        for their_start, their_duration, their_amount, link_id in known.get((ltype, src, dst), ()):
            gap = abs(their_start - start)
            if link_id in used or gap > SAME_EVENT_SECONDS:
                continue
            if abs((duration if duration is not None else -1) - (their_duration if their_duration is not None
                                                                   else -1)) >= 0.5:
                continue
            if abs((amount if amount is not None else 0) - (their_amount if their_amount is not None else 0)) > 0.005:
                continue
            if best is None or (gap, link_id) < best:
                best = (gap, link_id)
        return best[1] if best else None

    def _links(self) -> None:
        next_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM links").fetchone()[0] + 1
        known = self._known_events()
        used: set[int] = set()
        same: list[tuple[int, int, int]] = []
        batch = []
        for row in self.other.conn.execute(f"SELECT {LINK_FIELDS} FROM links ORDER BY id"):
            link_id, ltype, src, dst, start, end, duration, amount, currency, location, weight, attrs, source, r = row
            if source not in self.sources:
                continue
            found = self._same_event(known, used, ltype, self.entities[src], self.entities[dst], start, duration,
                                     amount)
            if found is not None:  # the same event in our records: cite their row, do not store it twice
                used.add(found)
                self.links[link_id] = found
                same.append((found, self.sources[source], r))
                continue
            self.links[link_id] = next_id
            batch.append((next_id, ltype, self.entities[src], self.entities[dst], start, end, duration, amount,
                          currency, self.entities.get(location) if location is not None else None, weight, attrs,
                          self.sources[source], r))
            next_id += 1
            if len(batch) >= LINK_BATCH:
                self.writer.link_rows(batch)
                batch = []
        self.writer.link_rows(batch)
        self.result.links_added = len(self.links) - len(same)
        self.result.events_met = len(same)
        citations = same + [
            (self.links[link], self.sources[source], r)
            for link, source, r in self.other.conn.execute("SELECT link_id, source_id, row FROM link_evidence")
            if link in self.links and source in self.sources
        ]
        self.writer.link_evidence(citations)
        self.result.citations_added = len(citations)

    def _rows(self) -> None:
        for other_id, ours in self.sources.items():
            self.writer.copy_raw_rows(self.other.conn, other_id, ours)
            self.writer.rejected(
                ((ours, r, c, why, raw) for r, c, why, raw in self.other.conn.execute(
                    "SELECT row, column, reason, raw FROM rejected_rows WHERE source_id = ? ORDER BY rowid",
                    (other_id,))),
            )

    def _notes(self) -> None:
        for entity_id, text, at, by in self.other.conn.execute("SELECT entity_id, text, at, by FROM notes ORDER BY id"):
            mapped = self.entities.get(entity_id) if entity_id is not None else None
            self.writer.note(mapped, f"[{self.result.agency}] {text}", at, by)

    def _persons(self) -> None:
        """Suggest (never merge) persons of the two cases that may be one; a differing role is a conflict."""
        rows = self.conn.execute(
            "SELECT id, label, role, minor FROM entities WHERE type = 'Person' AND merged_into IS NULL"
        ).fetchall()
        info = {r[0]: r for r in rows}
        for match in suggest_name_matches([(r[0], r[1]) for r in rows], threshold=NAME_THRESHOLD):
            if (match.left_id in self.new_entities) == (match.right_id in self.new_entities):
                continue
            ours, theirs = ((match.left_id, match.right_id) if match.right_id in self.new_entities
                            else (match.right_id, match.left_id))
            _, our_label, our_role, our_minor = info[ours]
            _, their_label, their_role, their_minor = info[theirs]
            self.result.person_suggestions.append({
                "ours": ours, "ours_label": our_label, "theirs": theirs, "theirs_label": their_label,
                "score": match.score, "reason": match.reason, "ours_role": our_role, "theirs_role": their_role,
            })
            if our_role and their_role and our_role != their_role and "unknown" not in (our_role, their_role):
                self._conflict(ours, theirs, "Person", our_label, "role", our_role, their_role,
                               f"possible same person ({match.reason}); role differs")
            if bool(our_minor) != bool(their_minor):
                self._conflict(ours, theirs, "Person", our_label, "minor", bool(our_minor), bool(their_minor),
                               f"possible same person ({match.reason}); minor flag differs")

    def _audit(self) -> None:
        """Each copied source gets its own import entry with its row digest, so `verify` checks it."""
        for other_id, ours in self.sources.items():
            name, sha, imported, rejected = self.conn.execute(
                "SELECT name, sha256, rows_imported, rows_rejected FROM sources WHERE id = ?", (ours,)).fetchone()
            self.case.audit("import", {
                "source": ours, "file": name, "sha256": sha, "kind": "case", "via": "merge_case",
                "merged_from": {"case": self.other.name, "case_id": self.other.meta("case_id"), "source_id": other_id},
                "rows_imported": imported, "rows_rejected": rejected,
                "links": self.conn.execute("SELECT COUNT(*) FROM links WHERE source_id = ?", (ours,)).fetchone()[0],
                "data_digest": source_digest(self.conn, ours),
            })
