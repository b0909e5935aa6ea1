-- Label-min propagation: every node takes the smallest label among itself and its neighbours, then jumps to
-- its label's label (pointer jumping: long chains settle in a logarithmic number of rounds).
WITH spread AS (
    SELECT l.id, LEAST(l.label, COALESCE(m.label, l.label)) AS label
    FROM {labels} l
    LEFT JOIN (
        SELECT a.src AS id, MIN(n.label) AS label
        FROM arcs a JOIN {labels} n ON n.id = a.dst
        GROUP BY a.src
    ) m ON m.id = l.id
)
SELECT s.id, LEAST(s.label, p.label) AS label
FROM spread s JOIN spread p ON p.id = s.label
