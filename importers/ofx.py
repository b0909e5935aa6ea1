"""OFX/QFX bank and card downloads (`--kind finance`), read with ofxtools.

Each statement transaction (STMTTRN) becomes one row of a table with the OFX tag names as columns
(DTPOSTED, TRNAMT, NAME, MEMO, TRNTYPE, FITID, CHECKNUM, CURRENCY), so the finance importer treats it
like any statement: OFX amounts are signed from the account's side (money out negative) for bank and
card accounts alike, the FITID is the transaction's reference, and the account id (ACCTID) and the
institution (FI/ORG) name the holder's account.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from importers.mapping import resolve
from importers.options import ImportOptions
from importers.readers import Table
from importers.tabular import MappedTable
from linkgraph.errors import InputError

OFX_SUFFIXES = (".ofx", ".qfx")
COLUMNS = ["DTPOSTED", "TRNAMT", "NAME", "MEMO", "TRNTYPE", "FITID", "CHECKNUM", "CURRENCY", "ACCTID"]


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
    try:
        with path.open("rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore")      # banks' private tags (<INTU.BID>) are skipped, not shown to the user
            tree.parse(handle)
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
    return MappedTable(path, table, detection)
