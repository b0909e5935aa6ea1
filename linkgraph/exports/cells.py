"""Cell values that are safe to open: no spreadsheet formula from case data (ad text is hostile)."""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """Text starting like a formula gets a leading apostrophe so Excel/LibreOffice show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")   # as linkgraph.safe_text


def xml_text(value: Any) -> str:
    """Text an XML 1.0 file can hold: control characters that XML forbids are dropped."""
    return _XML_ILLEGAL.sub("", "" if value is None else str(value))
