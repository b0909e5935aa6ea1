-- How many arcs pulling these nodes brings to the driver (their degrees' sum), asked before pulling them.
SELECT COALESCE(SUM(d.degree), 0) FROM {pulled} s JOIN degree d ON d.id = s.id
