"""Each export read by the program it is for, or by that program's own schema and library:
the i2 ANX 7 element structure, the GraphML XSD, the GEXF 1.2 RELAX NG, the OGC KML 2.2 XSD,
followthemoney's model, networkx and igraph, openpyxl and calamine, and linkgraph's own importer.

Schemas are read from `../shared/schemas` beside the repository; tests that need one skip when absent.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from linkgraph.case import CaseFile
from linkgraph.exports import FORMATS, ExportOptions, export

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "schemas"


def schema_file(*parts: str) -> Path:
    path = SCHEMAS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"schema {'/'.join(parts)} not found beside the repository ({SCHEMAS})")
    return path


@pytest.fixture(scope="module")
def exported(sample_master: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("consumers")
    path = out / "case.lgcase"
    path.write_bytes(sample_master.read_bytes())
    with CaseFile.open(path) as case:
        files = {fmt: export(case, fmt, out / fmt, ExportOptions()) for fmt in FORMATS if fmt != "exhibit"}
        entities = {e.id: e for e in case.entities()}
        link_count = case.conn.execute("SELECT COUNT(*) FROM links").fetchone()[0]
    return {"files": files, "entities": entities, "links": link_count, "case": path}


# ---- i2 Analyst's Notebook ------------------------------------------------------------------------
def check_anx(element: ET.Element, structure: dict, problems: list[str], where: str = "Chart") -> None:
    """Every element allowed under its parent, with allowed attributes, children in the schema's order."""
    spec = structure[element.tag]
    for name in element.attrib:
        if name not in spec["attributes"]:
            problems.append(f"{where}: attribute {name} not allowed on {element.tag}")
    last = -1
    for child in element:
        if child.tag not in spec["children"]:
            problems.append(f"{where}: {child.tag} not allowed inside {element.tag}")
            continue
        position = spec["order"].index(child.tag)
        if position < last:
            problems.append(f"{where}: {child.tag} out of order inside {element.tag}")
        last = position
        check_anx(child, {**structure, child.tag: structure[spec["children"][child.tag]]}, problems,
                  f"{where}/{child.tag}")


def test_anx_follows_the_anx7_structure(exported: dict) -> None:
    structure = json.loads(schema_file("anx", "anx7_structure.json").read_text(encoding="utf-8"))
    (path,) = exported["files"]["anx"]
    root = ET.parse(path).getroot()
    problems: list[str] = []
    check_anx(root, structure, problems)
    assert not problems, "\n".join(sorted(set(problems))[:30])


def test_anx_cards_identity_positions_and_time_zone(exported: dict) -> None:
    (path,) = exported["files"]["anx"]
    root = ET.parse(path).getroot()
    entities = root.findall("ChartItemCollection/ChartItem/End/Entity")
    identities = [e.get("Identity") for e in entities]
    assert len(identities) == len(set(identities))
    assert all(e.get("LabelIsIdentity") == "false" for e in entities)
    ends = root.findall("ChartItemCollection/ChartItem/End")
    assert len({(e.get("X"), e.get("Y")) for e in ends}) > len(ends) * 0.9      # laid out, not all at 0,0
    assert root.find("TimeZone").get("Name").endswith("America/Los_Angeles")
    link_cards = root.findall("ChartItemCollection/ChartItem/Link/CardCollection/Card")
    entity_cards = root.findall("ChartItemCollection/ChartItem/End/Entity/CardCollection/Card")
    assert link_cards and entity_cards
    for card in link_cards + entity_cards:
        assert " row " in card.get("SourceReference") and "SHA-256 " in card.get("SourceReference")
        assert {"GradeOneIndex", "GradeTwoIndex", "GradeThreeIndex"} <= set(card.attrib)
    assert any(card.find("TimeZone") is not None for card in link_cards)
    # the two people written "Darnell Haskins" in different files stay apart
    haskins = [i for i in root.findall("ChartItemCollection/ChartItem") if i.get("Label") == "Darnell Haskins"]
    assert len({i.find("End/Entity").get("Identity") for i in haskins}) == len(haskins) >= 2


# ---- GraphML ----------------------------------------------------------------------------------------
def test_graphml_is_valid_and_gephi_finds_the_label(exported: dict) -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(schema_file("graphml", "graphml.xsd"))))
    (path,) = exported["files"]["graphml"]
    document = etree.parse(str(path))
    schema.assertValid(document)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {k.get("id"): k for k in document.findall("g:key", ns)}
    # Gephi's importer takes the node key whose attr.name (or id) is "label" as the node label
    label_keys = [k for k in keys.values() if k.get("for") == "node" and k.get("attr.name") == "label"]
    assert len(label_keys) == 1 and label_keys[0].get("id") == "label"
    assert all(k.get("id") == k.get("attr.name") for k in keys.values() if k.get("for") == "node")


def test_graphml_reads_back_in_networkx_and_igraph_with_labels(exported: dict) -> None:
    import igraph
    import networkx as nx

    (path,) = exported["files"]["graphml"]
    graph = nx.read_graphml(path)
    labels = {data["label"] for _, data in graph.nodes(data=True)}
    assert "Darnell Haskins" in labels and "(209) 555-0144" in labels
    assert not labels <= {e.type for e in exported["entities"].values()}
    loaded = igraph.Graph.Read_GraphML(str(path))
    assert loaded.vcount() == graph.number_of_nodes() and loaded.ecount() == graph.number_of_edges()
    assert set(loaded.vs["label"]) == labels


def test_gexf_is_valid_with_spells_and_reads_back(exported: dict) -> None:
    import networkx as nx
    from lxml import etree

    schema = etree.RelaxNG(etree.parse(str(schema_file("gexf", "1.2draft", "gexf.rng"))))
    (path,) = exported["files"]["gexf"]
    document = etree.parse(str(path))
    assert schema.validate(document), str(schema.error_log)[:2000]
    ns = {"g": "http://www.gexf.net/1.2draft"}
    graph_element = document.find("g:graph", ns)
    assert graph_element.get("mode") == "dynamic" and graph_element.get("timeformat") == "date"
    spells = document.findall(".//g:edge/g:spells/g:spell", ns)
    assert spells and all(s.get("start") and s.get("end") for s in spells)
    graph = nx.read_gexf(path)
    assert {d["label"] for _, d in graph.nodes(data=True)} >= {"Darnell Haskins", "(209) 555-0144"}


# ---- FollowTheMoney ---------------------------------------------------------------------------------
def test_ftm_entities_load_strictly_with_the_followthemoney_model(exported: dict) -> None:
    followthemoney = pytest.importorskip("followthemoney")
    from followthemoney import model

    (path,) = exported["files"]["ftm"]
    proxies = {}
    with path.open(encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    for data in lines:
        schema = model.get(data["schema"])
        assert schema is not None and not schema.abstract, data["schema"]
        proxy = model.get_proxy(data, cleaned=False)
        for prop, values in data["properties"].items():
            assert proxy.get(prop), f"{data['id']} {prop} lost"
            cleaned = [proxy.schema.properties[prop].type.clean(v, proxy=proxy) for v in values]
            assert None not in cleaned, f"{data['id']} {prop}={values} dropped by followthemoney"
        proxies[data["id"]] = proxy
    assert followthemoney
    schemata = {p.schema.name for p in proxies.values()}
    assert "Thing" not in schemata
    # every entity reference points at an exported entity
    for proxy in proxies.values():
        for prop, value in proxy.itervalues():
            if prop.type.name == "entity":
                assert value in proxies, f"{proxy.id} {prop.name} -> {value}"
    calls = [p for p in proxies.values() if p.schema.name == "Call"]
    assert calls and all(p.get("caller") or p.get("callerNumber") for p in calls)
    assert all(p.get("receiver") or p.get("receiverNumber") for p in calls)
    payments = [p for p in proxies.values() if p.schema.name == "Payment"]
    assert payments and all(p.get("payer") and p.get("beneficiary") for p in payments)
    ids = [p for p in proxies.values() if p.schema.name in ("Identification", "Passport")]
    assert ids and all(p.get("holder") for p in ids)
    phones = [p for p in proxies.values() if "phone" in p.schema.properties and p.get("phone")]
    assert phones


# ---- KML --------------------------------------------------------------------------------------------
def test_kml_is_valid_places_hotels_and_escapes_once(exported: dict) -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(schema_file("kml", "ogckml22.xsd"))))
    (path,) = exported["files"]["kml"]
    document = etree.parse(str(path))
    schema.assertValid(document)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    folders = {f.findtext("k:name", namespaces=ns): f for f in document.findall(".//k:Folder", ns)}
    hotels = folders["Hotels"].findall("k:Placemark", ns)
    # every hotel with a city or an address is placed (a city written without its state included)
    placeable = [e for e in exported["entities"].values() if e.type == "Hotel" and (e.attrs.get("city")
                                                                                      or e.attrs.get("address"))]
    assert len(hotels) == len(placeable) >= 2
    for mark in document.findall(".//k:Placemark", ns):
        for text in (mark.findtext("k:name", namespaces=ns), mark.findtext("k:description", namespaces=ns)):
            assert "&#x27;" not in (text or "") and "&amp;" not in (text or ""), text


# ---- spreadsheets -----------------------------------------------------------------------------------
def test_xlsx_identifiers_are_plain_text_and_dates_are_dates(exported: dict) -> None:
    import openpyxl
    from python_calamine import CalamineWorkbook

    (path,) = exported["files"]["xlsx"]
    book = openpyxl.load_workbook(path)
    entities = book["Entities"]
    keys = [row[3].value for row in entities.iter_rows(min_row=2)]
    assert "+12095550144" in keys
    assert not [k for k in keys if isinstance(k, str) and k.startswith("'")]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
    first_seen = [row[6].value for row in entities.iter_rows(min_row=2) if row[6].value is not None]
    assert first_seen and all(isinstance(v, datetime) for v in first_seen)
    calamine = CalamineWorkbook.from_path(str(path))
    rows = calamine.get_sheet_by_name("Entities").to_python()
    assert "+12095550144" in [r[3] for r in rows[1:]]
    assert any(isinstance(r[6], (datetime, date)) for r in rows[1:])


# ---- CSV and round trips ----------------------------------------------------------------------------
def test_csv_links_have_gephi_edge_columns(exported: dict) -> None:
    links = next(p for p in exported["files"]["csv"] if p.name == "links.csv")
    with links.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames[:4] == ["Source", "Target", "Type", "Weight"]
    assert {r["Type"] for r in rows} <= {"Directed", "Undirected"}
    assert all(float(r["Weight"]) > 0 for r in rows)
    assert len(rows) == exported["links"]


def graph_facts(case: CaseFile) -> tuple[Counter, Counter]:
    """What a round trip must keep: entities by (type, key or label) and links by (type, end, end), counted."""
    reps = case.representatives()
    ends = {e.id: (e.type, e.key or e.label) for e in case.entities(include_merged=True)}
    entities = Counter(ends[e.id] for e in case.entities())
    links = Counter((t, ends[reps.get(s, s)], ends[reps.get(d, d)])
                    for t, s, d in case.conn.execute("SELECT type, src, dst FROM links"))
    return entities, links


@pytest.fixture
def trip_case(tmp_path: Path) -> Path:
    """A small case of typed entities and dated links: phones calling, a person using a phone, an e-mail."""
    from linkgraph.case import ImportSession
    from linkgraph.times import parse_iso

    path = tmp_path / "trip.lgcase"
    source = tmp_path / "rows.csv"
    source.write_text("rows\n", encoding="utf-8")
    with CaseFile.create(path, name="Trip", timezone="America/Los_Angeles") as case:
        with ImportSession(case, source, kind="links") as session:
            session.set_header(["a", "b"], 1)
            session.raw_row(2, ["x", "y"])
            him = session.entity("Person", None, "Marcus Bell", row=2, role="suspect")
            phone = session.entity("Phone", "+12095550111", "(209) 555-0111", row=2)
            other = session.entity("Phone", "+12095550188", "(209) 555-0188", row=2)
            mail = session.entity("Email", "bossd209@example.com", "bossd209@example.com", row=2)
            session.link("uses", him, phone, row=2)
            session.link("uses", him, mail, row=2)
            for hour in (9, 13, 21):
                session.link("call", phone, other, row=2, start=parse_iso(f"2024-04-02 {hour:02d}:15", "UTC"),
                             duration=60)
            session.link("sms", other, phone, row=2, start=parse_iso("2024-04-03 10:00", "UTC"))
    return path


def test_csv_export_imports_back_with_the_same_entities_types_and_links(trip_case: Path, tmp_path: Path) -> None:
    from linkgraph.cli import main

    assert main(["export", str(trip_case), "-f", "csv", "-o", str(tmp_path / "csv")]) == 0
    fresh = tmp_path / "fresh.lgcase"
    assert main(["new", str(fresh), "--name", "Fresh", "--tz", "America/Los_Angeles"]) == 0
    assert main(["import", str(fresh), str(tmp_path / "csv" / "links.csv"), "--kind", "links"]) == 0
    with CaseFile.open(trip_case) as before, CaseFile.open(fresh) as after:
        old_entities, old_links = graph_facts(before)
        new_entities, new_links = graph_facts(after)
        assert new_entities == old_entities
        assert new_links == old_links
        times = sorted(t for (t,) in after.conn.execute("SELECT start FROM links WHERE start IS NOT NULL"))
        assert times == sorted(t for (t,) in before.conn.execute("SELECT start FROM links WHERE start IS NOT NULL"))


def test_graphml_export_imports_back_with_the_same_entities_types_and_links(trip_case: Path, tmp_path: Path) -> None:
    """A GraphML chart holds one edge per pair of entities: it comes back as one link per pair and type."""
    from linkgraph.cli import main

    assert main(["export", str(trip_case), "-f", "graphml", "-o", str(tmp_path / "chart.graphml")]) == 0
    fresh = tmp_path / "fresh.lgcase"
    assert main(["new", str(fresh), "--tz", "America/Los_Angeles"]) == 0
    assert main(["import", str(fresh), str(tmp_path / "chart.graphml"), "--kind", "links"]) == 0
    with CaseFile.open(trip_case) as before, CaseFile.open(fresh) as after:
        old_entities, old_links = graph_facts(before)
        new_entities, new_links = graph_facts(after)
        assert new_entities == old_entities
        assert {(t, *sorted((a, b))) for t, a, b in new_links} == {(t, *sorted((a, b))) for t, a, b in old_links}
