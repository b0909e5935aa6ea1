"""Naming the columns (schema.LINK_COLUMNS / ENTITY_COLUMNS) must not move a byte: the sample case built now
has the per-source digests (all three versions) and the schema and entities state digests that main had
before the columns were declared, and a case whose imports recorded v2 or first-version digests still verifies."""

from __future__ import annotations

import json
import sqlite3

from linkgraph import graph
from linkgraph.case import integrity, schema
from linkgraph.case.audit import state_digests
from linkgraph.case.integrity import source_digest, verify_connection

# (v3, v2, first version) per source of sample_cases/gang_enterprise, computed on main before the change
# (venmo_lamb.csv as main regenerated it in UTC).
EXPECTED = {
    "tmobile_return_haskins.xlsx": (
        "v3:91c4045acad42a71b59691c406cbea9f14af11f8e05a06f193896593c63cbade",
        "v2:3ed4c534929794f7be3bf784e73396b5473e8d1608516b3903bf745a703679f2",
        "79135ed8f4e9c0cff17c2acd78e665cca4119c0da0adcd4948f470ac60c30d0f"),
    "att_return_carranza.csv": (
        "v3:6aa1265a009dc36b544a062ed1d9bf5e1323ca9e85e5118dc4928cdc3a16e29f",
        "v2:4bf7f55bdc5c736441a3b91cbc430068872cf4c2e4b70bbe35d92a20e491f232",
        "fba3cf567584b8a77ce26cbcf51d225d04627e457410e04adaae31ed4bbd13c2"),
    "sprint_return_mims.txt": (
        "v3:fe2a904bbe74be02d3c53c193fbf85d7dd763a6c0a94a164ded8b41ec26a16e3",
        "v2:787560c8849463fe522cc357fbec995ca036144000d46dce23329e35b90696f6",
        "5a9ec92121f22a1e55402cb943ad1ae78cae0ea27bea0a15c3cfc6d9cf6fe439"),
    "verizon_tower_sutter.csv": (
        "v3:130f55b24924fdf41bb46640e802679db6539a4032d4bb61bfad3c08a63a12c2",
        "v2:cdcf471363c6823ee8906c64309f5acf582bb4a257b75565a41ae96e3a2d3273",
        "7f2eecbbd26762b5952ac0dd845ba52616c2e9d78aadb8216b76ffdcc8494200"),
    "analyst_sheet_jr_phone.xlsx": (
        "v3:e1d94fc1301e53b8d9c831a1ddbb8bf99747e19e4afe66f09e6fbab044fe6fe0",
        "v2:9ef756fd078c0f5357d6c03c8f8da398bc18a60c23fed01b624e671fce063c33",
        "a6def8ad25ef5e1f2908770b1c871e78a38439176c5917495b218ff4607f6efd"),
    "ads_nightlist.jsonl": (
        "v3:62fa1fd82c9c618d22e8ec1cdffa60ae9261682973facf026da2de4db6f4d267",
        "v2:24840a967ea501e2cd8d0783e804226d1a60f0d7f58688ea499ac3d0054aff97",
        "7a1831b67d826eafb014ac94806c0c75e1e837d6d88937899a66138bdac1ef29"),
    "ads_vibelist.csv": (
        "v3:2c5eb9f1b226a983ef4cfce6d70434ce403e8244b44836e75bc89059f66039f6",
        "v2:a536be01d9c789af8945565897019446111c699b1083527c527b1187abdf3e7d",
        "c1e236979c9eb2689b65f56428bf4f81dd461917d67428be61a17dde109fee54"),
    "hotel_delta_inn_stockton.csv": (
        "v3:23814d839ef0666d71ed89dd58ddfdcef8fda9f159a8ebc12a7673fb4c890ec2",
        "v2:c0c15407113d6603ba410e013252884bdcca18b770f3be4a5283573ac128a0b1",
        "561b994a6d485e010b1febb296e2ed9bd4444b43be8d467ce85829a8722745c2"),
    "hotel_sierra_motor_lodge_fresno.xlsx": (
        "v3:37e6155d370a3c0416aef88e3870ad1d34aa7d2396668e35cbf61e9890c39bd8",
        "v2:766f0131e9a59583a6c0fe15f40a7cc669fc041336cf405915eb447f0b6fa421",
        "ac1ea5f1aa9e351146d6fc03d304b4423be92585c26145583e96879c8a601f05"),
    "cashapp_haskins.csv": (
        "v3:1dd308045f35d760ccf608a1f82b8c99810083a3d28466e17b976552d5a4279e",
        "v2:c9fd8a4c3200f7167634389db7b9988a1fbb0d2aef13aaa1046d795ebe1552ae",
        "16441efc9e3f857cda2cbf33ec6b949c6dde88feb320f741e10c8d380fcfb208"),
    "venmo_lamb.csv": (
        "v3:d6cebb309f33961f79455fff6680157121f8ae576dddb6849e5dd93cd518b1b1",
        "v2:895372921ba845e53623cb73560c3b46039d83c6af276766ce601bcdb5b4d80c",
        "62853f498b213ee533d37f09ff645c4d5c351b960316c70bddd3e5467118ff8d"),
    "bank_haskins_detailing.xlsx": (
        "v3:545beaef92c08000faae3f3512ea729d90f6a777a56b2a5ebf5f928210db4572",
        "v2:fb5a6ff7a9ce19e8cc699812233213794175ee7cb4024363e5c07cf37289fd4f",
        "8a747c2302fa3d8c33803fc85410090dfc308ffeb53e8398a77db5bcd8182f8e"),
    "money_transfers_quicksend.csv": (
        "v3:3e03df78b452caa282b7807ec618303a4ebef9db7013481817e51072ff32c03c",
        "v2:a8ad77315088bd452811343c88660ce3060b76dcdfbcc498638f0b69e16992f7",
        "ea8bde556bb0bb64c7e5b103c8171b6e97587896fbe08c0afc1849fd2e849b38"),
    "roster_business_compliance.csv": (
        "v3:b1978612a41edacf53eb482603d0eec1d328ddfce7546a1dadc93af4681e722d",
        "v2:42485d139268371388e5cc0f1b2a959de7bca7600805563dc4ea5deb3eaa1be6",
        "1f77e6782f05e3c812c7fcec69e58e62246ac03b55265499e2b1b8d328975bda"),
    "associates.csv": (
        "v3:1314099a65c0cc5a1adf790a7ffb72e80e340febd0b3cb4ecb349563d85edd62",
        "v2:c72d405254d71786a5b101615688f955587b84ff03946ec0b330b4ac605a4b0f",
        "844b55a909014dc62760e6e7f33488edaf3452fa278d2c2b652e0e151c81825b"),
    "phone_attribution.csv": (
        "v3:7e8e7bb4c3c86f8bc2165d5278fad4d515807846f11a57e1b7b393d48d6e6fa1",
        "v2:0ce549718d2b7e2eed0fc9580414fd9f1ee517ec85afa45d2f3d17b458150625",
        "b36e323c5d8ef9a41ea28b93e630ae437c81ce9d2f983f81bb6968270fb7818c"),
}
EXPECTED_STATE = {"schema": "9a54aa5b3076acf7", "entities": "703ccb60dae8fd66"}


def test_column_declaration_gives_the_layout_the_digests_hash() -> None:
    assert schema.digest_layout(schema.LINK_COLUMNS) == (
        "itiiiifftifti", "id, type, src, dst, start, end, duration, amount, currency, location, weight, attrs, row")
    assert schema.digest_layout(schema.ENTITY_COLUMNS) == ("itt", "id, type, key")
    assert schema.TEXT_LINK_FIELDS == frozenset({0, 7, 10})
    assert schema.LinkFields._fields[-1] == "row" and len(schema.LinkFields._fields) == 12
    memory = sqlite3.connect(":memory:")
    schema.create(memory)
    assert [r[1] for r in memory.execute("PRAGMA table_info(links)")] == [c.name for c in schema.LINK_COLUMNS]
    assert [r[1] for r in memory.execute("PRAGMA table_info(entities)")] == [c.name for c in schema.ENTITY_COLUMNS]
    assert set(graph.LINK_COLUMNS) <= {c.name for c in schema.LINK_COLUMNS}     # the chart reads declared columns


def test_sample_case_digests_are_unchanged(sample_built) -> None:
    conn = sqlite3.connect(f"file:{sample_built.path}?mode=ro", uri=True)
    try:
        found = {name: (source_digest(conn, sid), source_digest(conn, sid, version=integrity.V2_PREFIX),
                        source_digest(conn, sid, legacy=True))
                 for sid, name in conn.execute("SELECT id, name FROM sources ORDER BY id").fetchall()}
        _, tables = state_digests(conn)
    finally:
        conn.close()
    assert found == EXPECTED
    assert {name: tables[name] for name in EXPECTED_STATE} == EXPECTED_STATE


def test_three_digest_versions_verify(sample_copy, recompute_chain) -> None:
    """Imports recorded with a v3, a v2 and a first-version digest side by side: all verify."""
    conn = sqlite3.connect(sample_copy)
    try:
        entries = conn.execute("SELECT seq, details FROM audit WHERE action = 'import' ORDER BY seq").fetchall()
        for number, (seq, details) in enumerate(entries):
            entry = json.loads(details)
            if number % 3 == 1:
                entry["data_digest"] = source_digest(conn, int(entry["source"]), version=integrity.V2_PREFIX)
            elif number % 3 == 2:
                entry["data_digest"] = source_digest(conn, int(entry["source"]), legacy=True)
            conn.execute("UPDATE audit SET details = ? WHERE seq = ?", (json.dumps(entry), seq))
        recompute_chain(conn)
        conn.commit()
        recorded = [str(json.loads(d)["data_digest"]) for (d,) in
                    conn.execute("SELECT details FROM audit WHERE action = 'import'")]
        assert {d[:3] if d[:3] in ("v3:", "v2:") else "first" for d in recorded} == {"v3:", "v2:", "first"}
        report = verify_connection(conn)
        assert report.ok, report.problems
    finally:
        conn.close()


def test_importers_give_links_as_link_fields(case, tmp_path) -> None:
    """links_bulk takes LinkFields: each value lands in the column of its name."""
    from linkgraph.case import ImportSession, LinkFields

    source = tmp_path / "calls.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    with ImportSession(case, source, kind="phone") as session:
        a = session.entity("Phone", "+12095550123", "(209) 555-0123", row=2)
        b = session.entity("Phone", "+12095550147", "(209) 555-0147", row=2)
        session.links_bulk([LinkFields(type="call", src=a, dst=b, start=1709306864, end=None, duration=61.0,
                                       amount=None, currency=None, location=None, weight=1.0,
                                       attrs='{"call_type": "moc"}', row=2)])
    row = case.conn.execute("SELECT type, src, dst, start, duration, weight, attrs, row FROM links").fetchone()
    assert row == ("call", a, b, 1709306864, 61.0, 1.0, '{"call_type": "moc"}', 2)
