SELECT id, CAST(1 AS DOUBLE) / {n} AS x, strength FROM degree
