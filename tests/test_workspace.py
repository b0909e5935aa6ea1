"""The desktop's state (`linkgraph.workspace`) driven and checked without Qt: what each view would be told."""

from __future__ import annotations

from pathlib import Path

from linkgraph.case import CaseFile, ImportSession
from linkgraph.case.merges import merge_entities
from linkgraph.graph import GraphFilter
from linkgraph.workspace import Workspace


def _case(tmp_path: Path) -> CaseFile:
    case = CaseFile.create(tmp_path / "w.lgcase", name="Workspace")
    source = tmp_path / "associates.csv"
    source.write_text("a,b\nAna Ruiz,A. Ruiz\n", encoding="utf-8")
    with ImportSession(case, source, kind="links") as session:
        session.raw_row(2, ["Ana Ruiz", "A. Ruiz"])
        a = session.entity("Person", None, "Ana Ruiz", row=2)
        b = session.entity("Person", None, "A. Ruiz", row=2)
        session.link("associate_of", a, b, row=2)
    return case


def _heard(workspace: Workspace) -> list[tuple[str, object]]:
    heard: list[tuple[str, object]] = []
    for name in ("case", "selection", "view", "filter", "analysis", "name_matches"):
        getattr(workspace.events, name).connect(lambda value, name=name: heard.append((name, value)))
    return heard


def test_a_view_hears_each_change_once_and_only_changes(tmp_path: Path) -> None:
    workspace = Workspace()
    heard = _heard(workspace)
    case = _case(tmp_path)
    workspace.case = case
    assert heard == [("case", case)]
    heard.clear()
    workspace.selection = [3, 1, 3]
    workspace.selection = (3, 1)                   # the same ids again: nobody is told
    assert heard == [("selection", (3, 1))]
    heard.clear()
    workspace.view = "persons"                      # the default already
    workspace.view = "entities"
    workspace.filter = GraphFilter(min_weight=2.0)
    workspace.filter = GraphFilter(min_weight=2.0)
    assert heard == [("view", "entities"), ("filter", GraphFilter(min_weight=2.0))]
    case.close()


def test_choosing_again_tells_again_and_a_new_case_clears_what_belonged_to_the_old(tmp_path: Path) -> None:
    workspace = Workspace()
    case = _case(tmp_path)
    workspace.case = case
    workspace.select([1])
    workspace.analysis = {"entities": []}
    workspace.name_matches = [{"left_id": 1, "right_id": 2}]
    heard = _heard(workspace)
    workspace.select([1])                           # an explicit choice re-centres the chart even if unchanged
    assert heard == [("selection", (1,))]
    heard.clear()
    workspace.case = None
    assert [name for name, _ in heard] == ["case", "selection", "analysis", "name_matches"]
    assert workspace.selection == () and workspace.analysis is None and workspace.name_matches is None
    workspace.select([5])                           # nothing is selected with no case open
    assert workspace.selection == ()
    case.close()


def test_after_a_merge_the_survivor_stands_in_the_selection(tmp_path: Path) -> None:
    case = _case(tmp_path)
    workspace = Workspace()
    workspace.case = case
    ids = [e.id for e in case.entities("Person")]
    merge_entities(case, ids[0], ids[1], reason="same person: same phone")
    workspace.select([ids[1]])
    assert workspace.follow_merges() == (ids[0],)
    case.close()


def test_the_workspace_needs_no_qt() -> None:
    import linkgraph.workspace as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    assert "PySide6" not in source and "ui." not in source
