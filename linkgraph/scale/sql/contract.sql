-- Each label becomes a super-node; ties between labels add up (a label's inner ties become its self-loop).
SELECT LEAST(la.label, lb.label) AS a, GREATEST(la.label, lb.label) AS b, SUM(t.weight) AS weight
FROM ties t
JOIN {labels} la ON la.id = t.a
JOIN {labels} lb ON lb.id = t.b
GROUP BY LEAST(la.label, lb.label), GREATEST(la.label, lb.label)
