"""Common names: a same-name merge of a common name with nothing else in common is analysed apart."""

from __future__ import annotations

from linkgraph.analysis import AnalysisParams, analyze, left_out_line
from linkgraph.analysis.names import is_common, namesakes
from linkgraph.case import merge_entities


def test_how_common_a_name_is() -> None:
    assert namesakes("Maria Garcia") > 1_000 and is_common("GARCIA, MARIA")
    assert is_common("James Smith") and not is_common("Darnell Haskins") and not is_common("Maria")
    assert not is_common("Xochitl Quetzalcoatl")


def test_a_common_name_merged_on_the_name_alone_is_kept_apart(case, write) -> None:
    # Three files each name a Maria Garcia (three unrelated women), two a Darnell Haskins, two a James Smith
    # whose records share a phone. The analyst merged each name's records (same-name suggestions).
    hubs, rares, smiths = [], [], []
    with write() as w:
        shared_phone = w.phone("0199")
    for n in range(3):
        with write() as w:
            hubs.append(w.person("Maria Garcia"))
            for k in range(3):
                w.link("associate_of", hubs[-1], w.person(f"Friend {n}-{k}"))
            if n < 2:
                rares.append(w.person("Darnell Haskins"))
                w.link("associate_of", rares[-1], w.person(f"Friend r{n}"))
                smiths.append(w.person("James Smith"))
                w.link("uses", smiths[-1], shared_phone)
    hub_a, hub_b, hub_c = hubs
    rare_a, rare_b = rares
    both_a, both_b = smiths
    for a, b in ((hub_a, hub_b), (hub_a, hub_c), (rare_a, rare_b), (both_a, both_b)):
        merge_entities(case, a, b, "same name (suggestion confirmed by the analyst)")
    result = analyze(case, AnalysisParams())
    ids = {e["id"] for e in result["entities"]}
    assert {hub_a, hub_b, hub_c} <= ids                     # analysed as three people
    assert rare_b not in ids and rare_a in ids              # a rare name's merge is followed
    assert both_b not in ids and both_a in ids              # ... and a common one that shares a phone
    kept = result["left_out"]["common_name_merges_kept_apart"]
    assert [(k["label"], k["ids"]) for k in kept] == [("Maria Garcia", [hub_a, hub_b, hub_c])]
    assert result["params"]["filter"]["keep_apart"] == [hub_b, hub_c]
    assert "Maria Garcia (3 records)" in left_out_line(result["left_out"])
    top = result["entities"][0]
    assert top["label"] != "Maria Garcia" or top["degree"] == 3
