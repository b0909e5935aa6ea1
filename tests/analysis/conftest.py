"""Fixtures of the analysis tests: write small hand-made cases through ImportSession."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from linkgraph.case import CaseFile, ImportSession
from linkgraph.times import parse_iso

ZONE = "America/Los_Angeles"


def at(text: str) -> int:
    """Epoch seconds of a local (Pacific) time written 'YYYY-MM-DD HH:MM'."""
    return parse_iso(text, ZONE)


class Writer:
    """One source file's records: every entity or link written gets a row of its own, with raw cells."""

    def __init__(self, session: ImportSession) -> None:
        self.session = session
        self.row = 1

    def next_row(self, *cells: Any) -> int:
        self.row += 1
        self.session.raw_row(self.row, [str(c) for c in cells] or [str(self.row)])
        return self.row

    def phone(self, last4: str, **attrs: Any) -> int:
        """The phone (209) 555-<last4>."""
        row = self.next_row("phone", last4)
        return self.session.entity("Phone", f"+1209555{last4}", f"(209) 555-{last4}", row=row,
                                   attrs={"kind": "mobile_or_fixed", **attrs})

    def person(self, name: str, role: str | None = None, minor: bool | None = None) -> int:
        return self.session.entity("Person", None, name, row=self.next_row("person", name), role=role, minor=minor)

    def entity(self, etype: str, key: str | None, label: str, **attrs: Any) -> int:
        return self.session.entity(etype, key, label, row=self.next_row(etype, label), attrs=attrs or None)

    def link(self, kind: str, src: int, dst: int, **fields: Any) -> int:
        return self.session.link(kind, src, dst, row=self.next_row(kind, src, dst), **fields)

    def call(self, a: int, b: int, when: str | int, *, kind: str = "call", site: int | None = None,
             duration: float = 60) -> int:
        start = at(when) if isinstance(when, str) else when
        return self.link(kind, a, b, start=start, duration=duration if kind == "call" else None, location=site)


@pytest.fixture
def write(case: CaseFile, tmp_path: Path) -> Callable[..., Any]:
    """`with write() as w:` opens an import of a new one-line source file and yields a Writer."""
    counter = itertools.count(1)

    @contextmanager
    def make(kind: str = "links") -> Iterator[Writer]:
        path = tmp_path / f"source{next(counter)}.csv"
        path.write_text(f"records of {path.name}\n", encoding="utf-8")
        with ImportSession(case, path, kind=kind) as session:
            session.set_header(["what", "a", "b"], 1)
            yield Writer(session)

    return make
