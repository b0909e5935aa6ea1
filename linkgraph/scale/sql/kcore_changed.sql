SELECT a.id FROM {after} a JOIN {before} b ON b.id = a.id WHERE a.k <> b.k
