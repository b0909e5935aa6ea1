SELECT id, degree AS k FROM degree
