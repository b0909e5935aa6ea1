SELECT src AS phone, dst AS contact FROM phone_calls
UNION
SELECT dst AS phone, src AS contact FROM phone_calls
