-- How many phones each number is a contact of (hubs: a pizza place, a carrier, propose no pairs).
SELECT contact, COUNT(*) AS phones FROM contacts GROUP BY contact
