-- Weighted modularity of a partition: inner weight / m - sum over groups of (strength / 2m)^2.
SELECT
    (SELECT COALESCE(SUM(t.weight), 0) FROM ties t JOIN {groups} ga ON ga.id = t.a JOIN {groups} gb ON gb.id = t.b
     WHERE ga.label = gb.label) / {m}
  - (SELECT SUM(tot * tot) FROM (
        SELECT g.label, SUM(d.strength) AS tot FROM {groups} g JOIN degree d ON d.id = g.id GROUP BY g.label
     ) totals) / (4 * {m} * {m}) AS q
