"""Entity merges the user confirms: reversible, and nothing is ever deleted by one."""

from __future__ import annotations

from typing import Any

from linkgraph.case.case_file import CaseFile
from linkgraph.errors import LinkgraphError
from linkgraph.times import now_iso


def merge_entities(case: CaseFile, survivor: int, merged: int, reason: str = "") -> int:
    """Let `survivor` stand for `merged` from now on (links stay as imported); returns the merge id."""
    reps = case.representatives()
    survivor, merged = reps.get(survivor, survivor), reps.get(merged, merged)
    if survivor == merged:
        raise LinkgraphError(f"entities {survivor} and {merged} are one entity already")
    keep, gone = case.entity(survivor), case.entity(merged)
    if keep.type != gone.type:
        raise LinkgraphError(f"cannot merge a {gone.type} into a {keep.type}; merge entities of one type")
    with case.transaction() as conn:
        conn.execute("UPDATE entities SET merged_into = ? WHERE id = ?", (survivor, merged))
        cursor = conn.execute(
            "INSERT INTO merges (survivor, merged, reason, at, by) VALUES (?, ?, ?, ?, ?)",
            (survivor, merged, reason, now_iso(), case.user),
        )
        merge_id = int(cursor.lastrowid)
        case.audit("merge_entities", {
            "merge": merge_id, "survivor": survivor, "merged": merged,
            "labels": [keep.label, gone.label], "reason": reason,
        })
    return merge_id


def unmerge(case: CaseFile, merge_id: int) -> None:
    """Undo one merge: the merged entity stands on its own again."""
    row = case.conn.execute(
        "SELECT survivor, merged, undone_at FROM merges WHERE id = ?", (merge_id,)
    ).fetchone()
    if row is None:
        raise LinkgraphError(f"no merge {merge_id} in this case")
    survivor, merged, undone = row
    if undone:
        raise LinkgraphError(f"merge {merge_id} was undone already on {undone}")
    with case.transaction() as conn:
        conn.execute("UPDATE entities SET merged_into = NULL WHERE id = ? AND merged_into = ?", (merged, survivor))
        conn.execute("UPDATE merges SET undone_at = ?, undone_by = ? WHERE id = ?", (now_iso(), case.user, merge_id))
        case.audit("unmerge", {"merge": merge_id, "survivor": survivor, "merged": merged})


def merges(case: CaseFile, *, include_undone: bool = False) -> list[dict[str, Any]]:
    """Merges made in this case, newest first."""
    sql = "SELECT id, survivor, merged, reason, at, by, undone_at FROM merges"
    if not include_undone:
        sql += " WHERE undone_at IS NULL"
    columns = ("id", "survivor", "merged", "reason", "at", "by", "undone_at")
    return [dict(zip(columns, row, strict=True)) for row in case.conn.execute(sql + " ORDER BY id DESC")]
