"""Indicators at scale: the rules of indicators.yaml (the desktop's own rule file, read by the desktop's
reader) run over a cluster run's findings and records.

Rules of kind `finding` run over the run's circuits and number swaps with the desktop's condition reader.
Rules the store cannot answer say so in the manifest's notes, never silently: what needs attributes that stay
with the owning agency (ad text, names), betweenness ranks (not computed at scale) or the desktop's
best-window search.
"""

from __future__ import annotations

from typing import Any

from linkgraph.analysis.indicators import EVIDENCE_LIMIT, Rule, _check, _dig, bundled_rules
from linkgraph.scale.analyses import RunParams, RunReport
from linkgraph.scale.engines import Engine


def _finding_rule(rule: Rule, report: RunReport) -> list[dict[str, Any]]:
    """Items of the run's circuits or number swaps meeting the rule's `where`."""
    name = rule.spec.get("finding")
    items = {"circuits": report.circuits, "replacements": report.swaps}.get(name)
    if items is None:
        return []
    out = []
    for item in items:
        if not all(_check(c, lambda f, item=item: _dig(item, f)) for c in rule.spec.get("where") or []):
            continue
        entities = [item["entity"]] if name == "circuits" else [item["old"], item["new"]]
        links = item.get("links", [])
        out.append({"entities": entities, "records": len(links), "links": links[:EVIDENCE_LIMIT],
                    "summary": f"{rule.title}: {' -> '.join(item['cities']) if name == 'circuits' else ' -> '.join(entities)}"})
    return out


def run_indicators(engine: Engine, params: RunParams, report: RunReport) -> list[dict[str, Any]]:
    """Every rule the run can answer, strongest rule first, as the desktop orders them."""
    found = []
    skipped = []
    for rule in bundled_rules():
        if rule.kind == "finding":
            items = _finding_rule(rule, report)
        else:
            skipped.append(rule.id)
            continue
        for item in items:
            found.append({"rule": rule.id, "title": rule.title, "area": rule.area, "weight": rule.weight, **item})
    if skipped:
        report.notes.append(f"indicators not run at scale (run them on the pulled subgraph): {', '.join(skipped)}")
    found.sort(key=lambda f: (-f["weight"], f["rule"], -f["records"], f["entities"]))
    report.counts["indicators"] = len(found)
    return found
