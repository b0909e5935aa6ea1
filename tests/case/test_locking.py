"""Two programs and one case: the holder is named, a crash frees the lock, and two writers never corrupt it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from linkgraph.case import CaseFile, verify_connection
from linkgraph.case.locking import CaseInUseError, CaseLock, holder, lock_path
from linkgraph.errors import CaseFileError

ROOT = Path(__file__).resolve().parents[2]

HOLD = textwrap.dedent("""
    import sys
    from linkgraph.case import CaseFile
    case = CaseFile.open(sys.argv[1], lock=True)
    print("holding", flush=True)
    sys.stdin.readline()          # hold until the test says so (or kills us)
    case.close()
""")

WRITE = textwrap.dedent("""
    import sys
    from pathlib import Path
    from linkgraph.case import CaseFile, ImportSession
    path, name, files = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    with CaseFile.open(path) as case:
        for number in range(files):
            sheet = path.parent / f"{name}-{number}.csv"
            sheet.write_text(f"From,To\\n{name},{number}\\n", encoding="utf-8")
            with ImportSession(case, sheet, kind="links") as session:
                session.set_header(["From", "To"], 1)
                for row in range(2, 302):
                    session.raw_row(row, [name, str(row)])
                    phone = session.entity("Phone", f"+1209555{row:04d}", f"209-555-{row:04d}", row=row)
                    person = session.entity("Person", None, f"{name} {number}", row=row)
                    session.link("uses", person, phone, row=row, start=1_700_000_000 + row)
            case.add_note(None, f"{name} wrote file {number}")
    print("done", flush=True)
""")


def python(script: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def test_the_holder_is_named_and_a_crash_frees_the_lock(case_path: Path) -> None:
    proc = python(HOLD, str(case_path), stdin=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == "holding"
        found = holder(case_path)
        assert found is not None and found.pid == proc.pid
        with pytest.raises(CaseInUseError, match=rf"case.lgcase is open for writing by .* \(process {proc.pid}, "):
            CaseFile.open(case_path, lock=True)
        with CaseFile.open(case_path, read_only=True) as reader:  # reading stays possible, the holder is shown
            assert reader.name == "Test case"
            assert reader.held_by is not None and reader.held_by.pid == proc.pid
    finally:
        proc.kill()
        proc.wait()
    assert holder(case_path) is None  # the OS released the crashed holder's lock
    with CaseFile.open(case_path, lock=True) as case:
        assert case.lock.locked and case.held_by is None
        assert holder(case_path) is None  # our own lock is not "another program"
    assert not lock_path(case_path).exists()


def test_a_clean_exit_removes_the_lock_file(case_path: Path) -> None:
    proc = python(HOLD, str(case_path), stdin=subprocess.PIPE)
    assert proc.stdout.readline().strip() == "holding"
    assert lock_path(case_path).exists()
    proc.communicate("\n", timeout=60)
    assert proc.returncode == 0
    assert not lock_path(case_path).exists()


def test_one_program_may_take_its_own_lock_twice(case_path: Path) -> None:
    first, second = CaseLock(case_path), CaseLock(case_path)
    with first, second:
        assert first.locked and second.locked
    assert not lock_path(case_path).exists()


def test_two_processes_writing_at_once_leave_an_intact_case(case_path: Path) -> None:
    files = 6
    writers = [python(WRITE, str(case_path), name, str(files)) for name in ("alpha", "bravo")]
    for proc in writers:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert out.strip() == "done"
    with CaseFile.open(case_path, read_only=True) as case:
        report = verify_connection(case.conn)
        assert report.ok, report.problems
        assert case.counts()["sources"] == 2 * files
        assert case.counts()["link_total"] == 2 * files * 300
        assert len(case.entities("Phone")) == 300          # identifiers met across both writers
        assert len(case.entities("Person")) == 2 * files
        assert len(case.notes()) == 2 * files
        actions = [a for (a,) in case.conn.execute("SELECT action FROM audit ORDER BY seq")]
        assert actions.count("import") == 2 * files and actions.count("note") == 2 * files


def test_lock_file_that_cannot_be_made_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="cannot create the lock file"):
        CaseLock(tmp_path / "no such folder" / "case.lgcase").acquire()
