SELECT COUNT(*) AS changed FROM {before} b JOIN {after} a ON a.id = b.id WHERE a.{column} <> b.{column}
