-- Each tie in both directions (neighbour lists for the iterative analyses).
SELECT a AS src, b AS dst, weight FROM ties
UNION ALL
SELECT b AS src, a AS dst, weight FROM ties
