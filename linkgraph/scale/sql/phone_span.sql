-- Each phone's first and last record. A call to voicemail or a short code is no contact, but it shows the
-- phone in use: it widens the span of a phone that has contacts.
WITH ends AS (
    SELECT src AS phone, start_time FROM phone_calls
    UNION ALL
    SELECT dst AS phone, start_time FROM phone_calls
), known AS (
    SELECT DISTINCT phone FROM ends
), service AS (
    SELECT l.a_key AS ekey, l.start_time FROM links l
    JOIN entity ea ON ea.ekey = l.a_key JOIN entity eb ON eb.ekey = l.b_key
    WHERE l.type IN ('call', 'sms') AND l.start_time IS NOT NULL AND (ea.service = 1 OR eb.service = 1)
    UNION ALL
    SELECT l.b_key AS ekey, l.start_time FROM links l
    JOIN entity ea ON ea.ekey = l.a_key JOIN entity eb ON eb.ekey = l.b_key
    WHERE l.type IN ('call', 'sms') AND l.start_time IS NOT NULL AND (ea.service = 1 OR eb.service = 1)
), widened AS (
    SELECT phone, start_time FROM ends
    UNION ALL
    SELECT n.id AS phone, s.start_time FROM service s JOIN nodes n ON n.ekey = s.ekey JOIN known k ON k.phone = n.id
)
SELECT phone, MIN(start_time) AS first_time, MAX(start_time) AS last_time FROM widened GROUP BY phone
