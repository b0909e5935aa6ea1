"""OFX/QFX bank and card downloads (`--kind finance`), read with ofxtools.

Each statement transaction (STMTTRN) becomes one row of a table with the OFX tag names as columns
(DTPOSTED, TRNAMT, NAME, MEMO, TRNTYPE, FITID, CHECKNUM, CURRENCY), so the finance importer treats it
like any statement: OFX amounts are signed from the account's side (money out negative) for bank and
card accounts alike, the FITID is the transaction's reference, and the account id (ACCTID) and the
institution (FI/ORG) name the holder's account.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from importers.mapping import resolve
from importers.options import ImportOptions
from importers.readers import Table
from importers.tabular import MappedTable
from linkgraph.errors import InputError

OFX_SUFFIXES = (".ofx", ".qfx")
COLUMNS = ["DTPOSTED", "TRNAMT", "NAME", "MEMO", "TRNTYPE", "FITID", "CHECKNUM", "CURRENCY", "ACCTID", "PAYEE",
           "DESCRIPTION"]
# NAME is the payee as the bank writes it: a person's name ('TASHA REED'), a merchant's text ('AMZN Mktp
# US*2K4LJ0QX2') or the bank's own wording ('POS PURCHASE', 'WIRE TRANSFER OUT') with the payee in MEMO. Only a
# name written as a person's is taken as the other side's name (PAYEE); everything else is read as a bank
# description (DESCRIPTION = NAME + MEMO), where the merchant table, Zelle and wire wording name the other side.
_BANK_WORDING = re.compile(
    r"\b(?:pos|purchase|withdrawal|deposit|transfer|xfer|payment|pmt|debit|credit|atm|ach|wire|fee|charge|interest|"
    r"dividend|check|cheque|chk|online|mobile|recurring|authorized|bill ?pay|zelle|venmo|paypal|cash ?app|refund|"
    r"reversal|adjustment|service|overdraft|payroll|direct dep|card|visa|mastercard)\b", re.IGNORECASE)
_MERCHANT_WORDS = re.compile(
    r"\b(?:store|stores|market|mart|shop|depot|foods?|cafe|coffee|restaurant|grill|bar|pizza|gas|station|pharmacy|"
    r"drug|club|center|centre|salon|spa|motel|inn|hotel|lodge|suites|auto|repair|wash|liquor|tree|dollar|general|"
    r"express|cleaners|rental|parking|airlines?|taxi|cab|wireless|mobile|insurance|llc|inc|co|corp|company|ltd)\b",
    re.IGNORECASE)
_PERSON_NAME = re.compile(r"[A-Za-z][A-Za-z'.-]*(?:,?\s+[A-Za-z][A-Za-z'.-]*){1,3}")


def payee_name(name: str) -> str:
    """NAME when it is written as a person's name ('TASHA REED', 'Reed, Tasha'), else '' (merchant text or the
    bank's own wording, read as a description instead)."""
    text = " ".join(name.split())
    if _PERSON_NAME.fullmatch(text) and not _BANK_WORDING.search(text) and not _MERCHANT_WORDS.search(text):
        return text
    return ""

# Amount tags whose value a bank sometimes writes with thousands separators ('<TRNAMT>-1,234.56'), which the
# OFX standard does not allow and ofxtools reads wrongly ('1,234' as 1.234) or not at all.
_AMOUNT = re.compile(rb"<(TRNAMT|BALAMT|UNITPRICE|TOTAL|FEES|COMMISSION)>([ \t]*)([^<\r\n]*)", re.IGNORECASE)
_COMMA_GROUPS_POINT = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+\.\d*")       # -1,234.56
_POINT_GROUPS_COMMA = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d*")       # -1.234,56
_COMMA_GROUPS = re.compile(r"[+-]?\d{1,3}(?:,\d{3}){2,}")                # 1,234,567
_POINT_GROUPS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3}){2,}")              # 1.234.567
_ONE_COMMA_GROUP = re.compile(r"[+-]?\d{1,3},\d{3}")                     # 1,234: 1234 or 1.234?
_FITID = re.compile(rb"<FITID>\s*([^<\r\n]*)", re.IGNORECASE)


@dataclass(frozen=True)
class Amounts:
    """What was done to the file's amounts before parsing: how many thousands separators were taken out."""

    normalised: int = 0
    example: str = ""


def _plain_amount(text: str) -> str | None:
    """The amount without thousands separators when they are unambiguous; None when the text has none;
    raises ValueError when it could be read two ways ('1,234': 1234, or 1.234 with a decimal comma)."""
    if _COMMA_GROUPS_POINT.fullmatch(text) or _COMMA_GROUPS.fullmatch(text):
        return text.replace(",", "")
    if _POINT_GROUPS_COMMA.fullmatch(text):
        return text.replace(".", "").replace(",", ".")
    if _POINT_GROUPS.fullmatch(text):
        return text.replace(".", "")
    if _ONE_COMMA_GROUP.fullmatch(text):
        raise ValueError(text)
    return None


def normalise_amounts(data: bytes, path: Path) -> tuple[bytes, Amounts]:
    """The file's bytes with unambiguous thousands separators taken out of its amounts ('-1,234.56' ->
    '-1234.56', '1.234,56' -> '1234.56'); an amount that could be read two ways is refused, naming the
    file, the line and the transaction's FITID."""
    out: list[bytes] = []
    last = 0
    count = 0
    example = ""
    for found in _AMOUNT.finditer(data):
        value = found.group(3).decode("latin-1")
        text = value.strip()
        try:
            plain = _plain_amount(text)
        except ValueError:
            line = data.count(b"\n", 0, found.start()) + 1
            start = data.rfind(b"<STMTTRN>", 0, found.start())
            end = data.find(b"</STMTTRN>", found.end())
            fitid = _FITID.search(data, start if start >= 0 else found.start(), end if end >= 0 else len(data))
            which = f" (FITID {fitid.group(1).decode('latin-1').strip()})" if fitid and start >= 0 else ""
            raise InputError(
                f"OFX/QFX: line {line}{which}: the amount <{found.group(1).decode()}>{text} could be read two ways "
                f"({text.replace(',', '')}, or {text.replace(',', '.')} with a decimal comma, which OFX allows); "
                "nothing was imported: correct the amount in a copy of the file (e.g. "
                f"{text.replace(',', '')}.00) and import the copy", file=path) from None
        if plain is None:
            continue
        count += 1
        example = example or text
        out.append(data[last:found.start(3)])
        out.append(plain.encode("latin-1") + value[len(value.rstrip()):].encode("latin-1"))
        last = found.end(3)
    out.append(data[last:])
    return b"".join(out), Amounts(count, example)


def is_ofx(path: Path) -> bool:
    """Whether a file is an OFX/QFX download (by its name or its first bytes)."""
    if path.suffix.lower() in OFX_SUFFIXES:
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(1024).upper()
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"OFXHEADER") or b"<OFX>" in head


def read_ofx(path: Path, options: ImportOptions) -> MappedTable:
    """The statement transactions of an OFX/QFX file as a mapped table (profile 'ofx')."""
    try:
        from ofxtools.Parser import OFXTree
    except ModuleNotFoundError as exc:
        raise InputError("OFX/QFX: the OFX reader (ofxtools) is not installed in this build; "
                         "pip install ofxtools, or download the statement as CSV", file=path) from exc
    tree = OFXTree()
    data, amounts = normalise_amounts(path.read_bytes(), path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # banks' private tags (<INTU.BID>) are skipped, not shown to the user
            tree.parse(io.BytesIO(data))
            ofx = tree.convert()
    except Exception as exc:          # ofxtools raises its own and ValueError/KeyError kinds for damaged files
        raise InputError(f"OFX/QFX: the file cannot be read as OFX ({type(exc).__name__}: {exc})", file=path) from exc
    rows: list[list[str]] = []
    accounts: list[str] = []
    for statement in getattr(ofx, "statements", []) or []:
        account = getattr(statement, "account", None)
        acctid = str(getattr(account, "acctid", "") or "")
        if acctid:
            accounts.append(acctid)
        currency = str(getattr(statement, "curdef", "") or "")
        for txn in getattr(statement, "transactions", []) or []:
            posted = getattr(txn, "dtposted", None)
            rows.append([
                posted.strftime("%Y-%m-%d %H:%M:%S UTC") if posted is not None else "",
                format(getattr(txn, "trnamt", ""), "f") if getattr(txn, "trnamt", None) is not None else "",
                str(getattr(txn, "name", "") or getattr(getattr(txn, "payee", None), "name", "") or ""),
                str(getattr(txn, "memo", "") or ""),
                str(getattr(txn, "trntype", "") or ""),
                str(getattr(txn, "fitid", "") or ""),
                str(getattr(txn, "checknum", "") or ""),
                str(getattr(txn, "currency", None) and txn.currency.cursym or currency),
                acctid,
            ])
            name, memo = rows[-1][2], rows[-1][3]
            payee = payee_name(name)
            rows[-1].append(payee)
            words = [] if payee else [name]
            if memo and memo not in words:
                words.append(memo)
            rows[-1].append(" ".join(w for w in words if w))
    if not rows:
        raise InputError("OFX/QFX: the file holds no statement transactions (STMTTRN)", file=path)
    frame = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    org = getattr(getattr(getattr(ofx, "signonmsgsrsv1", None), "sonrs", None), "fi", None)
    institution = str(getattr(org, "org", "") or "") if org is not None else ""
    if len(set(accounts)) == 1 and not options.extra.get("holder_account"):
        options.extra["holder_account"] = accounts[0]
    if institution and not options.extra.get("institution"):
        options.extra["institution"] = institution
    titles = [(0, f"OFX statement of account {', '.join(dict.fromkeys(accounts)) or '?'}"
                  + (f" at {institution}" if institution else ""))]
    table = Table(path, list(COLUMNS), frame, np.arange(1, len(rows) + 1, dtype=np.int64), 0, skipped=titles,
                  records=[dict(zip(COLUMNS, row, strict=True)) for row in rows])
    detection = resolve("finance", table.columns, profile=options.profile or "ofx", overrides=options.mapping,
                        file_name=path.name)
    detection.detected = not options.profile           # recognised by its content, not named by the user
    assumed = {}
    if amounts.normalised:
        assumed["thousands separators"] = (f"taken out of {amounts.normalised} amount"
                                           f"{'s' if amounts.normalised != 1 else ''} (e.g. '{amounts.example}'), "
                                           "which the OFX standard does not allow")
    return MappedTable(path, table, detection, assumed)
