-- Identifier (phone, account, device, e-mail, online account, vehicle) -> the one person who uses or owns it;
-- none where several do (the desktop's person_owners). Persons are case-local keys, so an identifier two
-- agencies tie to their own persons has no single owner.
WITH pairs AS (
    SELECT CASE WHEN ea.type = 'Person' THEN l.b_key ELSE l.a_key END AS ident,
           CASE WHEN ea.type = 'Person' THEN l.a_key ELSE l.b_key END AS person
    FROM links l
    JOIN entity ea ON ea.ekey = l.a_key
    JOIN entity eb ON eb.ekey = l.b_key
    WHERE l.type IN ('uses', 'owns')
      AND ((ea.type = 'Person' AND eb.type IN ('Phone', 'Account', 'Device', 'Email', 'OnlineAccount', 'Vehicle'))
        OR (eb.type = 'Person' AND ea.type IN ('Phone', 'Account', 'Device', 'Email', 'OnlineAccount', 'Vehicle')))
)
SELECT ident, MIN(person) AS person
FROM pairs
GROUP BY ident
HAVING COUNT(DISTINCT person) = 1
