-- Events of the circuit search: an ad (its city, its posting time) counts for each phone it advertises, each
-- person it names and the person using an advertised phone; a hotel stay (the hotel's city, the arrival)
-- counts for the guest and for the person using the guest's phone or account. `item` is the ad's key or the
-- stay's record, which the circuit cites.
WITH ads AS (
    SELECT e.ekey AS ad, MIN(e.city) AS city,
           COALESCE(MIN(CASE WHEN a.timed = 1 THEN a.start_time END), MIN(e.first_seen)) AS posted
    FROM entity e
    LEFT JOIN ad_ends a ON a.ad = e.ekey
    WHERE e.type = 'Ad' AND e.service = 0 AND e.city IS NOT NULL
    GROUP BY e.ekey
), partners AS (
    SELECT DISTINCT ad, other AS subject, other_type FROM ad_ends WHERE other_type IN ('Phone', 'Person')
), subjects AS (
    SELECT ad, subject FROM partners
    UNION
    SELECT p.ad, o.person AS subject FROM partners p JOIN owners o ON o.ident = p.subject
    WHERE p.other_type = 'Phone'
), guests AS (
    SELECT link_ref, guest AS subject, hotel, start_time FROM stays
    UNION
    SELECT s.link_ref, o.person AS subject, s.hotel, s.start_time FROM stays s JOIN owners o ON o.ident = s.guest
)
SELECT s.subject, a.posted AS at_time, a.city, 'ad' AS kind, s.ad AS item
FROM subjects s
JOIN ads a ON a.ad = s.ad
WHERE a.posted IS NOT NULL
UNION ALL
SELECT g.subject, g.start_time AS at_time, h.city, 'stay' AS kind, g.link_ref AS item
FROM guests g
JOIN entity h ON h.ekey = g.hotel
WHERE h.city IS NOT NULL
