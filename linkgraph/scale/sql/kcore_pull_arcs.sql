-- The pulled nodes' arcs with each neighbour's current value, and whether the neighbour is pulled too (inside = 1)
-- or a fixed boundary whose value the driver does not change (inside = 0). In order of src: the driver's
-- adjacency lists as they come (sorting on the engine is parallel; on the driver it was most of the time).
SELECT a.src, a.dst, d.k, CASE WHEN x.id IS NULL THEN 0 ELSE 1 END AS inside
FROM arcs a
JOIN {pulled} s ON s.id = a.src
JOIN {core} d ON d.id = a.dst
LEFT JOIN {pulled} x ON x.id = a.dst
ORDER BY a.src
