"""Hotel records as they come: a PMS reservation export (arrival split into year / month name / day,
weekend + week nights, is_canceled and reservation_status, masked card numbers), a Booking.com download,
the same name told apart by identifiers, and crowd nights at a large hotel. Files in tests/importers/hotels/."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from importers import import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile

HOTELS = Path(__file__).parent / "hotels"


@pytest.fixture
def case(tmp_path: Path):
    found = CaseFile.create(tmp_path / "hotel.lgcase", timezone="America/Los_Angeles")
    yield found
    found.close()


def links(case: CaseFile, *types: str) -> list[dict]:
    marks = ",".join("?" * len(types))
    rows = case.conn.execute(
        f"SELECT l.row, l.type, a.id, a.label, b.label, l.start, l.end, l.attrs FROM links l "
        f"JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst WHERE l.type IN ({marks}) "
        "ORDER BY l.row, l.id", types).fetchall()
    keys = ("row", "type", "src", "guest", "other", "start", "end", "attrs")
    return [{**dict(zip(keys, r, strict=True)), "attrs": json.loads(r[7] or "{}")} for r in rows]


def test_pms_reservations_split_arrival_nights_and_cancellations(case: CaseFile) -> None:
    result = import_file(case, HOTELS / "pms_reservations.csv", ImportOptions(kind="hotel"))
    assert result.profile == "pms-reservations" and result.rows_rejected == 0
    stays = links(case, "stayed_at")
    reserved = links(case, "reserved")
    assert [s["row"] for s in stays] == [2, 3, 6]
    # cancelled and no-show reservations are reservations, never stays
    assert [(r["row"], r["guest"], r["attrs"]["status"]) for r in reserved] == [
        (4, "Mary Jones", "Canceled"), (5, "Lee Park", "No-Show")]
    first = stays[0]
    arrive = datetime.fromtimestamp(first["start"], UTC)
    leave = datetime.fromtimestamp(first["end"], UTC)
    assert (arrive.year, arrive.month, arrive.day) == (2024, 3, 1)          # 2024 / March / 1
    assert (leave - arrive).days == 3 and first["attrs"]["nights"] == 3      # 1 weekend + 2 week nights


def test_same_name_is_one_person_only_when_an_identifier_agrees(case: CaseFile) -> None:
    import_file(case, HOTELS / "pms_reservations.csv", ImportOptions(kind="hotel"))
    stays = {s["row"]: s for s in links(case, "stayed_at")}
    # rows 2 and 6: same phone, e-mail and card -> one John Smith; row 3: other phone, e-mail, card -> another
    assert stays[2]["src"] == stays[6]["src"]
    assert stays[3]["src"] != stays[2]["src"]
    johns = case.conn.execute("SELECT COUNT(*) FROM entities WHERE type = 'Person' AND label = 'John Smith'").fetchone()
    assert johns == (2,)


def test_masked_card_numbers_are_accounts(case: CaseFile) -> None:
    import_file(case, HOTELS / "pms_reservations.csv", ImportOptions(kind="hotel"))
    cards = case.conn.execute(
        "SELECT a.label, b.label, b.attrs FROM links l JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst "
        "WHERE l.type = 'uses' AND b.type = 'Account' ORDER BY b.label").fetchall()
    assert [(c[0], c[1]) for c in cards] == [
        ("Mary Jones", "Card ending 1234"), ("John Smith", "Card ending 4322"), ("Lee Park", "Card ending 5555"),
        ("John Smith", "Card ending 9911")]
    assert json.loads(cards[0][2])["masked"] is True


def test_booking_com_download(case: CaseFile) -> None:
    result = import_file(case, HOTELS / "booking_com.csv", ImportOptions(kind="hotel"))
    assert result.profile == "booking-com"
    stays = links(case, "stayed_at")
    assert [(s["guest"], s["attrs"]["status"]) for s in stays] == [("Kayla Dunn", "ok")]
    booked = links(case, "booked")
    assert [b["guest"] for b in booked] == ["Terrell Okafor"]                # 'Okafor, Terrell'
    reserved = links(case, "reserved")
    assert [(r["guest"], r["attrs"]["status"]) for r in reserved] == [
        ("Terrell Okafor", "cancelled_by_guest"), ("Ana Lopez", "no_show")]
    phones = case.conn.execute("SELECT label, attrs FROM entities WHERE type = 'Phone' ORDER BY label").fetchall()
    assert [p[0] for p in phones] == ["(209) 555-0112", "+52 55 1234 5678"]


def test_crowd_nights_are_marked(case: CaseFile, tmp_path: Path) -> None:
    header = "Folio #,Room,Guest Name,Arrival,Departure\n"
    rows = "".join(f"F{i},{100 + i},Guest Number{i:03d},03/01/2024,03/02/2024\n" for i in range(35))
    rows += "F99,999,Quiet Guest,03/05/2024,03/06/2024\n"
    path = tmp_path / "big_hotel.csv"
    path.write_text(header + rows)
    result = import_file(case, path, ImportOptions(kind="hotel", extra={"hotel": "Big Hotel"}))
    assert any("crowd nights" in note for note in result.notes)
    stays = links(case, "stayed_at")
    crowded = [s for s in stays if s["attrs"].get("crowd")]
    assert len(crowded) == 35 and crowded[0]["attrs"]["crowd_nights"] == ["2024-03-01"]
    quiet = next(s for s in stays if s["guest"] == "Quiet Guest")
    assert "crowd" not in quiet["attrs"]


def test_a_bad_email_is_set_aside_and_the_stay_kept(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text("Folio #,Room,Guest Name,Email,Arrival,Departure\nF1,101,Ana Diaz,ana at example,"
                    "03/01/2024,03/02/2024\n")
    result = import_file(case, path, ImportOptions(kind="hotel"))
    assert result.rows_rejected == 0 and result.set_aside == {"not an e-mail address": 1}
    assert len(links(case, "stayed_at")) == 1
