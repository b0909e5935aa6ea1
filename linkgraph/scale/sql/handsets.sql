-- Phones used in the same handset (a device with more than one number), for the swap search.
SELECT nd.ekey AS device, np.id AS phone, l.link_ref
FROM links l
JOIN entity ea ON ea.ekey = l.a_key
JOIN entity eb ON eb.ekey = l.b_key
JOIN nodes np ON np.ekey = CASE WHEN ea.type = 'Phone' THEN l.a_key ELSE l.b_key END
JOIN (SELECT ekey FROM entity) nd ON nd.ekey = CASE WHEN ea.type = 'Phone' THEN l.b_key ELSE l.a_key END
WHERE l.type IN ('uses', 'owns')
  AND ((ea.type = 'Device' AND eb.type = 'Phone') OR (ea.type = 'Phone' AND eb.type = 'Device'))
  AND ea.service = 0 AND eb.service = 0
