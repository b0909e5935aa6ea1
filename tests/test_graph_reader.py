"""The links and the entities read two ways: by the ADBC SQLite driver into Arrow (fast) and through the case's
own connection (the reference). Both must give the same frame, and the fast reader must step aside where it
cannot read what the case's connection reads (an encrypted case, an open transaction, a value of another type
than its column's)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from linkgraph import graph, reading
from linkgraph.analysis.records import ATTR_LINKS
from linkgraph.case import CaseFile, merge_entities
from linkgraph.graph import CHART_COLUMNS, GraphFilter, load_entities, load_links

pytest.importorskip("adbc_driver_sqlite")

MARCH_15 = 1_710_486_000          # 2024-03-15 00:00 Pacific
APRIL_30 = 1_714_460_400


def both(case: CaseFile, flt: GraphFilter | None = None, **options) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The links read by the Arrow reader and by the case's connection (the reference)."""
    fast = load_links(case, flt, **options)
    before, reading.ARROW_READ = reading.ARROW_READ, False
    try:
        plain = load_links(case, flt, **options)
    finally:
        reading.ARROW_READ = before
    return fast, plain


def both_entities(case: CaseFile, attrs: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The entities read by the Arrow reader (when it reads them) and by the case's connection (the reference)."""
    return load_entities(case, attrs=attrs), graph._entities_plain(case, attrs=attrs)


def entities_arrow_reads(case: CaseFile) -> bool:
    """Whether the Arrow reader reads this case's entities (rather than stepping aside)."""
    plan = reading.entities_plan(case)
    table = reading.entities_read(plan, attrs=True) if plan is not None else None
    return table is not None and table.columns() is not None


def arrow_reads(case: CaseFile) -> bool:
    """Whether the Arrow reader reads this case (rather than stepping aside)."""
    return graph._arrow_numbers(case, ["id"], "0", "FROM links ORDER BY id", []) is not None


@pytest.fixture
def odd_case(sample_built, tmp_path: Path) -> Path:
    """The sample case with what a plain read must survive: merges to follow, a removed source, a link type
    the model does not know, and REAL and NULL values far below rows holding INTEGERs (Arrow infers a
    column's type from its first rows)."""
    path = sample_built.copy(tmp_path / "odd #1 100%.lgcase")     # a name a file URI must escape
    with CaseFile.open(path) as case:
        phones = [r[0] for r in case.conn.execute("SELECT id FROM entities WHERE type = 'Phone' ORDER BY id LIMIT 4")]
        people = [r[0] for r in case.conn.execute("SELECT id FROM entities WHERE type = 'Person' ORDER BY id LIMIT 2")]
        merge_entities(case, phones[0], phones[1], "test")
        merge_entities(case, people[0], people[1], "test")
        case.remove_source(2, "test")
        with case.transaction() as conn:
            source = conn.execute("SELECT max(id) FROM sources").fetchone()[0]
            conn.execute("PRAGMA defer_foreign_keys = ON")
            rows = [("weird_tie", phones[2], phones[3], None, None, 3, 7, None, None, 2.5, None, source, 9001),
                    ("call", phones[2], phones[3], MARCH_15 + 0.5, None, 12.25, None, None, None, 1.0, None, source,
                     9002),
                    ("call", phones[3], phones[2], MARCH_15 + 60, MARCH_15 + 90, None, 1, None, phones[0], 1.0, None,
                     source, 9003)]
            conn.executemany("INSERT INTO links (type, src, dst, start, end, duration, amount, currency, location, "
                             "weight, attrs, source_id, row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return path


FILTERS = [
    GraphFilter(),
    GraphFilter(start=MARCH_15, end=APRIL_30),
    GraphFilter(link_types={"call", "weird_tie", "it's"}, start=MARCH_15),
    GraphFilter(start=4_000_000_000),                          # only the untimed links
    GraphFilter(keep_apart={1, 2}),
]


@pytest.mark.parametrize("flt", FILTERS, ids=["all", "window", "types", "untimed", "apart"])
def test_arrow_read_is_the_plain_read(odd_case: Path, flt: GraphFilter) -> None:
    with CaseFile.open(odd_case) as case:
        assert arrow_reads(case)
        fast, plain = both(case, flt, attrs=ATTR_LINKS)
        pd.testing.assert_frame_equal(fast, plain)
        assert len(fast)
        narrow_fast, narrow_plain = both(case, flt, columns=CHART_COLUMNS)
        pd.testing.assert_frame_equal(narrow_fast, narrow_plain)


def test_odd_values_read_as_stored(odd_case: Path) -> None:
    with CaseFile.open(odd_case) as case:
        links = load_links(case).set_index("row")
        assert links.loc[9001, "type"] == "weird_tie" and links.loc[9001, "amount"] == 7.0
        assert links.loc[9002, "start"] == MARCH_15 + 0.5 and pd.isna(links.loc[9002, "end"])
        assert links.loc[9003, "end"] == MARCH_15 + 90 and pd.isna(links.loc[9003, "duration"])
        removed = case.conn.execute("SELECT count(*) FROM links WHERE source_id = 2").fetchone()[0]
        assert removed and not (links["source_id"] == 2).any()


def test_inside_a_transaction_the_case_connection_reads(odd_case: Path) -> None:
    """Rows not yet committed are seen by the case's connection only: the Arrow reader steps aside."""
    with CaseFile.open(odd_case) as case:
        before = len(load_links(case))
        case.conn.execute("BEGIN")
        case.conn.execute("DELETE FROM links WHERE row = 9001")
        assert not arrow_reads(case)
        assert len(load_links(case)) == before - 1
        case.conn.execute("ROLLBACK")


def test_read_only_media(odd_case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A case on read-only media opens immutable; the Arrow reader opens it the same way."""
    monkeypatch.setattr("linkgraph.case.case_file.unwritable_reason", lambda path: "read-only media (test)")
    with CaseFile.open(odd_case) as case:
        assert case.read_only_reason and arrow_reads(case)
        fast, plain = both(case, attrs=ATTR_LINKS)
        pd.testing.assert_frame_equal(fast, plain)


def test_encrypted_case_reads_as_the_plain_case(sample_built, tmp_path: Path) -> None:
    """SQLCipher: the driver cannot open it, the case's connection reads it, the same links as the plain case
    (SQLCipher's SQLite reads the NULL sentinel one unit off: NaN all the same)."""
    from linkgraph.case import encryption

    if not encryption.available():
        pytest.skip("SQLCipher not installed")
    plain_path = sample_built.copy(tmp_path / "plain.lgcase")
    secret = encryption.encrypt_case(plain_path, "correct horse battery", out=tmp_path / "secret.lgcase")
    with CaseFile.open(secret, passphrase="correct horse battery") as locked, CaseFile.open(plain_path) as plain:
        assert not isinstance(locked.conn, sqlite3.Connection) and not arrow_reads(locked)
        assert arrow_reads(plain)
        pd.testing.assert_frame_equal(load_links(locked, attrs=ATTR_LINKS), load_links(plain, attrs=ATTR_LINKS))
        assert not entities_arrow_reads(locked) and entities_arrow_reads(plain)
        pd.testing.assert_frame_equal(load_entities(locked, attrs=True), load_entities(plain, attrs=True))


def test_fold_from_type_codes_is_the_fold_from_names(odd_case: Path) -> None:
    """fold_links numbers the types from a categorical's codes: the same ties as from the names themselves
    (unused categories, a type outside the model, types not in name order among the categories)."""
    from linkgraph.graph import fold_links

    with CaseFile.open(odd_case) as case:
        links = load_links(case)
    assert len(links["type"].cat.categories) > links["type"].nunique()
    named = links.assign(type=links["type"].astype(object))
    pd.testing.assert_frame_equal(fold_links(links), fold_links(named))
    shuffled = links.assign(type=links["type"].cat.reorder_categories(links["type"].cat.categories[::-1]))
    pd.testing.assert_frame_equal(fold_links(shuffled), fold_links(named))


def test_links_read_beside_are_the_links_read_after(odd_case: Path) -> None:
    """The numbers read in a thread (beside the entities) give the frame load_links reads itself; read for
    another window they are not used."""
    with CaseFile.open(odd_case) as case:
        for flt in FILTERS:
            beside = reading.start_reading(case, flt)
            assert beside.links.thread is not None and beside.entities.thread is not None
            pd.testing.assert_frame_equal(load_links(case, flt, attrs=ATTR_LINKS, beside=beside),
                                          load_links(case, flt, attrs=ATTR_LINKS))
            pd.testing.assert_frame_equal(load_entities(case, attrs=True, beside=beside),
                                          graph._entities_plain(case, attrs=True))
        other = reading.start_reading(case, GraphFilter(start=MARCH_15))
        pd.testing.assert_frame_equal(load_links(case, GraphFilter(end=MARCH_15), beside=other),
                                      load_links(case, GraphFilter(end=MARCH_15)))
        assert other.links.thread is None and other.links.numbers(case, other.links.query) is None
        # read without attributes, asked for with them: read again
        pd.testing.assert_frame_equal(load_entities(case, attrs=False, beside=other),
                                      graph._entities_plain(case, attrs=False))
        other.finish()
        assert other.entities.thread is None


@pytest.mark.parametrize("parts", [1, 2, 3, 8, 1000])
def test_links_read_beside_in_parts_are_the_links_read_after(odd_case: Path, monkeypatch, parts: int) -> None:
    """Read in ranges of ids (parts the caller takes up once it asks, and parts left empty by a window or by more
    parts than links), the numbers give the frame load_links reads itself."""
    monkeypatch.setattr(reading, "SPLIT_FROM", 0)
    monkeypatch.setattr(reading, "PARTS", parts)
    with CaseFile.open(odd_case) as case:
        for flt in FILTERS:
            beside = reading.start_reading(case, flt)
            assert len(beside.links.parts) == parts
            pd.testing.assert_frame_equal(load_links(case, flt, attrs=ATTR_LINKS, beside=beside),
                                          load_links(case, flt, attrs=ATTR_LINKS))
            beside.finish()
        beside = reading.start_reading(case, GraphFilter())
        beside.links.thread.join()               # every part read by the thread, none by the caller
        assert beside.links.begun == parts
        pd.testing.assert_frame_equal(load_links(case, beside=beside), load_links(case))
        beside.finish()


@pytest.mark.parametrize("attrs", [True, False], ids=["attrs", "no-attrs"])
def test_entities_arrow_read_is_the_plain_read(odd_case: Path, attrs: bool) -> None:
    """Merged entities (merged_into set for some), NULL keys and roles, first/last seen NULL for some."""
    with CaseFile.open(odd_case) as case:
        assert entities_arrow_reads(case)
        fast, plain = both_entities(case, attrs)
        pd.testing.assert_frame_equal(fast, plain)
        assert fast["merged_into"].notna().any() and fast["merged_into"].isna().any()
        assert fast["key"].isna().any() and fast["role"].notna().any()


def _edit(path: Path, *statements: str) -> None:
    with CaseFile.open(path) as case, case.transaction() as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.mark.parametrize("edits, reads", [
    # no merge at all (merged_into NULL everywhere: None, not NaN), every entity seen (first_seen int64)
    (["UPDATE entities SET merged_into = NULL", "UPDATE entities SET first_seen = 5, last_seen = 6"], True),
    # every role NULL, every key set; then text far below thousands of NULL-first rows
    (["UPDATE entities SET role = NULL", "UPDATE entities SET key = 'k' || id WHERE key IS NULL"], True),
    # a kind that is a number (json_extract gives an integer): the plain read
    (["UPDATE entities SET attrs = json_set(attrs, '$.kind', 7) WHERE id = (SELECT max(id) FROM entities)"],
     False),
    # kinds that are JSON null, escaped text, missing; attributes that are no object
    (["UPDATE entities SET attrs = json_set(attrs, '$.kind', json('null')) WHERE id % 3 = 0",
      "UPDATE entities SET attrs = '{\"kind\": \"short\\u005fcode \\\"x\\\"\"}' WHERE id % 3 = 1",
      "UPDATE entities SET attrs = '[1, 2]' WHERE id = (SELECT max(id) FROM entities)"], True),
    # a REAL in an INTEGER column and text in another
    (["UPDATE entities SET first_seen = 1.5 WHERE id = (SELECT max(id) FROM entities)"], False),
    (["UPDATE entities SET last_seen = 'soon' WHERE id = (SELECT max(id) FROM entities)"], False),
], ids=["no-merges", "null-roles", "number-kind", "odd-kinds", "real-time", "text-time"])
def test_entities_odd_columns(odd_case: Path, edits: list[str], reads: bool) -> None:
    """Column types follow the values as pandas reads them from SQLite; values the Arrow reader would read
    differently make it step aside."""
    _edit(odd_case, *edits)
    with CaseFile.open(odd_case) as case:
        assert entities_arrow_reads(case) is reads
        for attrs in (True, False):
            fast, plain = both_entities(case, attrs)
            pd.testing.assert_frame_equal(fast, plain)


def test_entities_null_first_far_down(tmp_path: Path) -> None:
    """More entities than a batch of the Arrow reader, the first tens of thousands with NULL key, role, times
    and merge, then values: read as the case's connection reads them."""
    path = tmp_path / "many.lgcase"
    with CaseFile.create(path, name="many", timezone="UTC") as case, case.transaction() as conn:
        rows = [("Person", None, f"person {i}", "{}", None, 0, None, None, None) for i in range(70_000)]
        rows += [("Phone", f"+1555{i:07d}", f"phone {i}", '{"kind": "service"}' if i % 3 else '{"a": 1}',
                  "suspect", 1, 100 + i, 200 + i, 1 if i == 5 else None) for i in range(20)]
        conn.executemany("INSERT INTO entities (type, key, label, attrs, role, minor, first_seen, last_seen, "
                         "merged_into) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    with CaseFile.open(path) as case:
        assert entities_arrow_reads(case)
        fast, plain = both_entities(case, True)
        pd.testing.assert_frame_equal(fast, plain)
        assert fast["service"].sum() == 13 and fast["merged_into"].notna().sum() == 1


def test_ids_and_rows_read_by_the_arrow_reader_come_as_integers(odd_case: Path) -> None:
    """The whole-number columns come from the Arrow reader as int64 (no float made of them), the others as floats;
    load_links's frame is the plain read's all the same (above)."""
    with CaseFile.open(odd_case) as case:
        query = reading.links_query(case, GraphFilter(), set(reading.LINK_COLUMNS))
        plan = reading.links_plan(case, query.numeric, query.code, query.rest, query.args)
        columns = reading.links_read(*plan, len(query.numeric), reading.whole_positions(query.numeric))
        kinds = {name: column.dtype.kind for name, column in zip([*query.numeric, "code"], columns, strict=True)}
        assert {name for name, kind in kinds.items() if kind == "i"} == {*reading.WHOLE_LINK_COLUMNS, "code"}
        assert kinds["start"] == kinds["weight"] == "f"
