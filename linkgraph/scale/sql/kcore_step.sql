-- k-core by the iterated h-index (Lu et al. 2016): a node's value becomes the largest h such that h of its
-- neighbours have a value of h or more; starting from the degree it settles on the core number. Only nodes next
-- to a node whose value moved last round can change, so only they are recomputed. A node whose value moves this
-- round is marked (moved = 1, else NULL): the engine counts the marks as it writes the step.
WITH active AS (
    SELECT DISTINCT a.src AS id FROM arcs a JOIN {core} c ON c.id = a.dst WHERE c.moved IS NOT NULL
), ranked AS (
    SELECT a.src AS id, k.k, ROW_NUMBER() OVER (PARTITION BY a.src ORDER BY k.k DESC) AS r
    FROM arcs a
    JOIN active x ON x.id = a.src
    JOIN {core} k ON k.id = a.dst
), fresh AS (
    SELECT id, MAX(LEAST(k, r)) AS k FROM ranked GROUP BY id
)
SELECT c.id, COALESCE(f.k, c.k) AS k, CASE WHEN f.k <> c.k THEN CAST(1 AS INT) END AS moved
FROM {core} c LEFT JOIN fresh f ON f.id = c.id
