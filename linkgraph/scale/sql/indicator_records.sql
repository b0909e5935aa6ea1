-- The records indicator rules read: every link between two entities that are not service numbers, with the
-- fields rules name (local hour, weekday and day fixed at push; nights from the local days; the attributes
-- pushed as attr_ columns) and the source file's SHA-256 and row behind it.
SELECT l.link_ref, l.type, l.a_key, l.b_key, l.start_time, l.end_time, l.duration, l.amount, l.weight,
       l.hour, l.weekday, l.day,
       CASE WHEN l.start_time IS NULL OR l.end_time IS NULL THEN NULL ELSE l.day_end - l.day END AS nights, l.room,
       l.attr_category, l.attr_method, l.attr_payment, l.attr_obscured, l.attr_source,
       l.source_sha256, l.src_row
FROM links l
JOIN entity ea ON ea.ekey = l.a_key
JOIN entity eb ON eb.ekey = l.b_key
WHERE ea.service = 0 AND eb.service = 0
