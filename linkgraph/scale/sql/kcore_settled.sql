-- The driver's settled values written back (kcore_driver holds only the values it lowered). A node is marked
-- if the driver lowered it or it moved in the last round on the engine: the next step recomputes their
-- neighbours, which is the check that no node outside the pulled set would move given the new values.
SELECT c.id, COALESCE(f.k, c.k) AS k,
       CASE WHEN f.id IS NOT NULL OR c.moved IS NOT NULL THEN CAST(1 AS INT) END AS moved
FROM {core} c LEFT JOIN kcore_driver f ON f.id = c.id
