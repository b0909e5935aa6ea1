SELECT id, id AS label FROM degree
