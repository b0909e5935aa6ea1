-- Hotel stays: one row per stay (guest, hotel, arrival and departure as the case's local days, room, arrival
-- time). A booking is a stay only when the same record names no guest staying: a booker who took three rooms
-- slept in one of them, not in all three. Days are the case's local days, fixed at push.
WITH typed AS (
    SELECT l.link_ref, l.type, l.a_key, l.b_key, l.start_time, l.day, l.day_end, l.room, l.push_id,
           l.source_sha256, l.src_row, ea.type AS a_type, eb.type AS b_type
    FROM links l
    JOIN entity ea ON ea.ekey = l.a_key
    JOIN entity eb ON eb.ekey = l.b_key
    WHERE l.type IN ('stayed_at', 'booked') AND l.start_time IS NOT NULL AND ea.service = 0 AND eb.service = 0
), named AS (
    SELECT DISTINCT push_id, source_sha256, src_row FROM typed WHERE type <> 'booked'
)
SELECT t.link_ref,
       CASE WHEN t.a_type = 'Hotel' THEN t.b_key ELSE t.a_key END AS guest,
       CASE WHEN t.a_type = 'Hotel' THEN t.a_key ELSE t.b_key END AS hotel,
       t.day AS arrive,
       CASE WHEN t.day_end <= t.day THEN t.day + 1 ELSE t.day_end END AS depart,
       t.room, t.start_time
FROM typed t
LEFT JOIN named n ON n.push_id = t.push_id AND n.source_sha256 = t.source_sha256 AND n.src_row = t.src_row
WHERE (CASE WHEN t.a_type = 'Hotel' THEN 1 ELSE 0 END) + (CASE WHEN t.b_type = 'Hotel' THEN 1 ELSE 0 END) = 1
  AND NOT (t.type = 'booked' AND n.src_row IS NOT NULL)
