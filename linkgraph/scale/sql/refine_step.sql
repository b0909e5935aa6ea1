-- One refining round: a node (half of them, by parity) moves to the neighbouring group with the best
-- modularity gain, when that gain is positive: (k_iD - k_iC) / m - k_i (T_D - T_C + k_i) / 2m^2. A node that
-- moves is marked (moved = 1, else NULL): a round that moves none needs no modularity.
WITH totals AS (
    SELECT g.label, SUM(d.strength) AS tot FROM {groups} g JOIN degree d ON d.id = g.id GROUP BY g.label
), towards AS (
    SELECT a.src AS id, n.label, SUM(a.weight) AS k_in
    FROM arcs a JOIN {groups} n ON n.id = a.dst
    WHERE MOD(a.src + {round}, 2) = 0        -- only the moving half's options are weighed
    GROUP BY a.src, n.label
), options AS (
    SELECT g.id, t.label,
           (t.k_in - COALESCE(own.k_in, 0)) / {m}
             - d.strength * (tt.tot - ot.tot + d.strength) / (2 * {m} * {m}) AS gain
    FROM {groups} g
    JOIN degree d ON d.id = g.id
    JOIN towards t ON t.id = g.id AND t.label <> g.label
    JOIN totals tt ON tt.label = t.label
    JOIN totals ot ON ot.label = g.label
    LEFT JOIN towards own ON own.id = g.id AND own.label = g.label
    WHERE MOD(g.id + {round}, 2) = 0
), best AS (
    SELECT id, label, gain FROM (
        SELECT id, label, gain, ROW_NUMBER() OVER (PARTITION BY id ORDER BY gain DESC, label) AS r FROM options
    ) ranked WHERE r = 1 AND gain > 1e-12
)
SELECT g.id, COALESCE(b.label, g.label) AS label, CASE WHEN b.label IS NOT NULL THEN CAST(1 AS INT) END AS moved
FROM {groups} g LEFT JOIN best b ON b.id = g.id
