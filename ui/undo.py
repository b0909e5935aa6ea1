"""Undo and redo for the analyst's edits and merges, as QUndoCommands over the core's audited calls.

Each command does its work once when made (`apply`, so an error is shown before anything lands
on the stack) and then only on redo after an undo. Undoing an edit writes the old values back
through `case.edit_entity`; undoing a merge calls `merges.unmerge`: every step is in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack

from linkgraph.case import CaseFile
from linkgraph.case.merges import merge_entities, unmerge

Changed = Callable[[list[int]], None]          # told which entities changed, to refresh the views
Failed = Callable[[BaseException], None]       # told when an undo/redo could not be done


class CaseCommand(QUndoCommand):
    """A command over the open case: applied once on creation, redone only after an undo."""

    def __init__(self, case: CaseFile, text: str, changed: Changed, failed: Failed | None = None) -> None:
        super().__init__(text)
        self.case = case
        self.changed = changed
        self.failed = failed
        self._fresh = True

    def apply(self) -> None:
        """Do the work for the first time; raises (and nothing is pushed) when the core refuses it."""
        self.forward()
        self.changed(self.entities())

    def redo(self) -> None:
        if self._fresh:
            self._fresh = False
            return
        self._guarded(self.forward)

    def undo(self) -> None:
        self._guarded(self.backward)

    def _guarded(self, step: Callable[[], None]) -> None:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - shown as a dialog by the window
            self.setObsolete(True)
            if self.failed:
                self.failed(exc)
            return
        self.changed(self.entities())

    def forward(self) -> None:
        raise NotImplementedError

    def backward(self) -> None:
        raise NotImplementedError

    def entities(self) -> list[int]:
        raise NotImplementedError


class EditEntityCommand(CaseCommand):
    """Set a person's role or minor flag, or an entity's label."""

    def __init__(self, case: CaseFile, entity_id: int, changes: dict[str, Any], changed: Changed,
                 failed: Failed | None = None) -> None:
        before = case.entity(entity_id)
        names = ", ".join(f"{k} {'yes' if v is True else 'no' if v is False else v}" for k, v in changes.items())
        super().__init__(case, f"Set {names} of {before.label}", changed, failed)
        self.entity_id = entity_id
        self.new = dict(changes)
        self.old = {
            "role": (before.role or "unknown") if "role" in changes else None,
            "minor": before.minor if "minor" in changes else None,
            "label": before.label if "label" in changes else None,
        }
        self.old = {k: v for k, v in self.old.items() if k in changes}

    def forward(self) -> None:
        self.case.edit_entity(self.entity_id, **self.new)

    def backward(self) -> None:
        self.case.edit_entity(self.entity_id, **self.old)

    def entities(self) -> list[int]:
        return [self.entity_id]


class MergeCommand(CaseCommand):
    """Let one entity stand for another (undo: unmerge; redo: a new merge of the same two)."""

    def __init__(self, case: CaseFile, survivor: int, merged: int, reason: str, changed: Changed,
                 failed: Failed | None = None) -> None:
        keep, gone = case.entity(survivor), case.entity(merged)
        super().__init__(case, f"Merge {gone.label} into {keep.label}", changed, failed)
        self.survivor, self.merged, self.reason = survivor, merged, reason
        self.merge_id: int | None = None

    def forward(self) -> None:
        self.merge_id = merge_entities(self.case, self.survivor, self.merged, self.reason)

    def backward(self) -> None:
        if self.merge_id is not None:
            unmerge(self.case, self.merge_id)
            self.merge_id = None

    def entities(self) -> list[int]:
        return [self.survivor, self.merged]


class UnmergeCommand(CaseCommand):
    """Undo an earlier merge (undo of this: merge the two again)."""

    def __init__(self, case: CaseFile, merge_id: int, changed: Changed, failed: Failed | None = None) -> None:
        row = case.conn.execute("SELECT survivor, merged, reason FROM merges WHERE id = ?", (merge_id,)).fetchone()
        survivor, merged, reason = row if row else (None, None, "")
        label = case.entity(merged).label if merged is not None else f"merge {merge_id}"
        super().__init__(case, f"Unmerge {label}", changed, failed)
        self.merge_id: int | None = merge_id
        self.survivor, self.merged, self.reason = survivor, merged, reason or ""

    def forward(self) -> None:
        if self.merge_id is not None:
            unmerge(self.case, self.merge_id)
            self.merge_id = None

    def backward(self) -> None:
        self.merge_id = merge_entities(self.case, self.survivor, self.merged, self.reason)

    def entities(self) -> list[int]:
        return [i for i in (self.survivor, self.merged) if i is not None]


def perform(stack: QUndoStack, command: CaseCommand) -> CaseCommand:
    """Apply a command and put it on the stack (errors propagate; nothing is pushed then)."""
    command.apply()
    stack.push(command)
    return command
