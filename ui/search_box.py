"""The search box: a number in any format, a name or ad text, through `linkgraph.search.search_entities`."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from linkgraph.case import CaseFile, Entity
from linkgraph.search import search_entities

SEARCH_DELAY_MS = 150
SHOWN = 20


class SearchBox(QLineEdit):
    """Type to see matching entities; Enter or a click on a match emits `entityChosen(id)`."""

    entityChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case: CaseFile | None = None
        self.matches: list[Entity] = []
        self.setPlaceholderText("Search: number, name, ad text  (Ctrl+F)")
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(320)
        self.setMaximumWidth(520)
        self.model = QStringListModel(self)
        self.completer_ = QCompleter(self.model, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setMaxVisibleItems(SHOWN)
        self.completer_.setWidget(self)
        self.completer_.activated[QModelIndex].connect(self._chosen_index)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.search)
        self.textEdited.connect(lambda _text: self.timer.start())
        self.returnPressed.connect(self._enter)

    def set_case(self, case: CaseFile | None) -> None:
        self.case = case
        self.clear()
        self.matches = []
        self.model.setStringList([])

    def search(self) -> list[Entity]:
        """Look the current text up and show the matches under the box."""
        if self.case is None:
            return []
        self.matches = search_entities(self.case, self.text(), limit=SHOWN)
        self.model.setStringList([self.describe(e) for e in self.matches])
        if self.matches and self.hasFocus():
            self.completer_.complete()
        elif not self.matches:
            self.completer_.popup().hide()
        return self.matches

    @staticmethod
    def describe(entity: Entity) -> str:
        key = f"  {entity.key}" if entity.key and entity.key != entity.label else ""
        return f"{entity.label}{key}   · {entity.type} #{entity.id}"

    def _chosen_index(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.matches):
            self.entityChosen.emit(self.matches[index.row()].id)

    def _enter(self) -> None:
        if self.completer_.popup().isVisible():
            return
        self.timer.stop()
        found = self.search()
        if found:
            self.completer_.popup().hide()
            self.entityChosen.emit(found[0].id)
