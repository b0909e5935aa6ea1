-- One row per entity key of the snapshot (an identifier pushed by several agencies is one entity).
SELECT ekey, MIN(type) AS type, MAX(CAST(service AS INT)) AS service, MAX(CAST(protected AS INT)) AS protected,
       MIN(city) AS city, MIN(first_seen) AS first_seen
FROM entities_raw
GROUP BY ekey
