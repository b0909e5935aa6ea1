-- Label-min propagation: every node takes the smallest label among itself and its neighbours, then jumps to
-- its label's label (pointer jumping: long chains settle in a logarithmic number of rounds). A node whose
-- label moves is marked (moved = 1, else NULL): the engine counts the marks as it writes the step.
WITH spread AS (
    SELECT l.id, l.label AS before, LEAST(l.label, COALESCE(m.label, l.label)) AS label
    FROM {labels} l
    LEFT JOIN (
        SELECT a.src AS id, MIN(n.label) AS label
        FROM arcs a JOIN {labels} n ON n.id = a.dst
        GROUP BY a.src
    ) m ON m.id = l.id
)
SELECT s.id, LEAST(s.label, p.label) AS label,
       CASE WHEN LEAST(s.label, p.label) <> s.before THEN CAST(1 AS INT) END AS moved
FROM spread s JOIN spread p ON p.id = s.label
