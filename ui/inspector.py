"""The inspector: the selected entity's attributes, role and minor flag, its links, and for each
link the source file, row and raw values it came from (provenance one click away)."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from linkgraph.case import CaseFile
from linkgraph.entity_links import entity_links, link_count
from linkgraph.times import format_time

LINK_COLUMNS = ["when", "link", "other end", "size", "source row"]
PROVENANCE_COLUMNS = ["column", "value"]
PROVENANCE_HINT = "Click a link to see the source row behind it."


def _item(value: Any, sort_value: Any = None) -> QTableWidgetItem:
    item = QTableWidgetItem("" if value is None else str(value))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if sort_value is not None:
        item.setData(Qt.ItemDataRole.UserRole + 1, sort_value)
    return item


def _read_only_table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class Inspector(QWidget):
    """Shows one entity; role/minor changes go out as `editRequested(id, changes)` for the undo stack."""

    editRequested = Signal(int, dict)
    entityActivated = Signal(int)        # double-click on a link's other end

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case: CaseFile | None = None
        self.entity_id: int | None = None
        self._loading = False

        self.title = QLabel("Select an entity on the chart, in the analysis panel or by searching.")
        self.title.setWordWrap(True)
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSize(font.pointSize() + 2)
        self.title.setFont(font)
        self.subtitle = QLabel("")
        self.subtitle.setWordWrap(True)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.role = QComboBox()
        self.role.setObjectName("role")
        self.minor = QCheckBox("Minor (under 18)")
        self.minor.setObjectName("minor")
        self.role.activated.connect(self._role_chosen)
        self.minor.clicked.connect(self._minor_clicked)
        person = QFormLayout()
        person.addRow("Role", self.role)
        person.addRow("", self.minor)
        self.person_box = QWidget()
        self.person_box.setLayout(person)

        self.attributes = _read_only_table(["attribute", "value"])
        self.attributes.setObjectName("attributes")

        self.links = _read_only_table(LINK_COLUMNS)
        self.links.setObjectName("links")
        self.links.setSortingEnabled(False)
        self.links.itemSelectionChanged.connect(self._link_selected)
        self.links.cellDoubleClicked.connect(self._link_double_clicked)
        self.links_note = QLabel("")

        self.provenance = _read_only_table(PROVENANCE_COLUMNS)
        self.provenance.setObjectName("provenance")
        self.provenance_title = QLabel(PROVENANCE_HINT)
        self.provenance_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.provenance_title.setWordWrap(True)

        links_page = QWidget()
        links_layout = QVBoxLayout(links_page)
        links_layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Vertical)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.links)
        upper_layout.addWidget(self.links_note)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.provenance_title)
        lower_layout.addWidget(self.provenance)
        split.addWidget(upper)
        split.addWidget(lower)
        links_layout.addWidget(split)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.attributes, "Attributes")
        self.tabs.addTab(links_page, "Links and sources")

        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        layout.addLayout(header)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.person_box)
        layout.addWidget(self.tabs, 1)
        self.show_entity(None)

    # ---- showing -----------------------------------------------------------------------
    def set_case(self, case: CaseFile | None) -> None:
        """The case to read from (None when the case is closed)."""
        self.case = case
        self.role.clear()
        if case is not None:
            self.role.addItems(list(case.model.person_roles))
        self.show_entity(None)

    def refresh(self) -> None:
        """Read the shown entity again (after an edit, merge, undo or import)."""
        self.show_entity(self.entity_id)

    def show_entity(self, entity_id: int | None) -> None:
        """Show one entity (followed through merges to the one that stands), or nothing."""
        self._loading = True
        try:
            self._show(entity_id)
        finally:
            self._loading = False

    def _show(self, entity_id: int | None) -> None:
        self.attributes.setRowCount(0)
        self.links.setRowCount(0)
        self.provenance.setRowCount(0)
        self.provenance_title.setText(PROVENANCE_HINT)
        self.links_note.setText("")
        if self.case is None or entity_id is None:
            self.entity_id = None
            self.title.setText("Select an entity on the chart, in the analysis panel or by searching.")
            self.subtitle.setText("")
            self.person_box.setVisible(False)
            return
        entity_id = self.case.representatives().get(entity_id, entity_id)
        entity = self.case.entity(entity_id)
        self.entity_id = entity_id
        tz = self.case.timezone
        self.title.setText(f"{entity.label}")
        seen = ""
        if entity.first_seen or entity.last_seen:
            seen = f" · seen {format_time(entity.first_seen, tz)} – {format_time(entity.last_seen, tz)}"
        self.subtitle.setText(f"{entity.type} #{entity.id}" + (f" · {entity.key}" if entity.key else "") + seen)
        is_person = entity.type == "Person"
        self.person_box.setVisible(is_person)
        if is_person:
            self.role.setCurrentText(entity.role or "unknown")
            self.minor.setChecked(bool(entity.minor))

        rows: list[tuple[str, str]] = [("type", entity.type), ("label", entity.label), ("key", entity.key or "")]
        if is_person:
            rows += [("role", entity.role or "unknown"), ("minor", "yes" if entity.minor else "no")]
        for name, value in sorted(entity.attrs.items()):
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            rows.append((name, text))
        merged = [m for m, rep in self.case.representatives().items() if rep == entity_id]
        if merged:
            rows.append(("stands for", ", ".join(f"{self.case.entity(m).label} (#{m})" for m in merged)))
        for cite in self.case.entity_provenance(entity_id):
            rows.append(("named in", f"{cite['file']} row {cite['row']} (grade {cite['grade']})"))
        self.attributes.setRowCount(len(rows))
        for index, (name, value) in enumerate(rows):
            self.attributes.setItem(index, 0, _item(name))
            self.attributes.setItem(index, 1, _item(value))

        links = entity_links(self.case, entity_id)
        total = link_count(self.case, entity_id)
        self.links.setRowCount(len(links))
        for index, link in enumerate(links):
            when = format_time(link["start"], tz, with_zone=False)[:16] if link["start"] is not None else ""
            if link["amount"] is not None:
                size = f"{link['amount']:,.2f} {link['currency'] or ''}".strip()
            elif link["duration"]:
                size = f"{int(link['duration'])} s"
            else:
                size = ""
            arrow = "→" if link["direction"] == "out" else "←"
            cells = [when, f"{arrow} {link['type']}", f"{link['other_label']} ({link['other_type']})", size,
                     f"{link['file']}:{link['row']}"]
            for column, value in enumerate(cells):
                item = _item(value)
                if column == 0:
                    item.setData(Qt.ItemDataRole.UserRole, link["id"])
                    item.setData(Qt.ItemDataRole.UserRole + 2, link["other"])
                item.setToolTip(str(value))
                self.links.setItem(index, column, item)
        self.links_note.setText(
            f"{total:,} links" + (f"; the first {len(links):,} are listed" if total > len(links) else "")
        )

    # ---- provenance --------------------------------------------------------------------
    def selected_link(self) -> int | None:
        rows = self.links.selectionModel().selectedRows() if self.links.selectionModel() else []
        if not rows:
            return None
        item = self.links.item(rows[0].row(), 0)
        return int(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def show_provenance(self, link_id: int) -> None:
        """The source rows behind one link: file, row, grade and every raw cell."""
        if self.case is None:
            return
        cites = self.case.link_provenance(link_id)
        rows: list[list[Any]] = []
        for cite in cites:
            if len(cites) > 1:
                rows.append([f"— {cite['file']} row {cite['row']}", ""])
            raw = cite["raw"] or {"": "(raw row not kept)"}
            rows.extend([column, value] for column, value in raw.items())
        self.provenance.setRowCount(len(rows))
        for index, cells in enumerate(rows):
            for column, value in enumerate(cells):
                item = _item(value)
                item.setToolTip(str(value))
                self.provenance.setItem(index, column, item)
        files = "; ".join(f"{c['file']} row {c['row']}, grade {c['grade']} (SHA-256 {c['sha256'][:12]}…)"
                          for c in cites)
        self.provenance_title.setText(f"Link {link_id} comes from {files}")

    def _link_selected(self) -> None:
        link_id = self.selected_link()
        if link_id is not None:
            self.show_provenance(link_id)

    def _link_double_clicked(self, row: int, column: int) -> None:
        item = self.links.item(row, 0)
        if item is not None:
            self.entityActivated.emit(int(item.data(Qt.ItemDataRole.UserRole + 2)))

    # ---- editing -----------------------------------------------------------------------
    def _role_chosen(self, index: int) -> None:
        if self._loading or self.entity_id is None or self.case is None:
            return
        role = self.role.itemText(index)
        current = self.case.entity(self.entity_id).role or "unknown"
        if role != current:
            self.editRequested.emit(self.entity_id, {"role": role})

    def _minor_clicked(self, checked: bool) -> None:
        if self._loading or self.entity_id is None:
            return
        self.editRequested.emit(self.entity_id, {"minor": bool(checked)})
