-- Every node starts at its degree, marked as moved (so every node is recomputed in the first round).
SELECT id, degree AS k, CAST(1 AS INT) AS moved FROM degree
