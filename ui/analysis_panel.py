"""The analysis panel: key players (sortable), communities, number replacements, co-locations,
circuits and indicators from `linkgraph.analysis.analyze`; clicking a row selects its evidence."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from linkgraph.analysis.disruption import TARGET_TYPES

IDS = Qt.ItemDataRole.UserRole + 1

KEY_PLAYER_COLUMNS = [("#", "rank"), ("entity", "label"), ("type", "type"), ("role", "role"), ("degree", "degree"),
                      ("betweenness", "betweenness"), ("pagerank", "pagerank"), ("community", "community"),
                      ("score", "score")]

# finding list -> (tab title, columns: (header, how to read the value))
FINDING_TABS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "communities": ("Groups", [("group", "id"), ("size", "size"), ("members", "members")]),
    "replacements": ("Swaps", [("old", "old"), ("new", "new"), ("similarity", "similarity"),
                                      ("gap (days)", "gap_days"), ("shared contacts", "shared_contacts"),
                                      ("same handset", "shared_devices")]),
    "colocations": ("Together", [("kind", "kind"), ("finding", "summary"), ("records", "evidence")]),
    "circuits": ("Circuits", [("finding", "summary"), ("cities", "distinct_cities"), ("records", "evidence")]),
    "indicators": ("Indicators", [("rule", "title"), ("finding", "summary"), ("weight", "weight"),
                                  ("records", "evidence")]),
}
NAME_MATCH_COLUMNS = [("name", "left"), ("may be", "right"), ("score", "score"), ("why", "reason")]


def evidence_entities(key: str, item: dict[str, Any]) -> list[int]:
    """The entity ids a finding names (its evidence on the chart), in the order it names them."""
    ids: list[int] = []
    if key == "entities":
        ids.append(item["id"])
    elif key == "communities":
        ids.extend(item.get("member_ids", []))
    elif key == "name_matches":
        ids.extend([item["left_id"], item["right_id"]])
    elif key == "replacements":
        ids.extend([item["old_id"], item["new_id"], *item.get("shared_device_ids", []),
                    *item.get("shared_contact_ids", [])])
    for name in ("entity", "place", "ad"):
        ref = item.get(name)
        if isinstance(ref, dict) and "id" in ref:
            ids.append(ref["id"])
    for ref in item.get("entities", []) if key != "entities" else []:
        if isinstance(ref, dict) and "id" in ref:
            ids.append(ref["id"])
        elif isinstance(ref, int):
            ids.append(ref)
    return list(dict.fromkeys(int(i) for i in ids))


def _said(result: dict[str, Any]) -> str:
    """What the analysis left out or sampled (service numbers, a large case's measures), as the command's first
    line says it; the desktop runs the default, so a large case's `--full` is the command's (or a smaller view)."""
    from linkgraph.analysis import left_out_line

    said = left_out_line(result.get("left_out") or {})
    return f"\n{said}" if said else ""


def _cell(value: Any) -> QStandardItem:
    """A table cell that sorts numbers as numbers and shows lists joined."""
    item = QStandardItem()
    if isinstance(value, bool) or value is None:
        item.setData("yes" if value is True else "", Qt.ItemDataRole.DisplayRole)
    elif isinstance(value, int | float):
        item.setData(round(float(value), 4) if isinstance(value, float) else value, Qt.ItemDataRole.DisplayRole)
    elif isinstance(value, list):
        shown = [v.get("label", str(v)) if isinstance(v, dict) else str(v) for v in value]
        if value and isinstance(value[0], dict) and "row" in value[0]:
            item.setData(len(value), Qt.ItemDataRole.DisplayRole)
        else:
            item.setData(", ".join(shown[:12]) + (f" (+{len(shown) - 12})" if len(shown) > 12 else ""),
                         Qt.ItemDataRole.DisplayRole)
    else:
        item.setData(str(value), Qt.ItemDataRole.DisplayRole)
    item.setEditable(False)
    return item


class FindingTable(QTableView):
    """One list of findings as a sortable table; each row remembers the entities it names."""

    def __init__(self, key: str, columns: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.columns = columns
        self.source = QStandardItemModel(0, len(columns), self)
        self.source.setHorizontalHeaderLabels([c[0] for c in columns])
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.setModel(self.proxy)
        self.setObjectName(key)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.setWordWrap(False)

    def set_items(self, items: list[dict[str, Any]]) -> None:
        self.setSortingEnabled(False)
        self.source.removeRows(0, self.source.rowCount())
        for rank, item in enumerate(items, start=1):
            cells = [_cell(rank if field == "rank" else item.get(field)) for _, field in self.columns]
            cells[0].setData(evidence_entities(self.key, item), IDS)
            self.source.appendRow(cells)
        self.setSortingEnabled(True)
        self.proxy.sort(-1)
        self.resizeColumnsToContents()
        for column in range(len(self.columns) - 1):
            self.setColumnWidth(column, min(self.columnWidth(column), 200))

    def row_entities(self, proxy_row: int) -> list[int]:
        """The entity ids named by the row shown at `proxy_row` (after sorting)."""
        source_row = self.proxy.mapToSource(self.proxy.index(proxy_row, 0)).row()
        return list(self.source.item(source_row, 0).data(IDS) or [])


class AnalysisPanel(QWidget):
    """Tabs of findings; `entitiesChosen(ids)` when a row is clicked, `runRequested()` for the Run button."""

    entitiesChosen = Signal(list)
    runRequested = Signal()
    namesRequested = Signal()            # look for persons whose names may be one person
    mergeRequested = Signal(int, int)    # merge the chosen pair (the window asks which to keep)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: dict[str, Any] | None = None
        self.summary = QLabel("No analysis yet: press Run analysis (F5).")
        self.summary.setWordWrap(True)
        self.run_button = QPushButton("Run analysis")
        self.run_button.clicked.connect(self.runRequested)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.run_button)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setExpanding(False)
        self.tables: dict[str, FindingTable] = {}
        self.titles: dict[str, str] = {"entities": "Key players"}
        self._add("entities", "Key players", KEY_PLAYER_COLUMNS)
        for key, (title, columns) in FINDING_TABS.items():
            self.titles[key] = title
            self._add(key, title, columns)
        self.titles["name_matches"] = "Same person?"
        self._add_name_matches()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

    def _add(self, key: str, title: str, columns: list[tuple[str, str]]) -> None:
        table = FindingTable(key, columns)
        table.clicked.connect(lambda index, t=table: self._clicked(t, index.row()))
        table.activated.connect(lambda index, t=table: self._clicked(t, index.row()))
        self.tables[key] = table
        self.tabs.addTab(table, title)

    def _add_name_matches(self) -> None:
        """Persons never merge by themselves: this tab lists names that may be one person, to confirm by hand."""
        table = FindingTable("name_matches", NAME_MATCH_COLUMNS)
        table.clicked.connect(lambda index: self._clicked(table, index.row()))
        table.activated.connect(lambda index: self._clicked(table, index.row()))
        self.tables["name_matches"] = table
        self.find_names = QPushButton("Look for names that may be one person")
        self.find_names.clicked.connect(self.namesRequested)
        self.merge_pair = QPushButton("Merge the chosen pair…")
        self.merge_pair.clicked.connect(self._merge_chosen)
        buttons = QHBoxLayout()
        buttons.addWidget(self.find_names)
        buttons.addStretch(1)
        buttons.addWidget(self.merge_pair)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(table, 1)
        self.tabs.addTab(page, "Same person?")

    def set_name_matches(self, matches: list[dict[str, Any]] | None) -> None:
        """Show suggested same-person pairs (`identity.suggest_name_matches`, best first)."""
        table = self.tables["name_matches"]
        table.set_items(matches or [])
        self.tabs.setTabText(self.tabs.indexOf(table.parentWidget()),
                             f"Same person? ({len(matches)})" if matches is not None else "Same person?")

    def _merge_chosen(self) -> None:
        table = self.tables["name_matches"]
        rows = table.selectionModel().selectedRows()
        if rows:
            left, right = table.row_entities(rows[0].row())[:2]
            self.mergeRequested.emit(left, right)

    def set_result(self, result: dict[str, Any] | None) -> None:
        """Show an analysis result (the dict `analyze` returns), or clear the panel."""
        self.result = result
        for key, table in self.tables.items():
            if key == "name_matches":
                continue
            items = (result or {}).get(key) or []
            if key == "entities":             # ranked as `linkgraph analyze` lists them: hotels, places, ads
                items = [e for e in items if e.get("type") in TARGET_TYPES]     # are in the measures, not the list
            table.set_items(items)
            self.tabs.setTabText(self.tabs.indexOf(table), f"{self.titles[key]} ({len(items)})" if result else
                                 self.titles[key])
        if not result:
            self.summary.setText("No analysis yet: press Run analysis (F5).")
            return
        graph = result.get("graph", {})
        self.summary.setText(
            f"{graph.get('nodes', 0):,} entities, {graph.get('edges', 0):,} ties ({graph.get('view', 'entities')} view), "
            f"{len(result.get('communities', []))} groups, modularity {graph.get('modularity', 0):.2f}"
            + (f" · run {result['run_id']}" if result.get("run_id") else "")
            + _said(result)
        )

    def _clicked(self, table: FindingTable, row: int) -> None:
        ids = table.row_entities(row)
        if ids:
            self.entitiesChosen.emit(ids)
