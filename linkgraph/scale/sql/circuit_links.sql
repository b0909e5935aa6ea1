-- The records each circuit cites: every posting record of its ads and every stay, with the source file's
-- SHA-256 and row behind each.
WITH runs AS (
    SELECT subject, run, MIN(first_time) AS first_time, MAX(last_time) AS last_time
    FROM circuit_stops GROUP BY subject, run
), items AS (
    SELECT DISTINCT r.subject, r.run, e.kind, e.item
    FROM circuit_events e
    JOIN runs r ON r.subject = e.subject AND e.at_time >= r.first_time AND e.at_time <= r.last_time
), refs AS (
    SELECT i.subject, i.run, a.link_ref FROM items i JOIN ad_ends a ON a.ad = i.item WHERE i.kind = 'ad'
    UNION
    SELECT subject, run, item AS link_ref FROM items WHERE kind = 'stay'
)
SELECT DISTINCT f.subject, f.run, f.link_ref, l.source_sha256, l.src_row
FROM refs f
JOIN links l ON l.link_ref = f.link_ref
