"""Cell values that are safe to open: no spreadsheet formula from case data (ad text is hostile)."""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# a signed number, phone number or date: a spreadsheet computes at most a number from it, never a call
_PLAIN_SIGNED = re.compile(r"^[+\-\uff0b\uff0d][\d\s().,:/+\-]*$")


def evaluated(value: Any) -> bool:
    """Would a spreadsheet opening this text as a typed-in cell run it as a formula (=, @, a sign
    followed by more than a number, a leading tab or line break)? '+12095550144' is not: it stays an identifier."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_SIGNED.match(value)


def safe_cell(value: Any) -> Any:
    """For text files a spreadsheet types in (CSV): a formula-like text gets a leading apostrophe so
    Excel/LibreOffice show it as text; identifiers such as '+12095550144' are left as they are."""
    if evaluated(value):
        return "'" + value
    return value


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")   # as linkgraph.safe_text


def xml_text(value: Any) -> str:
    """Text an XML 1.0 file can hold: control characters that XML forbids are dropped."""
    return _XML_ILLEGAL.sub("", "" if value is None else str(value))
