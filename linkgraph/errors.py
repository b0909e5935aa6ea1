"""Errors the user sees: one clear line naming file, row and column where they apply."""

from __future__ import annotations

from pathlib import Path


class LinkgraphError(Exception):
    """Base for every error linkgraph reports to a user (CLI exit code 1, GUI dialog)."""


class InputError(LinkgraphError):
    """A source file that cannot be read as asked: names the file, row and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.reason = message
        self.file = Path(file).name if file is not None else None
        self.row = row
        self.column = column
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        reason = _one_line(self.reason)
        return f"{', '.join(where)}: {reason}" if where else reason


def _one_line(text: str) -> str:
    """A message as one line: line breaks and other control characters in quoted cells shown escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class CaseFileError(LinkgraphError):
    """A case file that cannot be opened or written (newer schema, corrupt, locked, wrong passphrase)."""


class DuplicateSourceError(LinkgraphError):
    """The same file (same SHA-256) was imported into this case before."""


class Cancelled(LinkgraphError):
    """The user cancelled long work; whatever it was writing was rolled back."""
