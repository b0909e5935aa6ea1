"""Encryption at rest: SQLCipher case files, wrong passphrases refused cleanly, encrypt/decrypt audited."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from linkgraph.case import CaseFile, ImportSession, encryption, verify_connection
from linkgraph.case.audit import entries
from linkgraph.cli import main
from linkgraph.errors import CaseFileError

PASSPHRASE = "correct horse battery"
SECRET_NOTE = "victim Jasmine R. interview, room 114"


def make_case(path: Path, passphrase: str | None) -> Path:
    """A case with one imported row and a sensitive note."""
    sheet = path.with_name(path.stem + ".csv")
    sheet.write_text("Person,Phone\nJasmine Reyes,(510) 555-0161\n", encoding="utf-8")
    with CaseFile.create(path, passphrase=passphrase, timezone="America/Los_Angeles") as case:
        with ImportSession(case, sheet, kind="links") as session:
            session.set_header(["Person", "Phone"], 1)
            session.raw_row(2, ["Jasmine Reyes", "(510) 555-0161"])
            person = session.entity("Person", None, "Jasmine Reyes", row=2, role="victim", minor=True)
            phone = session.entity("Phone", "+15105550161", "(510) 555-0161", row=2)
            session.link("uses", person, phone, row=2)
        case.add_note(person, SECRET_NOTE)
    return path


def test_encrypted_case_holds_no_plaintext_and_reopens(tmp_path: Path) -> None:
    path = make_case(tmp_path / "enc.lgcase", PASSPHRASE)
    raw = path.read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    for secret in (b"Jasmine", b"555-0161", b"interview", b"linkgraph"):
        assert secret not in raw
    with CaseFile.open(path, passphrase=PASSPHRASE) as case:
        assert [n["text"] for n in case.notes()] == [SECRET_NOTE]
        assert case.find_entity("Phone", "+15105550161") is not None
        assert verify_connection(case.conn).ok


def test_wrong_or_missing_passphrase_is_refused_cleanly(tmp_path: Path) -> None:
    path = make_case(tmp_path / "enc.lgcase", PASSPHRASE)
    before = path.read_bytes()
    with pytest.raises(CaseFileError, match="wrong passphrase"):
        CaseFile.open(path, passphrase="not the passphrase")
    with pytest.raises(CaseFileError, match="encrypted; give its passphrase"):
        CaseFile.open(path)
    assert path.read_bytes() == before
    assert main(["info", str(path), "--passphrase", "not the passphrase"]) == 1
    plain = make_case(tmp_path / "plain.lgcase", None)
    with pytest.raises(CaseFileError, match="not encrypted; open it without a passphrase"):
        CaseFile.open(plain, passphrase=PASSPHRASE)


def test_short_passphrase_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="at least 8 characters"):
        CaseFile.create(tmp_path / "weak.lgcase", passphrase="short")
    assert not (tmp_path / "weak.lgcase").exists()


def test_encrypt_in_place_and_decrypt_to_a_new_file_are_audited(tmp_path: Path) -> None:
    path = make_case(tmp_path / "case.lgcase", None)
    with CaseFile.open(path, read_only=True) as case:
        links_before = case.conn.execute("SELECT * FROM links").fetchall()
    encryption.encrypt_case(path, PASSPHRASE)
    assert encryption.is_encrypted(path) and b"Jasmine" not in path.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left behind
    with pytest.raises(CaseFileError, match="encrypted already"):
        encryption.encrypt_case(path, PASSPHRASE)
    with CaseFile.open(path, passphrase=PASSPHRASE) as case:
        assert case.conn.execute("SELECT * FROM links").fetchall() == links_before
        assert entries(case.conn)[-1]["action"] == "encrypt"
        assert verify_connection(case.conn).ok
    plain = encryption.decrypt_case(path, PASSPHRASE, tmp_path / "plain.lgcase")
    with CaseFile.open(plain) as case:
        assert [e["action"] for e in entries(case.conn)][-2:] == ["encrypt", "decrypt"]
        assert case.conn.execute("SELECT * FROM links").fetchall() == links_before
        assert verify_connection(case.conn).ok
    encryption.change_passphrase(path, PASSPHRASE, "a brand new passphrase")
    with pytest.raises(CaseFileError, match="wrong passphrase"):
        CaseFile.open(path, passphrase=PASSPHRASE)
    with CaseFile.open(path, passphrase="a brand new passphrase") as case:
        assert entries(case.conn)[-1]["action"] == "change_passphrase"


def test_cli_new_encrypt_decrypt(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "cli.lgcase"
    assert main(["new", str(path), "--passphrase", PASSPHRASE]) == 0
    assert encryption.is_encrypted(path)
    assert main(["verify", str(path), "--passphrase", PASSPHRASE]) == 0
    assert main(["decrypt", str(path), "--passphrase", PASSPHRASE]) == 0
    assert not encryption.is_encrypted(path)
    assert main(["encrypt", str(path), "--passphrase", PASSPHRASE, "-o", str(tmp_path / "copy.lgcase")]) == 0
    assert encryption.is_encrypted(tmp_path / "copy.lgcase") and not encryption.is_encrypted(path)
    capsys.readouterr()
    assert main(["encrypt", str(path), "--passphrase", PASSPHRASE, "-o", str(tmp_path / "copy.lgcase")]) == 1
    assert "exists already" in capsys.readouterr().err


WRITER = r"""
import sys, time
import time
from pathlib import Path
from linkgraph.case import CaseFile
from linkgraph.errors import CaseFileError
path, passphrase, log, stop = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
number = 0
while not stop.exists() or number < 5:
    number += 1
    try:
        key = passphrase if path.read_bytes()[:16] != b"SQLite format 3\x00" else None
        with CaseFile.open(path, passphrase=key, lock=number % 2 == 0) as case:
            case.add_note(None, f"note {number}")
    except CaseFileError:
        continue
    with log.open("a") as handle:
        handle.write(f"note {number}\n")
"""


def test_encrypt_in_place_loses_no_write_committed_by_another_process(case_path: Path, tmp_path: Path) -> None:
    """Another program commits notes while the case is encrypted in place: every note it saw committed is in the
    encrypted case (a conversion holds both locks from export to rename; a writer left on the old file is refused)."""
    import subprocess
    import sys

    log, stop = tmp_path / "committed.txt", tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(case_path), PASSPHRASE, str(log), str(stop)])
    try:
        deadline = time.monotonic() + 60
        while (not log.exists() or len(log.read_text().splitlines()) < 5) and time.monotonic() < deadline:
            time.sleep(0.05)
        encryption.encrypt_case(case_path, PASSPHRASE)
        time.sleep(0.5)
        stop.touch()
        assert writer.wait(timeout=120) == 0
    finally:
        writer.kill()
    committed = set(log.read_text().splitlines())
    with CaseFile.open(case_path, passphrase=PASSPHRASE, read_only=True) as case:
        kept = {note["text"] for note in case.notes()}
        assert verify_connection(case.conn).ok
    assert len(committed) >= 5 and committed <= kept, sorted(committed - kept)[:5]
