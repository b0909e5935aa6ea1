-- Each end of an ad's posting or listing record seen from the ad: (ad, other end, its type, the record).
-- Service entities are left out as the desktop's findings leave them out. `timed` marks the rows that date
-- the ad (a record between two ads dates the first end only, as the desktop reads it).
SELECT l.link_ref, l.start_time, l.a_key AS ad, l.b_key AS other, eb.type AS other_type, 1 AS timed
FROM links l
JOIN entity ea ON ea.ekey = l.a_key
JOIN entity eb ON eb.ekey = l.b_key
WHERE l.type IN ('posted', 'listed_in') AND ea.type = 'Ad' AND ea.service = 0 AND eb.service = 0
UNION ALL
SELECT l.link_ref, l.start_time, l.b_key AS ad, l.a_key AS other, ea.type AS other_type,
       CASE WHEN ea.type = 'Ad' THEN 0 ELSE 1 END AS timed
FROM links l
JOIN entity ea ON ea.ekey = l.a_key
JOIN entity eb ON eb.ekey = l.b_key
WHERE l.type IN ('posted', 'listed_in') AND eb.type = 'Ad' AND ea.service = 0 AND eb.service = 0
  AND l.a_key <> l.b_key
