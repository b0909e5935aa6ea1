SELECT l.id, s.grp AS label FROM {labels} l JOIN supergroups s ON s.label = l.label
