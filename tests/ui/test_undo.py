"""Undo and redo over the core's audited edits and merges, on the sample case."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from linkgraph.case import CaseFile, merges, verify_connection
from linkgraph.case.audit import entries
from linkgraph.errors import LinkgraphError
from ui.undo import EditEntityCommand, MergeCommand, UnmergeCommand, perform


@pytest.fixture
def case(sample_case_path):
    with CaseFile.open(sample_case_path) as opened:
        yield opened


def _haskins(case: CaseFile) -> list[int]:
    return [e.id for e in case.entities("Person") if e.label == "Darnell Haskins"]


def test_role_and_minor_edits_undo_and_redo_through_the_audit_log(qapp, case):
    stack = QUndoStack()
    changed: list[list[int]] = []
    kayla = next(e.id for e in case.entities("Person") if e.label == "Kayla Dunn")
    assert case.entity(kayla).role == "unknown" and not case.entity(kayla).minor
    perform(stack, EditEntityCommand(case, kayla, {"role": "victim"}, changed.append))
    perform(stack, EditEntityCommand(case, kayla, {"minor": True}, changed.append))
    assert (case.entity(kayla).role, case.entity(kayla).minor) == ("victim", True)
    assert stack.undoText() == "Set minor yes of Kayla Dunn"
    stack.undo()
    assert (case.entity(kayla).role, case.entity(kayla).minor) == ("victim", False)
    stack.undo()
    assert case.entity(kayla).role == "unknown"
    stack.redo()
    stack.redo()
    assert (case.entity(kayla).role, case.entity(kayla).minor) == ("victim", True)
    edits = [e["details"] for e in entries(case.conn) if e["action"] == "edit_entity"]
    assert [(d["old"], d["new"]) for d in edits] == [
        ({"role": "unknown"}, {"role": "victim"}), ({"minor": 0}, {"minor": 1}),
        ({"minor": 1}, {"minor": 0}), ({"role": "victim"}, {"role": "unknown"}),
        ({"role": "unknown"}, {"role": "victim"}), ({"minor": 0}, {"minor": 1}),
    ]
    assert changed == [[kayla]] * 6
    assert verify_connection(case.conn).ok


def test_merge_undo_redo_and_unmerge(qapp, case):
    stack = QUndoStack()
    first, second = _haskins(case)[:2]
    perform(stack, MergeCommand(case, first, second, "same DOB and address", lambda ids: None))
    assert case.representatives()[second] == first
    stack.undo()
    assert second not in case.representatives()
    assert merges(case) == [] and merges(case, include_undone=True)[0]["undone_at"]
    stack.redo()
    assert case.representatives()[second] == first
    live = merges(case)
    assert len(live) == 1 and live[0]["reason"] == "same DOB and address"
    perform(stack, UnmergeCommand(case, live[0]["id"], lambda ids: None))
    assert second not in case.representatives()
    stack.undo()                                   # undoing the unmerge merges them again
    assert case.representatives()[second] == first
    actions = [e["action"] for e in entries(case.conn) if e["action"] in ("merge_entities", "unmerge")]
    assert actions == ["merge_entities", "unmerge", "merge_entities", "unmerge", "merge_entities"]
    assert verify_connection(case.conn).ok


def test_a_refused_merge_is_not_pushed(qapp, case):
    stack = QUndoStack()
    person = _haskins(case)[0]
    phone = case.find_entity("Phone", "+12095550144").id
    with pytest.raises(LinkgraphError, match="cannot merge a Phone into a Person"):
        perform(stack, MergeCommand(case, person, phone, "", lambda ids: None))
    assert stack.count() == 0 and merges(case) == []


def test_an_undo_that_fails_is_reported_not_raised(qapp, case):
    stack = QUndoStack()
    failures: list[BaseException] = []
    first, second = _haskins(case)[:2]
    perform(stack, MergeCommand(case, first, second, "", lambda ids: None, failures.append))
    from linkgraph.case import unmerge

    unmerge(case, merges(case)[0]["id"])           # someone undid it outside the stack
    stack.undo()
    assert len(failures) == 1 and "was undone already" in str(failures[0])
