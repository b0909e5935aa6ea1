"""CSV export: entities.csv and links.csv (with provenance), formula-safe, UTF-8 with BOM for Excel."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from linkgraph.case import CaseFile
from linkgraph.exports.cells import safe_cell
from linkgraph.progress import Progress, no_progress
from linkgraph.times import format_time

ENTITY_HEADER = ["id", "type", "key", "label", "role", "minor", "first_seen", "last_seen", "attributes"]
LINK_HEADER = ["id", "type", "source_id", "source_label", "target_id", "target_label", "start", "end",
               "duration_s", "amount", "currency", "weight", "file", "file_sha256", "row", "grade"]


def export(case: CaseFile, out: Path, options: object, progress: Progress = no_progress) -> list[Path]:
    """Write OUT/entities.csv and OUT/links.csv (OUT is a folder, made if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    tz = case.timezone
    reps = case.representatives()
    labels = dict(case.conn.execute("SELECT id, label FROM entities"))
    entities_path, links_path = out / "entities.csv", out / "links.csv"
    with entities_path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(ENTITY_HEADER)
        for e in case.entities():
            writer.writerow([safe_cell(v) for v in (
                e.id, e.type, e.key or "", e.label, e.role or "", "yes" if e.minor else "",
                format_time(e.first_seen, tz), format_time(e.last_seen, tz),
                json.dumps(e.attrs, ensure_ascii=False, sort_keys=True),
            )])
    sources = {s.id: s for s in case.sources()}
    total = case.conn.execute("SELECT COUNT(*) FROM links").fetchone()[0]
    with links_path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(LINK_HEADER)
        for done, (lid, ltype, src, dst, start, end, duration, amount, currency, weight, sid, row) in enumerate(
            case.conn.execute(
                "SELECT id, type, src, dst, start, end, duration, amount, currency, weight, source_id, row "
                "FROM links ORDER BY id"
            )
        ):
            if done % 10000 == 0 and progress(done, total, "Writing links") is False:
                from linkgraph.errors import Cancelled

                raise Cancelled("export cancelled")
            src, dst = reps.get(src, src), reps.get(dst, dst)
            source = sources[sid]
            writer.writerow([safe_cell(v) for v in (
                lid, ltype, src, labels.get(src, ""), dst, labels.get(dst, ""), format_time(start, tz),
                format_time(end, tz), "" if duration is None else duration, "" if amount is None else amount,
                currency or "", weight, source.name, source.sha256, row, source.grade,
            )])
    return [entities_path, links_path]
