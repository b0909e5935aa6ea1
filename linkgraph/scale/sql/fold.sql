-- Pair fold: links -> one weighted undirected tie per pair of entities (service numbers and self-links left
-- out), as the desktop's graph.fold_links does.
SELECT LEAST(l.a_key, l.b_key) AS a_key, GREATEST(l.a_key, l.b_key) AS b_key,
       SUM(l.weight) AS weight, COUNT(*) AS links, MIN(l.start_time) AS first_time, MAX(l.start_time) AS last_time
FROM links l
JOIN entity ea ON ea.ekey = l.a_key
JOIN entity eb ON eb.ekey = l.b_key
WHERE l.a_key <> l.b_key AND ea.service = 0 AND eb.service = 0
GROUP BY LEAST(l.a_key, l.b_key), GREATEST(l.a_key, l.b_key)
