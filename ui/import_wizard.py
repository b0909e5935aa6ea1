"""The import wizard: choose the kind, see the profile detected and the first rows mapped to fields,
change any column by dropdown, see which rows would be rejected and why, save the mapping as a
profile, and import with a progress bar and a Cancel button (a cancelled import changes nothing).

The preview is `importers.preview.preview_import` (the kind's own importer on the first rows, in a
throwaway case) and the import is `importers.import_file`, both on a worker thread.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from importers import available_kinds
from importers.mapping import find_profile, save_profile
from importers.options import ImportOptions
from importers.preview import PREVIEW_ROWS, ImportPreview
from linkgraph.errors import LinkgraphError
from ui import workers

DETECT = "(detect)"
NOT_MAPPED = "(not mapped)"
REJECTED = QColor(255, 221, 221)
REFRESH_DELAY_MS = 250


def _item(value: Any) -> QTableWidgetItem:
    item = QTableWidgetItem("" if value is None else str(value))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def _chosen(combo: QComboBox) -> str | None:
    """The value behind a dropdown's current entry; None for '(detect)' and defaults.

    Entries never carry None as data: PySide6 6.12 drops a reference to None each time such
    data is read back, which in time crashes the interpreter ('deallocating None')."""
    if combo.count() == 0:
        return None
    return str(combo.currentData()) or None


class ImportWizard(QDialog):
    """One file into the open case. `imported(result)` after a successful import."""

    imported = Signal(object)
    importStarting = Signal(object)     # the Job, just before its thread starts
    previewReady = Signal(object)       # the ImportPreview shown

    def __init__(self, case_path: Path, *, timezone: str = "UTC", region: str = "US", file: Path | None = None,
                 passphrase: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a file")
        self.resize(1100, 720)
        self.case_path = Path(case_path)
        self.timezone, self.region = timezone, region
        self.passphrase = passphrase
        self.file: Path | None = None
        self.preview: ImportPreview | None = None
        self.overrides: dict[str, str] = {}
        self.chosen_sheets: list[str] | None = None     # an extraction workbook's sheets to import (None: detected)
        self.shown_sheet: str | None = None             # the sheet whose rows are previewed
        self.preview_job: workers.Job | None = None
        self.import_job: workers.Job | None = None
        self._filling = False
        self.result: Any = None
        self.outcome: str | None = None     # "imported", "cancelled", "failed"

        # file and kind --------------------------------------------------------------------
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText("Choose a file, or drop one on the main window")
        self.browse = QPushButton("Choose file…")
        self.browse.clicked.connect(self.choose_file)
        self.kind = QComboBox()
        self.kind.setObjectName("kind")
        self.kind.addItem(DETECT, "")
        for kind in available_kinds():
            self.kind.addItem(kind, kind)
        self.kind.activated.connect(self._kind_changed)
        self.profile = QComboBox()
        self.profile.setObjectName("profile")
        self.profile.activated.connect(self._profile_changed)
        self.lenient = QCheckBox("Import the good rows and keep the bad ones as rejected (lenient)")
        self.lenient.setToolTip("Off (strict): the first bad row stops the import and nothing is written.")
        self.lenient.toggled.connect(self._lenient_toggled)
        self.amounts = QComboBox()
        self.amounts.setObjectName("amounts")
        self.amounts.setToolTip("Money: which way the amounts point. Detected per file and said on the import "
                                "line; choose one when the detection is wrong.")
        for label, value in (("detect from the file", ""), ("card: purchases positive", "purchases-positive"),
                             ("bank: money out negative", "purchases-negative"),
                             ("unsigned: the type column says debit/credit", "type-column")):
            self.amounts.addItem(label, value)
        self.amounts.activated.connect(lambda _index: self.refresh_preview())
        self.no_header = QCheckBox("The file has no header row (columns are numbered 1, 2, 3…)")
        self.no_header.setObjectName("noHeader")
        self.no_header.toggled.connect(lambda _checked: self.refresh_preview())
        self.dayfirst = QCheckBox("Dates such as 03/04/2024 are day first (used only when no value above 12 "
                                  "settles the order of the whole column)")
        self.dayfirst.setObjectName("dayfirst")
        self.dayfirst.toggled.connect(lambda _checked: self.refresh_preview())
        self.owner = QLineEdit()
        self.owner.setObjectName("owner")
        self.owner.setPlaceholderText("handset's own number (a phone's call log or extraction), e.g. +12095550101")
        self.owner.setToolTip("A handset's log lists one party per row: its own number is the other end. "
                              "An extraction's device-information sheet names it; otherwise give it here.")
        self.owner.editingFinished.connect(self.refresh_preview)
        self.phone_region = QLineEdit()
        self.phone_region.setObjectName("phoneRegion")
        self.phone_region.setMaxLength(2)
        self.phone_region.setPlaceholderText(f"the case's ({region}); e.g. IN for an Indian return")
        self.phone_region.setToolTip("The country whose numbering plan this file's phone numbers are written in "
                                     "(ISO code). A file whose numbers fit another country is refused with the code "
                                     "to give here, rather than read as look-alike numbers.")
        self.phone_region.editingFinished.connect(self.refresh_preview)
        # money: whose statement it is (a Cash App CSV does not name its holder), as --holder / --holder-account
        self.holder = QLineEdit()
        self.holder.setObjectName("holder")
        self.holder.setPlaceholderText("the statement holder's name, e.g. Darnell Haskins")
        self.holder.setToolTip("Money: the person or business whose statement this is, when the file does not "
                               "name them (a Cash App CSV). Same as --holder.")
        self.holder_account = QLineEdit()
        self.holder_account.setObjectName("holderAccount")
        self.holder_account.setPlaceholderText("their account, e.g. $BossD209 or 000123456789")
        self.holder_account.setToolTip("Money: the holder's own account ($cashtag, @handle, account number). "
                                       "Same as --holder-account.")
        # hotel: the property a Booking.com download is from (it does not say), as --hotel
        self.hotel = QLineEdit()
        self.hotel.setObjectName("hotel")
        self.hotel.setPlaceholderText("the property, when the file does not name it (a Booking.com download)")
        self.hotel.setToolTip("Hotel records: the hotel's name. Left empty, a file that names no hotel gets a hotel "
                              "of its own, marked 'not named in the file' and never matched to another by name. "
                              "Same as --hotel.")
        # any kind: the zone of the file's times written without an offset, as --source-tz
        self.source_tz = QLineEdit()
        self.source_tz.setObjectName("sourceTz")
        self.source_tz.setPlaceholderText("the layout's zone (Venmo: UTC), else the case's zone")
        self.source_tz.setToolTip("The time zone of this file's times when they carry no offset and it differs "
                                  "from the layout's or the case's (an IANA name such as America/New_York). "
                                  "The preview says which zone is used and why. Same as --source-tz.")
        zones = QCompleter(sorted(available_timezones()), self.source_tz)
        zones.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        zones.setFilterMode(Qt.MatchFlag.MatchContains)
        self.source_tz.setCompleter(zones)
        for edit in (self.holder, self.holder_account, self.hotel, self.source_tz):
            edit.editingFinished.connect(self.refresh_preview)
        self.grade = QComboBox()
        self.grade.addItem("default for this kind", "")
        for grade in ("A1", "A2", "B1", "B2", "B3", "C3", "D4", "E5"):
            self.grade.addItem(grade, grade)

        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("File", file_row)
        form.addRow("Kind of records", self.kind)
        form.addRow("Layout (profile)", self.profile)
        form.addRow("Handset owner", self.owner)
        form.addRow("Phone region", self.phone_region)
        form.addRow("Source grade", self.grade)
        form.addRow("Amounts (money)", self.amounts)
        holder_row = QHBoxLayout()
        holder_row.addWidget(self.holder, 1)
        holder_row.addWidget(self.holder_account, 1)
        form.addRow("Statement holder (money)", holder_row)
        form.addRow("Hotel name (hotel)", self.hotel)
        form.addRow("Time zone of the file", self.source_tz)
        form.addRow("", self.no_header)
        form.addRow("", self.dayfirst)
        form.addRow("", self.lenient)

        # mapping and preview ------------------------------------------------------------
        self.mapping = QTableWidget(0, 2)
        self.mapping.setObjectName("mapping")
        self.mapping.setHorizontalHeaderLabels(["field", "column in the file"])
        self.mapping.verticalHeader().setVisible(False)
        self.mapping.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.mapping.horizontalHeader().setStretchLastSection(True)
        self.save_name = QLineEdit()
        self.save_name.setPlaceholderText("name for this layout, e.g. county-jail-calls")
        self.save_button = QPushButton("Save mapping as profile")
        self.save_button.clicked.connect(self.save_mapping)
        mapping_box = QGroupBox("Columns → fields")
        mapping_layout = QVBoxLayout(mapping_box)
        mapping_layout.addWidget(self.mapping, 1)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_name, 1)
        save_row.addWidget(self.save_button)
        mapping_layout.addLayout(save_row)

        self.rows = QTableWidget(0, 0)
        self.rows.setObjectName("previewRows")
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows.verticalHeader().setVisible(False)
        self.verdict = QLabel("")
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        self.problem = QLabel("")
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        preview_box = QGroupBox(f"The first {PREVIEW_ROWS} rows as they would be read")
        self.preview_box = preview_box
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.problem)
        preview_layout.addWidget(self.rows, 1)
        preview_layout.addWidget(self.verdict)

        self.sheets = QTableWidget(0, 4)
        self.sheets.setObjectName("sheets")
        self.sheets.setHorizontalHeaderLabels(["import", "sheet", "imported as", "layout / note"])
        self.sheets.verticalHeader().setVisible(False)
        self.sheets.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sheets.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.sheets.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sheets.horizontalHeader().setStretchLastSection(True)
        self.sheets.itemChanged.connect(self._sheet_ticked)
        self.sheets.cellClicked.connect(lambda row, _column: self._sheet_clicked(row))
        self.sheets_box = QGroupBox("Sheets of the workbook: tick the ones to import, click one to preview it")
        sheets_layout = QVBoxLayout(self.sheets_box)
        sheets_layout.addWidget(self.sheets)
        self.sheets_box.setVisible(False)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(mapping_box)
        split.addWidget(preview_box)
        split.setStretchFactor(1, 3)
        split.setSizes([340, 760])

        # progress and buttons -----------------------------------------------------------
        self.status = QLabel("")
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.import_button = QPushButton("Import")
        self.import_button.setObjectName("importButton")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self.cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.bar, 1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.sheets_box)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REFRESH_DELAY_MS)
        self.timer.timeout.connect(self.refresh_preview)
        self._update_buttons()
        if file is not None:
            self.set_file(Path(file))

    # ---- choosing ----------------------------------------------------------------------
    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose a file to import", str(self.file.parent if self.file else Path.home()),
            "Records (*.csv *.tsv *.txt *.xlsx *.xls *.xlsm *.json *.jsonl *.ndjson *.ofx *.qfx);;All files (*)")
        if name:
            self.set_file(Path(name))

    def set_file(self, file: Path) -> None:
        """Preview a new file from scratch (kind and profile detected)."""
        self.file = file
        self.file_edit.setText(str(file))
        self.overrides = {}
        self.chosen_sheets, self.shown_sheet = None, None
        self.kind.setCurrentIndex(0)
        self.profile.clear()
        self.refresh_preview()

    def options(self) -> ImportOptions:
        """The options the user has set, as `importers.import_file` takes them."""
        extra = {name: value for name, value in (
            ("amounts", _chosen(self.amounts)), ("no_header", self.no_header.isChecked() or None),
            ("dayfirst", True if self.dayfirst.isChecked() else None),
            ("owner", self.owner.text().strip()), ("holder", self.holder.text().strip()),
            ("holder_account", self.holder_account.text().strip()), ("hotel", self.hotel.text().strip()))
            if value}
        if self.chosen_sheets is not None:
            extra["sheets"] = list(self.chosen_sheets)
        return ImportOptions(
            kind=_chosen(self.kind), profile=_chosen(self.profile), mapping=dict(self.overrides),
            tz=self.source_tz.text().strip() or None, strict=not self.lenient.isChecked(), grade=_chosen(self.grade),
            extra=extra, region=self.phone_region.text().strip().upper() or None,
        )

    # ---- sheets of a workbook ------------------------------------------------------------
    def choose_sheets(self, names: list[str]) -> None:
        """Import these sheets of the workbook (the ticks in the sheets list) and preview again."""
        self.chosen_sheets = list(names)
        self.refresh_preview()

    def show_sheet(self, name: str) -> None:
        """Preview the rows of this sheet (what clicking it in the sheets list does)."""
        if name != self.shown_sheet:
            self.shown_sheet = name
            self.overrides = {}
            self.refresh_preview()

    def _sheet_ticked(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 0:
            return
        names = [self.sheets.item(row, 1).text() for row in range(self.sheets.rowCount())
                 if self.sheets.item(row, 0).checkState() == Qt.CheckState.Checked]
        self.choose_sheets(names)

    def _sheet_clicked(self, row: int) -> None:
        sheet = self.sheets.item(row, 1)
        if sheet is not None and self.preview is not None:
            entry = next((e for e in self.preview.sheets if e["name"] == sheet.text()), None)
            if entry is not None and entry["what"] in ("calls", "contacts", "messages"):
                self.show_sheet(sheet.text())

    def _show_sheets(self, found: ImportPreview) -> None:
        self.sheets_box.setVisible(bool(found.sheets))
        self.sheets.setRowCount(len(found.sheets))
        for row, entry in enumerate(found.sheets):
            tick = QTableWidgetItem("")
            importable = entry["what"] in ("calls", "contacts", "messages")
            if importable:
                tick.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                              | Qt.ItemFlag.ItemIsSelectable)
                tick.setCheckState(Qt.CheckState.Checked if entry["chosen"] else Qt.CheckState.Unchecked)
            else:
                tick.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.sheets.setItem(row, 0, tick)
            shown = entry["name"] == found.sheet
            self.sheets.setItem(row, 1, _item(entry["name"]))
            what = entry["what"] + (" (previewed below)" if shown else "")
            self.sheets.setItem(row, 2, _item(what))
            self.sheets.setItem(row, 3, _item(entry["profile"] or entry["note"]))
            if shown:
                self.sheets.selectRow(row)
        self.sheets.resizeColumnsToContents()
        self.sheets.setMaximumHeight(60 + 26 * min(len(found.sheets), 6))

    def _kind_changed(self, _index: int) -> None:
        self.overrides = {}
        self.profile.clear()
        self.refresh_preview()

    def _profile_changed(self, _index: int) -> None:
        self.overrides = {}
        self.refresh_preview()

    def set_mapping(self, field: str, column: str) -> None:
        """Map `field` to `column` (what the dropdown does) and preview again."""
        self.overrides[field] = column
        for row in range(self.mapping.rowCount()):
            combo = self.mapping.cellWidget(row, 1)
            if isinstance(combo, QComboBox) and combo.property("field") == field:
                self._filling = True
                combo.setCurrentText(column)
                self._filling = False
        self.timer.start()

    def _mapping_chosen(self, combo: QComboBox) -> None:
        if self._filling:
            return
        column = combo.currentText()
        if column == NOT_MAPPED:
            return
        self.set_mapping(str(combo.property("field")), column)

    # ---- preview -----------------------------------------------------------------------
    def refresh_preview(self) -> None:
        """Run the preview on a worker thread; a newer request makes an older answer stale."""
        if self.file is None:
            return
        from importers import document_kind

        unreadable = document_kind(self.file) if self.file.is_file() else None
        if unreadable:                 # a PDF or Word file: say so, rather than "cannot tell what kind"
            self.preview_job = None
            self._preview_failed(f"{self.file.name} is {unreadable}, which linkgraph does not import: it reads "
                                 "records as CSV, TSV, Excel or JSON files. Ask the provider for the records in one "
                                 "of those, or copy the tables out of the document into a CSV first.")
            return
        options = self.options()
        options.strict = False
        if self.shown_sheet:
            options.extra["preview_sheet"] = self.shown_sheet
            options.extra["mapping_sheet"] = self.shown_sheet
        job = workers.Job("Previewing", workers.preview_work(self.file, options, self.timezone, self.region))
        job.done.connect(self._preview_done)
        self.preview_job = job
        self.status.setText("Reading the file…")
        self._update_buttons()
        workers.start(job)

    @property
    def previewing(self) -> bool:
        return self.preview_job is not None and self.preview_job.outcome is None

    def _preview_done(self, job: workers.Job) -> None:
        if job is not self.preview_job:
            return          # an older preview, overtaken by a newer request
        self._update_buttons()
        if job.outcome == "succeeded":
            self._previewed(job.result)
        elif job.outcome == "failed":
            self._preview_failed(job.error or "cannot preview this file")

    def _previewed(self, found: ImportPreview) -> None:
        self.preview = found
        self.status.setText("")
        self._show_preview(found)
        self._update_buttons()
        self.previewReady.emit(found)

    def _preview_failed(self, message: str) -> None:
        self.preview = None
        self.status.setText("")
        if _chosen(self.kind) is None and "what kind of records" in message:
            message = message.split(";")[0] + ": choose the kind of records above."
        self.problem.setText(message)
        self.sheets_box.setVisible(False)
        self.rows.setRowCount(0)
        self.mapping.setRowCount(0)
        self.verdict.setText("")
        self._update_buttons()

    def _show_preview(self, found: ImportPreview) -> None:
        self._filling = True
        try:
            if _chosen(self.kind) is None:
                self.kind.setItemText(0, f"{DETECT}: {found.kind}")
            if self.profile.count() == 0:
                self.profile.addItem(f"{DETECT}: {found.profile}" if found.detected else DETECT, "")
                for name in found.profiles:
                    self.profile.addItem(name, name)
            elif _chosen(self.profile) is None:
                self.profile.setItemText(0, f"{DETECT}: {found.profile}")
            self._show_sheets(found)
            self._show_mapping(found)
            self._show_rows(found)
        finally:
            self._filling = False

    def _show_mapping(self, found: ImportPreview) -> None:
        self.mapping.setRowCount(len(found.fields))
        for row, field in enumerate(found.fields):
            required = any(field in option.split("|") for option in found.required)
            self.mapping.setItem(row, 0, _item(field + (" *" if required else "")))
            combo = QComboBox()
            combo.setProperty("field", field)
            combo.setObjectName(f"map_{field}")
            if field not in found.mapping:
                combo.addItem(NOT_MAPPED)
            combo.addItems(found.columns)
            if field in found.mapping:
                combo.setCurrentText(found.mapping[field])
            combo.activated.connect(lambda _i, c=combo: self._mapping_chosen(c))
            self.mapping.setCellWidget(row, 1, combo)

    def _show_rows(self, found: ImportPreview) -> None:
        fields = [f for f in found.fields if f in found.mapping]
        headers = ["row", *(f"{f}\n({found.mapping[f]})" for f in fields), "rejected because"]
        self.rows.clear()
        self.rows.setColumnCount(len(headers))
        self.rows.setHorizontalHeaderLabels(headers)
        why: dict[int, str] = {}
        for rejected in found.rejected:
            where = f" [{rejected['column']}]" if rejected.get("column") else ""
            why[rejected["row"]] = why.get(rejected["row"], "") + rejected["reason"] + where
        self.rows.setRowCount(len(found.rows))
        for index, row in enumerate(found.rows):
            cells = [row["row"], *(row["values"].get(f, "") for f in fields), why.get(row["row"], "")]
            for column, value in enumerate(cells):
                item = _item(value)
                if row["row"] in why:
                    item.setBackground(QBrush(REJECTED))
                    item.setToolTip(why[row["row"]])
                self.rows.setItem(index, column, item)
        self.rows.resizeColumnsToContents()
        for column in range(self.rows.columnCount()):
            self.rows.setColumnWidth(column, min(self.rows.columnWidth(column), 280))
        self._show_verdict(found)

    def _show_verdict(self, found: ImportPreview) -> None:
        self.problem.setText(found.problem or "")
        if found.problem:
            self.verdict.setText("Map the missing fields with the dropdowns, then import.")
            return
        bad = len({r["row"] for r in found.rejected})
        shown = found.rows_read
        self.preview_box.setTitle(f"The first {shown:,} rows as they would be read" if shown >= PREVIEW_ROWS
                                  else f"All {shown:,} rows as they would be read")
        text = (f"Of {'the first ' if shown >= PREVIEW_ROWS else ''}{shown:,} rows, {shown - bad:,} read cleanly and would make {found.entities:,} "
                f"entities and {found.links:,} links.")
        if bad:
            text += (f" {bad:,} would be rejected (shaded; the reason is in the last column). "
                     + ("They will be kept as rejected rows." if self.lenient.isChecked()
                        else "In strict mode the first of them stops the import: fix the mapping or tick lenient."))
        if found.set_aside:
            reasons = Counter(v["reason"] for v in found.set_aside)
            text += (f" {len(found.set_aside):,} values would be set aside, their records kept: "
                     + "; ".join(f"{n:,} {reason}" for reason, n in reasons.most_common()) + ".")
        if found.assumed:
            text += " Assumed: " + "; ".join(f"{name} {value}" for name, value in found.assumed.items()) + "."
        self.verdict.setText(text)

    # ---- saving the mapping ------------------------------------------------------------
    def save_mapping(self) -> Path | None:
        """Save the mapping shown as a named profile (the user's profile folder), for next time."""
        if self.preview is None or not self.preview.profile:
            return None
        name = self.save_name.text().strip()
        if not name:
            self.save_name.setFocus()
            self.status.setText("Give the layout a name first.")
            return None
        try:
            base = find_profile(self.preview.kind, self.preview.profile)
            path = save_profile(base, self.preview.mapping, name)
        except LinkgraphError as exc:
            from ui.app import show_error

            show_error(self, exc)
            return None
        if self.profile.findData(name) < 0:
            self.profile.addItem(name, name)
        self.status.setText(f"Saved as profile '{name}' ({path}).")
        return path

    # ---- importing ---------------------------------------------------------------------
    def _update_buttons(self) -> None:
        ready = (self.preview is not None and self.preview.importable and not self.previewing
                 and self.import_job is None)
        self.import_button.setEnabled(ready)
        self.save_button.setEnabled(self.preview is not None and self.preview.importable and self.import_job is None)

    def _lenient_toggled(self, _checked: bool) -> None:
        if self.preview is not None:
            self._show_verdict(self.preview)

    def start_import(self) -> workers.Job | None:
        """Import the file with the options shown, on a worker thread, with progress and Cancel."""
        if self.file is None or self.import_job is not None:
            return None
        options = self.options()
        if self.preview is not None:
            options.kind = self.preview.kind
            if self.preview.sheets and self.preview.sheet:
                options.extra["mapping_sheet"] = self.preview.sheet   # column choices made on the sheet shown
        job = workers.Job(f"Importing {self.file.name}", workers.import_work(self.case_path, self.file, options,
                                                                               self.passphrase))
        job.progressed.connect(self._progress)
        job.done.connect(self._import_ended)
        self.import_job = job
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        self.cancel_button.setText("Cancel import")
        self.status.setText(f"Importing {self.file.name}…")
        for widget in self._option_widgets():
            widget.setEnabled(False)
        self._update_buttons()
        self.importStarting.emit(job)
        workers.start(job)
        return job

    def _option_widgets(self) -> tuple[QWidget, ...]:
        """What the user may not change while an import runs."""
        return (self.kind, self.profile, self.mapping, self.browse, self.lenient, self.grade, self.amounts,
                self.no_header, self.dayfirst, self.owner, self.holder, self.holder_account, self.hotel, self.source_tz,
                self.phone_region, self.sheets)

    def _progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        if message:
            self.status.setText(message)

    def _finish(self) -> None:
        self.import_job = None
        self.bar.setVisible(False)
        self.cancel_button.setText("Close")
        for widget in self._option_widgets():
            widget.setEnabled(True)
        self._update_buttons()

    def _import_ended(self, job: workers.Job) -> None:
        if job.outcome == "succeeded":
            self._import_done(job.result)
        elif job.outcome == "cancelled":
            self._import_cancelled()
        else:
            self._import_failed(job.error or "the import failed")

    def _import_done(self, result: Any) -> None:
        self.result, self.outcome = result, "imported"
        self._finish()
        aside = sum(getattr(result, "set_aside", {}).values())
        self.status.setText(f"Imported {result.rows_imported:,} rows ({result.rows_rejected:,} rejected"
                            + (f", {aside:,} values set aside" if aside else "") + ").")
        self.imported.emit(result)
        self.accept()

    def _import_failed(self, message: str) -> None:
        self.outcome = "failed"
        self._finish()
        self.status.setText("The import stopped; nothing was written to the case.")
        from ui.app import show_error

        show_error(self, message)

    def _import_cancelled(self) -> None:
        self.outcome = "cancelled"
        self._finish()
        self.status.setText("Import cancelled: the case is unchanged.")

    def cancel_or_close(self) -> None:
        """Cancel a running import (it rolls back), or close the wizard."""
        if self.import_job is not None:
            self.import_job.cancel()
            self.status.setText("Cancelling: undoing what was written…")
            return
        self.reject()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.import_job is not None:
            answer = QMessageBox.question(self, "Import running", "Cancel the import? The case stays as it was.")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.import_job.cancel()
        super().closeEvent(event)
