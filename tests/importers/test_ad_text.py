"""Phone extraction from ad text: obscured numbers found with exact spans, prices/dates/ages ignored."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.ad_text import ExtractedPhone, extract_phones, normalize_ad_text

# (ad text, expected E.164, the exact substring the span must cover)
FOUND = [
    ("Call me 209-555-0123 anytime", "+12095550123", "209-555-0123"),
    ("two0nine five5five o1two3 xoxo", "+12095550123", "two0nine five5five o1two3"),
    ("TWO ZERO NINE FIVE FIVE FIVE ZERO ONE TWO THREE", "+12095550123", "TWO ZERO NINE FIVE FIVE FIVE ZERO ONE TWO THREE"),
    ("text 209.555.o123 now", "+12095550123", "209.555.o123"),
    ("📱 2️⃣0️⃣9️⃣5️⃣5️⃣5️⃣0️⃣1️⃣2️⃣3️⃣ 💋", "+12095550123", "2️⃣0️⃣9️⃣5️⃣5️⃣5️⃣0️⃣1️⃣2️⃣3️⃣"),
    ("hmu 3️⃣1️⃣0️⃣ 5️⃣5️⃣5️⃣ 0️⃣1️⃣9️⃣8️⃣ babe", "+13105550198", "3️⃣1️⃣0️⃣ 5️⃣5️⃣5️⃣ 0️⃣1️⃣9️⃣8️⃣"),
    ("call ②⓪⑨-⑤⑤⑤-⓪①②③", "+12095550123", "②⓪⑨-⑤⑤⑤-⓪①②③"),
    ("ＣＡＬＬ ２０９５５５０１２３ ＮＯＷ", "+12095550123", "２０９５５５０１２３"),
    ("sweet 209-5five5-O1two3 xo", "+12095550123", "209-5five5-O1two3"),
    ("call 209 5 5 5 0 1 2 3 no blocked calls", "+12095550123", "209 5 5 5 0 1 2 3"),
    ("+1 702 555 0147 incall only", "+17025550147", "+1 702 555 0147"),
    ("1-702-555-0147 outcall", "+17025550147", "1-702-555-0147"),
    ("Text (702) 555-0147", "+17025550147", "(702) 555-0147"),
    ("Text (702)555-0147!", "+17025550147", "(702)555-0147"),
    ("ask 4 Candy 7O2 S55 Ol47", "+17025550147", "7O2 S55 Ol47"),
    ("702|555|0147 no law enforcement", "+17025550147", "702|555|0147"),
    ("new # 7O2-555-O|47", "+17025550147", "7O2-555-O|47"),
    ("im available 💋702💋555💋0147💋", "+17025550147", "702💋555💋0147"),
    ("7 0 2 . 5 5 5 . 0 1 4 7 ask for Jade", "+17025550147", "7 0 2 . 5 5 5 . 0 1 4 7"),
    ("call seven oh two five five five oh one four seven", "+17025550147", "seven oh two five five five oh one four seven"),
    ("702 five five five 0147 hh special", "+17025550147", "702 five five five 0147"),
    ("Six-Oh-Two five-five-five Zero-One-Six-Two", "+16025550162", "Six-Oh-Two five-five-five Zero-One-Six-Two"),
    ("602~555~0162 text first", "+16025550162", "602~555~0162"),
    ("602_555_0162", "+16025550162", "602_555_0162"),
    ("602*555*0162 kisses", "+16025550162", "602*555*0162"),
    ("602/555/0162 incall", "+16025550162", "602/555/0162"),
    ("6025550162 is my number", "+16025550162", "6025550162"),
    ("16025550162", "+16025550162", "16025550162"),
    ("Available now. 602. 555. 0162. Serious only", "+16025550162", "602. 555. 0162"),
    ("posted 9/14/2024 call 4045550177 ", "+14045550177", "4045550177"),
    ("$200 hh call 404-555-0177", "+14045550177", "404-555-0177"),
    ("404 dot 555 dot 0177", "+14045550177", "404 dot 555 dot 0177"),
    ("cell: 4O4.5S5.Ol77 - 21 yrs", "+14045550177", "4O4.5S5.Ol77"),
    ("call 1 (404) 555-0177", "+14045550177", "1 (404) 555-0177"),
    ("404\u200b555\u200b0177", "+14045550177", "404\u200b555\u200b0177"),
    ("four zero four  555  0177", "+14045550177", "four zero four  555  0177"),
    ("fourOfour 555 O177", "+14045550177", "fourOfour 555 O177"),
    ("see site http://example.com/ad/4045550177", "+14045550177", "4045550177"),
]

NOT_PHONES = [
    "$200 hh 300 hr",
    "150/300/500",
    "$150/300/500/1000",
    "300 500 1000 1500",
    "100 qv 150 hh 250 h",
    "9/14/2024",
    "2024-09-14 and 2024-09-15",
    "10am-11pm daily",
    "10:30 to 11:45",
    "21 yrs young",
    "5'4 120lbs 34DD",
    "36-24-36 5'5 130 lbs",
    "zip 90210 downtown",
    "room 214 at the inn",
    "I am so nice oh my",
    "http://example.com/ad/123456789012345",
    "ad id 1234567890",
    "20 95 55 01 23",
    "1 2 3 4 5 6 7 8 9 10",
    "call 555-0123",
    "someone phone money alone gone",
    "Sixty nine special",
]


@pytest.mark.parametrize(("text", "e164", "raw"), FOUND)
def test_obscured_numbers_found_with_exact_span(text: str, e164: str, raw: str) -> None:
    start = text.index(raw)
    assert extract_phones(text) == [ExtractedPhone(e164, start, start + len(raw), raw)]


@pytest.mark.parametrize("text", NOT_PHONES)
def test_not_phones(text: str) -> None:
    assert extract_phones(text) == []


def test_several_numbers_in_order() -> None:
    text = "call 209 555 0123 209 555 0124 or 2095550125/2095550126"
    assert [p.e164 for p in extract_phones(text)] == [
        "+12095550123", "+12095550124", "+12095550125", "+12095550126"]


def test_international_with_plus() -> None:
    assert [p.e164 for p in extract_phones("whatsapp +52 55 1234 5678")] == ["+525512345678"]


def test_normalize_ad_text_masks_identifiers() -> None:
    a = normalize_ad_text("New in town!!  Call 209-555-0123 or JANE@x.com $200 HH http://foo.com/a")
    b = normalize_ad_text("new in town!! call two0nine five5five o1two4 or kim@y.org $250 hh https://bar.org/b")
    assert a == b == "new in town!! call <phone> or <email> $# hh <url>"


_ALPHABET = st.sampled_from(
    list("0123456789 .-_/*~|()+$:'oOlISB\n") + ["two", "five", "oh", "2️⃣", "①", "２", "💋", "\u200b", "é", "call "]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join) | st.text(max_size=200))
def test_random_text_never_crashes_and_spans_slice(text: str) -> None:
    for phone in extract_phones(text):
        assert 0 <= phone.start < phone.end <= len(text)
        assert text[phone.start:phone.end] == phone.raw
        assert re.fullmatch(r"\+\d{8,15}", phone.e164)
    assert isinstance(normalize_ad_text(text), str)


@settings(max_examples=200, deadline=None)
@given(
    area=st.integers(200, 999).filter(lambda a: a % 100 != 11),
    line=st.integers(0, 9999),
    sep=st.sampled_from(["-", ".", " ", "", "~", " / "]),
    before=st.sampled_from(["", "call ", "xoxo 💋 ", "$200 hh "]),
    after=st.sampled_from(["", " now", " 21 yrs", " 💋"]),
)
def test_plain_formatted_numbers_round_trip(area: int, line: int, sep: str, before: str, after: str) -> None:
    raw = f"{area}{sep}555{sep}{line:04d}"
    text = before + raw + after
    assert extract_phones(text) == [ExtractedPhone(f"+1{area}555{line:04d}", len(before), len(before) + len(raw), raw)]
