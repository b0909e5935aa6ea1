"""Ad data as it comes: nested JSON scrapes (Memex style) detected without --map, the site's post id
preferred over a database id, HTML entities decoded, epoch-millisecond times, image URLs kept as URLs,
'+CC' numbers international; datasets with no id keyed by row; an id that names different ads refused.
Files in tests/importers/ads/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from importers import import_file
from importers.ads import clean_text, id_from_url, is_obscured
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.errors import InputError

ADS = Path(__file__).parent / "ads"


@pytest.fixture
def case(tmp_path: Path):
    found = CaseFile.create(tmp_path / "ads.lgcase", timezone="America/Los_Angeles")
    yield found
    found.close()


def test_nested_json_scrape_detected_without_map(case: CaseFile) -> None:
    result = import_file(case, ADS / "memex_scrape.jsonl", ImportOptions())
    assert (result.kind, result.profile, result.rows_rejected) == ("ads", "memex-scrape", 0)
    assert result.assumed["ad key"] == "the site's post id read from the URL ('url')"
    ads = {e.key: e for e in case.entities("Ad")}
    first = ads["fresno.nightlist.example/48211903"]
    assert first.attrs["db_id"].startswith("A1B2C3")                       # the database id kept, not the key
    assert first.attrs["title"] == "Sweet & new in town \u2013 22"          # &amp; and &#8211; decoded
    assert first.attrs["body"].startswith("Hi gentlemen, I'm Honey.\nCall")
    assert first.attrs["image_urls"] == ["https://img.nightlist.example/48211903/1.jpg",
                                         "https://img.nightlist.example/48211903/2.jpg"]
    assert "image_hashes" not in first.attrs
    assert first.attrs["city"] == "Fresno" and first.attrs["crosslinks"] == "48211904"
    posted = case.conn.execute("SELECT start FROM links WHERE type = 'listed_in' ORDER BY start").fetchone()[0]
    assert datetime.fromtimestamp(posted, UTC) == datetime(2024, 3, 1, 22, 0, tzinfo=UTC)    # 1709330400000 ms


def test_plus_country_code_numbers_are_international_not_obscured(case: CaseFile) -> None:
    import_file(case, ADS / "memex_scrape.jsonl", ImportOptions())
    uk = case.find_entity("Phone", "+447700900123")
    assert uk is not None
    attrs = case.conn.execute("SELECT attrs FROM links WHERE type = 'posted' AND src = ?", (uk.id,)).fetchone()[0]
    assert '"obscured": false' in attrs
    assert not is_obscured("+44 7700 900123") and not is_obscured("+52 55 1234 5678")
    assert is_obscured("2O9-555-O151")


def test_no_id_column_keys_each_ad_by_its_row(case: CaseFile) -> None:
    result = import_file(case, ADS / "no_id_dataset.csv", ImportOptions(kind="ads"))
    assert result.rows_imported == 3 and result.assumed["ad key"].startswith("row number")
    assert any("keyed by its row" in note for note in result.notes)
    # two identical rows stay two ads (a re-post), never merged into one
    ads = case.entities("Ad")
    assert len(ads) == 3 and sorted(a.label for a in ads)[0] == "no_id_dataset.csv row 2"
    assert sum(a.attrs["title"] == "Sweet and new" for a in ads) == 2


def test_an_id_shared_by_different_ads_is_refused_with_the_count(case: CaseFile) -> None:
    with pytest.raises(InputError) as error:
        import_file(case, ADS / "page_number_ids.csv", ImportOptions(kind="ads", strict=False))
    message = str(error.value)
    assert "not unique: 2 keys are shared by ads with different texts (4 rows" in message
    assert "column 'ad_id'" in message
    assert not case.conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0]


def test_helpers() -> None:
    assert id_from_url("https://x.example/fresno/escorts/48211903.html") == "48211903"
    assert id_from_url("https://x.example/view?post_id=777&ref=1") == "777"
    assert id_from_url("https://x.example/about") == ""
    assert clean_text("Tom &amp; Jerry<br/>line") == "Tom & Jerry\nline"
    assert clean_text("<script>alert(1)</script>") == "<script>alert(1)</script>"      # markup kept verbatim
