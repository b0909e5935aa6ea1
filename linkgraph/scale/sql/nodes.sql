-- Integer ids for the tied entities (in key order: the same ids on every engine).
SELECT CAST(ROW_NUMBER() OVER (ORDER BY ekey) AS BIGINT) AS id, ekey
FROM (SELECT a_key AS ekey FROM ties_keys UNION SELECT b_key AS ekey FROM ties_keys) ends
