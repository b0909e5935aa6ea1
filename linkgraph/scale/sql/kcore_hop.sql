-- The pulled set grown by one tie: its neighbours that can still fall (value at or above `level`).
SELECT id FROM {pulled}
UNION
SELECT a.dst AS id
FROM arcs a
JOIN {pulled} s ON s.id = a.src
JOIN {core} c ON c.id = a.dst
WHERE c.k >= {level}
