"""Court exhibit package: the chart (PDF, SVG, PNG), a source table behind every line, a method note
and a manifest of SHA-256 digests. Victims and minors are pseudonymised unless asked otherwise.

The summary-chart rule: each line of the chart counts records, and the source table lists every
one of them with the original file name, its SHA-256, the row number and the row's raw values.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
from reportlab.graphics import renderPDF, renderSVG
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import LongTable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from linkgraph import __version__
from linkgraph.case import CaseFile
from linkgraph.errors import Cancelled, LinkgraphError
from linkgraph.exports import AuditAnchor, audit_anchor
from linkgraph.exports.cells import safe_cell
from linkgraph.exports.drawing import PAGE, ChartText, draw_chart, printable, to_png
from linkgraph.exports.fonts import fonts, markup
from linkgraph.exports.redaction import Redactor, protected_counts, protection_line, redactor_for, victims_marked
from linkgraph.exports.selection import Chart, select_chart
from linkgraph.progress import Progress, no_progress
from linkgraph.times import format_time

MAX_NODES = 45          # a jury reads a few dozen entities; bigger selections keep the busiest
PNG_DPI = 300
SOURCE_HEADER = ["line", "link", "type", "from", "to", "date and time", "duration_s", "amount", "file",
                 "file_sha256", "row", "raw values"]


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write the exhibit package into folder OUT; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    _step(progress, 0, "Selecting the chart")
    redactor = redactor_for(case, options, default=True)
    marked = victims_marked(case)
    if redactor.enabled and not marked and not getattr(options, "no_victims_marked", False):
        raise LinkgraphError(
            "no one in this case is marked victim or minor, so the exhibit would protect no one: mark them first "
            "(linkgraph edit CASE ID --role victim [--minor] [--alias NAME]), or export with --no-victims-marked "
            "to state on the exhibit that no one was marked")
    chart = select_chart(case, options, max_nodes=int(options.extra.get("max_nodes", MAX_NODES)))
    graph = _shown_graph(chart.graph, redactor)
    case_sha = case.sha256()
    anchor = getattr(options, "anchor", None) or audit_anchor(case)
    exported = datetime.now(UTC).replace(microsecond=0)
    tz = case.timezone
    first, last = chart.span()
    case_name = redactor.text(case.name)
    title = redactor.text(options.title) if options.title else f"{case_name}: link chart"
    number = options.exhibit_number
    date_range = (f"Records from {format_time(first, tz)} to {format_time(last, tz)}" if first is not None
                  else "Records without dates")
    footer = (f"Case: {case_name}  |  Audit anchor: entry {anchor.seq}, SHA-256 {anchor.hash}\n"
              f"Exported {exported.isoformat()} by linkgraph {__version__}"
              + (f"  |  Exhibit {number}" if number else "")
              + f"  |  {protection_line(redactor, marked)}")
    _step(progress, 1, "Reading the records behind each line")
    rows = source_rows(case, chart, redactor, progress)
    edge_labels = _edge_labels(chart, case)
    text = ChartText(title=title, exhibit_number=number,
                     subtitle=redactor.text(f"{chart.focus}: {graph.number_of_nodes()} entities, "
                                            f"{graph.number_of_edges()} lines, {len(chart.link_ids())} records"),
                     date_range=f"{date_range} ({tz})", footer=footer, edge_labels=edge_labels)
    _step(progress, 2, "Drawing the chart")
    drawing = draw_chart(graph, case.model, text)
    svg_path, png_path = out / "chart.svg", out / "chart.png"
    renderSVG.drawToFile(drawing, str(svg_path))
    to_png(drawing, png_path, PNG_DPI)
    method = method_note(case, options, chart, redactor, case_sha, exported, anchor=anchor, marked=marked)
    method_path = out / "method.txt"
    method_path.write_text("\n".join(method) + "\n", encoding="utf-8")
    table_path = out / "source_table.csv"
    with table_path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(SOURCE_HEADER)
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
    _step(progress, 3, "Writing the PDF")
    pdf_path = out / "exhibit.pdf"
    _pdf(pdf_path, drawing, method, rows, title=title, footer=footer, number=number)
    written = [pdf_path, svg_path, png_path, table_path, method_path]
    manifest = out / "manifest.json"
    manifest.write_text(json.dumps({
        "case": case_name, "case_file_sha256": case_sha, "audit_anchor": str(anchor),
        "exported_at": exported.isoformat(), "victims_marked": marked,
        "exhibit_number": number, "linkgraph": __version__, "redacted": redactor.enabled,
        "files": {p.name: _sha256(p) for p in written},
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [*written, manifest]


def _step(progress: Progress, done: int, message: str) -> None:
    if progress(done, 4, message) is False:
        raise Cancelled("export cancelled")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shown_graph(graph: nx.Graph, redactor: Redactor) -> nx.Graph:
    """The chart's graph with labels as the jury sees them (pseudonyms for protected entities)."""
    shown = nx.Graph(graph)
    for node, data in shown.nodes(data=True):
        data["label"] = redactor.label(node, data.get("label") or "")
        data["key"] = redactor.key(node, data.get("key"))
    return shown


def _edge_labels(chart: Chart, case: CaseFile) -> dict[tuple[int, int], str]:
    """'14 calls, 3 texts' per line, from the records behind it."""
    labels = {name: t.label.lower() for name, t in case.model.links.items()}
    by_pair: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for src, dst, ltype in chart.links[["src", "dst", "type"]].itertuples(index=False, name=None):
        by_pair[(min(src, dst), max(src, dst))][str(ltype)] += 1
    out = {}
    for pair, counts in by_pair.items():
        parts = []
        for ltype, n in counts.most_common(2):
            word = labels.get(ltype, ltype.replace("_", " "))
            parts.append(f"{n} {word}{'s' if n > 1 and word in ('call', 'text') else ''}")
        out[pair] = ", ".join(parts)
    return out


def source_rows(case: CaseFile, chart: Chart, redactor: Redactor, progress: Progress = no_progress) -> list[list]:
    """One row per source record behind each line: link, parties, time, amounts, file, SHA-256, row, raw values."""
    tz = case.timezone
    labels = {n: d.get("label") or "" for n, d in chart.graph.nodes(data=True)}
    sources = {s.id: s for s in case.sources()}
    evidence: dict[int, list[tuple[int, int]]] = defaultdict(list)
    ids = chart.link_ids()
    if ids:
        marks = ",".join("?" * len(ids))
        for link_id, source_id, row in case.conn.execute(
            f"SELECT link_id, source_id, row FROM link_evidence WHERE link_id IN ({marks})", ids
        ):
            evidence[link_id].append((source_id, row))
    line_number = {pair: i + 1 for i, pair in enumerate(sorted(chart.edge_records))}
    line_of = {link: line_number[pair] for pair, links in chart.edge_records.items() for link in links}
    rows: list[list] = []
    frame = chart.links.sort_values("id")
    total = len(frame)
    cells = case.raw_rows([*zip(frame["source_id"].tolist(), frame["row"].tolist(), strict=True),
                           *(cite for cites in evidence.values() for cite in cites)])
    for done, (link_id, ltype, src, dst, start, duration, amount, source_id, row) in enumerate(frame[
        ["id", "type", "src", "dst", "start", "duration", "amount", "source_id", "row"]
    ].itertuples(index=False, name=None)):
        if done % 2000 == 0 and progress(done, total, "Reading source rows") is False:
            raise Cancelled("export cancelled")
        cites = sorted({(int(source_id), int(row)), *evidence.get(int(link_id), [])})
        for cite_source, cite_row in cites:
            source = sources[cite_source]
            raw = redactor.raw(cite_source, cite_row, cells.get((cite_source, cite_row), {}))
            rows.append([
                line_of.get(int(link_id), ""), int(link_id), str(ltype),
                redactor.label(int(src), labels.get(int(src), "")), redactor.label(int(dst), labels.get(int(dst), "")),
                format_time(None if start != start else int(start), tz),
                "" if duration != duration else int(duration), "" if amount != amount else amount,
                redactor.text(source.name), source.sha256, cite_row,
                "; ".join(f"{k}: {v}" for k, v in raw.items() if v not in (None, "")),
            ])
    return rows


def method_note(case: CaseFile, options: Any, chart: Chart, redactor: Redactor, case_sha: str,
                exported: datetime, *, anchor: AuditAnchor | None = None, marked: int | None = None) -> list[str]:
    """What the chart counts, the filter, the selection, the analysis run cited and the sources, in words."""
    flt = options.filter
    tz = case.timezone
    lines = [
        "METHOD NOTE",
        f"Case: {redactor.text(case.name)} (time zone {tz})",
        *([f"Audit anchor: entry {anchor.seq} of the case's audit log, SHA-256 {anchor.hash} (the case as it "
           "was when exported; this export's own audit entry, the next one, records the anchor and the SHA-256 of "
           "every file of this package)"] if anchor else []),
        f"Case file SHA-256 just before this export's audit entry: {case_sha}",
        f"Exported: {exported.isoformat()} with linkgraph {__version__}",
        "",
        "What the chart shows",
        f"- Selection: {redactor.text(chart.focus)}.",
        f"- {chart.graph.number_of_nodes()} entities and {chart.graph.number_of_edges()} lines; each line joins two "
        "entities and stands for the records between them (calls, texts, payments, stays, ad postings...). The "
        f"source table lists all {len(chart.link_ids())} records with the file, its SHA-256, the row and the raw values.",
        f"- View: {flt.view} ("
        + {"entities": "records as they are", "persons": "phones, accounts and devices replaced by the one person "
           "who uses or owns them", "ad_phones": "phones tied when they appear in the same or near-duplicate ads"}
        .get(flt.view, flt.view) + ").",
    ]
    if chart.left_out:
        lines.append(f"- The selection held {chart.total_nodes} entities; the chart keeps the {chart.limit} "
                     f"with the most records and leaves out {len(chart.left_out)} (ids: "
                     f"{', '.join(map(str, chart.left_out[:40]))}{' ...' if len(chart.left_out) > 40 else ''}).")
    lines += ["", "Filters"]
    lines.append(f"- Time window: {format_time(flt.start, tz) or 'from the first record'} to "
                 f"{format_time(flt.end, tz) or 'the last record'}")
    lines.append(f"- Entity types: {', '.join(sorted(flt.entity_types)) if flt.entity_types else 'all'}")
    lines.append(f"- Link types: {', '.join(sorted(flt.link_types)) if flt.link_types else 'all'}")
    lines.append(f"- Minimum records per line: {flt.min_weight:g}")
    lines.append("- Carrier voicemail, short codes and service numbers: "
                 + ("left out" if flt.exclude_service else "kept"))
    if flt.exclude_ids:
        lines.append(f"- Entities left out by hand: {', '.join(map(str, sorted(flt.exclude_ids)))}")
    lines += ["", "Analysis run cited"]
    run = chart.run
    if run:
        params = run.get("params", {})
        lines.append(f"- Run {run['id']} at {run['at']} by {redactor.text(run['by'])}; result digest {run['digest']}")
        used = ((run.get("summary") or {}).get("graph") or {}).get("communities_method")  # "auto" resolved
        lines.append(f"- Parameters: communities by {used or params.get('method', '?')} (seed {params.get('seed', '?')}, "
                     f"resolution {params.get('resolution', '?')}); key-player score = mean of scaled degree, "
                     "betweenness and PageRank")
        lines.append(f"- Filter of the run: {json.dumps(params.get('filter', {}), sort_keys=True)}")
    else:
        lines.append("- None: no analysis run is stored in the case; the chart shows records only.")
    lines += ["", "Victim protection"]
    if redactor.enabled and marked == 0:
        lines.append("- No person was marked victim or minor when this exhibit was exported (stated by the user "
                     "with --no-victims-marked): no one is shown by pseudonym.")
    elif redactor.enabled:
        counts = Counter(p.type for p in redactor.protected.values())
        lines.append("- Victims and minors, their relatives, what they hold (phones, e-mails, accounts, handles, "
                     "ID documents, addresses, plates, devices), their working names and the ads they appear in "
                     "are shown by pseudonym (Jane Doe 1, Relative 1, Victim phone 1, Victim alias 1...) in the "
                     f"chart, the tables and this note. Shown by pseudonym: {protected_counts(redactor) or 'none'} "
                     f"(records: {', '.join(f'{n} {t}' for t, n in sorted(counts.items())) or 'none'}).")
        lines.append("- The key from pseudonyms to identities is kept apart from this package"
                     + (" (written separately on request)." if options.key_file else " and was not written."))
    else:
        lines.append("- Not applied: names and numbers are shown as recorded.")
    lines += ["", "Sources (file, SHA-256, grade, rows imported)"]
    for source in case.sources():
        lines.append(f"- {redactor.text(source.name)}  {source.sha256}  grade {source.grade}  "
                     f"{source.rows_imported} rows  imported {source.imported_at}")
    return lines


def _pdf(path: Path, drawing: Any, method: list[str], rows: list[list], *, title: str, footer: str,
         number: str | None) -> None:
    """Chart page first, then the method note and the source table, every page with the footer."""
    loaded = fonts()
    styles = {
        "h": ParagraphStyle("h", fontName=loaded.bold, fontSize=15, leading=19, spaceAfter=8),
        "p": ParagraphStyle("p", fontName=loaded.regular, fontSize=10.5, leading=14),
        "cell": ParagraphStyle("cell", fontName=loaded.regular, fontSize=7.5, leading=9),
        "head": ParagraphStyle("head", fontName=loaded.bold, fontSize=8, leading=10),
    }

    def para(text: Any, style: str) -> Paragraph:
        return Paragraph(markup(" ".join(("" if text is None else str(text)).split())), styles[style])

    def first_page(canvas: Any, doc: Any) -> None:
        renderPDF.draw(drawing, canvas, 0, 0)

    def later_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(loaded.regular, 8.5)
        y = 26
        for line in footer.split("\n"):
            canvas.drawString(36, y, printable(line, 200))
            y -= 11
        canvas.drawRightString(PAGE[0] - 36, 38, printable(f"{'Exhibit ' + number + ' - ' if number else ''}"
                                                            f"page {doc.page}"))
        canvas.restoreState()

    doc = SimpleDocTemplate(str(path), pagesize=PAGE, initialFontName=loaded.regular, leftMargin=36, rightMargin=36, topMargin=36, bottomMargin=56,
                            title=printable(title), author="linkgraph", subject="Link chart exhibit",
                            creator=f"linkgraph {__version__}")
    story: list[Any] = [PageBreak()]
    for line in method:
        if not line:
            story.append(Spacer(1, 6))
        elif line.isupper() or not line.startswith("- ") and not line.startswith("Case") and \
                not line.startswith("Exported"):
            story.append(para(line, "h"))
        else:
            story.append(para(line, "p"))
    story.append(PageBreak())
    story.append(para("SOURCE TABLE: every record behind every line of the chart", "h"))
    widths = [30, 38, 52, 110, 110, 100, 44, 50, 120, 90, 34, 374]
    table_rows = [[para(h, "head") for h in SOURCE_HEADER]]
    for row in rows:
        cells = list(row)
        cells[9] = str(cells[9])[:16] + "..."   # the full digest is in the method note and the CSV
        table_rows.append([para(v, "cell") for v in cells])
    if len(table_rows) == 1:
        table_rows.append([para("", "cell")] * (len(SOURCE_HEADER) - 1) + [para("No records.", "cell")])
    table = LongTable(table_rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), loaded.regular, 7.5),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f6f6")]),
    ]))
    story.append(table)
    doc.build(story, onFirstPage=first_page, onLaterPages=later_page)
