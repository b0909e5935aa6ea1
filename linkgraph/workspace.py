"""The desktop's state without Qt: the open case, the selection, the view and filter on screen, the analysis shown.

Views subscribe to a field's event and redraw when it changes (as napari's evented components and glue's viewer
state): the chart, inspector, notes, map, timeline and analysis panel never call one another, and the state can be
driven and tested without a display.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.graph import GraphFilter

Listener = Callable[[Any], None]


class Event:
    """Listeners of one field, called in the order they connected with the field's new value."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Listener] = []

    def connect(self, listener: Listener) -> Listener:
        """Call `listener(value)` on every change; returns it, so it can decorate a function."""
        self._listeners.append(listener)
        return listener

    def disconnect(self, listener: Listener) -> None:
        """Stop calling `listener` (no error if it was not connected)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, value: Any) -> None:
        """Tell every listener; a listener added during the call hears the next change, not this one."""
        for listener in list(self._listeners):
            listener(value)


@dataclass
class WorkspaceEvents:
    """One event per field of the workspace."""

    case: Event = field(default_factory=lambda: Event("case"))
    selection: Event = field(default_factory=lambda: Event("selection"))
    view: Event = field(default_factory=lambda: Event("view"))
    filter: Event = field(default_factory=lambda: Event("filter"))
    analysis: Event = field(default_factory=lambda: Event("analysis"))
    name_matches: Event = field(default_factory=lambda: Event("name_matches"))


class Workspace:
    """What the investigator has open. Setting a field tells its listeners only when the value changed."""

    def __init__(self) -> None:
        self.events = WorkspaceEvents()
        self._case: CaseFile | None = None
        self._selection: tuple[int, ...] = ()
        self._view = "persons"
        self._filter = GraphFilter()
        self._analysis: dict[str, Any] | None = None
        self._name_matches: list[dict[str, Any]] | None = None

    # ---- fields ---------------------------------------------------------------------------
    @property
    def case(self) -> CaseFile | None:
        """The open case file, or None."""
        return self._case

    @case.setter
    def case(self, case: CaseFile | None) -> None:
        if case is self._case:
            return
        self._case = case
        self.events.case.emit(case)
        self.selection = ()           # ids of one case mean nothing in another
        self.analysis = None
        self.name_matches = None

    @property
    def selection(self) -> tuple[int, ...]:
        """The selected entity ids, in the order they were chosen, each once."""
        return self._selection

    @selection.setter
    def selection(self, ids: Iterable[int]) -> None:
        chosen = tuple(dict.fromkeys(int(i) for i in ids)) if self._case is not None else ()
        if chosen == self._selection:
            return
        self._selection = chosen
        self.events.selection.emit(chosen)

    @property
    def view(self) -> str:
        """The chart's view: `persons`, `entities` or `ad_phones` (as `--view`)."""
        return self._view

    @view.setter
    def view(self, view: str) -> None:
        if view != self._view:
            self._view = view
            self.events.view.emit(view)

    @property
    def filter(self) -> GraphFilter:
        """The filter on screen (dates, types, weights, service numbers): what analysis and exports use."""
        return self._filter

    @filter.setter
    def filter(self, chosen: GraphFilter) -> None:
        if chosen != self._filter:
            self._filter = chosen
            self.events.filter.emit(chosen)

    @property
    def analysis(self) -> dict[str, Any] | None:
        """The analysis result shown (the latest kept run when a case opens), or None."""
        return self._analysis

    @analysis.setter
    def analysis(self, result: dict[str, Any] | None) -> None:
        if result is not self._analysis:
            self._analysis = result
            self.events.analysis.emit(result)

    @property
    def name_matches(self) -> list[dict[str, Any]] | None:
        """Persons whose names may be one person, best first, or None before they were compared."""
        return self._name_matches

    @name_matches.setter
    def name_matches(self, matches: list[dict[str, Any]] | None) -> None:
        if matches is not self._name_matches:
            self._name_matches = matches
            self.events.name_matches.emit(matches)

    # ---- what the views ask for -------------------------------------------------------------
    def select(self, ids: Iterable[int]) -> tuple[int, ...]:
        """Select these entities everywhere; returns the selection kept. Unlike setting `selection`, this tells the
        listeners even when the ids are already selected: choosing an entity again centres it again."""
        self._selection = tuple(dict.fromkeys(int(i) for i in ids)) if self._case is not None else ()
        self.events.selection.emit(self._selection)
        return self._selection

    def show_analysis(self, result: dict[str, Any] | None) -> None:
        """Show this result (a new run, or the same one again after the chart was rebuilt) in every view."""
        self._analysis = result
        self.events.analysis.emit(result)

    def follow_merges(self) -> tuple[int, ...]:
        """After a merge or unmerge, an entity that now stands for another replaces it in the selection."""
        if self._case is None:
            return ()
        reps = self._case.representatives()
        return self.select(reps.get(i, i) for i in self._selection)
