-- Entity fields the indicator rules read: type, label (none in a blind snapshot), role, minor flag, service
-- flag, city; the role and minor flag of the person standing for an identifier (its one owner's, else its
-- own); whether it is in ads (a phone an ad advertises, a person one names, and the user of such a phone).
WITH told AS (
    SELECT ekey, MIN(label) AS label, MIN(role) AS role, MAX(CAST(minor AS INT)) AS minor FROM entities_raw
    GROUP BY ekey
), flagged AS (
    SELECT DISTINCT other AS ekey FROM ad_ends WHERE other_type IN ('Phone', 'Person')
), in_ads AS (
    SELECT ekey FROM flagged
    UNION
    SELECT o.person AS ekey FROM flagged f JOIN owners o ON o.ident = f.ekey
)
SELECT e.ekey, e.type, e.service, e.city, t.label, t.role, t.minor,
       CASE WHEN o.person IS NOT NULL THEN p.role ELSE t.role END AS user_role,
       CASE WHEN o.person IS NOT NULL THEN p.minor ELSE t.minor END AS user_minor,
       CASE WHEN a.ekey IS NOT NULL THEN 1 ELSE 0 END AS in_ads
FROM entity e
JOIN told t ON t.ekey = e.ekey
LEFT JOIN owners o ON o.ident = e.ekey
LEFT JOIN told p ON p.ekey = o.person
LEFT JOIN in_ads a ON a.ekey = e.ekey
