"""What a user may choose of an analysis, as the command line offers it: here, outside the analysis package, so
`linkgraph analyze` builds its options without loading the analysis libraries (pandas, networkx, scipy,
igraph: about a second), and reads the case meanwhile. The analysis modules import them from here (one
definition)."""

from __future__ import annotations

METHODS = ("auto", "leiden", "louvain", "multiplex")   # community methods (auto: multiplex when 2+ layers)
LARGE_TIES = 200_000       # from this many ties, a large case: closeness and eigenvector left out unless --full
