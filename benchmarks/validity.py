"""Does the default analysis find what it claims on networks it was not tuned to? Runs `analyze` (defaults)
on published networks with known leaders, hierarchy or groups, next to plain igraph baselines.

    python benchmarks/validity.py

For each network: the rank of each known leader by the key-player `score` and by igraph's degree,
betweenness and PageRank alone; Spearman's rho between the score and the known hierarchy (higher
rank = higher level); the adjusted Rand index (ARI) of the analysis' groups against the known
groups, beside igraph's own Leiden (modularity) and connected components. Each network is written
into a fresh case file as persons tied by `associate_of` links, so the analysis runs as it does on
any case.

Networks (small, published edge lists; none is stored in the repository as a file):
- 9/11 hijackers and associates (V. Krebs, "Mapping Networks of Terrorist Cells", Connections 24(3),
  2002, 43-52; the 34-node, 93-edge version distributed with V. Latora, V. Nicosia, G. Russo, "Complex
  Networks: Principles, Methods and Applications", Cambridge University Press, 2017, chapter 2).
  Known groups: the four flights; hierarchy: Mohamed Atta (tactical leader), the other pilots and
  Nawaf al-Hazmi (Atta's deputy), then the other hijackers (The 9/11 Commission Report, 2004, ch. 7).
  The edge list is embedded below (node numbers as in the Latora-Nicosia-Russo file).
- Florentine families (J. Padgett, C. Ansell, "Robust Action and the Rise of the Medici, 1400-1434",
  American Journal of Sociology 98(6), 1993), marriage ties as shipped by networkx: the known leader is
  the Medici family.
- Zachary's karate club (W. Zachary, Journal of Anthropological Research 33(4), 1977), as shipped by
  networkx: not a criminal network, the standard check of group recovery (the club's split into the
  instructor's and the officer's factions; the leaders are the instructor and the officer, nodes 0 and 33).
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import igraph as ig
import networkx as nx
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkgraph.analysis import AnalysisParams, analyze  # noqa: E402
from linkgraph.case import CaseFile, ImportSession  # noqa: E402

HIJACKERS_NAMES = [
    "Mohamed Atta", "Abdul Aziz Al-Omari", "Ziad Jarrah", "Ramzi Omar", "Said Bahaji", "Zacariya Essabar",
    "Marwan Al-Shehhi", "Shaykh Saiid", "Mamoun Darkazanli", "Mamduh Mahmud Salim", "Waleed Alshehri",
    "Wail Alshehri", "Satam Suqami", "Fayez Banihammad", "Mohand Alshehri", "Raed Hijazi", "Nabil al-Marabh",
    "Saeed Alghamdi", "Ahmed Al Haznawi", "Hamza Alghamdi", "Ahmed Alghamdi", "Salem Alhazmi", "Nawaf Alhazmi",
    "Ahmed Alnami", "Mohamed Abdi", "Osama Awadallah", "Abdussattar Shaikh", "Khalid Almihdhar", "Majed Moqed",
    "Hani Hanjour", "Rayed Mohammed Abdullah", "Faisal Al Salmi", "Lofti Raissi", "Habib Zacarias Moussaoui",
]
HIJACKERS_EDGES = """
0 1,0 2,0 32,0 33,0 29,0 21,0 18,0 6,0 7,0 8,0 5,0 4,0 3,0 11,0 13,0 12,1 6,1 11,1 10,1 13,1 12,1 20,1 21,1 29,
2 6,2 5,2 4,2 3,2 32,2 18,3 4,3 5,3 6,4 5,5 6,6 7,6 8,6 10,6 4,6 13,6 11,6 12,6 19,6 32,8 4,8 9,7 10,10 13,
10 12,10 11,11 12,11 13,12 13,12 15,12 16,13 14,14 19,15 16,15 17,16 17,16 20,17 19,17 23,17 22,19 23,19 22,
19 20,19 18,18 17,20 21,20 29,21 29,21 22,21 27,21 28,21 24,22 23,22 25,22 26,22 27,22 28,22 29,25 26,25 27,
26 27,27 28,27 29,28 29,29 30,29 31,29 32,31 30,30 32
"""
FLIGHTS = {
    "AA11": ["Mohamed Atta", "Abdul Aziz Al-Omari", "Waleed Alshehri", "Wail Alshehri", "Satam Suqami"],
    "UA175": ["Marwan Al-Shehhi", "Fayez Banihammad", "Mohand Alshehri", "Hamza Alghamdi", "Ahmed Alghamdi"],
    "AA77": ["Hani Hanjour", "Khalid Almihdhar", "Majed Moqed", "Nawaf Alhazmi", "Salem Alhazmi"],
    "UA93": ["Ziad Jarrah", "Ahmed Al Haznawi", "Ahmed Alnami", "Saeed Alghamdi"],
}
PILOTS = ["Marwan Al-Shehhi", "Ziad Jarrah", "Hani Hanjour", "Nawaf Alhazmi"]


@dataclass
class Network:
    """A published network and what is known about it: leaders, a hierarchy (level 1 = top), groups."""

    name: str
    graph: nx.Graph                                    # nodes are names
    leaders: list[str]
    hierarchy: dict[str, int] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)


def hijackers() -> Network:
    graph = nx.Graph()
    graph.add_nodes_from(HIJACKERS_NAMES)
    for pair in HIJACKERS_EDGES.replace("\n", "").split(","):
        a, b = (int(x) for x in pair.split())
        graph.add_edge(HIJACKERS_NAMES[a], HIJACKERS_NAMES[b])
    groups = {person: flight for flight, people in FLIGHTS.items() for person in people}
    hierarchy = {person: 3 for person in groups}
    hierarchy.update({person: 2 for person in PILOTS})
    hierarchy["Mohamed Atta"] = 1
    return Network("9/11 hijackers (Krebs 2002)", graph, ["Mohamed Atta"], hierarchy, groups)


def florentine() -> Network:
    return Network("Florentine families (Padgett 1993)", nx.florentine_families_graph(), ["Medici"])


def karate() -> Network:
    source = nx.karate_club_graph()
    graph = nx.relabel_nodes(source, {n: f"member {n}" for n in source})
    groups = {f"member {n}": d["club"] for n, d in source.nodes(data=True)}
    return Network("Zachary karate club (1977; not criminal)", graph, ["member 0", "member 33"], groups=groups)


def as_case(network: Network, folder: Path) -> Path:
    """The network written into a new case file: persons tied by `associate_of` links, one row each."""
    path = folder / (network.name.split(" (")[0].replace("/", "-").replace(" ", "_") + ".lgcase")
    source = path.with_suffix(".csv")
    source.write_text("a,b\n" + "".join(f"{a},{b}\n" for a, b in network.graph.edges), encoding="utf-8")
    with CaseFile.create(path, name=network.name, timezone="UTC") as case:
        with ImportSession(case, source, kind="links") as session:
            session.set_header(["a", "b"], 1)
            ids = {name: session.entity("Person", None, str(name), row=2) for name in network.graph.nodes}
            for row, (a, b) in enumerate(network.graph.edges, start=2):
                session.link("associate_of", ids[a], ids[b], row=row)
    return path


def ranks(values: dict[str, float]) -> dict[str, int]:
    """Name -> 1-based rank by value (ties by name)."""
    return {name: i + 1 for i, name in enumerate(sorted(values, key=lambda n: (-values[n], str(n))))}


def ari(found: dict[str, int], known: dict[str, str]) -> float:
    """Adjusted Rand index of found groups against known ones, over the entities with a known group."""
    names = sorted(known)
    labels = {g: i for i, g in enumerate(sorted(set(known.values())))}
    return float(ig.compare_communities([found[n] for n in names], [labels[known[n]] for n in names],
                                        method="adjusted_rand"))


def rho(scores: dict[str, float], hierarchy: dict[str, int]) -> float:
    names = sorted(hierarchy)
    value = spearmanr([scores[n] for n in names], [-hierarchy[n] for n in names]).statistic
    return float(value)


def evaluate(network: Network, folder: Path) -> None:
    path = as_case(network, folder)
    with CaseFile.open(path) as case:
        result = analyze(case, AnalysisParams())
    score = {e["label"]: e["score"] for e in result["entities"]}
    groups = {e["label"]: e["community"] for e in result["entities"]}
    g = ig.Graph.from_networkx(network.graph)
    names = [str(v["_nx_name"]) for v in g.vs]
    baselines = {
        "degree": dict(zip(names, g.degree(), strict=True)),
        "betweenness": dict(zip(names, g.betweenness(), strict=True)),
        "pagerank": dict(zip(names, g.pagerank(), strict=True)),
    }
    print(f"\n== {network.name}: {g.vcount()} people, {g.ecount()} ties")
    measures = {"linkgraph score": score, **{f"igraph {k}": v for k, v in baselines.items()}}
    header = f"  {'ranking':<22}" + "".join(f"{'rank of ' + leader:>30}" for leader in network.leaders)
    header += f"{'Spearman vs hierarchy':>24}" if network.hierarchy else ""
    print(header)
    for label, values in measures.items():
        ranked = ranks(values)
        line = f"  {label:<22}" + "".join(f"{ranked[leader]:>30}" for leader in network.leaders)
        if network.hierarchy:
            line += f"{rho(values, network.hierarchy):>24.3f}"
        print(line)
    if network.groups:
        leiden = g.community_leiden(objective_function="modularity", n_iterations=-1).membership
        components = g.connected_components().membership
        print(f"  ARI vs known groups: linkgraph groups ({result['graph']['communities_method']}) "
              f"{ari(groups, network.groups):.3f}; igraph Leiden {ari(dict(zip(names, leiden, strict=True)), network.groups):.3f}; "
              f"components {ari(dict(zip(names, components, strict=True)), network.groups):.3f}; "
              f"{len(result['communities'])} groups found, {len(set(network.groups.values()))} known")


def main() -> int:
    with tempfile.TemporaryDirectory() as temp:
        for network in (hijackers(), florentine(), karate()):
            evaluate(network, Path(temp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
