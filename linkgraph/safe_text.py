"""Case text made safe for where it is shown: ad text is hostile, and a terminal or an XML file obeys what it holds.

On a terminal, ESC, BEL and the other control characters (C0, DEL, C1) would move the cursor, set the clipboard
(OSC 52) or rename the window; bidirectional overrides would reorder what an investigator reads. They are shown as
visible escapes instead (`\\x1b`). For XML 1.0, characters it forbids (and lone surrogates UTF-8 cannot carry) are
dropped: otherwise the file is not well-formed and the consumer shows an error instead of the chart.
"""

from __future__ import annotations

import re
from typing import Any

_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def terminal_text(value: Any) -> str:
    """Text a terminal shows as it is: control and bidirectional-override characters as visible escapes."""
    text = "" if value is None else str(value)
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                else f"\\u{ord(m.group()):04x}", text)


def xml_text(value: Any) -> str:
    """Text an XML 1.0 file can hold: the characters it forbids are dropped."""
    return _XML_FORBIDDEN.sub("", "" if value is None else str(value))


class TerminalStream:
    """A text stream that escapes control characters in everything written to it (the CLI's standard output:
    labels, raw cells and ad text reach the terminal through it, whatever command prints them)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(terminal_text(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
