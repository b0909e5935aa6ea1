-- The pulled nodes with their current values (upper bounds of their core numbers: the driver only lowers them).
SELECT s.id, c.k FROM {pulled} s JOIN {core} c ON c.id = s.id
