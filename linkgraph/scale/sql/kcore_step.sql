-- k-core by the iterated h-index (Lu et al. 2016): a node's value becomes the largest h such that h of its
-- neighbours have a value of h or more; starting from the degree it settles on the core number.
SELECT id, MAX(LEAST(k, r)) AS k
FROM (
    SELECT a.src AS id, c.k, ROW_NUMBER() OVER (PARTITION BY a.src ORDER BY c.k DESC) AS r
    FROM arcs a JOIN {core} c ON c.id = a.dst
) ranked
GROUP BY id
