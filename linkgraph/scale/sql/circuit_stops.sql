-- Circuits: each subject's events in time order, cut where more than {gap} seconds pass between two; the
-- consecutive events in one city make one stop; a run of stops in {min_cities} or more different cities is a
-- circuit. One row per stop of every circuit (subject, run, stop number, city, first and last time, counts).
WITH ordered AS (
    SELECT subject, at_time, city, kind, item,
           LAG(at_time) OVER (PARTITION BY subject ORDER BY at_time, city, kind, item) AS prev_time,
           LAG(city) OVER (PARTITION BY subject ORDER BY at_time, city, kind, item) AS prev_city
    FROM circuit_events
), marked AS (
    SELECT subject, at_time, city, kind, item,
           CASE WHEN prev_time IS NULL OR at_time - prev_time > {gap} THEN 1 ELSE 0 END AS new_run,
           CASE WHEN prev_time IS NULL OR at_time - prev_time > {gap} OR city <> prev_city THEN 1 ELSE 0 END
               AS new_stop
    FROM ordered
), numbered AS (
    SELECT subject, at_time, city, kind, item,
           SUM(new_run) OVER (PARTITION BY subject ORDER BY at_time, city, kind, item
                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run,
           SUM(new_stop) OVER (PARTITION BY subject ORDER BY at_time, city, kind, item
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS stop
    FROM marked
), runs AS (
    SELECT subject, run FROM numbered GROUP BY subject, run HAVING COUNT(DISTINCT city) >= {min_cities}
)
SELECT n.subject, n.run, n.stop, MIN(n.city) AS city, MIN(n.at_time) AS first_time, MAX(n.at_time) AS last_time,
       SUM(CASE WHEN n.kind = 'ad' THEN 1 ELSE 0 END) AS ads,
       SUM(CASE WHEN n.kind = 'stay' THEN 1 ELSE 0 END) AS stays
FROM numbered n
JOIN runs r ON r.subject = n.subject AND r.run = n.run
GROUP BY n.subject, n.run, n.stop
