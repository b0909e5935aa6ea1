"""Phone numbers in online-ad text, including obscured ones ('two0nine-5five5-O1two3', '2️⃣0️⃣9️⃣', '①②'), and ad text normalised for near-duplicate detection.

How it works: the text is transliterated to ASCII (keycaps, circled and fullwidth digits -> digits,
emoji -> separators) with a map back to the original offsets; digit-like tokens (digits,
spelled digits, O/l/I/S/B inside digit runs) are decoded into groups; groups joined only by
separators form a run; a phone is a whole number of consecutive groups of a run giving a
valid NANP number (10 digits, or 11 with a leading 1). Dates, times and prices are removed
first, and group boundaries must fall where people split numbers (3-3-4, or single digits).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

__all__ = ["ExtractedPhone", "extract_phones", "normalize_ad_text"]

NANP_REGIONS = frozenset(
    "US CA AG AI AS BB BM BS DM DO GD GU JM KN KY LC MP MS PR SX TC TT VC VG VI".split()
)


@dataclass(frozen=True)
class ExtractedPhone:
    """A phone number found in text: its E.164 form and the [start, end) span of the original text."""

    e164: str
    start: int
    end: int
    raw: str


_WORD_DIGITS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
_SUBSTITUTES = {"o": "0", "O": "0", "l": "1", "I": "1", "|": "1", "s": "5", "S": "5", "B": "8"}
_UNIT = r"(?i:zero|one|two|three|four|five|six|seven|eight|nine|oh)|[0-9]|[oOlI|sSB]"
_TOKEN = re.compile(rf"(?<![A-Za-z0-9|])(?:{_UNIT})+(?![A-Za-z0-9|])")
_PIECE = re.compile(_UNIT)
_GAP = re.compile(r"(?:[\s.\-_/*~|()\[\]{}:,+=<>\\^]|(?i:dot|dash))*")
_HINT = re.compile(r"[0-9]|(?i:zero|one|two|three|four|five|six|seven|eight|nine)")
_EXCLUDED = re.compile(
    r"(?<![0-9])(?:"
    r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:[0-9]{4}|[0-9]{2})"      # 9/14/2024, 09-14-24
    r"|[0-9]{4}[/.\-][0-9]{1,2}[/.\-][0-9]{1,2}"                  # 2024-09-14
    r"|[0-9]{1,2}:[0-9]{2}"                                         # 10:30
    r")(?![0-9])"
    r"|\$\s?[0-9][0-9,.]*|(?<![0-9])[0-9][0-9,.]*\s?\$"            # $200, 200$
)
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\ufe0e\ufe0f\u20e3")
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u00b4": "'", "\u02bc": "'", "\u2032": "'",
           "\u201c": '"', "\u201d": '"', "\u2033": '"'}


@lru_cache(maxsize=8192)
def _ascii_for(ch: str) -> str:
    """One non-ASCII character as ASCII: digits stay digits, letters break runs, the rest separate."""
    if ch in _ZERO_WIDTH:
        return ""
    if ch in _QUOTES:
        return _QUOTES[ch]
    digit = unicodedata.digit(ch, None)
    if digit is not None:
        return str(digit)
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and folded.isascii() and folded.isalnum():
        return folded
    category = unicodedata.category(ch)
    if category.startswith("M"):
        return ""
    if category.startswith("L"):
        return "x"
    return " "


def _transliterate(text: str) -> tuple[str, list[int] | None]:
    """ASCII version of `text` and, when it differs, each output index's offset in `text`."""
    if text.isascii():
        return text, None
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in re.finditer(r"[^\x00-\x7f]+", text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
            offsets.extend(range(pos, m.start()))
        for k in range(m.start(), m.end()):
            rep = _ascii_for(text[k])
            if rep:
                out.append(rep)
                offsets.append(k)
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
        offsets.extend(range(pos, len(text)))
    return "".join(out), offsets


class _Group:
    """Digits decoded from one token: the digit string and each digit's [start, end) in the ASCII text."""

    __slots__ = ("digits", "spans", "start", "end")

    def __init__(self, digits: str, spans: list[tuple[int, int]]) -> None:
        self.digits = digits
        self.spans = spans
        self.start = spans[0][0]
        self.end = spans[-1][1]


def _decode(token: str, start: int) -> list[_Group]:
    """Groups of one digit-like token; [] when it is really a word ('so', 'I', 'Boss')."""
    if token.isdigit():
        return [_Group(token, [(start + i, start + i + 1) for i in range(len(token))])]
    if "|" in token:
        parts = token.split("|")
        if len(parts) > 1 and all(len(p) >= 3 for p in parts):    # '209|555|0123': pipes separate
            groups: list[_Group] = []
            offset = start
            for part in parts:
                groups.extend(_decode(part, offset))
                offset += len(part) + 1
            return groups
    pieces = [(m.group(), m.start()) for m in _PIECE.finditer(token)]
    has_digit = any(p.isdigit() for p, _ in pieces)
    has_word = any(len(p) > 1 for p, _ in pieces)
    digits: list[str] = []
    spans: list[tuple[int, int]] = []
    for piece, at in pieces:
        if piece.isdigit():
            digits.append(piece)
        elif len(piece) > 1:
            digits.append(_WORD_DIGITS[piece.lower()])
        elif piece in "oO" and (has_digit or has_word):
            digits.append("0")
        elif has_digit and piece in _SUBSTITUTES:
            digits.append(_SUBSTITUTES[piece])
        else:
            return []
        spans.append((start + at, start + at + len(piece)))
    return [_Group("".join(digits), spans)] if digits else []


def _nanp(national: str) -> bool:
    """Whether 10 digits form a NANP number (area and exchange start 2-9, neither N11; 555-01xx allowed)."""
    return (national[0] not in "01" and national[3] not in "01"
            and national[1:3] != "11" and national[4:6] != "11")


def _boundaries_ok(groups: list[_Group], lead: int) -> bool:
    """Multi-digit groups must sit on the 3-3-4 split points of the national number (or hold the lead 1)."""
    if len(groups) == 1:
        return True
    cuts = {0, 3, 6, 10}
    pos = -lead
    for g in groups:
        end = pos + len(g.digits)
        if len(g.digits) > 1 and not ((pos in cuts or pos == -lead) and end in cuts):
            return False
        pos = end
    return True


def _validate(digits: str, plus: bool, region: str) -> str | None:
    """E.164 for a digit string read from an ad, or None."""
    if region in NANP_REGIONS and not (plus and digits[0] != "1"):
        if len(digits) == 10 and _nanp(digits):
            return "+1" + digits
        if len(digits) == 11 and digits[0] == "1" and _nanp(digits[1:]):
            return "+" + digits
        return None
    if not 7 <= len(digits) <= 15:
        return None
    try:
        num = phonenumbers.parse(("+" if plus else "") + digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def _gap_key(ascii_text: str, left: _Group, right: _Group) -> str:
    return ascii_text[left.end:right.start].strip() or " "


def _find_in_run(run: list[_Group], ascii_text: str, region: str) -> list[tuple[int, int, str]]:
    """(first group, last group, e164) of each phone in a run of groups, greedy left to right."""
    nanp = region in NANP_REGIONS
    found: list[tuple[int, int, str]] = []
    i, n = 0, len(run)
    while i < n:
        plus = run[i].start > 0 and ascii_text[run[i].start - 1] == "+"
        intl = plus and run[i].digits[0] != "1"
        max_len = 11 if nanp and not intl else 15
        digits = ""
        best: tuple[int, str] | None = None
        for j in range(i, n):
            digits += run[j].digits
            if len(digits) > max_len:
                break
            e164 = _validate(digits, plus, region)
            if e164 is not None:
                lead = 1 if nanp and not intl and len(digits) == 11 else 0
                if not nanp or intl or _boundaries_ok(run[i:j + 1], lead):
                    best = (j, e164)
                    if nanp and not intl:
                        break
        if best is None:
            i += 1
            continue
        found.append((i, best[0], best[1]))
        i = best[0] + 1
    return [f for f in found if _plausible(run, f, found, ascii_text)]


def _plausible(run: list[_Group], cand: tuple[int, int, str], found: list[tuple[int, int, str]],
               ascii_text: str) -> bool:
    """Reject multi-group hits that look like one slice of a list of numbers (prices, measurements)."""
    i, j, _ = cand
    if i == j:
        return True
    inside = [run[k] for k in range(i, j + 1)]
    if len(inside) >= 3 and all(g.digits.endswith("0") for g in inside if len(g.digits) > 1):
        return False                                             # 300/500/1000: rates
    keys = {_gap_key(ascii_text, run[k], run[k + 1]) for k in range(i, j)}
    used = {k for a, b, _ in found for k in range(a, b + 1)}
    for k, gap_at in ((i - 1, (i - 1, i)), (j + 1, (j, j + 1))):
        if 0 <= k < len(run) and k not in used and len(run[k].digits) >= 2:
            if _gap_key(ascii_text, run[gap_at[0]], run[gap_at[1]]) in keys:
                return False
    return True


def extract_phones(text: str, region: str = "US") -> list[ExtractedPhone]:
    """Phone numbers in ad text, obscured or not, each with its exact span in the original text."""
    if not text or not _HINT.search(text) and text.isascii():
        return []
    region = region.upper()
    ascii_text, offsets = _transliterate(text)
    groups: list[_Group] = []
    for m in _TOKEN.finditer(ascii_text):
        groups.extend(_decode(m.group(), m.start()))
    if sum(len(g.digits) for g in groups) < 7:
        return []
    excluded = [m.span() for m in _EXCLUDED.finditer(ascii_text)]
    runs: list[list[_Group]] = []
    current: list[_Group] = []
    for g in groups:
        if excluded and any(s < g.end and g.start < e for s, e in excluded):
            if current:
                runs.append(current)
            current = []
            continue
        if current and not _GAP.fullmatch(ascii_text, current[-1].end, g.start):
            runs.append(current)
            current = []
        if current and g.start - current[-1].end > 12:
            runs.append(current)
            current = []
        current.append(g)
    if current:
        runs.append(current)

    out: list[ExtractedPhone] = []
    for run in runs:
        if sum(len(g.digits) for g in run) < 7:
            continue
        for i, j, e164 in _find_in_run(run, ascii_text, region):
            start, end = run[i].start, run[j].end
            if start > 0 and ascii_text[start - 1] in "+(":
                if ascii_text[start - 1] == "+" or ")" in ascii_text[start:end]:
                    start -= 1
            if offsets is not None:
                start, end = offsets[start], offsets[end - 1] + 1
            while end < len(text) and text[end] in _ZERO_WIDTH:
                end += 1
            out.append(ExtractedPhone(e164, start, end, text[start:end]))
    return out


_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def normalize_ad_text(text: str) -> str:
    """Ad text for near-duplicate detection: lower case, phones/emails/URLs/digits masked, whitespace folded."""
    if not text:
        return ""
    pieces: list[str] = []
    pos = 0
    for phone in extract_phones(text):
        pieces.append(text[pos:phone.start])
        pieces.append(" <phone> ")
        pos = phone.end
    pieces.append(text[pos:])
    folded = unicodedata.normalize("NFKC", "".join(pieces)).lower()
    folded = _URL.sub(" <url> ", folded)
    folded = _EMAIL.sub(" <email> ", folded)
    folded = re.sub(r"\d+", "#", folded)
    return " ".join(folded.split())
