-- The snapshot's links. A timed event pushed by two agencies (a call in both parties' returns) counts once:
-- the copy of the earliest push stays, later pushes' copies drop out. Within one push the case already did this.
SELECT push_id, link_ref, type, a_key, b_key, start_time, end_time, duration, amount, weight, location_key,
       day, day_end, room, hour, weekday, attr_category, attr_method, attr_payment, attr_obscured, attr_source,
       source_sha256, src_row
FROM (
    SELECT l.*, MIN(l.push_id) OVER (PARTITION BY l.type, l.a_key, l.b_key, l.start_time, l.duration) AS first_push
    FROM links_raw l
) seen
WHERE start_time IS NULL OR push_id = first_push
