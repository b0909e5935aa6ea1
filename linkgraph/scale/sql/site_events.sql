-- Each located call or text as an event on its cell site, numbered in the site's order, materialised once for
-- `cell_site_meetings.sql` (which reads it twice: as the calm records and as the later ones they meet). The site
-- of a record is its carrier return's target phone's (the phone that is an end of half the source's records or
-- more), else the calling phone's. `pos`: the record's place in its site's order; `crowd`: the records after it
-- within {window} seconds.
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
)
SELECT link_ref, site, start_time, day, phone, pos, crowd FROM placed
