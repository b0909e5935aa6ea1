"""One bad value costs only itself: the record is kept, the value is set aside with its reason and counted."""

from __future__ import annotations

from pathlib import Path

from linkgraph.case import CaseFile, ImportSession, verify_connection
from linkgraph.cli import main


def test_set_aside_value_is_kept_apart_from_rejected_rows(case_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "calls.csv"
    source.write_text("from,to,imei\n2095550123,2095550188,35-209900-176148-9\n", encoding="utf-8")
    with CaseFile.open(case_path) as case:
        with ImportSession(case, source, kind="phone") as session:
            a = session.entity("Phone", "+12095550123", "(209) 555-0123", row=2)
            b = session.entity("Phone", "+12095550188", "(209) 555-0188", row=2)
            session.link("call", a, b, row=2, start=1_700_000_000)
            session.set_aside(2, "imei", "35-209900-176148-9", "IMEI: bad check digit")
            session.assume("time zone", "America/Los_Angeles (the case's)")
        result = session.result
        assert result.rows_rejected == 0
        assert result.set_aside == {"IMEI: bad check digit": 1}
        assert result.assumed == {"time zone": "America/Los_Angeles (the case's)"}
        assert case.rejected_rows() == []
        assert case.set_aside_values() == [{"source_id": result.source_id, "row": 2, "column": "imei",
                                            "reason": "IMEI: bad check digit", "value": "35-209900-176148-9"}]
        assert case.source(result.source_id).options["assumed"] == {"time zone": "America/Los_Angeles (the case's)"}
        assert verify_connection(case.conn).ok


def test_info_lists_set_aside_values(case_path: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "calls.csv"
    source.write_text("from,to\n2095550123,2095550188\n", encoding="utf-8")
    with CaseFile.open(case_path) as case:
        with ImportSession(case, source, kind="phone") as session:
            session.entity("Phone", "+12095550123", "(209) 555-0123", row=2)
            session.set_aside(2, "to", "2095550188x", "not a phone number")
    assert main(["info", str(case_path)]) == 0
    out = capsys.readouterr().out
    assert "1 values set aside (their records kept)" in out
    assert "not a phone number" in out
    assert "rejected rows" not in out
