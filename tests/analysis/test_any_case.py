"""The full analysis (findings on) runs on every shape of case: any subset of the sample case's files,
small random cases, an empty case, phones that are short IDs; through the command line too.

The sample files are imported once per session into one case; a subset is a copy of that case with
the other files' records taken out (what importing only those files gives, in milliseconds).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import available_kinds
from linkgraph.analysis import AnalysisParams, analyze
from linkgraph.case import CaseFile, ImportSession
from linkgraph.cli import main
from linkgraph.graph import VIEWS, GraphFilter
from sample_cases.build import answer_key, sample_dir

DAY = 86_400
START = 1_709_280_000          # 2024-03-01 08:00 UTC
FILES = [item for item in answer_key()["files"] if item["kind"] in set(available_kinds())]
KEYS = [f"{'209555' if i % 3 else ''}{1000 + i}" for i in range(12)]   # every third phone a short ID


@pytest.fixture(scope="session")
def sample_all(sample_built) -> tuple[Path, dict[str, int]]:
    """The sample case with every file imported once (the run's shared build), and each file's source id."""
    with CaseFile.open(sample_built.path, read_only=True) as case:
        ids = {name: source_id for source_id, name in case.conn.execute("SELECT id, name FROM sources")}
    assert sorted(ids) == sorted(item["file"] for item in FILES)
    return sample_built.path, ids


def only(sample: tuple[Path, dict[str, int]], names: list[str], target: Path) -> Path:
    """A copy of the sample case holding the records of these files only."""
    path, ids = sample
    shutil.copyfile(path, target)
    keep = sorted(ids[n] for n in names)
    marks = ",".join("?" * len(keep)) or "NULL"
    conn = sqlite3.connect(target)
    with conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(f"DELETE FROM link_evidence WHERE source_id NOT IN ({marks})", keep)
        conn.execute(f"DELETE FROM link_evidence WHERE link_id IN (SELECT id FROM links WHERE source_id NOT IN "
                     f"({marks}))", keep)
        conn.execute(f"DELETE FROM links WHERE source_id NOT IN ({marks})", keep)
        conn.execute(f"DELETE FROM entity_evidence WHERE source_id NOT IN ({marks})", keep)
        conn.execute("DELETE FROM entities WHERE id NOT IN (SELECT entity_id FROM entity_evidence) "
                     "AND id NOT IN (SELECT src FROM links) AND id NOT IN (SELECT dst FROM links) "
                     "AND id NOT IN (SELECT location FROM links WHERE location IS NOT NULL)")
    conn.close()
    return target


def check(result: dict[str, Any]) -> None:
    """What every analysis keeps: a JSON-clean result, entities ranked, findings citing their records."""
    json.dumps(result, allow_nan=False)
    scores = [e["score"] for e in result["entities"]]
    assert scores == sorted(scores, reverse=True)
    assert result["graph"]["nodes"] == len(result["entities"])
    for key in ("replacements", "colocations", "circuits", "indicators"):
        for item in result[key]:
            assert "evidence" in item
    for community in result["communities"]:
        assert community["name"] and community["size"] >= 1


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.sets(st.sampled_from([item["file"] for item in FILES]), max_size=5),
       view=st.sampled_from(VIEWS))
def test_any_subset_of_the_sample_files(sample_all, tmp_path, chosen, view) -> None:
    path = only(sample_all, sorted(chosen), tmp_path / "subset.lgcase")
    with CaseFile.open(path) as case:
        check(analyze(case, AnalysisParams(filter=GraphFilter(view=view))))


@pytest.mark.parametrize("name", [item["file"] for item in FILES])
def test_each_sample_file_alone(sample_all, tmp_path, name) -> None:
    path = only(sample_all, [name], tmp_path / "one.lgcase")
    with CaseFile.open(path) as case:
        check(analyze(case, AnalysisParams()))
        check(analyze(case, AnalysisParams(filter=GraphFilter(view="persons"))))


calls = st.lists(st.tuples(st.integers(0, len(KEYS) - 1), st.integers(0, len(KEYS) - 1), st.integers(0, 20 * DAY),
                           st.booleans()), max_size=60)
people = st.lists(st.tuples(st.sampled_from(["Ann Lee", "Bo Diaz", "Cy Moss", "Ann Lee"]), st.integers(0, len(KEYS) - 1),
                            st.booleans()), max_size=6)
stays = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1), st.integers(0, 15), st.integers(0, 4)), max_size=12)
payments = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.floats(1, 20_000), st.integers(0, 30 * DAY)),
                    max_size=15)
ads = st.lists(st.tuples(st.integers(0, len(KEYS) - 1), st.sampled_from(["Fresno", "Stockton", None]),
                         st.integers(0, 20 * DAY)), max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=calls, people=people, stays=stays, payments=payments, ads=ads, view=st.sampled_from(VIEWS))
def test_any_small_case(tmp_path_factory, calls, people, stays, payments, ads, view) -> None:
    folder = tmp_path_factory.mktemp("random")
    source = folder / "records.csv"
    source.write_text("records\n", encoding="utf-8")
    with CaseFile.create(folder / "random.lgcase", name="random", timezone="America/Los_Angeles") as case:
        with ImportSession(case, source, kind="links") as session:
            session.set_header(["what"], 1)
            row = iter(range(2, 10_000))
            phones = [session.entity("Phone", key if len(key) > 4 else key, key, row=next(row),
                                     attrs={"kind": "mobile_or_fixed" if len(key) > 4 else "short_code"})
                      for key in KEYS]
            hotels = [session.entity("Hotel", None, name, row=next(row), attrs={"city": name.split()[-1]})
                      for name in ("Inn Fresno", "Lodge Stockton")]
            accounts = [session.entity("Account", f"ACCT{i}", f"account {i}", row=next(row)) for i in range(5)]
            persons = []
            for name, phone, minor in people:
                person = session.entity("Person", None, name, row=next(row), minor=minor)
                persons.append(person)
                session.link("uses", person, phones[phone], row=next(row))
            for a, b, when, sms in calls:
                if a != b:
                    session.link("sms" if sms else "call", phones[a], phones[b], row=next(row), start=START + when,
                                 duration=None if sms else 60.0)
            for guest, hotel, night, nights in stays:
                if persons:
                    arrive = START + night * DAY
                    session.link("stayed_at", persons[guest % len(persons)], hotels[hotel], row=next(row),
                                 start=arrive, end=arrive + nights * DAY, attrs={"room": str(100 + guest)})
            for a, b, amount, when in payments:
                if a != b:
                    session.link("paid", accounts[a], accounts[b], row=next(row), start=START + when, amount=amount,
                                 currency="USD")
            for number, (phone, city, when) in enumerate(ads):
                ad = session.entity("Ad", f"ad:{number}", f"ad {number}", row=next(row),
                                    attrs={"city": city} if city else None)
                session.link("posted", ad, phones[phone], row=next(row), start=START + when)
        check(analyze(case, AnalysisParams(filter=GraphFilter(view=view))))


SHAPES = {
    "empty": [],
    "ads only": ["ads_nightlist.jsonl", "ads_vibelist.csv"],
    "one bank statement": ["bank_haskins_detailing.xlsx"],
    "one carrier return": ["att_return_carranza.csv"],
    "one hotel registry": ["hotel_delta_inn_stockton.csv"],
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_shape_through_the_command_line(shape, tmp_path, capsys) -> None:
    path = tmp_path / "shape.lgcase"
    assert main(["new", str(path)]) == 0
    files = [str(sample_dir() / name) for name in SHAPES[shape] if any(f["file"] == name for f in FILES)]
    if files:
        assert main(["import", str(path), *files]) == 0
    capsys.readouterr()
    assert main(["analyze", str(path), "--no-save"]) == 0
    assert main(["analyze", str(path), "--json", "--no-save"]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    check(json.loads(out.out[out.out.index("{"):]))


def test_phones_that_are_ids_are_kept_and_the_reason_said(tmp_path, capsys) -> None:
    source = tmp_path / "ids.csv"
    lines = ["From,To,Date/Time,Duration,Type"]
    lines += [f"{1000 + i % 7},{1000 + (i + 1 + i // 7 % 3) % 7},2024-03-{1 + i % 20:02d} 10:{i % 60:02d}:00,60,Call"
              for i in range(60)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path / "ids.lgcase"
    assert main(["new", str(path)]) == 0
    assert main(["import", str(path), str(source)]) == 0
    capsys.readouterr()
    assert main(["analyze", str(path), "--no-save"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Kept 7 service or short-code numbers") and "short IDs" in first
    with CaseFile.open(path) as case:
        result = analyze(case, AnalysisParams())
    assert result["graph"]["nodes"] == 7 and result["left_out"]["service_kept"]


def test_a_few_service_numbers_are_left_out_and_counted(tmp_path, capsys) -> None:
    source = tmp_path / "calls.csv"
    lines = ["From,To,Date/Time,Duration,Type"]
    lines += [f"209555{1000 + i % 7},209555{1000 + (i + 1 + i // 7 % 3) % 7},2024-03-{1 + i % 20:02d} 10:{i % 60:02d}:00,60,Call"
              for i in range(60)]
    lines += ["2095551000,*86,2024-03-02 11:00:00,20,Call", "2095551001,611,2024-03-02 11:00:00,20,Call"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path / "calls.lgcase"
    assert main(["new", str(path)]) == 0
    assert main(["import", str(path), str(source)]) == 0
    capsys.readouterr()
    assert main(["analyze", str(path), "--no-save"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == ("Left out 2 service numbers (voicemail, short codes) and their 2 records; "
                     "--include-service keeps them.")
    assert main(["analyze", str(path), "--no-save", "--include-service"]) == 0
    assert "Left out" not in capsys.readouterr().out
