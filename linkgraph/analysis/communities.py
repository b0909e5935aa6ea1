"""Which groups exist: Leiden communities (seeded, repeatable) and connected components."""

from __future__ import annotations

import igraph as ig
import leidenalg
import networkx as nx


def leiden(graph: nx.Graph, *, seed: int = 7, resolution: float = 1.0) -> dict[int, int]:
    """Node -> community number (0 = largest), by Leiden modularity on edge weights; repeatable for a seed."""
    nodes = sorted(graph.nodes)
    if not nodes:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    edges = sorted((index[a], index[b]) if index[a] < index[b] else (index[b], index[a]) for a, b in graph.edges)
    weights = [graph.edges[nodes[a], nodes[b]].get("weight", 1.0) for a, b in edges]
    g = ig.Graph(n=len(nodes), edges=edges)
    partition = leidenalg.find_partition(
        g, leidenalg.RBConfigurationVertexPartition, weights=weights, seed=seed, resolution_parameter=resolution
    )
    return _numbered({nodes[i]: c for i, c in enumerate(partition.membership)})


def components(graph: nx.Graph) -> dict[int, int]:
    """Node -> connected component number (0 = largest)."""
    membership = {}
    for number, part in enumerate(nx.connected_components(graph)):
        for node in part:
            membership[node] = number
    return _numbered(membership)


def _numbered(membership: dict[int, int]) -> dict[int, int]:
    """Renumber groups by size (largest first), ties by smallest member id: stable across runs."""
    groups: dict[int, list[int]] = {}
    for node, group in membership.items():
        groups.setdefault(group, []).append(node)
    order = sorted(groups.values(), key=lambda members: (-len(members), min(members)))
    return {node: number for number, members in enumerate(order) for node in members}
