-- Calls and texts between two phones (no service numbers), timed, as the number-swap search reads them.
-- The phones' integer ids are looked up once (one join per end, not one for the type and another for the id).
WITH phones AS (
    SELECT n.ekey, n.id FROM nodes n JOIN entity e ON e.ekey = n.ekey WHERE e.type = 'Phone' AND e.service = 0
)
SELECT pa.id AS src, pb.id AS dst, l.start_time, l.link_ref
FROM links l
JOIN phones pa ON pa.ekey = l.a_key
JOIN phones pb ON pb.ekey = l.b_key
WHERE l.type IN ('call', 'sms') AND l.start_time IS NOT NULL AND l.a_key <> l.b_key
