"""Reading real export files: header finding, encodings, footers, workbooks, damaged files."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from importers import readers
from importers.mapping import header_scorer
from importers.readers import detect_encoding, list_sheets, read_table
from linkgraph.errors import InputError


def links_score(cells: list[str]) -> float:
    return header_scorer("links")(cells)


def test_title_lines_footer_and_row_numbers(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text(
        "Gang intel summary\nPrepared 2024-03-01\n\nSource,Target,Relationship\n"
        "Andre Price,Marcus Bell,associate\n\nMarcus Bell,East Side Bloods,member\n"
        "Total: 2 records\nThis report is confidential\n",
        encoding="utf-8",
    )
    table = read_table(path, links_score)
    assert table.columns == ["Source", "Target", "Relationship"]
    assert table.header_row == 4
    assert table.frame["Source"].tolist() == ["Andre Price", "Marcus Bell"]
    assert table.row_numbers.tolist() == [5, 7]
    assert [row for row, _ in table.skipped] == [1, 2, 8, 9]
    assert table.encoding == "utf-8"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_encodings(tmp_path, encoding):
    path = tmp_path / "e.csv"
    path.write_text("From,To\nJosé Peña,Zoë Müller\n", encoding=encoding)
    table = read_table(path, links_score)
    assert table.frame.iloc[0].tolist() == ["José Peña", "Zoë Müller"]
    assert table.columns == ["From", "To"]


def test_detect_encoding_without_bom():
    assert detect_encoding("a,b\n".encode("utf-16-le")) == "utf-16-le"
    assert detect_encoding("é".encode("cp1252")) == "cp1252"
    assert detect_encoding("é".encode()) == "utf-8"


def test_tab_and_pipe_delimited(tmp_path):
    tsv = tmp_path / "a.txt"
    tsv.write_text("From\tTo\tDate\nA\tB\t2024-01-02\n", encoding="utf-8")
    assert read_table(tsv, links_score).frame["To"].tolist() == ["B"]
    pipe = tmp_path / "b.txt"
    pipe.write_text("From|To\nA, Jr|B\n", encoding="utf-8")
    assert read_table(pipe, links_score).frame["From"].tolist() == ["A, Jr"]


def test_quoted_line_break_keeps_exact_row_numbers(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('From,To,Notes\nA,B,"two\nlines"\nC,D,x\n', encoding="utf-8")
    table = read_table(path, links_score)
    assert table.frame["Notes"].tolist() == ["two\nlines", "x"]
    assert table.row_numbers.tolist() == [2, 4]


def test_truncated_last_row_is_malformed(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("From,To,Relationship\nA,B,friend\nC,D", encoding="utf-8")
    table = read_table(path, links_score)
    assert table.frame["From"].tolist() == ["A"]
    assert table.malformed[0][0] == 3
    assert "cut short" in table.malformed[0][1]


def test_unclosed_quote_is_reported(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text('From,To\nA,B\nC,"D\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_table(path, links_score)
    assert "u.csv" in str(info.value)


def test_empty_and_headerless_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_table(empty, links_score)
    only_header = tmp_path / "h.csv"
    only_header.write_text("From,To\n", encoding="utf-8")
    with pytest.raises(InputError, match="no data rows"):
        read_table(only_header, links_score)


def test_workbook_picks_sheet_and_header(tmp_path):
    path = tmp_path / "w.xlsx"
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["Subpoena response"])
    data = book.create_sheet("Records")
    data.append(["Carrier records for (209) 555-0101"])
    data.append([])
    data.append(["From", "To", "Date", "Weight"])
    data.append([2095550101, 2095550102, dt.datetime(2024, 3, 5, 14, 2, 11), 2.5])
    data.append([2095550103, 2095550104, dt.datetime(2024, 3, 6, 9, 0, 0), 3])
    data.append(["Total", None, None, None])
    book.save(path)
    assert list_sheets(path) == ["Cover", "Records"]
    table = read_table(path, links_score)
    assert table.sheet == "Records"
    assert table.header_row == 3
    assert table.frame.iloc[0].tolist() == ["2095550101", "2095550102", "2024-03-05 14:02:11", "2.5"]
    assert table.row_numbers.tolist() == [4, 5]
    assert table.frame["Weight"].tolist() == ["2.5", "3"]


def test_broken_workbook(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(InputError, match="broken.xlsx.*not a readable Excel workbook"):
        read_table(path, links_score)


def test_venmo_blank_first_header_cell(tmp_path):
    path = tmp_path / "venmo.csv"
    path.write_text(
        "Account Statement - (@Jay-Smith) ,,,,\nAccount Activity,,,,\n,ID,Datetime,Note,Amount (total)\n"
        ",123,2024-01-02T10:00:00,rent,- $40.00\n",
        encoding="utf-8",
    )
    table = read_table(path, lambda cells: 3.0 if "ID" in cells and "Datetime" in cells else 0.0)
    assert table.columns == ["(blank 1)", "ID", "Datetime", "Note", "Amount (total)"]
    assert table.frame["Amount (total)"].tolist() == ["- $40.00"]


def test_read_head_reads_only_the_start_of_a_big_export(tmp_path):
    """Kind detection reads the header and a sample: a 2 MB export gives its first 200 rows, numbered as in the file."""
    path = tmp_path / "big.csv"
    lines = ["Carrier export", "", "Source,Target,Relationship"]
    lines += [f"Person {i},Person {i + 1},associate {i}" for i in range(60_000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > readers.HEAD_BYTES
    head = readers.read_head(path, links_score)
    assert head.columns == ["Source", "Target", "Relationship"]
    assert head.header_row == 3
    assert len(head) == readers.HEAD_ROWS
    assert head.row_numbers[:2].tolist() == [4, 5] and head.row_numbers[-1] == 3 + readers.HEAD_ROWS
    assert head.frame["Target"].iat[-1] == f"Person {readers.HEAD_ROWS}"


def test_read_head_of_a_quoted_break_past_the_cut_reads_the_whole_file(tmp_path, monkeypatch):
    """A quoted value running over the cut: the head cannot be parsed alone, so the file is read whole."""
    monkeypatch.setattr(readers, "HEAD_BYTES", 64)
    path = tmp_path / "notes.csv"
    path.write_text('Source,Target,Relationship\nA,B,"a note that runs\nover two lines and past the cut"\nC,D,x\n',
                    encoding="utf-8")
    head = readers.read_head(path, links_score)
    assert head.frame["Source"].tolist() == ["A", "C"]
    assert head.row_numbers.tolist() == [2, 4]


def test_workbook_cells_keep_their_type_when_values_are_equal(tmp_path):
    """1, 1.0 and TRUE are equal in Python but read as '1', '1.5', 'TRUE' and dates as ISO text, column by column."""
    path = tmp_path / "mixed.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Source", "Target", "Count"])
    sheet.append(["Ann", "Bo", True])
    sheet.append(["Ann", "Cy", 1])
    sheet.append(["Bo", "Cy", 1.5])
    sheet.append(["Cy", "Di", dt.datetime(2024, 3, 1, 14, 5)])
    sheet.append(["Di", "Ed"])
    book.save(path)
    table = read_table(path, links_score)
    assert table.frame["Count"].tolist() == ["TRUE", "1", "1.5", "2024-03-01 14:05:00", ""]
    assert table.frame["Target"].tolist() == ["Bo", "Cy", "Cy", "Di", "Ed"]


def test_big_export_parsed_in_parallel_keeps_row_numbers_of_odd_rows(tmp_path):
    """Over Arrow's block size the body parses on several threads; a broken row in the middle and the
    notes after the data still get their own line numbers."""
    lines = ["Carrier return", "", "From,To,Date"]
    lines += [f"2095550{i % 1000:03d},2095551{i % 997:03d},03/01/2024" for i in range(150_000)]
    lines[70_003] = "2095550001,broken"                     # line 70,004: two cells
    lines += ["", "Total Records: 150000", "End of report"]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 4 << 20
    table = read_table(path, links_score)
    assert table.header_row == 3
    assert len(table) == 149_999
    assert table.row_numbers[0] == 4 and table.row_numbers[-1] == 150_003
    assert 70_004 not in set(table.row_numbers.tolist())
    assert [(row, reason) for row, reason, _ in table.malformed] == [(70_004, "2 cells where the header has 3")]
    assert [row for row, _ in table.skipped] == [1, 150_004, 150_005, 150_006]
    assert table.frame["To"].iloc[-1] == f"2095551{149_999 % 997:03d}"
    assert table.text is not None and table.text.startswith(b"Carrier return\n")


def test_utf8_export_is_kept_as_its_bytes_and_cp1252_is_converted(tmp_path):
    for encoding, expected in (("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")):
        path = tmp_path / f"{encoding}.csv"
        path.write_text("From,To\nJosé Peña,Zoë Müller\n", encoding=encoding)
        table = read_table(path)
        assert table.encoding == expected
        assert table.text == "From,To\nJosé Peña,Zoë Müller\n".encode()     # UTF-8, no BOM
        assert table.frame["To"].tolist() == ["Zoë Müller"]


def test_quoted_line_break_in_the_last_row_reads_exactly(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('From,To,Note\n2095550101,2095550102,"one\ntwo"\n', encoding="utf-8")
    table = read_table(path)
    assert table.frame["Note"].tolist() == ["one\ntwo"]
    assert table.row_numbers.tolist() == [2]


def test_workbook_text_and_number_columns_become_text(tmp_path):
    path = tmp_path / "w.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["From", "To", "Duration"])
    sheet.append(["2095550101", 2095550102, 75])
    sheet.append(["2095550105", None, None])
    sheet.append(["2095550103", 2095550104.0, 1.5])
    book.save(path)
    table = read_table(path)
    assert table.frame["From"].tolist() == ["2095550101", "2095550105", "2095550103"]
    assert table.frame["To"].tolist() == ["2095550102", "", "2095550104"]
    assert table.frame["Duration"].tolist() == ["75", "", "1.5"]
    assert str(table.frame["To"].dtype) == "str"
