"""Ad scrapes: the sample case's two scrapes against its answer key, JSON/JSONL/CSV/XLSX layouts,
near-duplicates across imports, strict/lenient, atomicity and the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import import_file
from importers.ad_text import extract_phones
from importers.ads import is_obscured
from importers.near_duplicates import THRESHOLD, jaccard, masked_words, shingles
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.case.integrity import verify_connection
from linkgraph.cli import main
from linkgraph.errors import Cancelled, InputError, LinkgraphError
from linkgraph.times import parse_iso
from sample_cases.build import answer_key, sample_dir

ZONE = "America/Los_Angeles"
KEY = answer_key()
AD_FILES = ("ads_nightlist.jsonl", "ads_vibelist.csv")
SITES = {"ads_nightlist.jsonl": "nightlist.example", "ads_vibelist.csv": "vibelist.example"}


def new_case(path: Path) -> CaseFile:
    return CaseFile.create(path, name="Ads", timezone=ZONE, region="US")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    """Both sample scrapes imported without a mapping or a kind (detected)."""
    path = tmp_path_factory.mktemp("ads") / "sample.lgcase"
    with new_case(path) as case:
        results = [import_file(case, sample_dir() / name, ImportOptions()) for name in AD_FILES]
        yield case, results


def ad_links(case: CaseFile, ad_id: int, link_type: str) -> list[tuple]:
    return case.conn.execute(
        "SELECT e.type, e.key, l.attrs, l.start, l.row FROM links l JOIN entities e ON e.id = "
        "CASE WHEN l.src = ? THEN l.dst ELSE l.src END WHERE l.type = ? AND (l.src = ? OR l.dst = ?)",
        (ad_id, link_type, ad_id, ad_id),
    ).fetchall()


def test_sample_scrapes_detected_and_fully_imported(sample) -> None:
    case, results = sample
    assert [(r.kind, r.profile, r.rows_read, r.rows_imported, r.rows_rejected) for r in results] == [
        ("ads", "ad-scrape", 43, 43, 0), ("ads", "ad-scrape", 36, 36, 0)]
    assert case.conn.execute("SELECT count(*) FROM entities WHERE type = 'Ad'").fetchone()[0] == len(KEY["ads"]) == 79


@pytest.mark.parametrize("ad", KEY["ads"], ids=[a["ad_id"] for a in KEY["ads"]])
def test_every_sample_ad_matches_the_answer_key(sample, ad: dict) -> None:
    case, _ = sample
    entity = case.find_entity("Ad", f"{SITES[ad['file']]}/{ad['ad_id']}")
    assert entity is not None and entity.label == ad["ad_id"]
    assert entity.attrs["city"] == ad["city"] and entity.attrs["name"] == ad["name"]
    assert entity.attrs["age"] == ad["stated_age"]
    assert entity.attrs["image_hashes"] == ad["image_hashes"]
    posted = ad_links(case, entity.id, "posted")
    phones = {key: json.loads(attrs) for etype, key, attrs, _, _ in posted if etype == "Phone"}
    assert sorted(phones) == ad["phones"]
    when = parse_iso(ad["posted"], ZONE)
    assert {start for *_, start, _ in posted} <= {when}
    assert {row for *_, row in posted} <= {ad["row"]}
    emails = [key for etype, key, *_ in posted if etype == "Email"]
    assert emails == ([ad["email"]] if ad["email"] else [])
    if ad["field_phone"]:
        assert "phone" in phones[ad["field_phone"]]["found_in"]
    if ad["text_phone"]:
        found = phones[ad["text_phone"]]
        assert found["obscured"] is (ad["text_phone_style"] not in ("plain", "paren"))
        for span in found["spans"]:
            assert entity.attrs[span["field"]][span["start"]:span["end"]] == span["text"]
    else:
        assert all("spans" not in p for p in phones.values())
    places = ad_links(case, entity.id, "listed_in")
    assert [(etype, key) for etype, key, *_ in places] == [("Location", f"{ad['city'].upper()}, CA")]
    cite = case.entity_provenance(entity.id)[0]
    assert (cite["file"], cite["row"]) == (ad["file"], ad["row"])


def test_json_lines_provenance_is_the_original_object(sample) -> None:
    case, _ = sample
    entity = case.find_entity("Ad", "nightlist.example/NL-240305-01")
    link = case.conn.execute("SELECT id FROM links WHERE type = 'listed_in' AND src = ?", (entity.id,)).fetchone()[0]
    cite = case.link_provenance(link)[0]
    assert cite["row"] == 3
    original = json.loads((sample_dir() / "ads_nightlist.jsonl").read_text(encoding="utf-8").splitlines()[2])
    stored = case.conn.execute("SELECT raw FROM source_rows WHERE source_id = ? AND row = 3",
                               (cite["source_id"],)).fetchone()[0]
    assert json.loads(stored) == original and original["phones"] == []
    assert cite["raw"]["ad_id"] == "NL-240305-01" and cite["raw"]["city"] == "Oakland"


def test_near_duplicates_are_exactly_the_answer_key_pairs(sample) -> None:
    case, _ = sample
    rows = case.conn.execute(
        "SELECT a.label, b.label, l.attrs, l.weight FROM links l JOIN entities a ON a.id = l.src "
        "JOIN entities b ON b.id = l.dst WHERE l.type = 'near_duplicate'").fetchall()
    assert {frozenset((a, b)) for a, b, _, _ in rows} == {frozenset(p) for p in KEY["near_duplicate_ads"]}
    for _, _, attrs, weight in rows:
        assert json.loads(attrs)["similarity"] == weight >= THRESHOLD


def test_consecutive_work_phones_and_the_hostile_ad_kept_verbatim(sample) -> None:
    case, _ = sample
    for number in KEY["consecutive_ad_phones"]:
        phone = case.find_entity("Phone", number)
        assert case.conn.execute("SELECT count(*) FROM links WHERE type = 'posted' AND src = ?",
                                 (phone.id,)).fetchone()[0] >= 1
    hostile = case.find_entity("Ad", f"vibelist.example/{KEY['malicious_ad_id']}")
    text = hostile.attrs["title"] + hostile.attrs["body"]
    assert all(payload in text for payload in KEY["malicious_ad"]["payloads"])
    assert case.entity_provenance(hostile.id)[0]["row"] == KEY["malicious_ad"]["row"]


def test_near_duplicates_found_against_ads_already_in_the_case(tmp_path: Path) -> None:
    with new_case(tmp_path / "c.lgcase") as case:
        import_file(case, sample_dir() / "ads_vibelist.csv", ImportOptions(kind="ads"))
        import_file(case, sample_dir() / "ads_nightlist.jsonl", ImportOptions(kind="ads"))
        pairs = case.conn.execute(
            "SELECT a.label, b.label, l.source_id, l.row FROM links l JOIN entities a ON a.id = l.src "
            "JOIN entities b ON b.id = l.dst WHERE l.type = 'near_duplicate' ORDER BY a.label").fetchall()
        assert {frozenset(p[:2]) for p in pairs} == {frozenset(p) for p in KEY["near_duplicate_ads"]}
        cross = next(p for p in pairs if {"NL-240420-01", "VL-240421-02"} == set(p[:2]))
        assert cross[0] == "VL-240421-02" and cross[2:] == (2, 26)     # the earlier ad first; cites the new row (line 26)
        # the same scrape again (forced) adds no second link for a pair already linked
        copy = tmp_path / "again.jsonl"
        shutil.copy(sample_dir() / "ads_nightlist.jsonl", copy)
        copy.write_text(copy.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        import_file(case, copy, ImportOptions(kind="ads"))
        assert case.conn.execute("SELECT count(*) FROM links WHERE type = 'near_duplicate'").fetchone()[0] == 3
        assert case.conn.execute("SELECT count(*) FROM entities WHERE type = 'Ad'").fetchone()[0] == 79


def test_masking_makes_reposts_equal_and_other_ads_distant() -> None:
    one = masked_words("Kandi 19 new in Stockton", "Hi it's Kandi, call 2O9-555-O151. 160hh 250h. Stockton only",
                       names=["Kandi"], places=["Stockton"], rates="160hh 250h")
    two = masked_words("Bree 19 new in Fresno", "Hi it's Bree, call 559 555 0133. $200 hh. Fresno only",
                       names=["Bree"], places=["Fresno"], rates="$200 hh")
    assert one == two == ["<name>", "new", "in", "<place>", "hi", "it", "s", "<name>", "call", "<phone>", "<rates>",
                          "<place>", "only"]
    other = masked_words("Visiting", "Upscale, classy and discreet. Incall only", names=["Mia"])
    assert jaccard(shingles(one), shingles(other)) < THRESHOLD
    assert not is_obscured("(209) 555-0151") and not is_obscured("209-555-0151") and is_obscured("2O9-555-O151")


JSON_ARRAY = [
    {"post_id": "LC-88123", "url": "https://www.listcrawl.example/post/88123", "posted_at": "2024-06-01T22:15:00",
     "location": {"city": "Modesto", "state": "CA"}, "headline": "New in town 😘 Ruby",
     "description": "Sweet and discreet. Call 2 0 9 - 5 5 5 - 0 1 7 7 no blocked calls. 150 hh",
     "phone_numbers": [], "names_used": ["Ruby", "Rubi"], "poster_age": "21 yrs", "image_sha1": ["ABC123", "def456"]},
    {"post_id": "LC-88124", "url": "https://www.listcrawl.example/post/88124", "posted_at": "2024-06-02T01:05:00",
     "location": {"city": "Modesto", "state": "CA"}, "headline": "Ruby again",
     "description": "Outcall only", "phone_numbers": ["209.555.0177", "(209) 555-0178"], "names_used": "Ruby",
     "poster_age": None, "image_sha1": []},
]


def test_json_array_with_nested_location_and_lists(tmp_path: Path) -> None:
    path = tmp_path / "listcrawl_export.json"
    path.write_text(json.dumps(JSON_ARRAY, ensure_ascii=False, indent=2), encoding="utf-8")
    with new_case(tmp_path / "c.lgcase") as case:
        result = import_file(case, path, ImportOptions())
        assert (result.kind, result.rows_imported) == ("ads", 2)
        first = case.find_entity("Ad", "listcrawl.example/LC-88123")
        assert first.attrs["names"] == ["Ruby", "Rubi"] and first.attrs["age"] == 21
        assert first.attrs["image_hashes"] == ["abc123", "def456"] and first.attrs["city"] == "Modesto"
        (phone,) = [r for r in ad_links(case, first.id, "posted")]
        attrs = json.loads(phone[2])
        assert phone[1] == "+12095550177" and attrs["obscured"] is True and attrs["source"] == "text_obscured"
        assert attrs["spans"] == [{"field": "body", "start": 25, "end": 48, "text": "2 0 9 - 5 5 5 - 0 1 7 7"}]
        assert phone[3] == parse_iso("2024-06-01T22:15:00", ZONE) and phone[4] == 1
        second = case.find_entity("Ad", "listcrawl.example/LC-88124")
        assert sorted(r[1] for r in ad_links(case, second.id, "posted")) == ["+12095550177", "+12095550178"]
        stored = case.conn.execute("SELECT raw FROM source_rows WHERE row = 2").fetchone()[0]
        assert json.loads(stored) == JSON_ARRAY[1]
        assert case.entity_provenance(second.id)[0]["row"] == 2
        # names used are attributes only: no Person is made from them
        assert case.conn.execute("SELECT count(*) FROM entities WHERE type = 'Person'").fetchone()[0] == 0


def test_classifieds_workbook_with_identified_person(tmp_path: Path) -> None:
    path = tmp_path / "tipline_archive.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Tip-line archive of classified listings"])
    sheet.append([])
    sheet.append(["Listing Number", "Date Posted", "Posting Location", "Headline", "Description", "Contact Number",
                  "Advertised Name", "Advertised Age", "Identified As", "Photo MD5"])
    sheet.append(["A-1001", "06/03/2024 09:30 PM", "Stockton, CA", "Sasha 💕", "Call me 2O9 555 O166 anytime",
                  2095550166, "Sasha", 19, "Jane Roe", "9f86d081"])
    sheet.append(["A-1002", "06/04/2024 10:00 PM", "Lodi, CA", "Mimi", "Text only", "", "Mimi; Mia", "", "", ""])
    book.save(path)
    with new_case(tmp_path / "c.lgcase") as case:
        result = import_file(case, path, ImportOptions(kind="ads"))
        assert (result.profile, result.rows_imported) == ("classifieds-export", 2)
        ad = case.find_entity("Ad", "A-1001")
        found = {etype: (key, json.loads(attrs or "{}")) for etype, key, attrs, _, _ in ad_links(case, ad.id, "posted")}
        assert found["Phone"][0] == "+12095550166" and found["Phone"][1]["found_in"] == ["phone", "body"]
        assert found["Person"][1]["as"] == ["Sasha"]
        person = case.conn.execute("SELECT label FROM entities WHERE type = 'Person'").fetchall()
        assert person == [("Jane Roe",)]
        lodi = case.find_entity("Ad", "A-1002")
        assert lodi.attrs["names"] == ["Mimi", "Mia"] and ad_links(case, lodi.id, "posted") == []
        assert [r[1] for r in ad_links(case, lodi.id, "listed_in")] == ["LODI, CA"]


ODD = "Ref,When,Where,Heading,Words,Callback\nX1,2024-06-05 20:00,\"Fresno, CA\",Hi,Call 559-555-0190,\n"


def test_user_mapping_for_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(ODD, encoding="utf-8")
    mapping = {"ad_id": "Ref", "posted": "When", "location": "Where", "title": "Heading", "body": "Words",
               "phone": "Callback"}
    with new_case(tmp_path / "c.lgcase") as case:
        with pytest.raises(LinkgraphError, match="no column found for title or body .*Map them with --map"):
            import_file(case, path, ImportOptions(kind="ads"))
        result = import_file(case, path, ImportOptions(kind="ads", mapping=mapping))
        assert result.rows_imported == 1
        ad = case.find_entity("Ad", "X1")
        assert [r[1] for r in ad_links(case, ad.id, "posted")] == ["+15595550190"]


BAD = (
    "Ad ID,Post Date,Site,Location,Title,Body,Age,Phone\n"
    "B-1,03/03/2024 05:30 PM,vibelist.example,\"Fresno, CA\",Hi,Call 559-555-0101,21,559-555-0101\n"
    "B-2,03/04/2024 05:30 PM,vibelist.example,\"Fresno, CA\",Hi,Call me,twenty,559-555-0102\n"
    "B-3,someday,vibelist.example,\"Fresno, CA\",Hi,Call me,22,\n"
    "B-4,03/05/2024 05:30 PM,vibelist.example,\"Fresno, CA\",Hi,Call me,22,call me maybe\n"
    ",03/05/2024 05:30 PM,vibelist.example,\"Fresno, CA\",Hi,Call me,22,\n"
)


def test_strict_names_file_row_and_column_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    with new_case(tmp_path / "c.lgcase") as case:
        with pytest.raises(InputError) as error:
            import_file(case, path, ImportOptions(kind="ads"))
        assert "bad.csv" in str(error.value) and "row 3" in str(error.value) and "Age" in str(error.value)
        assert "stated age 'twenty' is not a number" in str(error.value)
        assert case.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
        assert case.conn.execute("SELECT count(*) FROM entities").fetchone()[0] == 0


def test_lenient_keeps_good_rows_and_every_bad_row_with_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    with new_case(tmp_path / "c.lgcase") as case:
        result = import_file(case, path, ImportOptions(kind="ads", strict=False))
        assert (result.rows_imported, result.rows_rejected) == (1, 4)
        rejected = case.conn.execute("SELECT row, [column], reason FROM rejected_rows ORDER BY row").fetchall()
        assert [(r[0], r[1]) for r in rejected] == [(3, "Age"), (4, "Post Date"), (5, "Phone"), (6, "Ad ID")]
        assert "cannot read the post time 'someday'" in rejected[1][2]
        assert "'call me maybe' is not a phone number" in rejected[2][2]
        assert case.conn.execute("SELECT count(*) FROM entities WHERE type = 'Ad'").fetchone()[0] == 1


def test_cut_short_json_line_is_one_clear_error_or_a_rejected_row(tmp_path: Path) -> None:
    lines = (sample_dir() / "ads_nightlist.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(lines[:2] + [lines[2][:60]]), encoding="utf-8")
    with new_case(tmp_path / "c.lgcase") as case:
        with pytest.raises(InputError, match=r"cut\.jsonl.*row 3.*cut short"):
            import_file(case, path, ImportOptions(kind="ads"))
        assert case.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
        result = import_file(case, path, ImportOptions(kind="ads", strict=False))
        assert (result.rows_imported, result.rows_rejected) == (2, 1)


def test_cancel_leaves_the_case_unchanged(tmp_path: Path) -> None:
    with new_case(tmp_path / "c.lgcase") as case:
        with pytest.raises(Cancelled):
            import_file(case, sample_dir() / "ads_vibelist.csv", ImportOptions(kind="ads"),
                        progress=lambda done, total, message: False)
        assert case.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


CELLS = st.text(alphabet=st.sampled_from(list("0123456789 abcOlI-.,;:$()|\"'\n💋②")), max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(CELLS, CELLS, CELLS, CELLS, CELLS), min_size=1, max_size=5),
       strict=st.booleans(), cut=st.integers(min_value=0, max_value=400))
def test_malformed_input_never_crashes_or_half_writes(tmp_path_factory, rows, strict: bool, cut: int) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    lines = ["Ad ID,Post Date,Title,Body,Age,Phone"]
    for ad_id, when, body, age, phone in rows:
        cells = [ad_id, when, "Title", body, age, phone]
        lines.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
    data = "\n".join(lines).encode("utf-8")
    path = folder / "fuzz.csv"
    path.write_bytes(data[: max(len(lines[0]) + 1, len(data) - cut)])
    with new_case(folder / "c.lgcase") as case:
        try:
            result = import_file(case, path, ImportOptions(kind="ads", strict=strict))
        except (InputError, LinkgraphError) as exc:
            assert str(exc)
            assert case.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
            assert case.conn.execute("SELECT count(*) FROM entities").fetchone()[0] == 0
        else:
            assert result.rows_imported + result.rows_rejected >= 1
            ads = case.conn.execute("SELECT count(*) FROM entities WHERE type = 'Ad'").fetchone()[0]
            assert ads <= result.rows_imported
        assert verify_connection(case.conn).ok


def test_command_line_import_info_and_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    case = tmp_path / "c.lgcase"
    assert main(["new", str(case), "--tz", ZONE]) == 0
    assert main(["import", str(case), str(sample_dir() / "ads_nightlist.jsonl")]) == 0
    assert "43 rows imported, 0 rejected" in capsys.readouterr().out
    assert main(["info", str(case)]) == 0
    assert "Ad 43" in capsys.readouterr().out
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"ad_id": "Z-1", "title": "Hi", "body": "Call 209-555-0123"}\n{"ad_id": "Z-2", "tit',
                      encoding="utf-8")
    assert main(["import", str(case), str(broken), "--kind", "ads"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken.jsonl" in err[0] and "row 2" in err[0]


def test_spans_given_or_found_mask_the_same_words() -> None:
    title, body = "Lexi 💋", "New girl! Text 5 1 0 - 5 5 5 - 0 1 3 1 or (510) 555-0131, $200 hh"
    given = masked_words(title, body, names=["Lexi"], phones={"title": [], "body": extract_phones(body)})
    assert given == masked_words(title, body, names=["Lexi"])
    assert given.count("<phone>") == 2 and "<name>" in given


def test_json_array_errors_name_the_element_or_line(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([{"ad_id": "A", "body": "Call 209-555-0123"}, "stray text",
                                 {"ad_id": "B", "body": "Call 209-555-0124"}]), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('[\n  {"ad_id": "A", "body": "x"},\n  {"ad_id": "B", "body": }\n]', encoding="utf-8")
    with new_case(tmp_path / "c.lgcase") as case:
        with pytest.raises(InputError, match=r"mixed\.json.*row 2.*a JSON str where an object was expected"):
            import_file(case, mixed, ImportOptions(kind="ads"))
        result = import_file(case, mixed, ImportOptions(kind="ads", strict=False))
        assert (result.rows_imported, result.rows_rejected) == (2, 1)
        with pytest.raises(InputError, match=r"broken\.json.*row 3.*not valid JSON"):
            import_file(case, broken, ImportOptions(kind="ads", strict=False))
        assert case.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 1


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 99) | st.text(alphabet=st.sampled_from(list("ab 0129-OlI💋②\"\\")),
                                                                  max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["city", "x"]), inner, max_size=2),
    max_leaves=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.dictionaries(st.sampled_from(["ad_id", "title", "body", "phones", "age", "posted", "city"]),
                                        JSON_VALUES, max_size=7), min_size=1, max_size=4),
       strict=st.booleans(), cut=st.integers(min_value=0, max_value=60))
def test_malformed_json_lines_never_crash_or_half_write(tmp_path_factory, records, strict: bool, cut: int) -> None:
    folder = tmp_path_factory.mktemp("fuzzjson")
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode("utf-8")
    path = folder / "scrape.jsonl"
    path.write_bytes(data[: max(1, len(data) - cut)])
    with new_case(folder / "c.lgcase") as case:
        try:
            result = import_file(case, path, ImportOptions(kind="ads", strict=strict))
        except (InputError, LinkgraphError) as exc:
            assert str(exc)
            assert case.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
            assert case.conn.execute("SELECT count(*) FROM links").fetchone()[0] == 0
        else:
            ads = case.conn.execute("SELECT count(*) FROM entities WHERE type = 'Ad'").fetchone()[0]
            assert ads <= result.rows_imported and result.rows_imported + result.rows_rejected >= 1
        assert verify_connection(case.conn).ok


def test_json_lines_saved_as_txt_is_read_as_json_and_a_bracketed_header_stays_a_table(tmp_path: Path) -> None:
    scrape = tmp_path / "scrape_export.txt"
    scrape.write_bytes(b'\xef\xbb\xbf{"ad_id": "Q1", "title": "Hi", "body": "Call 209-555-0111"}\n\n'
                       b'{"ad_id": "Q2", "title": "Yo", "body": "Call 209-555-0112"}\n')
    table = tmp_path / "table.txt"
    table.write_text("[Ad ID],Title,Body\nQ3,Hi,Call 209-555-0113\n", encoding="utf-8")
    with new_case(tmp_path / "c.lgcase") as case:
        result = import_file(case, scrape, ImportOptions())
        assert (result.kind, result.rows_imported) == ("ads", 2)
        assert [r for (r,) in case.conn.execute("SELECT row FROM links ORDER BY row")] == [1, 3]
        result = import_file(case, table, ImportOptions(kind="ads", mapping={"ad_id": "[Ad ID]"}))
        assert result.rows_imported == 1 and case.find_entity("Ad", "Q3") is not None
