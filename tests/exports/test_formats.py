"""Every export format on the sample case, read back with the target format's parser or checker."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import openpyxl
import pytest

from linkgraph.case import CaseFile
from linkgraph.errors import LinkgraphError
from linkgraph.exports import FORMATS, ExportOptions, export
from linkgraph.exports.anx import GRADE_ONE, GRADE_THREE, GRADE_TWO, grade_indexes
from linkgraph.graph import build_graph

KML_NS = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def exported(sample_master: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample case exported once in every format (victims not redacted: the analysts' default)."""
    out = tmp_path_factory.mktemp("formats")
    path = out / "case.lgcase"
    path.write_bytes(sample_master.read_bytes())
    files = {}
    with CaseFile.open(path) as case:
        for fmt in FORMATS:
            files[fmt] = export(case, fmt, out / fmt, ExportOptions())
        graph = build_graph(case)
        facts = {
            "entities": len(case.entities()),
            "links": case.conn.execute("SELECT COUNT(*) FROM links").fetchone()[0],
            "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
            "graph": graph, "sources": {s.name: s for s in case.sources()},
            "audit": [json.loads(d) for (d,) in case.conn.execute(
                "SELECT details FROM audit WHERE action = 'export' ORDER BY seq")],
        }
    return {"files": files, **facts}


def test_every_export_is_audited(exported: dict) -> None:
    assert [entry["format"] for entry in exported["audit"]] == list(FORMATS)


def test_csv_tables_hold_every_entity_and_link_with_provenance(exported: dict) -> None:
    entities, links, ads = exported["files"]["csv"]
    with entities.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == exported["entities"]
    with links.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == exported["links"]
    for row in rows:
        assert row["file_sha256"] == exported["sources"][row["file"]].sha256
    with ads.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 79


def test_workbook_sheets_headers_filters_and_counts(exported: dict) -> None:
    (path,) = exported["files"]["xlsx"]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["About", "Entities", "Links", "Ads", "Key players", "Communities", "Findings"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
        assert sheet["A1"].font.bold
    assert book["Entities"].max_row == exported["entities"] + 1
    assert book["Links"].max_row == exported["links"] + 1
    assert 8 <= book["Links"].column_dimensions["N"].width <= 62        # file_sha256, capped
    players = [row for row in book["Key players"].iter_rows(min_row=2, values_only=True)]
    assert players and [p[0] for p in players[:3]] == [1, 2, 3]
    findings = {row[0] for row in book["Findings"].iter_rows(min_row=2, values_only=True)}
    assert "replacements" in findings and "indicators" in findings
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["analysis"].startswith("analysis run ")


def test_graphml_and_gexf_parse_back_to_the_same_graph(exported: dict) -> None:
    graph = exported["graph"]
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        (path,) = exported["files"][fmt]
        back = reader(path)
        assert back.number_of_nodes() == exported["nodes"], fmt
        assert back.number_of_edges() == exported["edges"], fmt
        some = sorted(graph.nodes)[:20]
        for node in some:
            data = back.nodes[str(node)]
            assert data["label"] == graph.nodes[node]["label"]
            assert data["type"] == graph.nodes[node]["type"]
        a, b, edge = next(iter(graph.edges(data=True)))
        assert int(back.edges[str(a), str(b)]["count"]) == edge["count"]


def test_anx_structure(exported: dict) -> None:
    (path,) = exported["files"]["anx"]
    root = ET.parse(path).getroot()
    assert root.tag == "Chart" and root.get("IdReferenceLinking") == "true"
    entity_types = {e.get("Name") for e in root.iter("EntityType")}
    link_types = {e.get("Name") for e in root.iter("LinkType")}
    grades = [len(list(root.find(tag).iter("String"))) for tag in ("GradeOne", "GradeTwo", "GradeThree")]
    assert grades == [len(GRADE_ONE), len(GRADE_TWO), len(GRADE_THREE)]
    items = list(root.find("ChartItemCollection"))
    entity_ids = set()
    links = []
    for item in items:
        assert item.tag == "ChartItem"
        kinds = [child.tag for child in item if child.tag in ("End", "Link")]
        assert len(kinds) == 1
        if kinds[0] == "End":
            entity = item.find("End/Entity")
            assert entity.get("EntityId") not in entity_ids
            entity_ids.add(entity.get("EntityId"))
            assert entity.find("Icon/IconStyle").get("Type") in entity_types
        else:
            links.append(item)
    assert len(entity_ids) == exported["nodes"] and len(links) == exported["edges"]
    for item in links:
        link = item.find("Link")
        assert link.get("End1Id") in entity_ids and link.get("End2Id") in entity_ids
        assert link.find("LinkStyle").get("Type") in link_types
        for card in item.iter("Card"):
            assert 0 <= int(card.get("GradeOneIndex")) < grades[0]
            assert 0 <= int(card.get("GradeTwoIndex")) < grades[1]
            assert 0 <= int(card.get("GradeThreeIndex")) < grades[2]
            assert " row " in card.get("SourceReference")
    dated = [i for i in links if i.get("DateSet") == "true"]
    assert dated and all(len(i.get("DateTime")) == 19 for i in dated)


def test_grades_map_to_the_5x5x5_collections() -> None:
    assert grade_indexes("A11") == (0, 0, 0)
    assert grade_indexes("B23") == (1, 1, 2)
    assert grade_indexes("E54") == (4, 4, 3)
    assert grade_indexes("") == (4, 3, 0)


def test_kml_places_cell_sites_hotels_and_ads(exported: dict) -> None:
    (path,) = exported["files"]["kml"]
    root = ET.parse(path).getroot()
    assert root.tag == f"{KML_NS}kml"
    folders = {f.find(f"{KML_NS}name").text: f for f in root.iter(f"{KML_NS}Folder")}
    assert set(folders) == {"Cell sites", "Hotels", "Places", "Ads by city"}
    for name, folder in folders.items():
        for mark in folder.iter(f"{KML_NS}Placemark"):
            lon, lat, _ = (float(v) for v in mark.find(f"{KML_NS}Point/{KML_NS}coordinates").text.split(","))
            assert 32 < lat < 42 and -125 < lon < -114, name          # California
    assert len(list(folders["Cell sites"].iter(f"{KML_NS}Placemark"))) >= 10
    ads = list(folders["Ads by city"].iter(f"{KML_NS}Placemark"))
    assert len(ads) == 79 and all(m.find(f"{KML_NS}TimeStamp/{KML_NS}when") is not None for m in ads)
    stockton = [m for m in ads if "City: Stockton" in m.find(f"{KML_NS}description").text]
    coords = {m.find(f"{KML_NS}Point/{KML_NS}coordinates").text for m in stockton}
    assert coords == {"-121.290800,37.957700,0"}


def test_ftm_entities_and_links_reference_each_other(exported: dict) -> None:
    (path,) = exported["files"]["ftm"]
    objects = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    ids = {o["id"] for o in objects}
    assert len(ids) == len(objects) == exported["entities"] + exported["links"]
    schemata = {o["schema"] for o in objects}
    assert {"Person", "LegalEntity", "UserAccount", "Document", "Call", "Payment", "Membership"} <= schemata
    assert "Thing" not in schemata
    for o in objects:
        assert all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in o["properties"].values())
        for prop in ("caller", "receiver", "payer", "beneficiary", "member", "organization", "subject", "object",
                     "person", "associate", "relative", "owner", "asset", "payerAccount", "beneficiaryAccount"):
            for target in o["properties"].get(prop, []):
                assert target in ids, (o["id"], prop)
    calls = [o for o in objects if o["schema"] == "Call"]
    for call in calls:
        props = call["properties"]
        assert props.get("caller") or props.get("callerNumber")
        assert props.get("receiver") or props.get("receiverNumber")
    assert any(o["properties"].get("callerNumber") == ["+12095550144"] and o["properties"].get("duration")
               for o in calls)
    assert all(" row " in o["properties"]["summary"][0] for o in objects if o["id"].startswith("linkgraph-link"))


def test_html_is_one_self_contained_file(exported: dict) -> None:
    (path,) = exported["files"]["html"]
    page = path.read_text(encoding="utf-8")
    assert "vis.Network" in page and "Content-Security-Policy" in page
    assert "<script src" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.IGNORECASE)
    data = page.split('<script type="application/json" id="chart-data">', 1)[1].split("</script>", 1)[0]
    payload = json.loads(data)
    assert len(payload["nodes"]) == exported["nodes"] and len(payload["edges"]) == exported["edges"]


def test_unknown_format_is_refused(sample_case: CaseFile, tmp_path: Path) -> None:
    with pytest.raises(LinkgraphError, match="unknown format 'pdf'"):
        export(sample_case, "pdf", tmp_path)
