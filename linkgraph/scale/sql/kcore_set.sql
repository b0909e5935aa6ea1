-- The nodes whose core numbers the driver settles: every node above the lowest level a node of the last round
-- fell to (`level` is that plus one) and the nodes that fell. No fall can land lower than the lowest landing of
-- the round before (a node's supporters only fall to that landing or above), so every node at or below it has
-- its core number already and only these can still fall.
SELECT id FROM {core} WHERE k >= {level} OR moved IS NOT NULL
