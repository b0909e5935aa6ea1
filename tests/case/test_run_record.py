"""Keeping an analysis run: the stored result and the audit entry are the same whichever way the write is made
(the state digest made ahead on a second connection, the result encoded by the caller, its bytes stored as text),
and a state digest made ahead is not used once anything was written to the case since."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from linkgraph.case import CaseFile, audit, verify_connection
from linkgraph.case.case_file import result_json

RESULT = {"entities": [{"id": 2, "label": "Zoë", "score": np.float64(0.5)}, {"id": 1, "label": "A", "score": 0.25}],
          "graph": {"nodes": 2, "layers": ["calls"]}, "b": None}
PARAMS = {"seed": 7, "filter": {"view": "entities"}}


def _last_entry(case: CaseFile) -> dict:
    return json.loads(case.conn.execute("SELECT details FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0])


def _with_runs(case: CaseFile, runs: int) -> None:
    for number in range(runs):
        case.record_analysis({"run": number}, {"n": number})
    case.add_note(None, "checked")


@pytest.mark.parametrize("runs", [0, 3])
def test_a_state_digest_made_ahead_is_the_one_the_write_would_make(case: CaseFile, runs: int) -> None:
    _with_runs(case, runs)
    ahead = audit.state_ahead(case.state_uri())
    assert ahead is not None
    run = case.record_analysis(PARAMS, RESULT, ahead=ahead)
    entry = _last_entry(case)
    assert (entry["state"], entry["state_tables"]) == audit.state_digests(case.conn)
    assert entry["run"] == run and verify_connection(case.conn).ok


def test_a_state_digest_made_ahead_of_another_write_is_not_used(case: CaseFile,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _with_runs(case, 1)
    ahead = audit.state_ahead(case.state_uri())
    case.add_note(None, "written after the digest was made")          # this connection's own commit
    assert ahead is not None and not ahead.unchanged()
    used = []
    finished = audit.StateAhead.finished
    monkeypatch.setattr(audit.StateAhead, "finished", lambda self, conn: used.append(1) or finished(self, conn))
    case.record_analysis(PARAMS, RESULT, ahead=ahead)
    entry = _last_entry(case)
    assert not used
    assert (entry["state"], entry["state_tables"]) == audit.state_digests(case.conn)
    assert verify_connection(case.conn).ok


def test_a_write_by_another_connection_is_seen(case: CaseFile) -> None:
    import sqlite3

    ahead = audit.state_ahead(case.state_uri())
    other = sqlite3.connect(case.path, isolation_level=None)
    other.execute("UPDATE entities SET label = label WHERE 0")               # no change: no commit counted
    assert ahead is not None and ahead.unchanged()
    other.execute("INSERT INTO notes (entity_id, text, at, by) VALUES (NULL, 'by hand', '2024-01-01', 'x')")
    other.close()
    assert not ahead.unchanged()
    ahead.close()


def test_no_state_ahead_for_a_case_that_cannot_take_one(case_path: Path) -> None:
    with CaseFile.open(case_path, read_only=True) as case:
        assert case.state_uri() is None
    with CaseFile.open(case_path) as case, case.transaction():
        assert case.state_uri() is None                                    # its uncommitted rows unseen elsewhere


def test_the_stored_result_is_the_text_and_digest_of_its_json(case: CaseFile) -> None:
    encoded = result_json(RESULT)
    by_caller = case.record_analysis(PARAMS, RESULT, encoded=encoded)
    plain = case.record_analysis(PARAMS, RESULT)
    rows = case.conn.execute("SELECT typeof(summary), summary, digest FROM analysis_runs WHERE id IN (?, ?)",
                             (by_caller, plain)).fetchall()
    assert rows[0] == rows[1] == ("text", encoded.decode("utf-8"), hashlib.sha256(encoded).hexdigest())
    assert case.analysis_run(by_caller)["summary"] == json.loads(encoded)
    assert verify_connection(case.conn).ok


def test_analyze_and_record_keeps_the_same_run_with_the_state_made_ahead(sample_copy: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's path (reads started with the state digest, the output encoded while the run is kept)
    keeps the run and the audit entry the plain path keeps; the state digest's thread is done before the findings'
    child forks (it forks as it would without it)."""
    import linkgraph.analysis as analysis
    from linkgraph import reading
    from linkgraph.analysis import AnalysisParams, analyze_and_record
    from linkgraph.analysis.beside import Beside, can_fork

    monkeypatch.setattr(reading, "STATE_AHEAD_FROM", 0)
    monkeypatch.setattr(analysis, "BESIDE_FROM", 0)
    forkable, forked = can_fork(), []
    original = Beside.__init__

    def watch(self, work, allowed, first=None):
        original(self, work, allowed, first)
        forked.append(self.forked)
    monkeypatch.setattr(Beside, "__init__", watch)
    used = []
    finished = audit.StateAhead.finished
    monkeypatch.setattr(audit.StateAhead, "finished", lambda self, conn: used.append(1) or finished(self, conn))
    with CaseFile.open(sample_copy) as case:
        started = reading.start_reading(case, state=True)
        assert started.state is not None
        seen = []
        result = analyze_and_record(case, AnalysisParams(beside=True), reading=started,
                                    while_saving=lambda r: seen.append(result_json(r)))
        entry = _last_entry(case)
        assert (entry["state"], entry["state_tables"]) == audit.state_digests(case.conn)
        stored = case.conn.execute("SELECT summary, digest FROM analysis_runs WHERE id = ?",
                                   (result["run_id"],)).fetchone()
        assert stored[0].encode("utf-8") == seen[0] and stored[1] == entry["digest"]
        assert used == [1] and forked == [forkable]
        assert verify_connection(case.conn).ok
