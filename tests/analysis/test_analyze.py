"""`analyze` end to end on a small written case, and the `linkgraph analyze` command that prints it."""

from __future__ import annotations

import json

import pytest

from linkgraph.analysis import AnalysisParams, analyze
from linkgraph.case import CaseFile
from linkgraph.cli import main
from linkgraph.errors import Cancelled
from linkgraph.graph import GraphFilter


@pytest.fixture
def crew(case: CaseFile, write) -> dict[str, int]:
    """Boss's phone calls two cells of three phones; each cell's phones call each other; Ann uses Boss's phone."""
    with write("phone") as w:
        ids = {"boss": w.phone("0101"), "ann": w.person("Ann", role="suspect")}
        w.link("uses", ids["ann"], ids["boss"])
        for cell, numbers in (("a", ("0111", "0112", "0113")), ("b", ("0121", "0122", "0123"))):
            phones = [w.phone(n) for n in numbers]
            for n, phone in enumerate(phones):
                ids[f"{cell}{n}"] = phone
                for day in range(1, 6):
                    w.call(phone, phones[(n + 1) % 3], f"2024-03-{day:02d} 1{n}:00")
            w.call(ids["boss"], phones[0], "2024-03-07 20:00")
            w.call(ids["boss"], phones[1], "2024-03-08 21:00")
    return ids


def test_one_result_ranked_grouped_and_cited(case: CaseFile, crew: dict[str, int]) -> None:
    result = analyze(case, AnalysisParams(path=(crew["a2"], crew["b2"]), connect=[crew["a0"], crew["b0"]],
                                          common=[crew["a0"], crew["b0"]]))
    assert result["case"] == "Test case" and result["graph"]["nodes"] == 8
    entities = result["entities"]
    assert entities[0]["id"] == crew["boss"] and entities[0]["label"] == "(209) 555-0101"
    assert [e["score"] for e in entities] == sorted((e["score"] for e in entities), reverse=True)
    community = {e["id"]: e["community"] for e in entities}
    assert community[crew["a0"]] == community[crew["a1"]] == community[crew["a2"]]
    assert community[crew["b0"]] != community[crew["a0"]]
    assert result["disruption"]["removed"][0]["id"] == crew["boss"]
    shortest = result["paths"]["shortest"]
    assert [e["id"] for e in shortest["entities"]] == [crew["a2"], crew["a0"], crew["boss"], crew["b0"], crew["b2"]]
    assert all(hop["evidence"] and hop["evidence"][0]["source"] == "source1.csv" for hop in shortest["hops"])
    assert result["connecting_network"]["selected"] == sorted([crew["a0"], crew["b0"]])
    assert [c["id"] for c in result["common_contacts"]["contacts"]] == [crew["boss"]]
    assert {a["id"] for a in result["activity"]} >= {crew["boss"]}


def test_persons_view_and_louvain(case: CaseFile, crew: dict[str, int]) -> None:
    result = analyze(case, AnalysisParams(filter=GraphFilter(view="persons"), method="louvain"))
    assert result["entities"][0]["label"] == "Ann" and result["graph"]["communities_method"] == "louvain"
    assert crew["boss"] not in {e["id"] for e in result["entities"]}


def test_cancelling_stops_the_analysis(case: CaseFile, crew: dict[str, int]) -> None:
    seen = []

    def progress(done: int, total: int, message: str) -> bool:
        seen.append(message)
        return message != "Communities"

    with pytest.raises(Cancelled):
        analyze(case, AnalysisParams(), progress)
    assert seen[-1] == "Communities"


def test_command_prints_json_and_keeps_the_run(case_path, crew, capsys: pytest.CaptureFixture) -> None:
    assert main(["analyze", str(case_path), "--json", "--path", str(crew["a0"]), str(crew["b0"])]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"id", "type", "label", "role", "degree", "betweenness", "pagerank", "community", "score"} <= set(
        result["entities"][0])
    for key in ("communities", "replacements", "disruption", "colocations", "circuits", "indicators", "paths"):
        assert key in result
    with CaseFile.open(case_path) as case:
        stored = case.analysis_run(result["run_id"])
    assert stored["params"]["path"] == [crew["a0"], crew["b0"]] and stored["summary"]["entities"] == result["entities"]
    assert main(["analyze", str(case_path), "--no-save", "--top", "3"]) == 0
    text = capsys.readouterr().out
    assert "Key players" in text and "(209) 555-0101" in text and "Disruption" in text


def test_findings_beside_the_measures_give_the_same_result(case: CaseFile, crew: dict[str, int], monkeypatch) -> None:
    import linkgraph.analysis as analysis
    from linkgraph.analysis.beside import Beside, can_fork

    alone = analyze(case, AnalysisParams())
    monkeypatch.setattr(analysis, "BESIDE_FROM", 0)
    started = []
    original = Beside.__init__

    def watch(self, work, allowed, first=None):
        original(self, work, allowed, first)
        started.append(self.forked)
    monkeypatch.setattr(Beside, "__init__", watch)
    beside = analyze(case, AnalysisParams(beside=True))
    assert started == [can_fork()]
    assert beside == alone


def test_sampled_betweenness_split_with_the_child_gives_the_same_result(case: CaseFile, crew: dict[str, int],
                                                                      monkeypatch) -> None:
    """Betweenness sampled (the limits lowered for this small case), half its sources in the forked child."""
    import linkgraph.analysis as analysis
    from linkgraph.analysis import centrality

    monkeypatch.setattr(centrality, "EXACT_WORK", 10)
    monkeypatch.setattr(centrality, "MIN_SAMPLE", 4)
    monkeypatch.setattr(centrality, "SAMPLE_WORK", 1)
    alone = analyze(case, AnalysisParams())
    assert alone["graph"]["betweenness_sample"]
    monkeypatch.setattr(analysis, "BESIDE_FROM", 0)
    asked = []
    original = centrality.measure

    def watch(*args, **kwargs):
        asked.append(kwargs.get("elsewhere"))
        return original(*args, **kwargs)
    monkeypatch.setattr(centrality, "measure", watch)
    beside = analyze(case, AnalysisParams(beside=True))
    assert asked[0] and asked[0][0]
    assert beside == alone


def test_a_failing_child_leaves_the_work_to_the_caller() -> None:
    import os

    from linkgraph.analysis.beside import Beside

    caller = os.getpid()

    def work() -> int:
        if os.getpid() != caller:
            raise RuntimeError("the child fails")
        return 42
    assert Beside(work, True).result() == 42


@pytest.mark.parametrize("indent", [None, 2, 4])
@pytest.mark.parametrize("fast", [True, False])
def test_json_out_compact_or_indented_with_or_without_orjson(indent, fast, monkeypatch) -> None:
    import io
    import sys

    from linkgraph.cli.analyze_command import write_json

    if not fast:
        monkeypatch.setitem(sys.modules, "orjson", None)          # as if it were not installed
    data = {"entities": [{"id": 1, "label": "Zoë", "score": 0.5, "first": None}], "n": {3: "x"}}
    out = io.StringIO()
    write_json(data, out, indent=indent)
    text = out.getvalue()
    assert json.loads(text) == {"entities": data["entities"], "n": {"3": "x"}}
    assert text.endswith("\n") and (text.count("\n") == 1) == (indent is None)


def test_large_case_leaves_out_costly_measures_and_says_so(case: CaseFile, crew: dict[str, int],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from linkgraph.analysis import centrality, left_out_line

    every = analyze(case, AnalysisParams())
    assert every["left_out"]["large_case"] is None and every["params"]["full"] is False
    monkeypatch.setattr(centrality, "LARGE_TIES", 3)          # the crew's graph counts as large
    large = analyze(case, AnalysisParams())
    said = large["left_out"]["large_case"]
    assert said["not_computed"] == ["closeness", "eigenvector"] and said["from_ties"] == 3
    assert all(e["closeness"] is None and e["eigenvector"] is None for e in large["entities"])
    line = left_out_line(large["left_out"])
    assert line and "closeness and eigenvector not computed (null)" in line and "--full" in line
    # degree, betweenness (exact on a graph this small), PageRank and the score are unchanged
    for a, b in zip(every["entities"], large["entities"], strict=True):
        assert (a["id"], a["score"], a["betweenness"], a["pagerank"]) == (b["id"], b["score"], b["betweenness"],
                                                                          b["pagerank"])
    assert large["communities"] == every["communities"] and large["disruption"] == every["disruption"]
    full = analyze(case, AnalysisParams(full=True))
    assert full["left_out"]["large_case"] is None and full["entities"] == every["entities"]


def test_large_case_samples_betweenness_harder_and_keeps_ranked_measures(monkeypatch: pytest.MonkeyPatch) -> None:
    import networkx as nx

    from linkgraph.analysis import centrality

    graph = nx.barabasi_albert_graph(400, 3, seed=1)
    monkeypatch.setattr(centrality, "EXACT_WORK", 1000)
    monkeypatch.setattr(centrality, "SAMPLE_WORK", 1000)       # sampled from MIN_SAMPLE sources
    usual = centrality.measure(graph, seed=7)
    assert usual.betweenness_sample == centrality.MIN_SAMPLE and usual.left_out == ()
    monkeypatch.setattr(centrality, "LARGE_TIES", 100)
    large = centrality.measure(graph, seed=7, full=False, need={"closeness"})
    assert large.betweenness_sample == centrality.LARGE_SAMPLE and large.left_out == ("eigenvector",)
    assert large.closeness == usual.closeness and set(large.eigenvector.values()) == {None}
    assert centrality.measure(graph, seed=7, full=True).betweenness == usual.betweenness
