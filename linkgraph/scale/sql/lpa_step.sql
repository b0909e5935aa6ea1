-- Weighted label propagation: a node takes the label its neighbours carry with the most weight (ties: the
-- smallest label). Half the nodes move each round (by id parity), which stops two-colour flip-flopping; only
-- their votes are counted. A node whose label moves is marked (moved = 1, else NULL).
SELECT l.id, COALESCE(v.label, l.label) AS label,
       CASE WHEN v.label <> l.label THEN CAST(1 AS INT) END AS moved
FROM {labels} l
LEFT JOIN (
    SELECT id, label FROM (
        SELECT id, label, ROW_NUMBER() OVER (PARTITION BY id ORDER BY w DESC, label) AS r
        FROM (
            SELECT a.src AS id, n.label, SUM(a.weight) AS w
            FROM arcs a JOIN {labels} n ON n.id = a.dst
            WHERE MOD(a.src + {round}, 2) = 0
            GROUP BY a.src, n.label
        ) votes
    ) ranked
    WHERE r = 1
) v ON v.id = l.id
