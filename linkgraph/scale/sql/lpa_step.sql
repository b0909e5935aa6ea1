-- Weighted label propagation: a node takes the label its neighbours carry with the most weight (ties: the
-- smallest label). Half the nodes move each round (by id parity), which stops two-colour flip-flopping; only
-- their votes are counted. A node whose label moves is marked (moved = 1, else NULL).
-- The winner is picked by each node's top weight (a window MAX over the same rows, so equal exactly on both
-- engines) and the smallest label at it: a GROUP BY, cheaper than ranking every vote.
SELECT l.id, COALESCE(v.label, l.label) AS label,
       CASE WHEN v.label <> l.label THEN CAST(1 AS INT) END AS moved
FROM {labels} l
LEFT JOIN (
    SELECT id, MIN(label) AS label FROM (
        SELECT id, label, w, MAX(w) OVER (PARTITION BY id) AS top
        FROM (
            SELECT a.src AS id, n.label, SUM(a.weight) AS w
            FROM arcs a JOIN {labels} n ON n.id = a.dst
            WHERE MOD(a.src + {round}, 2) = 0
            GROUP BY a.src, n.label
        ) votes
    ) weighed
    WHERE w = top
    GROUP BY id
) v ON v.id = l.id
