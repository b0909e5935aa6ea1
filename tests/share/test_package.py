"""Case packages: round trip, verify, tampering detected, crafted archives refused, nothing written outside."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from importers import import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile, verify_connection
from linkgraph.case.audit import entries
from linkgraph.cli import main
from linkgraph.errors import InputError
from linkgraph.share.package import create_package, package_manifest, unpack_package, verify_package
from sample_cases.build import sample_dir

PASSPHRASE = "long enough passphrase"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def content(path: Path, passphrase: str | None = None) -> dict:
    """What a case holds, for comparing a case before packaging with the one unpacked."""
    with CaseFile.open(path, passphrase=passphrase, read_only=True) as case:
        return {
            "counts": case.counts(),
            "entities": case.conn.execute("SELECT * FROM entities ORDER BY id").fetchall(),
            "links": case.conn.execute("SELECT * FROM links ORDER BY id").fetchall(),
            "rows": case.conn.execute("SELECT * FROM source_rows ORDER BY source_id, row").fetchall(),
            "sources": [(s.name, s.sha256) for s in case.sources()],
        }


def rewrite(package: Path, target: Path, change: dict[str, bytes | None], extra: dict[str, bytes] | None = None) -> Path:
    """A copy of `package` with some members' bytes replaced (None drops the member) and extra members added."""
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = change.get(info.filename, source.read(info.filename))
            if data is not None:
                out.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return target


def test_round_trip_keeps_content_and_hashes(agency_copy, tmp_path: Path) -> None:
    case_path = agency_copy("HSI")
    package = tmp_path / "hsi.lgpkg"
    result = create_package(case_path, package, include_sources=True, source_dirs=[sample_dir()])
    assert result.sha256 == sha(package)
    assert result.sources_included == [1, 2] and result.sources_missing == []
    manifest = package_manifest(package)
    assert [f["path"] for f in manifest["files"]] == [
        "case/agency2.lgcase", "sources/1-ads_vibelist.csv", "sources/2-phone_attribution.csv"]
    assert manifest["case"]["agency"] == "HSI"
    report = verify_package(package)
    assert report.ok, report.problems
    out = tmp_path / "received"
    written = unpack_package(package, out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == [
        "case/agency2.lgcase", "sources/1-ads_vibelist.csv", "sources/2-phone_attribution.csv"]
    for entry in manifest["files"]:
        assert sha(out / entry["path"]) == entry["sha256"]
    assert sha(out / "sources/2-phone_attribution.csv") == sha(sample_dir() / "phone_attribution.csv")
    assert content(out / "case/agency2.lgcase") == content(case_path)
    with CaseFile.open(out / "case/agency2.lgcase", read_only=True) as received:
        assert verify_connection(received.conn).ok
        last = entries(received.conn)[-1]
        assert last["action"] == "package" and last["details"]["package"] == "hsi.lgpkg"
    with CaseFile.open(case_path, read_only=True) as original:  # the sender's case records the packaging too
        assert entries(original.conn)[-1]["action"] == "package"


def test_sources_left_out_unless_asked_and_changed_originals_refused(tmp_path: Path) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("From,To,Relationship\nAna Diaz,Ben Cole,associate_of\n", encoding="utf-8")
    second.write_text("From,To,Relationship\nBen Cole,Cy Dunn,associate_of\n", encoding="utf-8")
    case_path = tmp_path / "small.lgcase"
    with CaseFile.create(case_path) as case:
        for sheet in (first, second):
            import_file(case, sheet, ImportOptions(kind="links"))
    plain = create_package(case_path, tmp_path / "no_sources.lgpkg")
    assert [f["role"] for f in plain.files] == ["case"]
    first.write_text("From,To,Relationship\nAna Diaz,Ben Cole,family_of\n", encoding="utf-8")  # edited since
    result = create_package(case_path, tmp_path / "some.lgpkg", include_sources=True)
    assert result.sources_included == [2]
    assert [(m["file"], m["reason"]) for m in result.sources_missing] == [
        ("first.csv", "original file not found with the same SHA-256")]
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "first.csv").write_text("From,To,Relationship\nAna Diaz,Ben Cole,associate_of\n", encoding="utf-8")
    found = create_package(case_path, tmp_path / "all.lgpkg", include_sources=True, source_dirs=[kept])
    assert found.sources_included == [1, 2] and verify_package(tmp_path / "all.lgpkg").ok


def test_tampered_member_is_detected(agency_copy, tmp_path: Path) -> None:
    package = tmp_path / "hsi.lgpkg"
    create_package(agency_copy("HSI"), package, include_sources=True, source_dirs=[sample_dir()])
    with zipfile.ZipFile(package) as archive:
        original = archive.read("sources/2-phone_attribution.csv")
    tampered = rewrite(package, tmp_path / "tampered.lgpkg",
                       {"sources/2-phone_attribution.csv": original.replace(b"555-0101", b"555-0109")})
    report = verify_package(tampered)
    assert not report.ok
    assert report.problems == [
        "'sources/2-phone_attribution.csv' SHA-256 differs from the manifest (the file was changed)"]
    with pytest.raises(InputError, match="SHA-256 differs"):
        unpack_package(tampered, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []  # nothing half-written
    dropped = rewrite(package, tmp_path / "dropped.lgpkg", {"sources/1-ads_vibelist.csv": None})
    assert verify_package(dropped).problems == [
        "'sources/1-ads_vibelist.csv' is in the manifest but missing from the package"]


def test_tampered_audit_entry_in_a_packaged_case_is_detected(agency_copy, tmp_path: Path) -> None:
    case_path = agency_copy("HSI")
    package = tmp_path / "hsi.lgpkg"
    create_package(case_path, package)
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        case_bytes = archive.read("case/agency2.lgcase")
    edited = tmp_path / "edited.lgcase"
    edited.write_bytes(case_bytes)
    conn = sqlite3.connect(edited)
    conn.execute("UPDATE audit SET user = 'someone else' WHERE seq = 2")
    conn.commit()
    conn.close()
    # the forger also rewrites the manifest's hash: the members match, the audit chain does not
    manifest["files"][0].update(sha256=sha(edited), size=edited.stat().st_size)
    forged = rewrite(package, tmp_path / "forged.lgpkg",
                     {"case/agency2.lgcase": edited.read_bytes(), "manifest.json": json.dumps(manifest).encode()})
    report = verify_package(forged)
    assert report.problems == ["case: audit entry 2: 'import' entry was edited after it was written"]
    assert main(["verify", str(forged)]) == 2


@pytest.mark.parametrize("name", ["../escaped.txt", "/tmp/absolute.txt", "case/../../escaped.txt",
                                  "sources\\..\\..\\escaped.txt", "C:/escaped.txt", "sources/a/../../../x.txt",
                                  "sources/CON", "sources/aux.txt", "sources/trailing. "])
def test_crafted_paths_are_refused_before_anything_is_written(agency_copy, tmp_path: Path, name: str) -> None:
    package = tmp_path / "hsi.lgpkg"
    create_package(agency_copy("HSI"), package)
    manifest = package_manifest(package)
    manifest["files"].append({"path": name, "sha256": hashlib.sha256(b"evil").hexdigest(), "size": 4,
                              "role": "source"})
    crafted = rewrite(package, tmp_path / "crafted.lgpkg", {"manifest.json": json.dumps(manifest).encode()},
                      extra={name: b"evil"})
    target = tmp_path / "deep" / "out"
    with pytest.raises(InputError, match="refused to unpack"):
        unpack_package(crafted, target)
    assert not target.exists()
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "deep" / "escaped.txt").exists()
    assert not Path("/tmp/absolute.txt").exists()
    report = verify_package(crafted)
    assert not report.ok and any("refused" in p for p in report.problems)


def test_symlink_member_is_refused(agency_copy, tmp_path: Path) -> None:
    package = tmp_path / "hsi.lgpkg"
    create_package(agency_copy("HSI"), package)
    manifest = package_manifest(package)
    manifest["files"].append({"path": "sources/link", "sha256": hashlib.sha256(b"/etc/passwd").hexdigest(),
                              "size": 11, "role": "source"})
    link = zipfile.ZipInfo("sources/link")
    link.external_attr = (0o120777 << 16)
    crafted = tmp_path / "link.lgpkg"
    rewrite(package, crafted, {"manifest.json": json.dumps(manifest).encode()})
    with zipfile.ZipFile(crafted, "a") as archive:
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(InputError, match="not a regular file"):
        unpack_package(crafted, tmp_path / "out")
    assert not (tmp_path / "out" / "sources").exists()


def test_not_a_package_and_existing_targets(agency_copy, tmp_path: Path) -> None:
    junk = tmp_path / "junk.lgpkg"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    assert verify_package(junk).problems[0].startswith("junk.lgpkg: not a readable package")
    package = tmp_path / "hsi.lgpkg"
    create_package(agency_copy("HSI"), package)
    out = tmp_path / "out"
    unpack_package(package, out)
    with pytest.raises(InputError, match="exists already"):
        unpack_package(package, out)
    with pytest.raises(Exception, match="exists already"):
        create_package(agency_copy("HSI"), package)


def test_encrypted_case_package_needs_the_passphrase_to_verify(tmp_path: Path) -> None:
    case_path = tmp_path / "secret.lgcase"
    with CaseFile.create(case_path, passphrase=PASSPHRASE, agency="FBI") as case:
        case.add_note(None, "victim interview notes")
    package = tmp_path / "secret.lgpkg"
    create_package(case_path, package, passphrase=PASSPHRASE)
    assert package_manifest(package)["case"]["encrypted"] is True
    with zipfile.ZipFile(package) as archive:
        assert b"victim interview" not in archive.read("case/secret.lgcase")
    assert verify_package(package).problems == [
        "the case inside is encrypted: give its passphrase to check its audit chain"]
    assert verify_package(package, passphrase=PASSPHRASE).ok
    assert main(["verify", str(package), "--passphrase", PASSPHRASE]) == 0


def test_cli_package_unpack_verify(agency_copy, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    case_path = agency_copy("HSI")
    package = tmp_path / "hsi.lgpkg"
    assert main(["package", str(case_path), "-o", str(package), "--sources", "--source-dir", str(sample_dir())]) == 0
    out = capsys.readouterr().out
    assert f"package SHA-256 {sha(package)}" in out
    assert main(["verify", str(package)]) == 0
    assert "hsi.lgpkg: intact" in capsys.readouterr().out
    assert main(["unpack", str(package), "-o", str(tmp_path / "got")]) == 0
    assert (tmp_path / "got" / "case" / "agency2.lgcase").is_file()
    assert main(["verify", str(tmp_path / "got" / "case" / "agency2.lgcase")]) == 0


def test_manifest_and_member_names_carry_no_protected_relative(tmp_path: Path) -> None:
    """A minor's mother named in the case name, the case file's name and a source file's name: the package shows
    her pseudonym where anyone holding the zip can read (the manifest and the member names), encrypted or not."""
    sheet = tmp_path / "rosa_marquez_statement.csv"
    sheet.write_text("From,To,Relationship\nRosa Marquez,Lucia Marquez,family_of\n", encoding="utf-8")
    gone = tmp_path / "Rosa Marquez interview.csv"
    gone.write_text("From,To,Relationship\nLucia Marquez,Dario Vance,associate_of\n", encoding="utf-8")
    case_path = tmp_path / "Rosa Marquez.lgcase"
    with CaseFile.create(case_path, name="Marquez, Rosa: missing daughter") as case:
        import_file(case, sheet, ImportOptions(kind="links"))
        import_file(case, gone, ImportOptions(kind="links"))
        girl = next(e for e in case.entities("Person") if e.label == "Lucia Marquez")
        case.edit_entity(girl.id, role="victim", minor=True)
        mother = next(e for e in case.entities("Person") if e.label == "Rosa Marquez")
        case.add_note(mother.id, "Mother; reported L.M. missing")
    gone.unlink()                                           # listed as missing, by its file name
    result = create_package(case_path, tmp_path / "out.lgpkg", include_sources=True)
    with zipfile.ZipFile(result.path) as archive:
        names = archive.namelist()
        manifest = archive.read("manifest.json").decode("utf-8")
    shown = manifest + "\n".join(names)
    assert "Rosa" not in shown and "rosa" not in shown
    assert "Relative 1" in shown and any(n.startswith("case/") for n in names)
    assert verify_package(result.path).ok
    target = tmp_path / "unpacked"
    unpack_package(result.path, target)
    unpacked = next(target.rglob("*.lgcase"))
    with CaseFile.open(unpacked, read_only=True) as case:     # the receiving agency gets the case as it was
        assert any(e.label == "Rosa Marquez" for e in case.entities("Person"))
