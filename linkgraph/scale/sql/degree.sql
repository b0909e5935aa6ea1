SELECT src AS id, COUNT(*) AS degree, SUM(weight) AS strength
FROM arcs
GROUP BY src
