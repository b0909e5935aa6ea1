-- One power-iteration step of weighted PageRank, as the desktop's centrality.pagerank:
-- x' = d (W D^-1 x + dangling / n) + (1 - d) / n.
SELECT p.id, {damping} * (COALESCE(s.flow, 0) + {dangling} / {n}) + (1 - {damping}) / {n} AS x, p.strength
FROM {pr} p
LEFT JOIN (
    SELECT a.dst AS id, SUM(q.x * a.weight / q.strength) AS flow
    FROM arcs a JOIN {pr} q ON q.id = a.src
    WHERE q.strength > 0
    GROUP BY a.dst
) s ON s.id = p.id
