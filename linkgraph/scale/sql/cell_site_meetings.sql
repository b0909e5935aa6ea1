-- Co-location on cell sites: two phones on the same site within {window} seconds, on {min_meetings} days or
-- more. A site window with more than {max_crowd} later records (a stadium) shows nothing. The records are
-- `site_events` (`site_events.sql`: each located record on its site, in the site's order `pos`, with the
-- `crowd` of records after it in its window). The records after one in its site window are the next `crowd`
-- of the site's order, so a calm record meets them by an equi-join on (site, pos + step) with step 1..crowd:
-- no range join, at most {max_crowd} rows a record, the crowd cap applied before the join.
WITH calm AS (
    SELECT site, pos, crowd, day, phone, link_ref FROM site_events WHERE crowd >= 1 AND crowd <= {max_crowd}
), steps AS (
    SELECT DISTINCT pos AS step FROM site_events WHERE pos <= {max_crowd}
), reach AS (
    SELECT c.site, c.pos + s.step AS later, c.day, c.phone, c.link_ref FROM calm c JOIN steps s ON s.step <= c.crowd
), met AS (
    SELECT LEAST(e1.phone, e2.phone) AS a_key, GREATEST(e1.phone, e2.phone) AS b_key, e1.site, e1.day,
           e1.link_ref AS first_ref, e2.link_ref AS second_ref
    FROM reach e1
    JOIN site_events e2 ON e2.site = e1.site AND e2.pos = e1.later
    WHERE e1.phone <> e2.phone
)
SELECT a_key, b_key, COUNT(DISTINCT day) AS meetings, COUNT(*) AS records, COUNT(DISTINCT site) AS sites,
       MIN(day) AS from_day, MAX(day) AS to_day
FROM met
GROUP BY a_key, b_key
HAVING COUNT(DISTINCT day) >= {min_meetings}
