"""linkgraph: offline link analysis of trafficking investigations (case file, graph, analysis)."""

__version__ = "0.1.0"
