"""Examiner keys, signed audit heads and anchors from the command line; passphrases kept off the command line."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from linkgraph.case import CaseFile, signing, verify_connection
from linkgraph.cli import main
from tests.case.conftest import rechain


def test_key_new_sign_and_verify_an_anchor(case_path: Path, tmp_path: Path, capsys) -> None:
    assert main(["key", "new", "Det. A. Examiner"]) == 0
    key = signing.keys_dir() / signing.KEY_FILE
    assert (key.stat().st_mode & 0o777) == 0o600 and "PRIVATE KEY" in key.read_text()
    assert main(["key", "new", "Again"]) == 1                     # never silently replaced
    capsys.readouterr()
    assert main(["sign", str(case_path)]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("lgsig1:")
    with CaseFile.open(case_path) as case:
        case.add_note(None, "written after the signature")     # later writes are signed too; the old anchor holds
        head = case.meta("audit_head")
    assert main(["verify", str(case_path), "--anchor", token, "--anchor", head]) == 0
    out = capsys.readouterr().out
    assert "your own key, Det. A. Examiner" in out and "1 entries written since" in out
    conn = sqlite3.connect(case_path, isolation_level=None)
    conn.execute("UPDATE notes SET text = 'changed'")
    conn.execute("DELETE FROM meta WHERE key = 'audit_signature'")
    rechain(conn, strip_state=True)                               # a chain recomputed without the key
    conn.close()
    assert main(["verify", str(case_path), "--anchor", token]) == 2
    assert "no entry of this case's audit log has that hash" in capsys.readouterr().out


def test_a_colleagues_key_is_trusted_only_when_given(case_path: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    colleague = tmp_path / "colleague" / "examiner.key"
    signing.new_key("Colleague", colleague)
    monkeypatch.setenv("LINKGRAPH_SIGNING_KEY", str(colleague))
    assert main(["sign", str(case_path)]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    monkeypatch.delenv("LINKGRAPH_SIGNING_KEY")
    assert main(["verify", str(case_path), "--anchor", token]) == 2
    assert "which you do not know" in capsys.readouterr().out
    public = colleague.with_name(colleague.name + ".pub")
    assert main(["verify", str(case_path), "--anchor", token, "--key", str(public)]) == 0
    assert main(["key", "trust", str(public)]) == 0
    assert main(["verify", str(case_path), "--anchor", token]) == 0
    assert "trusted key of Colleague" in capsys.readouterr().out


def test_a_package_carries_the_signature_and_the_packagers_key(case_path: Path, tmp_path: Path) -> None:
    from linkgraph.share.package import create_package, package_manifest, verify_package

    signing.new_key("Packager")
    create_package(case_path, tmp_path / "case.lgpkg")
    info = package_manifest(tmp_path / "case.lgpkg")["case"]
    assert info["audit_signature"].startswith("lgsig1:") and info["signer_public_key"].startswith("linkgraph-ed25519")
    assert verify_package(tmp_path / "case.lgpkg", anchors=[info["audit_signature"]]).ok


def test_new_cases_are_private_and_passphrases_stay_off_the_command_line(tmp_path: Path, monkeypatch) -> None:
    plain = tmp_path / "plain.lgcase"
    assert main(["new", str(plain)]) == 0
    assert (plain.stat().st_mode & 0o777) == 0o600
    monkeypatch.setenv("LINKGRAPH_PASSPHRASE", "correct horse battery")
    secret = tmp_path / "secret.lgcase"
    assert main(["new", str(secret), "--encrypt"]) == 0
    assert (secret.stat().st_mode & 0o777) == 0o600
    with CaseFile.open(secret, passphrase="correct horse battery", read_only=True) as case:
        assert verify_connection(case.conn).ok
    monkeypatch.delenv("LINKGRAPH_PASSPHRASE")
    passfile = tmp_path / "pass.txt"
    passfile.write_text("correct horse battery\n", encoding="utf-8")
    assert main(["verify", str(secret), "--passphrase-file", str(passfile)]) == 0
    assert main(["info", str(secret)]) == 1            # no terminal, no passphrase: one clear line
    assert os.environ.get("LINKGRAPH_PASSPHRASE") is None


def test_the_anchor_an_export_records_proves_the_case(case_path: Path, tmp_path: Path) -> None:
    """The audit head an exhibit prints (recorded in the export's audit entry) is accepted by verify --anchor,
    and refused once the log is rewritten."""
    from linkgraph.case.audit import entries
    from linkgraph.exports import ExportOptions, export

    with CaseFile.open(case_path) as case:
        case.add_note(None, "before the exhibit")
        export(case, "csv", tmp_path / "out", ExportOptions(no_victims_marked=True))
        anchor = entries(case.conn)[-1]["details"]["anchor"]
        assert verify_connection(case.conn, anchors=[anchor]).ok
    conn = sqlite3.connect(case_path, isolation_level=None)
    conn.execute("UPDATE notes SET text = 'after the exhibit'")
    rechain(conn, restate=True)
    conn.close()
    with CaseFile.open(case_path, read_only=True) as case:
        assert not verify_connection(case.conn, anchors=[anchor]).ok
