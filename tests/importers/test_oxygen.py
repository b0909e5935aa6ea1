"""Oxygen Forensic Detective exports: the XLS/XLSX report's 'Contacts ' sheet (Type, Source, Contact, Internet,
Phones & Emails; the sheet name carries a trailing space) and 'Messages' sheet (Source, From, To, Text, Details with
From/To written 'Name <number or app id>'), as public parsers of real Oxygen reports read them. The rows are made up.
No public source gave the column names of Oxygen's call-log sheet, so none is assumed here."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from importers import detect_kind, import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile

OWNER = "+12095550101"


def oxygen_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    contents = book.active
    contents.title = "Table of contents"
    contents.append(["Oxygen Forensic Detective report"])
    contacts = book.create_sheet("Contacts ")
    contacts.append(["Type", "Source", "Contact", "Internet", "Phones & Emails"])
    contacts.append(["Contact", "Phonebook", "Big D", "", "Phone number: +1 209-555-0144\nEmail: bigd@example.com"])
    contacts.append(["Contact (merged)", "WhatsApp", "Nickname: Mama\nFirst name: Rosa\nLast name: Diaz",
                     "WhatsApp ID: 12095550199@s.whatsapp.net", "Mobile: (209) 555-0199"])
    contacts.append(["Account", "WhatsApp", "Me", "WhatsApp ID: 12095550101@s.whatsapp.net", ""])
    contacts.append(["Contact", "Instagram", "nightowl", "Instagram ID: 25130295109", ""])
    messages = book.create_sheet("Messages")
    messages.append(["Source", "Type", "Timestamp", "Text", "From", "To", "Details"])
    messages.append(["WhatsApp", "Chat", "03/01/2024 22:10:00", "new girl at the motel",
                     "Big D <12095550144@s.whatsapp.net>", "Me <12095550101@s.whatsapp.net>", "Read"])
    messages.append(["WhatsApp", "Chat", "03/01/2024 22:12:00", "on my way",
                     "Me <12095550101@s.whatsapp.net>", "Big D <12095550144@s.whatsapp.net>", "Sent"])
    messages.append(["SMS", "Chat", "03/02/2024 08:00:00", "who is this", "+12095550177", "+12095550101", ""])
    book.save(path)
    return path


def _links(case: CaseFile, kind: str) -> list[tuple[str, str, dict]]:
    rows = case.conn.execute(
        "SELECT a.key, b.key, l.attrs FROM links l JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst "
        "WHERE l.type = ? ORDER BY l.row, l.id", (kind,)).fetchall()
    return [(s, d, json.loads(a or "{}")) for s, d, a in rows]


def test_oxygen_contacts_and_messages(case: CaseFile, tmp_path: Path) -> None:
    path = oxygen_workbook(tmp_path / "Oxygen report.xlsx")
    assert detect_kind(path, ImportOptions()) == "extraction"
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert result.rows_rejected == 0
    assert "contacts from Contacts  with profile oxygen-contacts" in result.assumed["kind"]
    assert "messages from Messages with profile oxygen-messages" in result.assumed["kind"]
    knows = _links(case, "knows")
    assert [(s, d, a["saved_name"]) for s, d, a in knows] == [
        (OWNER, "+12095550144", "Big D"), (OWNER, "+12095550199", "Rosa Diaz")]   # one link per saved number
    assert any("own app accounts" in note for note in result.notes)               # the 'Account' row: not a contact
    assert result.set_aside == {"no phone number in the contact's entries": 1}    # the Instagram-only contact
    texts = _links(case, "sms")
    # no direction column: the handset's own number in From makes a message outgoing, in To incoming
    assert [(s, d, a["body"], a["app"]) for s, d, a in texts] == [
        ("+12095550144", OWNER, "new girl at the motel", "WhatsApp"), (OWNER, "+12095550144", "on my way", "WhatsApp"),
        ("+12095550177", OWNER, "who is this", "SMS")]


def test_oxygen_contacts_sheet_alone(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text('Type,Source,Contact,Internet,Phones & Emails\nContact,Phonebook,Big D,,"Phone number: 2095550144"\n',
                    encoding="utf-8")
    assert detect_kind(path, ImportOptions()) == "extraction"
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert result.profile == "oxygen-contacts"
    assert [(s, d) for s, d, _ in _links(case, "knows")] == [(OWNER, "+12095550144")]
