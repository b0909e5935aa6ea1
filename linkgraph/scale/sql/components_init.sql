SELECT id, id AS label, CAST(1 AS INT) AS moved FROM degree
