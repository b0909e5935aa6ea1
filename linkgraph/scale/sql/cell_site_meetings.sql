-- Co-location on cell sites: two phones on the same site within {window} seconds, on {min_meetings} days or
-- more. A site window with more than {max_crowd} later records (a stadium) shows nothing. The site of a record
-- is its carrier return's target phone's (the phone that is an end of half the source's records or more),
-- else the calling phone's. The records after one in its site window are the next `crowd` of the site's
-- order (`pos`), so a calm record meets them by an equi-join on (site, pos + step) with step 1..crowd:
-- no range join, at most {max_crowd} rows a record, the crowd cap applied before the join.
WITH sited AS (
    SELECT l.link_ref, l.a_key, l.b_key, l.location_key, l.start_time, l.day, l.push_id, l.source_sha256
    FROM links l
    JOIN entity ea ON ea.ekey = l.a_key
    JOIN entity eb ON eb.ekey = l.b_key
    WHERE l.type IN ('call', 'sms') AND l.location_key IS NOT NULL AND l.start_time IS NOT NULL
      AND ea.service = 0 AND eb.service = 0
), ends AS (
    SELECT push_id, source_sha256, a_key AS phone FROM sited
    UNION ALL
    SELECT push_id, source_sha256, b_key AS phone FROM sited
), counted AS (
    SELECT push_id, source_sha256, phone, COUNT(*) AS n FROM ends GROUP BY push_id, source_sha256, phone
), totals AS (
    SELECT push_id, source_sha256, COUNT(*) AS total FROM sited GROUP BY push_id, source_sha256
), ranked AS (
    SELECT push_id, source_sha256, phone, n,
           ROW_NUMBER() OVER (PARTITION BY push_id, source_sha256 ORDER BY n DESC, phone) AS r
    FROM counted
), target AS (
    SELECT k.push_id, k.source_sha256, k.phone FROM ranked k
    JOIN totals t ON t.push_id = k.push_id AND t.source_sha256 = k.source_sha256
    WHERE k.r = 1 AND k.n >= 0.5 * t.total
), events AS (
    SELECT s.link_ref, s.location_key AS site, s.start_time, s.day,
           CASE WHEN g.phone = s.b_key THEN s.b_key ELSE s.a_key END AS phone
    FROM sited s
    LEFT JOIN target g ON g.push_id = s.push_id AND g.source_sha256 = s.source_sha256
), placed AS (
    SELECT link_ref, site, start_time, day, phone,
           ROW_NUMBER() OVER (PARTITION BY site ORDER BY start_time, link_ref) AS pos,
           COUNT(*) OVER (PARTITION BY site ORDER BY start_time RANGE BETWEEN CURRENT ROW AND {window} FOLLOWING)
             - ROW_NUMBER() OVER (PARTITION BY site, start_time ORDER BY link_ref) AS crowd
    FROM events
), calm AS (
    SELECT site, pos, crowd, day, phone, link_ref FROM placed WHERE crowd >= 1 AND crowd <= {max_crowd}
), steps AS (
    SELECT DISTINCT pos AS step FROM placed WHERE pos <= {max_crowd}
), reach AS (
    SELECT c.site, c.pos + s.step AS later, c.day, c.phone, c.link_ref FROM calm c JOIN steps s ON s.step <= c.crowd
), met AS (
    SELECT LEAST(e1.phone, e2.phone) AS a_key, GREATEST(e1.phone, e2.phone) AS b_key, e1.site, e1.day,
           e1.link_ref AS first_ref, e2.link_ref AS second_ref
    FROM reach e1
    JOIN placed e2 ON e2.site = e1.site AND e2.pos = e1.later
    WHERE e1.phone <> e2.phone
)
SELECT a_key, b_key, COUNT(DISTINCT day) AS meetings, COUNT(*) AS records, COUNT(DISTINCT site) AS sites,
       MIN(day) AS from_day, MAX(day) AS to_day
FROM met
GROUP BY a_key, b_key
HAVING COUNT(DISTINCT day) >= {min_meetings}
