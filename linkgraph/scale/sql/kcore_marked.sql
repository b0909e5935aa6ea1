-- The nodes that fell in the last step (the seed of a pull grown tie by tie when the whole set is over the cap).
SELECT id FROM {core} WHERE moved IS NOT NULL
