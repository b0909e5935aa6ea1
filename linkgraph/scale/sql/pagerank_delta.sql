SELECT SUM(ABS(a.x - b.x)) AS delta FROM {before} b JOIN {after} a ON a.id = b.id
