SELECT l.id, LEAST(l.label, p.label) AS label
FROM {labels} l JOIN {labels} p ON p.id = l.label
