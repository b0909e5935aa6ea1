"""The tables every tabular export writes (CSV, Excel): entities, links with provenance, key players,
communities and findings, already passed through the victim-protection redactor.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from linkgraph.analysis import AnalysisParams, analyze
from linkgraph.case import CaseFile
from linkgraph.errors import Cancelled, LinkgraphError
from linkgraph.exports.redaction import Redactor
from linkgraph.progress import Progress, no_progress
from linkgraph.times import to_local

# Id/Label and Source/Target/Type/Weight first: Gephi's node and edge tables read them as they are;
# source/target identifiers and types let `linkgraph import --kind links` read the links back.
ENTITY_HEADER = ["Id", "Label", "type", "key", "role", "minor", "first_seen", "last_seen", "attributes"]
LINK_HEADER = ["Source", "Target", "Type", "Weight", "Label", "id", "link_type", "source_type", "source_identifier",
               "source_label", "target_type", "target_identifier", "target_label", "start", "end", "duration_s",
               "amount", "currency", "file", "file_sha256", "row", "grade", "raw_values"]
KEY_PLAYER_HEADER = ["rank", "id", "label", "type", "role", "degree", "weighted_degree", "betweenness", "pagerank",
                     "eigenvector", "k_core", "community", "score"]
AD_HEADER = ["id", "ad", "site", "city", "region", "posted", "stated_age", "title", "text", "url"]
COMMUNITY_HEADER = ["community", "size", "members", "member_ids"]
FINDING_HEADER = ["kind", "rule", "summary", "entities", "evidence"]
FINDING_KINDS = ("indicators", "replacements", "circuits", "colocations")


def moment(epoch: Any, tz: str) -> datetime | str:
    """A stored time as an aware datetime in the case zone ('' for none): CSV writes it with the zone's
    abbreviation, Excel as a date cell."""
    if epoch is None or epoch != epoch:
        return ""
    return to_local(epoch, tz) or ""


def entity_rows(case: CaseFile, redactor: Redactor) -> list[list[Any]]:
    """Every standing entity: id, label, type, key, role, minor, first/last seen (case time zone), attributes."""
    tz = case.timezone
    return [[
        e.id, redactor.label(e.id, e.label), e.type, redactor.key(e.id, e.key) or "", e.role or "",
        "yes" if e.minor else "", moment(e.first_seen, tz), moment(e.last_seen, tz),
        json.dumps(redactor.attrs(e.id, e.attrs), ensure_ascii=False, sort_keys=True),
    ] for e in case.entities()]


def ad_rows(case: CaseFile, redactor: Redactor) -> list[list[Any]]:
    """Every ad with its text in columns of its own (the words traffickers wrote, kept as text)."""
    tz = case.timezone
    rows = []
    for e in case.entities("Ad"):
        a = redactor.attrs(e.id, e.attrs)
        rows.append([e.id, redactor.label(e.id, e.label), a.get("site", ""), a.get("city", ""), a.get("region", ""),
                     moment(e.first_seen, tz), a.get("age", ""), a.get("title", ""), a.get("body", ""),
                     a.get("url", "")])
    return rows


def link_rows(case: CaseFile, redactor: Redactor, progress: Progress = no_progress) -> list[list[Any]]:
    """Every link with its ends (after merges), times, amounts and the source row it came from, raw values included.

    Source/Target are entity ids (the Id column of the entities table), Type says whether the link has a
    direction, and source/target identifier and type name each end the way an import reads it."""
    tz = case.timezone
    reps = case.representatives()
    ends = {i: (t, k, label) for i, t, k, label in case.conn.execute("SELECT id, type, key, label FROM entities")}
    sources = {s.id: s for s in case.sources()}
    types = case.model.links
    total = case.conn.execute("SELECT COUNT(*) FROM links").fetchone()[0]
    out = []
    for done, (lid, ltype, src, dst, start, end, duration, amount, currency, weight, sid, row) in enumerate(
        case.conn.execute("SELECT id, type, src, dst, start, end, duration, amount, currency, weight, source_id, row "
                          "FROM links ORDER BY id").fetchall()
    ):
        if done % 5000 == 0 and progress(done, total, "Writing links") is False:
            raise Cancelled("export cancelled")
        src, dst = reps.get(src, src), reps.get(dst, dst)
        source = sources[sid]
        values = redactor.raw(sid, row, case.raw_row(sid, row))
        link_type = types.get(ltype)
        (src_type, src_key, src_label), (dst_type, dst_key, dst_label) = ends.get(src, ("", None, "")), \
            ends.get(dst, ("", None, ""))
        out.append([
            src, dst, "Directed" if link_type is None or link_type.directed else "Undirected",
            weight if weight else 1.0, link_type.label if link_type else ltype, lid, ltype,
            src_type, redactor.key(src, src_key) or redactor.label(src, src_label), redactor.label(src, src_label),
            dst_type, redactor.key(dst, dst_key) or redactor.label(dst, dst_label), redactor.label(dst, dst_label),
            moment(start, tz), moment(end, tz), "" if duration is None else duration,
            "" if amount is None else amount, currency or "", redactor.text(source.name), source.sha256, row,
            source.grade, "; ".join(f"{k}: {v}" for k, v in values.items() if v not in (None, "")),
        ])
    return out


def analysis_result(case: CaseFile, run_id: int | None, progress: Progress = no_progress) -> tuple[dict, str]:
    """The analysis to report: the stored run asked for (or the latest), else one computed now and not stored."""
    run = case.analysis_run(run_id)
    if run_id and run is None:
        raise LinkgraphError(f"no analysis run {run_id} in this case")
    if run is not None:
        return run["summary"], f"analysis run {run['id']} of {run['at']} by {run['by']} (digest {run['digest']})"
    return analyze(case, AnalysisParams(), progress), "analysis computed at export with default parameters (not stored)"


def key_player_rows(result: dict, redactor: Redactor, top: int = 100) -> list[list[Any]]:
    return [[i + 1, e["id"], redactor.label(e["id"], e["label"]), e["type"], e.get("role") or "", e["degree"],
             e["weighted_degree"], e["betweenness"], e["pagerank"], e["eigenvector"], e["k_core"], e["community"],
             e["score"]] for i, e in enumerate(result.get("entities", [])[:top])]


def community_rows(result: dict, redactor: Redactor) -> list[list[Any]]:
    rows = []
    for community in result.get("communities", []):
        ids = community.get("member_ids") or []
        labels = community.get("members") or []
        names = [redactor.label(i, label) for i, label in zip(ids, labels, strict=False)] if ids else \
            [redactor.text(label) for label in labels]
        rows.append([community["id"], community["size"], ", ".join(names), ", ".join(map(str, ids))])
    return rows


def finding_rows(result: dict, redactor: Redactor) -> list[list[Any]]:
    """Indicators, number replacements, circuits and co-locations, each with the records it cites."""
    rows = []
    for kind in FINDING_KINDS:
        for item in result.get(kind, []) or []:
            entities = item.get("entities") or []
            names = ", ".join(redactor.label(e["id"], e.get("label", "")) if isinstance(e, dict) else str(e)
                              for e in entities)
            if kind == "replacements":
                names = names or f"{item.get('old')} -> {item.get('new')}"
            summary = item.get("summary") or item.get("title") or ", ".join(
                f"{k}={v}" for k, v in item.items() if k not in ("evidence", "links", "entities") and
                isinstance(v, str | int | float))
            evidence = "; ".join(f"{c.get('source')} row {c.get('row')}" for c in item.get("evidence", [])[:50])
            rows.append([kind, item.get("rule", ""), redactor.text(str(summary)), redactor.text(names),
                         redactor.text(evidence)])
    return rows
