"""The case file: one SQLite file per case, opened only through this package."""

from linkgraph.case.case_file import SUFFIX, CaseFile, Entity, Source
from linkgraph.case.importing import ImportResult, ImportSession
from linkgraph.case.integrity import VerifyReport, verify_connection
from linkgraph.case.merges import merge_entities, merges, unmerge
from linkgraph.case.schema import LinkFields

__all__ = [
    "SUFFIX", "CaseFile", "Entity", "ImportResult", "ImportSession", "LinkFields", "Source", "VerifyReport",
    "merge_entities", "merges", "unmerge", "verify_connection",
]
