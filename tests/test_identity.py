"""Canonical keys: one identifier written many ways is one key; names are only suggested, never merged."""

from __future__ import annotations

import random

import pytest

from linkgraph.identity import (
    NameMatch,
    PhoneKey,
    canonical_key,
    imei_check_digit,
    normalize_account,
    normalize_email,
    normalize_imei,
    normalize_imsi,
    normalize_name,
    normalize_phone,
    normalize_phones,
    normalize_plate,
    suggest_name_matches,
)

KEY = PhoneKey("+12095550123", "mobile_or_fixed", "(209) 555-0123")


def test_same_number_five_ways_is_one_key() -> None:
    ways = ["(209) 555-0123", "209.555.0123", "12095550123", "+1 209 555 0123", "2095550123.0"]
    assert set(normalize_phones(ways).values()) == {KEY}


@pytest.mark.parametrize("raw", [
    "209-555-0123", "1-209-555-0123", "  2095550123 ", "tel:+12095550123", "TEL: 209-555-0123",
    "(D)2095550123", "2095550123(D)", "(d) 209-555-0123", "2.095550123E+09", "1.2095550123e+10",
    "'2095550123", '="2095550123"', "209-555-0123 ext. 12", "112095550123",
])
def test_variants_and_markers(raw: str) -> None:
    assert normalize_phone(raw) == KEY


@pytest.mark.parametrize("raw", ["", "   ", "-I", "-i", "N/A", "none", "Restricted", "hello there",
                                 "2.09555e+09", "2.0955E+09", "0000000000", "2095550123.5"])
def test_not_a_phone(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_normalize_phones_maps_each_distinct_value_once() -> None:
    values = ["209-555-0123", "-I", "209-555-0123", "", "611"]
    out = normalize_phones(values)
    assert list(out) == ["209-555-0123", "-I", "", "611"]
    assert out["-I"] is None and out[""] is None


@pytest.mark.parametrize(("raw", "e164", "kind"), [
    ("611", "611", "service"),
    ("411", "411", "service"),
    ("911", "911", "service"),
    ("*86", "*86", "service"),
    ("#225", "#225", "service"),
    ("22395", "22395", "short_code"),
    ("*3282", "*3282", "short_code"),
    ("1-805-637-7243", "+18056377243", "service"),           # T-Mobile voicemail
    ("+1 (800) 331-0500", "+18003310500", "service"),         # AT&T customer care
    ("1-888-555-0100", "+18885550100", "toll_free"),
    ("555-0123", "5550123", "invalid"),                       # no area code
    ("(123) 456-7890", "+11234567890", "invalid"),            # area code cannot start with 1
])
def test_short_codes_service_and_kinds(raw: str, e164: str, kind: str) -> None:
    key = normalize_phone(raw)
    assert key is not None and (key.e164, key.kind) == (e164, kind)


def test_international() -> None:
    mx = PhoneKey("+525512345678", "mobile_or_fixed", "+52 55 1234 5678")
    assert normalize_phone("+52 55 1234 5678") == mx
    assert normalize_phone("011 52 55 1234 5678") == mx
    assert normalize_phone("011-52-55-1234-5678") == mx
    uk = normalize_phone("+44 20 7946 0958")
    assert uk is not None and uk.e164 == "+442079460958"
    assert normalize_phone("55 1234 5678", region="MX") == PhoneKey("+525512345678", "mobile_or_fixed", "55 1234 5678")
    assert normalize_phone("(209) 555-0123", region="mx") is not None


def test_canonical_key_dispatch() -> None:
    assert canonical_key("Phone", "(209) 555-0123") == "+12095550123"
    assert canonical_key("phone", "-I") is None
    assert canonical_key("Email", "MAILTO:Jane@Example.com") == "jane@example.com"
    assert canonical_key("Device", "49-015420-323751-8") == "490154203237518"
    assert canonical_key("Device", "IMSI: 310260123456789") == "310260123456789"
    assert canonical_key("Account", "$JaneDoe") == "$janedoe"
    assert canonical_key("Vehicle", "7abc-123") == "7ABC123"
    assert canonical_key("OnlineAccount", " @Candy_Girl ") == "candy_girl"
    assert canonical_key("online_account", "Candy_Girl") == "candy_girl"
    assert canonical_key("CellSite", " 2083 ") == "2083"
    assert canonical_key("cell_site", "310-260-1234-5678") == "310-260-1234-5678"
    assert canonical_key("Person", "DeShawn Miller") is None
    assert canonical_key("Hotel", "Motel 6") is None


@pytest.mark.parametrize(("raw", "email"), [
    ("Jane.Doe@Example.COM", "jane.doe@example.com"),
    ("  mailto:jane.doe@example.com ", "jane.doe@example.com"),
    ("Jane Doe <Jane.Doe+ads@mail.example.org>", "jane.doe+ads@mail.example.org"),
    ("jane@example.com.", "jane@example.com"),
])
def test_emails(raw: str, email: str) -> None:
    assert normalize_email(raw) == email


@pytest.mark.parametrize("raw", ["", "jane", "jane@", "@example.com", "jane@example", "jane doe@example.com",
                                 "jane..doe@example.com", "N/A"])
def test_not_emails(raw: str) -> None:
    assert normalize_email(raw) is None


def test_imei_luhn() -> None:
    body = "35391805012345"                 # TAC 35391805 + serial 012345
    check = imei_check_digit(body)
    # Luhn by hand: doubling every second digit from the right of the body
    digits = [int(c) for c in body]
    total = sum(d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(digits))
    assert check == str((10 - total % 10) % 10)
    imei = body + check
    assert normalize_imei(imei) == imei
    assert normalize_imei(body) == imei                         # 14 digits: check digit added
    assert normalize_imei(body + "0") == imei                   # network-reported spare digit 0
    assert normalize_imei(body + "07") == imei                  # IMEISV: software version dropped
    assert normalize_imei("35-391805-012345-" + check) == imei
    assert normalize_imei(f"{int(imei)}.0") == imei             # Excel float
    assert normalize_imei("490154203237518") == "490154203237518"   # the ITU/Wikipedia example
    assert normalize_imei("4.90154203237518E+14") == "490154203237518"
    wrong = str((int(check) + 1) % 10) if check != "9" else "1"
    assert normalize_imei(body + wrong) is None or wrong == "0"
    assert normalize_imei("4.9015E+14") is None                  # Excel lost digits
    assert normalize_imei("12345") is None
    assert normalize_imei("not an imei") is None


def test_imsi() -> None:
    assert normalize_imsi("310260123456789") == "310260123456789"
    assert normalize_imsi("310 260 123456789") == "310260123456789"
    assert normalize_imsi("3.10260123456789E+14") == "310260123456789"
    assert normalize_imsi("31026012345678") == "31026012345678"
    assert normalize_imsi("3102601234") is None
    assert normalize_imsi("-I") is None


@pytest.mark.parametrize(("raw", "institution", "key"), [
    ("1234 5678-9012", None, "123456789012"),
    ("****1234", None, "****1234"),
    ("xxxx1234", None, "XXXX1234"),
    ("XXXX-XXXX-1234", None, "XXXXXXXX1234"),
    ("$JaneDoe", None, "$janedoe"),
    ("JaneDoe", "Cash App", "$janedoe"),
    ("@Jane-Doe-12", None, "@jane-doe-12"),
    ("Jane-Doe-12", "Venmo", "@jane-doe-12"),
    ("GB29 NWBK 6016 1331 9268 19", None, "GB29NWBK60161331926819"),
])
def test_accounts(raw: str, institution: str | None, key: str) -> None:
    assert normalize_account(raw, institution) == key


def test_not_accounts() -> None:
    assert normalize_account("") is None
    assert normalize_account("$") is None
    assert normalize_account("- -") is None


def test_plates() -> None:
    assert normalize_plate("7abc 123") == "7ABC123"
    assert normalize_plate("7-ABC-123", state="ca") == "CA:7ABC123"
    assert normalize_plate("CA:7abc123") == "CA:7ABC123"
    assert normalize_plate("ABC·123", state="TX") == "TX:ABC123"
    assert normalize_plate("") is None
    assert normalize_plate("no plate!") is None


def test_normalize_name() -> None:
    assert normalize_name("Miller, DeShawn") == "deshawn miller"
    assert normalize_name("  José  GARCÍA-López ") == "jose garcia lopez"
    assert normalize_name("O'Brien, Kim Jr.") == "kim obrien"
    assert normalize_name("Miller Jr., DeShawn") == "deshawn miller"


NAMES = [
    (1, "DeShawn Miller"), (2, "Deshawn Miller"), (3, "Miller, DeShawn"), (4, "D. Miller"),
    (5, "Maria Lopez"), (6, "Mario Lopez"), (7, "José García"), (8, "Jose Garcia"),
    (9, "Jon Smith"), (10, "John Smith"), (11, "Kim Nguyen"), (12, "Tran Nguyen"),
    (13, "Deshaun Miller"),
]


def _pairs(matches: list[NameMatch]) -> dict[frozenset[int], NameMatch]:
    return {frozenset((m.left_id, m.right_id)): m for m in matches}


def test_name_suggestions() -> None:
    matches = suggest_name_matches(NAMES)
    pairs = _pairs(matches)
    assert pairs[frozenset((1, 2))].score == 100
    assert pairs[frozenset((1, 3))].score == 100                # "Miller, DeShawn" <-> "DeShawn Miller"
    assert pairs[frozenset((7, 8))].score == 100                # accents folded
    assert frozenset((9, 10)) in pairs                          # Jon / John
    assert frozenset((1, 13)) in pairs                          # DeShawn / Deshaun
    initial = pairs[frozenset((1, 4))]                          # D. Miller: lower score, says why
    assert 88 <= initial.score < 100 and "initial" in initial.reason
    assert frozenset((11, 12)) not in pairs                     # same surname only
    assert all(m.left_id < m.right_id for m in matches)
    assert all(m.left == dict(NAMES)[m.left_id] and m.right == dict(NAMES)[m.right_id] for m in matches)


def test_maria_is_not_mario() -> None:
    assert frozenset((5, 6)) not in _pairs(suggest_name_matches(NAMES))
    low = _pairs(suggest_name_matches(NAMES, threshold=70))[frozenset((5, 6))]
    assert low.score < 88 and low.reason == "similar spelling"


def test_name_suggestions_are_deterministic() -> None:
    first = suggest_name_matches(NAMES)
    shuffled = NAMES[:]
    random.Random(7).shuffle(shuffled)
    assert suggest_name_matches(shuffled) == first
    keys = [(-m.score, m.left_id, m.right_id) for m in first]
    assert keys == sorted(keys)


def test_limit_per_name() -> None:
    names = [(i, "Maria Garcia") for i in range(30)]
    matches = suggest_name_matches(names, limit_per_name=3)
    assert len(matches) <= 30 * 3                                # not all 435 pairs
    assert {m.left_id for m in matches} | {m.right_id for m in matches} == set(range(30))


_SYLLABLES = ["ma", "ri", "a", "jo", "se", "de", "shawn", "ash", "ley", "ke", "sha", "ty", "rone", "gar", "ci",
              "lo", "pez", "mil", "ler", "ngu", "yen", "wil", "son", "bro", "wn", "da", "vis", "her", "nan",
              "dez", "ka", "ro", "li", "na", "tor", "res", "ben", "nett", "ha", "ll", "kim", "an", "el", "ton"]


def _synthetic_names(n: int, seed: int = 3) -> list[tuple[int, str]]:
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    people = [(word(), word()) for _ in range(n // 3)]
    out = []
    for i in range(n):
        first, last = rng.choice(people)
        if rng.random() < 0.2:                                   # a typo
            k = rng.randrange(len(first))
            first = first[:k] + rng.choice("aeiou") + first[k + 1:]
        name = rng.choice([f"{first} {last}", f"{last}, {first}", f"{first[0]}. {last}", f"{first} {last}"])
        out.append((i, name))
    return out


def test_scale_20k_names_finishes() -> None:
    matches = suggest_name_matches(_synthetic_names(20_000))
    assert isinstance(matches, list)
