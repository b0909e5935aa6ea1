"""Notes: the analyst's remarks on an entity or on the whole case, kept (and audited) in the case file."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from linkgraph.case import CaseFile


class NotesPanel(QWidget):
    """The notes of the selected entity (or of the case when nothing is selected), and a box to add one."""

    noteAdded = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case: CaseFile | None = None
        self.entity_id: int | None = None
        self.heading = QLabel("Case notes")
        self.list = QListWidget()
        self.list.setObjectName("notes")
        self.list.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("Write a note… (Ctrl+Enter adds it)")
        self.editor.setMaximumHeight(90)
        self.add_button = QPushButton("Add note")
        self.add_button.clicked.connect(self.add_from_editor)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.editor)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.add_from_editor)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.editor)
        layout.addLayout(row)
        self.setEnabled(False)

    def set_case(self, case: CaseFile | None) -> None:
        self.case = case
        self.setEnabled(case is not None)
        self.show_entity(None)

    def show_entity(self, entity_id: int | None) -> None:
        """List the notes of one entity, or of the case as a whole when `entity_id` is None."""
        self.entity_id = entity_id
        self.list.clear()
        if self.case is None:
            self.heading.setText("Case notes")
            return
        if entity_id is None:
            self.heading.setText("Notes on the case")
            notes = [n for n in self.case.notes() if n["entity_id"] is None]
        else:
            self.heading.setText(f"Notes on {self.case.entity(entity_id).label}")
            notes = self.case.notes(entity_id)
        for note in notes:
            item = QListWidgetItem(f"{note['text']}\n— {note['by']}, {note['at']}")
            self.list.addItem(item)

    def add_note(self, text: str) -> int | None:
        """Add a note to the shown entity (or the case); blank text adds nothing."""
        if self.case is None or not text.strip():
            return None
        note_id = self.case.add_note(self.entity_id, text.strip())
        self.show_entity(self.entity_id)
        self.noteAdded.emit(note_id)
        return note_id

    def add_from_editor(self) -> None:
        if self.add_note(self.editor.toPlainText()) is not None:
            self.editor.clear()
