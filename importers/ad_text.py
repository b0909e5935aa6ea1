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
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from linkgraph.identity import NANP_REGIONS

__all__ = ["ExtractedPhone", "extract_phones", "normalize_ad_text"]


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
_TOKEN = re.compile(rf"(?:{_UNIT})+")
_PIECE = re.compile(_UNIT)
_DIGITS = re.compile(r"[0-9]+")
_RUN_END = re.compile(r"[A-Za-z0-9|]*")
_RUN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789|")
_GAP = re.compile(r"(?:[\s.\-_/*~|()\[\]{}:,+=<>\\^]|(?i:dot|dash))*")
_EXCLUDED = re.compile(
    r"(?<![0-9])(?:"
    r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:[0-9]{4}|[0-9]{2})"      # 9/14/2024, 09-14-24
    r"|[0-9]{4}[/.\-][0-9]{1,2}[/.\-][0-9]{1,2}"                  # 2024-09-14
    r"|[0-9]{1,2}:[0-9]{2}"                                         # 10:30
    r")(?![0-9])"
    r"|\$\s?[0-9]{1,5}(?:[.,][0-9]{1,3})*(?![0-9])"                # $200, $1,000
    r"|(?<![0-9])[0-9]{1,5}(?:[.,][0-9]{1,3})*\$"                   # 200$
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


class _AsciiTable(dict):
    """str.translate table filled on demand from _ascii_for (every value is '' or one ASCII char)."""

    def __missing__(self, code: int) -> str:
        rep = _ascii_for(chr(code))
        self[code] = rep
        return rep


_TABLE = _AsciiTable()
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _transliterate(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """ASCII version of `text` and, when characters were dropped, anchors (ascii offset, shift) back to it."""
    if text.isascii():
        return text, None
    pieces: list[str] = []
    anchors: list[tuple[int, int]] = [(0, 0)]
    pos = apos = shift = 0
    for m in _NON_ASCII.finditer(text):
        a, b = m.span()
        pieces.append(text[pos:a])
        apos += a - pos
        seg = m.group().translate(_TABLE)
        if len(seg) == b - a:
            pieces.append(seg)
            apos += len(seg)
        else:                                     # zero-width or combining characters were dropped
            for k in range(a, b):
                rep = _TABLE[ord(text[k])]
                if rep:
                    pieces.append(rep)
                    apos += 1
                else:
                    shift += 1
                    anchors.append((apos, shift))
        pos = b
    pieces.append(text[pos:])
    return "".join(pieces), anchors


def _original(anchors: list[tuple[int, int]] | None, pos: int) -> int:
    """Offset in the original text of the ASCII text's character at `pos`."""
    if anchors is None:
        return pos
    i = bisect_right(anchors, (pos, len(anchors) + 1)) - 1
    return pos + anchors[i][1]


class _Group:
    """Digits decoded from one token and the token's [start, end) in the ASCII text."""

    __slots__ = ("digits", "start", "end")

    def __init__(self, digits: str, start: int, end: int) -> None:
        self.digits = digits
        self.start = start
        self.end = end


def _decode(token: str, start: int) -> list[_Group]:
    """Groups of one digit-like token; [] when it is really a word ('so', 'I', 'Boss')."""
    if token.isdigit():
        return [_Group(token, start, start + len(token))]
    if "|" in token:
        parts = token.split("|")
        if all(len(p) >= 3 for p in parts):        # '209|555|0123': the pipes separate
            groups: list[_Group] = []
            offset = start
            for part in parts:
                groups.extend(_decode(part, offset))
                offset += len(part) + 1
            return groups
    pieces = _PIECE.findall(token)
    has_digit = any(p.isdigit() for p in pieces)
    has_word = any(len(p) > 1 for p in pieces)
    digits: list[str] = []
    for piece in pieces:
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
    return [_Group("".join(digits), start, start + len(token))] if digits else []


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
        min_len = 10 if nanp and not intl else 7
        digits = ""
        best: tuple[int, str] | None = None
        for j in range(i, n):
            digits += run[j].digits
            if len(digits) > max_len:
                break
            if len(digits) < min_len:
                continue
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
    multi = [g.digits for g in inside if len(g.digits) > 1]
    if len(multi) >= 3 and all(d.endswith("0") for d in multi):
        return False                                             # 300/500/1000: rates
    keys = {_gap_key(ascii_text, run[k], run[k + 1]) for k in range(i, j)}
    used = {k for a, b, _ in found for k in range(a, b + 1)}
    for k, gap_at in ((i - 1, (i - 1, i)), (j + 1, (j, j + 1))):
        if 0 <= k < len(run) and k not in used and len(run[k].digits) >= 3:
            if _gap_key(ascii_text, run[gap_at[0]], run[gap_at[1]]) in keys:
                return False
    return True


def _seeds(ascii_text: str) -> list[tuple[int, int]]:
    """Spans of digit runs and of spelled digits starting a word, in text order."""
    seeds = [m.span() for m in _DIGITS.finditer(ascii_text)]
    lower = ascii_text.lower()
    for word in _WORD_DIGITS:
        at = lower.find(word)
        while at >= 0:
            if at == 0 or lower[at - 1] not in _RUN_CHARS:
                seeds.append((at, at + len(word)))
            at = lower.find(word, at + 1)
    if len(seeds) > 1:
        seeds.sort()
    return seeds


def _groups(ascii_text: str) -> list[_Group]:
    """Digit groups of the text: every alnum run holding a digit or starting with a spelled digit, decoded."""
    groups: list[_Group] = []
    last_end = -1
    for start, end in _seeds(ascii_text):
        if start < last_end:
            continue                                  # inside a run already decoded
        while start > 0 and ascii_text[start - 1] in _RUN_CHARS:
            start -= 1
        end = _RUN_END.match(ascii_text, end).end()
        last_end = end
        token = ascii_text[start:end]
        if token.isdigit() or _TOKEN.fullmatch(token):
            groups.extend(_decode(token, start))
    return groups


def _runs(groups: list[_Group], ascii_text: str) -> list[list[_Group]]:
    """Split groups into runs joined only by short separators (spaces, . - _ / * ~ | ( ) and emoji)."""
    runs: list[list[_Group]] = []
    current: list[_Group] = []
    for g in groups:
        if current and (g.start - current[-1].end > 12
                        or not _GAP.fullmatch(ascii_text, current[-1].end, g.start)):
            runs.append(current)
            current = []
        current.append(g)
    if current:
        runs.append(current)
    return runs


def _without_excluded(run: list[_Group], ascii_text: str) -> list[list[_Group]]:
    """The run split where dates, times and prices sit (their groups dropped)."""
    lo, hi = max(0, run[0].start - 12), min(len(ascii_text), run[-1].end + 12)
    excluded = [m.span() for m in _EXCLUDED.finditer(ascii_text, lo, hi)]
    if not excluded:
        return [run]
    pieces: list[list[_Group]] = [[]]
    for g in run:
        if any(s < g.end and g.start < e for s, e in excluded):
            pieces.append([])
        else:
            pieces[-1].append(g)
    return [p for p in pieces if p]


def extract_phones(text: str, region: str = "US") -> list[ExtractedPhone]:
    """Phone numbers in ad text, obscured or not, each with its exact span in the original text."""
    if not text:
        return []
    region = region.upper()
    min_digits = 10 if region in NANP_REGIONS else 7
    ascii_text, offsets = _transliterate(text)
    out: list[ExtractedPhone] = []
    for whole in _runs(_groups(ascii_text), ascii_text):
        if sum(len(g.digits) for g in whole) < min_digits:
            continue
        for run in _without_excluded(whole, ascii_text):
            if sum(len(g.digits) for g in run) < min_digits:
                continue
            for i, j, e164 in _find_in_run(run, ascii_text, region):
                out.append(_located(text, ascii_text, offsets, run[i].start, run[j].end, e164))
    return out


def _located(text: str, ascii_text: str, offsets: list[tuple[int, int]] | None, start: int, end: int,
             e164: str) -> ExtractedPhone:
    """The hit with its span moved to the original text (a leading '+' or '(' included)."""
    if start > 0 and ascii_text[start - 1] in "+(":
        if ascii_text[start - 1] == "+" or ")" in ascii_text[start:end]:
            start -= 1
    start, end = _original(offsets, start), _original(offsets, end - 1) + 1
    while end < len(text) and text[end] in _ZERO_WIDTH:
        end += 1
    return ExtractedPhone(e164, start, end, text[start:end])


# Linear on any text: a match starts only where a run of address characters starts (the look-behind fails at once
# inside a run), and each part is capped at the lengths RFC 5321 allows, so a 10 MB run without '@' costs one pass.
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}(?![\w\-])")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def normalize_ad_text(text: str, phones: list[ExtractedPhone] | None = None) -> str:
    """Ad text for near-duplicate detection: lower case, phones/emails/URLs/digits masked, whitespace folded.

    `phones`: the numbers already found in `text` (spans in order), so a caller that extracted them is not charged twice.
    """
    if not text:
        return ""
    pieces: list[str] = []
    pos = 0
    for phone in extract_phones(text) if phones is None else phones:
        pieces.append(text[pos:phone.start])
        pieces.append(" <phone> ")
        pos = phone.end
    pieces.append(text[pos:])
    folded = unicodedata.normalize("NFKC", "".join(pieces)).lower()
    folded = _URL.sub(" <url> ", folded)
    folded = _EMAIL.sub(" <email> ", folded)
    folded = re.sub(r"\d+", "#", folded)
    return " ".join(folded.split())
