-- Each phone's first and last record. A call to voicemail or a short code is no contact, but it shows the
-- phone in use: it widens the span of a phone that has contacts. A call between two service numbers is
-- read twice, which changes no first or last time; the few service numbers are the small side of each join.
WITH ends AS (
    SELECT src AS phone, start_time FROM phone_calls
    UNION ALL
    SELECT dst AS phone, start_time FROM phone_calls
), known AS (
    SELECT DISTINCT phone FROM ends
), service_numbers AS (
    SELECT ekey FROM entity WHERE service = 1
), service_calls AS (
    SELECT l.a_key, l.b_key, l.start_time FROM links l JOIN service_numbers s ON s.ekey = l.a_key
    WHERE l.type IN ('call', 'sms') AND l.start_time IS NOT NULL
    UNION ALL
    SELECT l.a_key, l.b_key, l.start_time FROM links l JOIN service_numbers s ON s.ekey = l.b_key
    WHERE l.type IN ('call', 'sms') AND l.start_time IS NOT NULL
), service AS (
    SELECT a_key AS ekey, start_time FROM service_calls
    UNION ALL
    SELECT b_key AS ekey, start_time FROM service_calls
), widened AS (
    SELECT phone, start_time FROM ends
    UNION ALL
    SELECT n.id AS phone, s.start_time FROM service s JOIN nodes n ON n.ekey = s.ekey JOIN known k ON k.phone = n.id
)
SELECT phone, MIN(start_time) AS first_time, MAX(start_time) AS last_time FROM widened GROUP BY phone
