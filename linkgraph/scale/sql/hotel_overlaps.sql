-- Co-location at hotels: two guests at the same hotel on overlapping nights (stays as stays.sql finds them).
SELECT LEAST(s1.guest, s2.guest) AS a_key, GREATEST(s1.guest, s2.guest) AS b_key, s1.hotel AS place_key,
       SUM(LEAST(s1.depart, s2.depart) - GREATEST(s1.arrive, s2.arrive)) AS nights,
       MIN(GREATEST(s1.arrive, s2.arrive)) AS from_day, MAX(LEAST(s1.depart, s2.depart)) AS to_day,
       MAX(CASE WHEN s1.room IS NOT NULL AND s1.room = s2.room THEN 1 ELSE 0 END) AS same_room,
       COUNT(*) AS stays
FROM stays s1
JOIN stays s2 ON s2.hotel = s1.hotel AND s1.link_ref < s2.link_ref AND s1.guest <> s2.guest
             AND s2.arrive < s1.depart AND s1.arrive < s2.depart
GROUP BY LEAST(s1.guest, s2.guest), GREATEST(s1.guest, s2.guest), s1.hotel
