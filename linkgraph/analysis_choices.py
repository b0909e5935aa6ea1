"""What a user may choose of an analysis, as the command line offers it: here, outside the analysis package, so
`linkgraph analyze` builds its options without loading the analysis libraries (pandas, networkx, scipy,
igraph: about a second), and reads the case meanwhile. tests/cli/test_analyze_startup.py holds these equal to
the analysis modules' own (communities.METHODS, centrality.LARGE_TIES)."""

from __future__ import annotations

METHODS = ("auto", "leiden", "louvain", "multiplex")   # community methods (auto: multiplex when 2+ layers)
LARGE_TIES = 200_000       # from this many ties, a large case: closeness and eigenvector left out unless --full
