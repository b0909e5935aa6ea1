"""The bulk writer's queue on its own: writes run one at a time in order, an error surfaces at the next
settle, and a writer with no tracked source (a case merge) only writes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from linkgraph.case import CaseFile
from linkgraph.case.bulk_writer import BulkWriter, WriteQueue
from linkgraph.process_switches import collector_paused


def test_writes_run_in_order_on_one_thread_and_errors_surface_at_settle() -> None:
    queue = WriteQueue()
    done: list[tuple[int, str]] = []
    try:
        for number in range(5):
            queue.put(lambda n=number: done.append((n, threading.current_thread().name)))
        queue.settle()
        assert [n for n, _ in done] == list(range(5))
        assert {name for _, name in done} == {done[0][1]} and done[0][1].startswith("linkgraph-import-writer")

        def broken() -> None:
            raise ValueError("disk full")

        queue.put(broken)
        with pytest.raises(ValueError, match="disk full"):
            queue.settle()
        queue.settle()                          # raised once, then the queue is empty
    finally:
        queue.close()


def test_held_hashings_run_in_order_once_released() -> None:
    queue = WriteQueue()
    hashed: list[int] = []
    try:
        for number in range(3):
            queue.hold(lambda n=number: hashed.append(n), rows=10)
        assert hashed == [] and queue.holding
        queue.settle(hashing=True)
        assert hashed == [0, 1, 2] and not queue.holding
        queue.hold_limit = 15                   # bound_memory: released once more than 15 rows wait
        queue.hold(lambda: hashed.append(3), rows=10)
        queue.hold(lambda: hashed.append(4), rows=10)
        queue.settle(hashing=True)
        assert hashed == [0, 1, 2, 3, 4]
    finally:
        queue.close()


def test_an_untracked_writer_writes_rows_of_many_sources(tmp_path: Path) -> None:
    with CaseFile.create(tmp_path / "c.lgcase", name="c") as case, case.transaction() as conn:
        writer = BulkWriter(conn, name="other case")
        sources = [writer.source({"name": f"s{n}", "sha256": f"{n:064d}", "size": 1, "kind": "case",
                                  "imported_at": "2024-01-01T00:00:00Z", "imported_by": "me"}) for n in (1, 2)]
        writer.entities(("id", "type", "key", "label"), [(1, "Phone", "+1", "+1"), (2, "Phone", "+2", "+2")])
        writer.link_rows([(10, "call", 1, 2, 5, None, 1.0, None, None, None, 1.0, None, sources[0], 3),
                          (11, "call", 2, 1, 6, None, 2.0, None, None, None, 1.0, None, sources[1], 4)])
        writer.update_entity(1, first_seen=5, last_seen=6)
        writer.close()
        assert writer.digest is None and writer.seen is None and not writer.entity_refs
        assert conn.execute("SELECT id, source_id, row FROM links ORDER BY id").fetchall() == [
            (10, sources[0], 3), (11, sources[1], 4)]
        assert conn.execute("SELECT first_seen, last_seen FROM entities WHERE id = 1").fetchone() == (5, 6)
        with pytest.raises(ValueError, match="no column"):
            writer.update_entity(1, colour="red")


def test_the_collector_is_paused_only_inside_the_block() -> None:
    import gc

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
