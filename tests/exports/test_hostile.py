"""The planted hostile ad (a formula, a script and a remote image in its title and body) stays inert
in every export: spreadsheets keep it as text, XML keeps it as character data, the HTML page
shows it as text and, opened in headless Chromium, makes no network request."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from linkgraph.case import CaseFile
from linkgraph.exports import FORMATS, ExportOptions, export
from linkgraph.exports.cells import evaluated

FORMULA = '=HYPERLINK("http://evil.example","x")'
SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src="http://evil.example/p.png" onerror="alert(2)">'


@pytest.fixture(scope="module")
def hostile(sample_master: Path, tmp_path_factory: pytest.TempPathFactory, key: dict) -> dict:
    """Every format of the sample case, victims shown (the hostile ad is not a victim's); the exhibit and
    the HTML chart exactly the hostile ad and its neighbours."""
    assert key["malicious_ad"]["payloads"] == [FORMULA, SCRIPT, IMAGE]
    out = tmp_path_factory.mktemp("hostile")
    path = out / "case.lgcase"
    path.write_bytes(sample_master.read_bytes())
    files = {}
    with CaseFile.open(path) as case:
        ad = case.find_entity("Ad", f"vibelist.example/{key['malicious_ad_id']}")
        assert FORMULA in ad.attrs["title"] and SCRIPT in ad.attrs["body"] and IMAGE in ad.attrs["body"]
        neighbours = [dst if src == ad.id else src for src, dst in case.conn.execute(
            "SELECT src, dst FROM links WHERE src = ? OR dst = ?", (ad.id, ad.id))]
        for fmt in FORMATS:
            options = ExportOptions(redact_victims=False)
            if fmt in ("exhibit", "html"):               # a small chart around the ad: quick to open in a browser
                options.entity_ids = [ad.id, *neighbours]
            files[fmt] = export(case, fmt, out / fmt, options)
    return {"files": files, "ad": ad, "out": out}


def test_spreadsheet_cells_hold_the_formula_as_text(hostile: dict) -> None:
    (path,) = hostile["files"]["xlsx"]
    book = openpyxl.load_workbook(path)
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                    found.append(cell.value)
    # the text exactly as written (no apostrophe added), in a text cell marked quote-prefixed
    assert FORMULA + " Candy in Sacramento" in found
    cell = next(c for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                if c.value == FORMULA + " Candy in Sacramento")
    assert cell.data_type == "s" and cell.quotePrefix
    # and the raw XML of the sheet has no formula element at all
    with zipfile.ZipFile(path) as archive:
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist() if name.endswith(".xml"))


def test_csv_cells_are_neutralised(hostile: dict) -> None:
    for path in hostile["files"]["csv"]:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not evaluated(cell), (path.name, cell)
    with (hostile["out"] / "csv" / "ads.csv").open(encoding="utf-8-sig", newline="") as handle:
        ads = {r["ad"]: r for r in csv.DictReader(handle)}
    assert ads["VL-240424-01"]["title"] == "'" + FORMULA + " Candy in Sacramento"
    assert SCRIPT in ads["VL-240424-01"]["text"]


def test_xml_formats_keep_the_payload_as_character_data(hostile: dict) -> None:
    for fmt in ("graphml", "gexf", "anx", "kml"):
        (path,) = hostile["files"][fmt]
        root = ET.parse(path).getroot()
        tags = {element.tag.rsplit("}", 1)[-1].lower() for element in root.iter()}
        assert not tags & {"script", "img", "iframe"}, fmt
        text = " ".join([*(e.text or "" for e in root.iter()),
                         *(v for e in root.iter() for v in e.attrib.values())])
        assert "evil.example" in text, fmt                  # the ad is there, as text
    kml = hostile["files"]["kml"][0].read_text(encoding="utf-8")
    # Google Earth renders descriptions as HTML: no tag survives into a description, the text stays as written
    descriptions = [e.text or "" for e in ET.fromstring(kml).iter("{http://www.opengis.net/kml/2.2}description")]
    assert any(FORMULA in d for d in descriptions)
    assert not any("<" in d or ">" in d for d in descriptions)


def test_ftm_keeps_the_payload_as_json_strings(hostile: dict) -> None:
    (path,) = hostile["files"]["ftm"]
    ad = next(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
              if f'"linkgraph-entity-{hostile["ad"].id}"' in line)
    assert ad["schema"] == "Document"
    assert ad["properties"]["title"] == [FORMULA + " Candy in Sacramento"]
    assert SCRIPT in ad["properties"]["bodyText"][0]


def test_exhibit_shows_the_payload_as_printed_text(hostile: dict) -> None:
    out = hostile["out"] / "exhibit"
    text = "\n".join(page.extract_text() for page in PdfReader(out / "exhibit.pdf").pages)
    flat = " ".join(text.split())
    assert "alert(1)" in flat and "evil.example/p.png" in flat     # the table prints the raw row as text
    root = ET.parse(out / "chart.svg").getroot()
    assert not {e.tag.rsplit("}", 1)[-1] for e in root.iter()} & {"script", "image", "foreignObject", "a"}
    with (out / "source_table.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert any("evil.example" in r["raw values"] for r in rows)


def test_html_escapes_the_payload_in_its_data(hostile: dict) -> None:
    (path,) = hostile["files"]["html"]
    page = path.read_text(encoding="utf-8")
    assert SCRIPT not in page and IMAGE not in page
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
# requests the browser itself makes for its own services (update checks, sign-in); never the page's
BROWSER_SERVICES = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com", "googleusercontent.com")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_html_in_headless_chromium_requests_nothing(hostile: dict, tmp_path: Path) -> None:
    (path,) = hostile["files"]["html"]
    netlog = tmp_path / "netlog.json"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
         f"--user-data-dir={tmp_path / 'profile'}", f"--log-net-log={netlog}", "--virtual-time-budget=5000",
         "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<canvas" in dom                                  # vis-network drew the chart: the page ran
    assert "<img" not in dom.lower() and "<iframe" not in dom.lower()
    log = json.loads(netlog.read_text(encoding="utf-8"))
    urls = {e["params"]["url"] for e in log["events"] if isinstance(e.get("params"), dict) and "url" in e["params"]}
    page_urls = {u for u in urls if not u.startswith(("file:", "data:", "chrome:", "about:"))
                 and not any(f"{host}/" in u or u.split("/")[2].endswith(host) for host in BROWSER_SERVICES)}
    assert page_urls == set()
    assert not any("evil.example" in u for u in urls)
