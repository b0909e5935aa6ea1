-- Calls and texts between two phones (no service numbers), timed, as the number-swap search reads them.
SELECT na.id AS src, nb.id AS dst, l.start_time, l.link_ref
FROM links l
JOIN entity ea ON ea.ekey = l.a_key
JOIN entity eb ON eb.ekey = l.b_key
JOIN nodes na ON na.ekey = l.a_key
JOIN nodes nb ON nb.ekey = l.b_key
WHERE l.type IN ('call', 'sms') AND l.start_time IS NOT NULL AND l.a_key <> l.b_key
  AND ea.type = 'Phone' AND eb.type = 'Phone' AND ea.service = 0 AND eb.service = 0
