"""push / cluster run / pull through the CLI, on a PostgreSQL catalogue (a throwaway server on a Unix socket)
and on a folder store: append-only catalogue, audit chain, blind pushes, protected persons, and a pulled
source that `linkgraph verify` covers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from linkgraph.case import CaseFile, ImportSession
from linkgraph.case.integrity import verify_connection
from linkgraph.cli import main
from linkgraph.scale.store import open_store

SECRET = "5f0c2a9e8b7d4c1f3a6e9b2d8c7f1a4e6b3d9c2f8a1e7b4d0c6f3a9e2b8d5c1f"   # a task-force key: 64 hex digits


@pytest.fixture
def cases(seeded_paths: dict[int, Path], tmp_path: Path) -> dict[str, Path]:
    """Fresh copies of the two seeded cases and a third agency's case that bridges them (one call each way)."""
    out = {name: tmp_path / f"{name}.lgcase" for name in ("one", "two")}
    shutil.copy(seeded_paths[1], out["one"])
    shutil.copy(seeded_paths[2], out["two"])
    bridge = tmp_path / "bridge.lgcase"
    CaseFile.create(bridge, name="Bridge", timezone="America/Los_Angeles", agency="Agency C").close()
    source = tmp_path / "bridge.csv"
    source.write_text("a,b,when\n+12095550005,+12105550006,2024-03-02\n", encoding="utf-8")
    with CaseFile.open(bridge) as case, ImportSession(case, source, kind="links") as session:
        session.set_header(["a", "b", "when"], 1)
        session.raw_row(2, ["+12095550005", "+12105550006", "2024-03-02"])
        a = session.entity("Phone", "+12095550005", "+12095550005", row=2)
        b = session.entity("Phone", "+12105550006", "+12105550006", row=2)
        session.link("call", a, b, row=2, start=1_709_380_000, duration=30)
    out["bridge"] = bridge
    return out


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_postgres_push_run_pull(cases: dict[str, Path], postgres_uri: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    store = f"{postgres_uri}&data={tmp_path / 'parquet'}"
    pushes = [_json(capsys, ["push", str(cases[n]), "--store", store, "--json"]) for n in ("one", "two", "bridge")]
    assert all(p["links"] > 0 for p in pushes)
    run = _json(capsys, ["cluster", "run", "--store", store, "--snapshot", "latest", "--engine", "duckdb", "--json"])
    assert len(run["inputs"]) == 3 and run["counts"]["components"] == 1   # the bridge joins both agencies' nets
    assert run["engine"]["engine"] == "duckdb" and run["community"]["modularity"] > 0.3
    assert {"seeds", "parameters", "sample_sizes", "snapshot_digest", "outputs"} <= set(run)
    assert run["sample_sizes"]["betweenness"].startswith("within each group: exact up to 2,000 nodes")
    assert run["betweenness"]["groups"] > 0 and run["seeds"]["betweenness"] == run["parameters"]["seed"]
    outputs = {Path(o["path"]).name: o for o in run["outputs"]}
    assert outputs["circuits.json"]["rows"] == 4 and outputs["indicators.json"]["rows"] > 0   # boss, his phone
    assert any("indicators not run at scale" in note for note in run["notes"])
    pulled = _json(capsys, ["pull", str(cases["one"]), "--store", store, "--run", run["run_id"],
                            "--focus", "+12095550005", "--hops", "2", "--json"])
    assert pulled["kind"] == "cluster" and pulled["links_created"] > 0
    with CaseFile.open(cases["one"], read_only=True) as case:
        report = verify_connection(case.conn)
        assert report.ok, report.as_dict()
        other = case.find_entity("Phone", "+12105550006")     # agency two's phone, two hops away
        assert other is not None
        assert "group_betweenness" in other.attrs["cluster"]     # the run's scores carried along
        cites = case.entity_provenance(other.id)
        assert cites and cites[0]["sha256"] == pulled["sha256"] and "tie" not in cites[0]["raw"]
        actions = [r[0] for r in case.conn.execute("SELECT action FROM audit")]
        assert "scale_push" in actions and actions[-1] == "import"
    circuit = _json(capsys, ["pull", str(cases["one"]), "--store", store, "--run", run["run_id"],
                             "--focus", "+12095550000", "--hops", "0", "--json"])     # the boss's advertised phone
    records = [json.loads(line) for line in Path(circuit["file"]).read_text(encoding="utf-8").splitlines()[1:]]
    found = [r for r in records if r["record"] == "circuit"]
    assert len(found) == 1 and found[0]["cities"] == ["fresno", "modesto", "reno", "fresno"]
    assert all(len(c["source_sha256"]) == 64 and c["row"] > 1 for c in found[0]["links"])
    assert {r["rule"] for r in records if r["record"] == "indicator"} >= {"number_replacement"}
    with open_store(store) as opened:
        assert opened.verify() == []
        import psycopg

        with pytest.raises(psycopg.Error, match="append-only"):
            opened.conn.execute("UPDATE pushes SET agency = 'someone else'")
        with pytest.raises(psycopg.Error, match="append-only"):
            opened.conn.execute("DELETE FROM audit")
        actions = [r[0] for r in opened.query("SELECT action FROM audit ORDER BY seq")]
        assert actions == ["push", "push", "push", "snapshot", "cluster_run"]
        # a changed Parquet file shows
        first = opened.query("SELECT path FROM push_files ORDER BY path LIMIT 1")[0][0]
        (opened.data / first).write_bytes((opened.data / first).read_bytes() + b"x")
        assert any("changed" in problem for problem in opened.verify())


def test_blind_push_keeps_numbers_home(cases: dict[str, Path], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "blindstore"
    secret = tmp_path / "tf.key"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    for name in ("one", "two", "bridge"):
        _json(capsys, ["push", str(cases[name]), "--store", str(store), "--blind", "--secret-file", str(secret),
                       "--json"])
    for path in (store / "data").rglob("*.parquet"):
        text = json.dumps(pq.read_table(path).to_pylist(), default=str)
        assert "+1209" not in text and "+1210" not in text and "Jane 2" not in text and "Boss" not in text
    run = _json(capsys, ["cluster", "run", "--store", str(store), "--engine", "duckdb", "--json"])
    assert run["counts"]["components"] == 1                 # the same numbers met as the same hashes
    assert main(["pull", str(cases["one"]), "--store", str(store), "--run", run["run_id"]]) == 1
    assert "secret" in capsys.readouterr().err
    pulled = _json(capsys, ["pull", str(cases["one"]), "--store", str(store), "--run", run["run_id"],
                            "--secret-file", str(secret), "--focus", "+12095550005", "--json"])
    assert pulled["links_created"] > 0
    with CaseFile.open(cases["one"], read_only=True) as case:
        assert verify_connection(case.conn).ok
        hashed = case.conn.execute("SELECT COUNT(*) FROM entities WHERE key LIKE 'h:%'").fetchone()[0]
        assert hashed > 0                                   # the other agency's phones stay hashes here too


def test_victims_pushed_as_pseudonyms(cases: dict[str, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "plain"
    _json(capsys, ["push", str(cases["one"]), "--store", f"file://{store}", "--json"])
    table = pq.read_table(next((store / "data" / "entities").glob("*.parquet"))).to_pylist()
    protected = [r for r in table if r["protected"]]
    assert protected and all(r["ekey"].startswith("p:") for r in protected)
    text = json.dumps(table)
    assert "Jane 209" not in text and "+12095550003" not in text  # the victim's name and her phone
    assert any(r["label"] == "Boss 209" for r in table)              # a suspect is pushed as he is


def test_mixed_secrets_refused(cases: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "mixed"
    secret = tmp_path / "tf.key"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    _json(capsys, ["push", str(cases["one"]), "--store", str(store), "--json"])
    _json(capsys, ["push", str(cases["two"]), "--store", str(store), "--blind", "--secret-file", str(secret), "--json"])
    assert main(["cluster", "run", "--store", str(store), "--engine", "duckdb"]) == 1
    assert "different task-force secrets" in capsys.readouterr().err
    assert main(["cluster", "run", "--store", str(store), "--engine", "nonsense"]) == 1


def test_store_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cluster", "run", "--store", str(tmp_path / "nowhere"), "--engine", "duckdb"]) == 1
    assert "no store at" in capsys.readouterr().err
    assert main(["cluster", "run", "--store", "postgresql:///nodb?host=/nonexistent", "--engine", "duckdb"]) == 1
    assert "cannot reach" in capsys.readouterr().err


def test_relatives_case_name_and_file_names_pushed_as_pseudonyms(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A minor's mother (a family link) goes as 'Relative 1' like the girl goes as 'Jane Doe 1', and her name is
    taken out of the case name and the source file's name; the note naming her stays home."""
    from importers import import_file
    from importers.options import ImportOptions

    sheet = tmp_path / "rosa_marquez_statement.csv"
    sheet.write_text("From,To,Relationship\nRosa Marquez,Lucia Marquez,family_of\n"
                     "Lucia Marquez,Dario Vance,associate_of\n", encoding="utf-8")
    case_path = tmp_path / "marquez.lgcase"
    with CaseFile.create(case_path, name="Marquez, Rosa: missing daughter", timezone="America/Los_Angeles",
                         agency="Agency M") as case:
        import_file(case, sheet, ImportOptions(kind="links"))
        girl = next(e for e in case.entities("Person") if e.label == "Lucia Marquez")
        case.edit_entity(girl.id, role="victim", minor=True)
        mother = next(e for e in case.entities("Person") if e.label == "Rosa Marquez")
        case.add_note(mother.id, "Mother; reported L.M. missing")
    store = tmp_path / "store"
    pushed = _json(capsys, ["push", str(case_path), "--store", f"file://{store}", "--json"])
    assert pushed["protected"] == 2
    written = []
    for path in sorted(p for p in store.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            written.append(json.dumps(pq.read_table(path).to_pylist(), default=str))
        else:
            written.append(path.read_bytes().decode("utf-8", errors="replace"))
    with open_store(f"file://{store}") as opened:
        written.append(json.dumps(opened.query("SELECT * FROM pushes"), default=str))
        written.append(json.dumps(opened.query("SELECT * FROM sources"), default=str))
    text = "\n".join(written)
    for secret in ("Rosa", "rosa", "Marquez", "marquez", "Lucia", "reported L.M. missing"):
        assert secret not in text, secret
    assert "Relative 1" in text and "Jane Doe 1" in text and "Dario Vance" in text


def test_driver_arcs_option(cases: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`cluster run` says where the graph's measures ran; `--driver-arcs 0` keeps their rounds on the engine with
    the same answers; a negative cap is refused in one line."""
    store = tmp_path / "driver"
    for name in ("one", "two", "bridge"):
        _json(capsys, ["push", str(cases[name]), "--store", str(store), "--json"])
    assert main(["cluster", "run", "--store", str(store), "--engine", "duckdb"]) == 0
    assert "the graph on this machine:" in capsys.readouterr().out
    pulled = _json(capsys, ["cluster", "run", "--store", str(store), "--engine", "duckdb", "--json"])
    rounds = _json(capsys, ["cluster", "run", "--store", str(store), "--engine", "duckdb", "--driver-arcs", "0",
                            "--json"])
    assert pulled["driver_graph"]["arcs"] == 2 * pulled["counts"]["ties"]
    assert not rounds["driver_graph"] and rounds["rounds"]["components"] > 0
    for count in ("nodes", "ties", "components", "max_core", "groups"):
        assert pulled["counts"][count] == rounds["counts"][count], count
    assert main(["cluster", "run", "--store", str(store), "--engine", "duckdb", "--driver-arcs", "-1"]) == 1
    assert "--driver-arcs" in capsys.readouterr().err
