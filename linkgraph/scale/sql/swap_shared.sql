-- The exact inverted-index join of one round: (old, new) pairs whose dates fit and the contacts they share,
-- a contact standing for the first number of its chain and an old phone speaking for its whole chain;
-- contacts of more than {hub_limit} phones propose nothing. `chain` (phone -> root) holds the swaps found so far.
WITH looked AS (
    SELECT c.phone, COALESCE(rp.root, c.phone) AS phone_root, COALESCE(rc.root, c.contact) AS contact_root
    FROM contacts c
    LEFT JOIN chain rp ON rp.phone = c.phone
    LEFT JOIN chain rc ON rc.phone = c.contact
), by_chain AS (
    SELECT DISTINCT phone_root AS chain_root, contact_root AS contact FROM looked
), old_pairs AS (
    SELECT b.contact, o.phone AS old, COALESCE(r.root, o.phone) AS old_root
    FROM olds o
    LEFT JOIN chain r ON r.phone = o.phone
    JOIN by_chain b ON b.chain_root = COALESCE(r.root, o.phone)
), new_pairs AS (
    SELECT DISTINCT l.contact_root AS contact, l.phone AS new
    FROM looked l JOIN news n ON n.phone = l.phone
)
SELECT op.old, np.new, COUNT(*) AS shared
FROM old_pairs op
JOIN contact_degree d ON d.contact = op.contact
JOIN new_pairs np ON np.contact = op.contact
JOIN phone_span so ON so.phone = op.old
JOIN phone_span sn ON sn.phone = np.new
LEFT JOIN chain rn ON rn.phone = np.new
WHERE d.phones <= {hub_limit}
  AND sn.first_time - so.last_time >= 0 - {max_overlap}
  AND sn.first_time - so.last_time <= {max_gap}
  AND op.old_root <> COALESCE(rn.root, np.new)
  AND op.contact <> op.old_root AND op.contact <> COALESCE(rn.root, np.new)
GROUP BY op.old, np.new
