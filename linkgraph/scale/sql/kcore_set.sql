-- The nodes whose core numbers the driver settles: those still at or above the level a moved node fell to plus
-- one (only they can be lowered by its fall), the moved ones themselves, and those settled on the driver before.
SELECT id FROM {core} WHERE k >= {level} OR moved IS NOT NULL
UNION
SELECT id FROM {kept}
