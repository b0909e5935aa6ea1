-- The exact inverted-index join of one round: (old, new) pairs whose dates fit and the contacts they share,
-- a contact standing for the first number of its chain and an old phone speaking for its whole chain;
-- contacts of more than {hub_limit} phones propose nothing. `chain` (phone -> root) holds the swaps found so far.
-- Only the olds' chains and the news are looked up (not every phone's contacts), hubs are left out before the
-- join, and the dates are part of the join: a new number starts within [last - overlap, last + gap] of the old
-- one's last record; with buckets of that width plus 2 s and the old one's bucket taken at last - overlap - 1 s,
-- that start is in the old one's bucket or the next, with a second to spare at either end (an equi-join on
-- (contact, bucket); the exact dates are checked on the pairs it makes).
WITH old_roots AS (
    SELECT o.phone AS old, COALESCE(r.root, o.phone) AS old_root, s.last_time
    FROM olds o
    JOIN phone_span s ON s.phone = o.phone
    LEFT JOIN chain r ON r.phone = o.phone
), member_of AS (
    SELECT phone AS member, root FROM chain
    UNION ALL
    SELECT DISTINCT root AS member, root FROM chain
), old_members AS (
    SELECT k.old_root, COALESCE(m.member, k.old_root) AS member
    FROM (SELECT DISTINCT old_root FROM old_roots) k
    LEFT JOIN member_of m ON m.root = k.old_root
), old_contacts AS (
    SELECT DISTINCT k.old_root, COALESCE(rc.root, c.contact) AS contact
    FROM old_members k
    JOIN contacts c ON c.phone = k.member
    LEFT JOIN chain rc ON rc.phone = c.contact
), new_contacts AS (
    SELECT DISTINCT n.phone AS new, COALESCE(rn.root, n.phone) AS new_root, s.first_time,
           COALESCE(rc.root, c.contact) AS contact
    FROM news n
    JOIN phone_span s ON s.phone = n.phone
    JOIN contacts c ON c.phone = n.phone
    LEFT JOIN chain rn ON rn.phone = n.phone
    LEFT JOIN chain rc ON rc.phone = c.contact
), old_side AS (
    SELECT r.old, r.old_root, r.last_time, k.contact,
           CAST(FLOOR((r.last_time - {max_overlap} - 1) / ({max_overlap} + {max_gap} + 2)) AS BIGINT) AS bucket
    FROM old_roots r
    JOIN old_contacts k ON k.old_root = r.old_root
    JOIN contact_degree d ON d.contact = k.contact
    WHERE d.phones <= {hub_limit} AND k.contact <> r.old_root
), new_side AS (
    SELECT n.new, n.new_root, n.first_time, n.contact,
           CAST(FLOOR(n.first_time / ({max_overlap} + {max_gap} + 2)) AS BIGINT) AS bucket
    FROM new_contacts n
    JOIN contact_degree d ON d.contact = n.contact
    WHERE d.phones <= {hub_limit} AND n.contact <> n.new_root
), old_reach AS (
    SELECT old, old_root, last_time, contact, bucket FROM old_side
    UNION ALL
    SELECT old, old_root, last_time, contact, bucket + 1 AS bucket FROM old_side
)
SELECT op.old, np.new, COUNT(*) AS shared
FROM old_reach op
JOIN new_side np ON np.contact = op.contact AND np.bucket = op.bucket
WHERE np.first_time - op.last_time >= 0 - {max_overlap}
  AND np.first_time - op.last_time <= {max_gap}
  AND op.old_root <> np.new_root
GROUP BY op.old, np.new
