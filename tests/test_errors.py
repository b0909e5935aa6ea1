"""Errors a user reads: one line naming file, row and column."""

from __future__ import annotations

from linkgraph.errors import InputError


def test_a_cell_with_line_breaks_stays_on_one_line():
    error = InputError("cannot read the pay '0\n0\t1'", file="/cases/roster.csv", row=2, column="Pay")
    assert str(error) == "roster.csv, row 2, column 'Pay': cannot read the pay '0\\n0\\t1'"
    assert "\n" not in str(error)


def test_plain_message_without_place():
    assert str(InputError("the file is empty")) == "the file is empty"
