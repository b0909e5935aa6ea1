SELECT na.id AS a, nb.id AS b, t.weight, t.links, t.first_time, t.last_time
FROM ties_keys t
JOIN nodes na ON na.ekey = t.a_key
JOIN nodes nb ON nb.ekey = t.b_key
