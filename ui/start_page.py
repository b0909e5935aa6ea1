"""The page shown when no case is open: new, open, recent cases, the sample case, and drop-to-import."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class StartPage(QWidget):
    """Buttons for the first step of a day's work; the recent list opens a case with a double-click or Enter."""

    newRequested = Signal()
    openRequested = Signal()
    sampleRequested = Signal()
    recentChosen = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("linkgraph")
        font = QFont(title.font())
        font.setPointSize(font.pointSize() * 2)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel("Offline link analysis for trafficking investigations. Nothing leaves this computer "
                          "unless you export it.")
        subtitle.setWordWrap(True)

        self.new_button = QPushButton("New case…")
        self.open_button = QPushButton("Open case…")
        self.sample_button = QPushButton("Open the sample case (Operation Crossroads)")
        for button in (self.new_button, self.open_button, self.sample_button):
            button.setMinimumHeight(36)
        self.new_button.clicked.connect(self.newRequested)
        self.open_button.clicked.connect(self.openRequested)
        self.sample_button.clicked.connect(self.sampleRequested)

        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)

        self.recent = QListWidget()
        self.recent.setObjectName("recentCases")
        self.recent.itemActivated.connect(self._activated)
        self.recent_label = QLabel("Recent cases")
        hint = QLabel("Drop a case file here to open it, or a phone return, ad scrape, hotel registry, "
                      "bank statement or link sheet to import it into the open case.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid);")

        column = QVBoxLayout()
        column.addWidget(title)
        column.addWidget(subtitle)
        column.addSpacing(16)
        column.addLayout(buttons)
        column.addSpacing(16)
        column.addWidget(self.recent_label)
        column.addWidget(self.recent, 1)
        column.addWidget(hint)

        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 4)
        outer.addStretch(1)

    def set_recent(self, paths: list[Path]) -> None:
        """Show the recent cases, newest first, with their folders."""
        self.recent.clear()
        for path in paths:
            item = QListWidgetItem(f"{path.stem}    —    {path.parent}")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            self.recent.addItem(item)
        self.recent_label.setText("Recent cases" if paths else "Recent cases: none yet")

    def _activated(self, item: QListWidgetItem) -> None:
        self.recentChosen.emit(Path(item.data(Qt.ItemDataRole.UserRole)))
