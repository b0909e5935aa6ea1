"""Canonical keys for identifiers (phones, emails, IMEIs, accounts, plates) and name-match suggestions.

The same identifier written differently in two sources gets the same key, so it becomes one
entity. Names are never keyed: `suggest_name_matches` only proposes pairs for a human to review.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from importlib import resources
from itertools import permutations

import yaml

from linkgraph.model import load_model

# phonenumbers and rapidfuzz are imported where they are used: the case layer imports this module (for
# person_name_key), and a command that only opens a case need not load them.

__all__ = [
    "NORMALISERS",
    "NameMatch",
    "ImeiReading",
    "PhoneKey",
    "WITHHELD",
    "canonical_key",
    "damaged_number",
    "identifier_key",
    "is_withheld",
    "imei_check_digit",
    "normalize_account",
    "normalize_email",
    "normalize_imei",
    "normalize_imsi",
    "normalize_name",
    "normalize_phone",
    "normalize_phones",
    "normalize_plate",
    "normaliser",
    "person_name_key",
    "read_imei",
    "region_mismatch",
    "service_numbers",
    "suggest_name_matches",
]

# ---------------------------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------------------------

PHONE_KINDS = ("mobile_or_fixed", "short_code", "service", "toll_free", "invalid", "identifier")
NOT_DIALABLE = "not a dialable number"
NANP_REGIONS = frozenset(
    "US CA AG AI AS BB BM BS DM DO GD GU JM KN KY LC MP MS PR SX TC TT VC VG VI".split()
)
NANP_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})

_NOT_A_PHONE = frozenset(
    {"", "-", "--", "-i", "i", "n/a", "na", "none", "null", "nan", "unknown", "unk", "private",
     "restricted", "blocked", "anonymous", "unavailable", "not available", "withheld"}
)
_MARKER = re.compile(r"\(\s*d\s*\)", re.IGNORECASE)            # AT&T "(D)" dialed-number marker
_PREFIX = re.compile(r"^(?:tel|sip|callto)\s*:\s*", re.IGNORECASE)
_EXTENSION = re.compile(r"(\d[\s\-.)]*)(?:ext\.?|extension|x)\s*\d{1,6}$", re.IGNORECASE)
_EXCEL_FLOAT = re.compile(r"(\d+)\.0+")
_DECIMAL = re.compile(r"\d{7,}\.\d+")
_EXCEL_SCI = re.compile(r"(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})")
_PHONE_CHARS = re.compile(r"[0-9+()\-./*#\s]+")
_NON_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class PhoneKey:
    """A phone number's canonical key: E.164 (or the digits of a short code), its kind and a display form."""

    e164: str
    kind: str
    display: str


@cache
def service_numbers() -> tuple[dict[str, str], dict[str, str]]:
    """The carrier service table (linkgraph/service_numbers.yaml): (codes, E.164 numbers), each -> label."""
    text = resources.files("linkgraph").joinpath("service_numbers.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    codes = {str(k).strip(): str(v) for k, v in (data.get("codes") or {}).items()}
    numbers = {str(k).strip(): str(v) for k, v in (data.get("numbers") or {}).items()}
    return codes, numbers


def _excel_digits(text: str) -> str | None:
    """Digits of a number Excel turned into '2095550123.0' or '2.095550123E+09'; None if digits were lost."""
    m = _EXCEL_FLOAT.fullmatch(text)
    if m:
        return m.group(1)
    m = _EXCEL_SCI.fullmatch(text)
    if m:
        mantissa = m.group(1) + (m.group(2) or "")
        width = int(m.group(3)) + 1
        if len(mantissa.rstrip("0")) > width:
            return None                       # has a fraction: not an integer identifier
        if len(mantissa) < width:
            return None                       # Excel dropped digits: cannot recover
        try:
            return str(int(Decimal(text)))
        except (InvalidOperation, ValueError):
            return None
    return None


def _code_key(code: str) -> PhoneKey:
    codes, _ = service_numbers()
    return PhoneKey(code, "service" if code in codes else "short_code", code)


def _nanp_key(national: str, region: str) -> PhoneKey:
    """Key of a 10-digit NANP number; the 555-01xx fictional range counts as valid."""
    e164 = "+1" + national
    area, exchange = national[:3], national[3:6]
    if area[0] in "01" or exchange[0] in "01" or area[1:] == "11" or exchange[1:] == "11":
        return PhoneKey(e164, "invalid", e164)
    if e164 in service_numbers()[1]:
        kind = "service"
    elif area in NANP_TOLL_FREE:
        kind = "toll_free"
    else:
        kind = "mobile_or_fixed"
    if region in NANP_REGIONS:
        display = f"({area}) {exchange}-{national[6:]}"
    else:
        display = f"+1 {area}-{exchange}-{national[6:]}"
    return PhoneKey(e164, kind, display)


def _phone(raw: object, region: str) -> PhoneKey | None:
    """Uncached normalisation of one raw value (see normalize_phones)."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip().strip("'\"").strip()
    if text.startswith("="):                     # Excel ="2095550123"
        text = text[1:].strip().strip("'\"").strip()
    if text.lower() in _NOT_A_PHONE:
        return None
    text = _PREFIX.sub("", text)
    if "@" in text:                              # sip:+12095550123@carrier.net
        text = text.split("@", 1)[0]
    text = _MARKER.sub("", text).strip()
    text = _EXTENSION.sub(r"\1", text).strip()
    if not text:
        return None
    if _EXCEL_FLOAT.fullmatch(text) or _EXCEL_SCI.fullmatch(text):
        excel = _excel_digits(text)
        if excel is None:
            return None                          # Excel lost digits ('2.09555e+09') or a real fraction
        text = excel
    elif _DECIMAL.fullmatch(text):
        return None                              # 2095550123.5: a number with a fraction, not a phone
    if not _PHONE_CHARS.fullmatch(text):
        return None                              # letters or other text: not a phone
    if text[0] in "*#":                          # star / hash codes: *86, #225
        code = re.sub(r"[^0-9*#]", "", text)
        return _code_key(code) if len(code) > 1 else None
    digits = _NON_DIGIT.sub("", text)
    if not digits or digits.strip("0") == "":
        return None
    plus = text.startswith("+")
    nanp = region in NANP_REGIONS
    if not plus and len(digits) <= 6:
        return _code_key(digits)
    if nanp and not plus:
        if len(digits) == 10:
            return _nanp_key(digits, region)
        if len(digits) == 11 and digits[0] == "1":
            return _nanp_key(digits[1:], region)
        if len(digits) == 12 and digits.startswith("11") and digits[2] not in "01":
            return _nanp_key(digits[2:], region)     # Sprint: "11" prefix = rolled to voicemail
        if digits.startswith("011") and len(digits) > 6:
            return _international("+" + digits[3:], digits, region)
        return PhoneKey(digits, "invalid", digits)
    if plus and digits[0] == "1":
        if len(digits) == 11:
            return _nanp_key(digits[1:], region)
        return PhoneKey("+" + digits, "invalid", "+" + digits)
    return _international(("+" if plus else "") + digits, digits, region)


def _international(text: str, digits: str, region: str) -> PhoneKey:
    import phonenumbers

    try:
        num = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return PhoneKey(digits, "invalid", digits)
    if num.country_code == 1:
        national = str(num.national_number)
        if len(national) == 10:
            return _nanp_key(national, region)
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(num):
        toll_free = phonenumbers.number_type(num) == phonenumbers.PhoneNumberType.TOLL_FREE
        kind = "toll_free" if toll_free else "mobile_or_fixed"
    elif phonenumbers.is_possible_number(num):
        kind = "mobile_or_fixed"
    else:
        return PhoneKey(e164, "invalid", e164)
    if e164 in service_numbers()[1]:
        kind = "service"
    same_region = phonenumbers.region_code_for_number(num) == region
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if same_region else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return PhoneKey(e164, kind, phonenumbers.format_number(num, fmt))


# A caller who hid their number ('0', Restricted, Private, ...): every such value is one Phone entity marked as
# a service number, so the call (its time and cell site) is kept while analysis leaves the shared "number" out.
WITHHELD = PhoneKey("withheld", "service", "Withheld number")
_WITHHELD_WORDS = frozenset({
    "private", "private number", "restricted", "restricted number", "blocked", "anonymous", "unavailable",
    "not available", "withheld", "number withheld", "no caller id", "caller id blocked", "unknown caller",
    "unknown number", "unknown", "presentation restricted", "payphone",
    "-1", "-2", "-3"})                     # Android's call log: -1 unknown, -2 private, -3 payphone
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def is_withheld(value: object) -> bool:
    """A caller-ID value that says the number was withheld: '0' (any number of zeros), Restricted, Private,
    Unavailable, Anonymous ... (blank cells are decided by the caller: only it knows the row has a party)."""
    text = " ".join(unicodedata.normalize("NFKC", str(value)).strip().strip("'\"").lower().split())
    if not text:
        return False
    if text.strip("0+-. ") == "" and "0" in text:
        return True
    return text.strip("<>()[] ") in _WITHHELD_WORDS


def damaged_number(value: object) -> str | None:
    """Why a cell that was meant to be a number cannot be read as one (digits lost to a spreadsheet, a
    fraction, control characters), or None when it is not damaged (a number, a marker or an identifier)."""
    text = unicodedata.normalize("NFKC", str(value)).strip().strip("'\"").lstrip("=").strip()
    if _CONTROL.search(text):
        return "control characters in a phone number"
    if _EXCEL_SCI.fullmatch(text) and _excel_digits(text) is None:
        return "a spreadsheet wrote this number in scientific notation and lost digits"
    if _DECIMAL.fullmatch(text) and not _EXCEL_FLOAT.fullmatch(text):
        return "a number with a fraction is not a phone number"
    return None


def identifier_key(value: object) -> PhoneKey:
    """A party that is not a dialable number (a subscriber ID, a pseudonymous ID in anonymised data, an app
    handle): kept as a phone identifier of kind 'identifier', keyed by its text without case or spaces."""
    text = " ".join(unicodedata.normalize("NFKC", str(value)).split())
    return PhoneKey("id:" + text.lower().replace(" ", ""), "identifier", text)


def normalize_phones(values: Iterable[str], region: str = "US") -> dict[str, PhoneKey | None]:
    """Map each distinct raw value once to its PhoneKey (None: blank, '-I', 'N/A', text)."""
    region = region.upper()
    out: dict[str, PhoneKey | None] = {}
    for value in values:
        if value not in out:
            out[value] = _phone(value, region)
    return out


@lru_cache(maxsize=65536)
def normalize_phone(value: str, region: str = "US") -> PhoneKey | None:
    """One value's PhoneKey (cached); for columns use normalize_phones."""
    return _phone(value, region.upper())


# ---------------------------------------------------------------------------------------------
# Emails, devices, accounts, plates
# ---------------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}"
)


def normalize_email(value: str) -> str | None:
    """Lower-cased, trimmed address ('mailto:' and '<>' stripped), or None if it is not shaped like one."""
    if not value:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if "<" in text and ">" in text:              # "Jane <jane@x.com>"
        text = text[text.index("<") + 1:text.rindex(">")]
    text = text.strip().strip("<>\"'").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:].split("?", 1)[0]
    text = text.strip().rstrip(".").lower()
    return text if _EMAIL.fullmatch(text) else None


_SEPARATORS = re.compile(r"[\s\-./_:]+")


def _id_digits(value: str) -> str | None:
    """Digits of an identifier cell: separators stripped, Excel floats/scientific undone."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().strip("'\"").lstrip("=").strip()
    excel = _excel_digits(text)
    if excel is not None:
        return excel
    text = _SEPARATORS.sub("", text)
    return text if text.isascii() and text.isdigit() else None


def imei_check_digit(body: str) -> str:
    """The Luhn check digit of a 14-digit IMEI body."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def normalize_imei(value: str) -> str | None:
    """15-digit IMEI: 14 digits get their check digit, IMEISV (16) its first 14 + check; 15 must pass Luhn."""
    digits = _id_digits(value)
    if digits is None or not 14 <= len(digits) <= 16 or digits.strip("0") == "":
        return None
    if len(digits) == 15:
        if imei_check_digit(digits[:14]) == digits[14]:
            return digits
        if digits[14] == "0":                    # networks report the spare digit 0 instead of the check
            return digits[:14] + imei_check_digit(digits[:14])
        return None
    return digits[:14] + imei_check_digit(digits[:14])


@dataclass(frozen=True)
class ImeiReading:
    """An IMEI cell read: the device key (the first 14 digits, TAC + serial, with their Luhn digit), the
    digits as written, and a note when the written 15th/16th digits differ from the computed check digit."""

    key: str
    written: str
    note: str = ""


def read_imei(value: object) -> ImeiReading | None:
    """A handset is identified by its first 14 digits: a wrong check digit or an IMEISV's two software digits
    are kept as written (`note` says which), never a reason to drop the device. None: not 14-16 digits."""
    digits = _id_digits(str(value))
    if digits is None or not 14 <= len(digits) <= 16 or digits.strip("0") == "":
        return None
    key = digits[:14] + imei_check_digit(digits[:14])
    note = ""
    if len(digits) == 16:
        note = "IMEISV (software version digits kept as written)"
    elif len(digits) == 15 and digits != key and digits[14] != "0":
        note = "check digit does not match (kept as written)"
    return ImeiReading(key, digits, note)


def region_mismatch(values: Iterable[str], region: str, sample: int = 300) -> tuple[str, int, int] | None:
    """(other region, numbers that do not fit `region`, distinct numbers looked at) when a file's numbers fit another
    region's numbering plan much better than `region`'s (e.g. an Indian return read as US): the caller says so and
    suggests --region rather than read them as look-alike numbers. None when the region fits.

    A number fits a region when it is valid there as an ordinary fixed or mobile number; one that is invalid, or
    valid only as a premium, VoIP, personal, pager or shared-cost number, does not (half of India's 10-digit mobiles
    are valid US numbers, some of them as US premium or VoIP numbers, which a handset's contacts rarely are)."""
    region = region.upper()
    looked: list[str] = []
    for value in values:
        text = str(value).strip()
        digits = _NON_DIGIT.sub("", text)
        if (7 <= len(digits) <= 15 and _PHONE_CHARS.fullmatch(text) and not text.startswith(("+", "00"))
                and damaged_number(text) is None):       # a number a spreadsheet damaged says nothing of a region
            looked.append(digits)
            if len(looked) >= sample:
                break
    looked = list(dict.fromkeys(looked))                  # each distinct number once
    if len(looked) < 3:
        return None

    misfits = [d for d in looked if _fit(d, region) != "fits"]
    invalid = [d for d in misfits if _fit(d, region) == "invalid"]
    # A return of the case's region has next to no invalid numbers: a quarter invalid here, all of them valid in one
    # other region that fits 90 % of the file, is a foreign file. With ten numbers or more, a tenth that do not fit
    # here (invalid, or premium/VoIP look-alikes) is one when another region fits 95 % of them all as ordinary numbers.
    strong = bool(invalid) and len(invalid) * 4 >= len(looked)
    weak = len(looked) >= 10 and len(misfits) >= 2 and len(misfits) * 10 >= len(looked)
    if not (strong or weak):
        return None
    best: tuple[int, str] | None = None
    for other in _OTHER_REGIONS:
        if other == region:
            continue
        if strong and _few_fail(invalid, other, len(invalid) // 20, "invalid"):   # 95 % of them valid there ...
            there = len(looked) - _failures(looked, other, "invalid")
            if there * 10 >= len(looked) * 9 and (best is None or there > best[0]):   # ... and 90 % of the file
                best = (there, other)
        if weak and not (best and best[1] == other) and _few_fail(looked, other, len(looked) // 20, "fits"):
            fits = len(looked) - _failures(looked, other, "fits")
            if fits > len(looked) - len(misfits) and (best is None or fits > best[0]):
                best = (fits, other)
    if best is None:
        return None
    return best[1], len(misfits), len(looked)


def _few_fail(numbers: list[str], where: str, allowed: int, test: str) -> bool:
    """Whether at most `allowed` of the numbers fail in `where` (test 'invalid': are invalid there; 'fits': do not
    fit there); stops at the first failure too many, so a region that does not fit costs a few look-ups."""
    failed = 0
    for digits in numbers:
        fit = _fit(digits, where)
        if (fit == "invalid") if test == "invalid" else (fit != "fits"):
            failed += 1
            if failed > allowed:
                return False
    return True


def _failures(numbers: list[str], where: str, test: str) -> int:
    return sum(1 for d in numbers if ((_fit(d, where) == "invalid") if test == "invalid" else (_fit(d, where) != "fits")))


_ORDINARY_TYPES = ("FIXED_LINE", "MOBILE", "FIXED_LINE_OR_MOBILE", "TOLL_FREE")   # phonenumbers.PhoneNumberType names


@lru_cache(maxsize=65536)
def _fit(digits: str, where: str) -> str:
    """How a national number fits a region's plan: 'fits' (valid, an ordinary fixed, mobile or toll-free number),
    'odd' (valid only as a premium, VoIP, personal, pager or shared-cost number) or 'invalid'."""
    import phonenumbers

    if where in NANP_REGIONS and len(digits) == 10 and digits[3:6] == "555":
        return "fits"                                     # the fictional 555 range counts as valid
    try:
        number = phonenumbers.parse(digits, where)
    except phonenumbers.NumberParseException:
        return "invalid"
    if not phonenumbers.is_valid_number(number):
        return "invalid"
    ordinary = {getattr(phonenumbers.PhoneNumberType, name) for name in _ORDINARY_TYPES}
    return "fits" if phonenumbers.number_type(number) in ordinary else "odd"


# Regions tried when a file's numbers do not fit the case's: origins common in trafficking cases.
_OTHER_REGIONS = ("US", "IN", "MX", "GB", "PH", "NG", "CN", "GT", "HN", "SV", "VN", "TH", "RO", "UA", "BR", "CO",
                  "VE", "DE", "FR", "ES", "IT", "PK", "BD", "CA", "AU", "KR", "JP", "ID", "MY", "NP", "DO", "HT")


def normalize_imsi(value: str) -> str | None:
    """IMSI digits (14 or 15), separators and Excel formatting removed."""
    digits = _id_digits(value)
    if digits is None or not 14 <= len(digits) <= 15 or digits.strip("0") == "":
        return None
    return digits


_HANDLE = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
_MASKED = re.compile(r"[*X•●#]+\d{2,6}")


def normalize_account(value: str, institution: str | None = None) -> str | None:
    """Account key: numbers without spaces/dashes; '****1234' kept (upper); '$cashtag'/'@venmo' lower-cased."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    inst = re.sub(r"[^a-z]", "", (institution or "").lower())
    if text[0] in "$@":
        handle = text[1:].strip().lower()
        return text[0] + handle if _HANDLE.fullmatch(handle) else None
    if "@" in text:
        return normalize_email(text)
    compact = re.sub(r"[\s\-]+", "", text)
    if _MASKED.fullmatch(compact.upper()):
        return compact.upper()
    if inst in ("cashapp", "squarecash", "cash") and re.search(r"[a-z]", compact, re.IGNORECASE):
        return "$" + compact.lower() if _HANDLE.fullmatch(compact.lower()) else None
    if inst == "venmo" and re.search(r"[a-z]", text, re.IGNORECASE):
        handle = text.lower()
        return "@" + handle if _HANDLE.fullmatch(handle) else None
    compact = compact.upper()
    return compact if re.fullmatch(r"[A-Z0-9./]+", compact) and re.search(r"[A-Z0-9]", compact) else None


def normalize_plate(value: str, state: str | None = None) -> str | None:
    """Plate upper-cased without spaces/dashes; 'CA:7ABC123' when the state is known."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    m = re.fullmatch(r"([A-Z]{2})\s*:\s*(.+)", text)
    if m and state is None:
        state, text = m.group(1), m.group(2)
    plate = re.sub(r"[\s\-.·•]+", "", text)
    if not re.fullmatch(r"[A-Z0-9]{1,10}", plate):
        return None
    st = re.sub(r"[^A-Z]", "", (state or "").upper())
    return f"{st}:{plate}" if st else plate


# ---------------------------------------------------------------------------------------------
# The identity registry: model.yaml names each key kind's normaliser; the functions are registered here
# ---------------------------------------------------------------------------------------------

KeyNormaliser = Callable[[str, str], "str | None"]     # (written value, phone region) -> key, or None if not valid
NORMALISERS: dict[str, KeyNormaliser] = {}


def normaliser(name: str) -> Callable[[KeyNormaliser], KeyNormaliser]:
    """Register a function as the normaliser model.yaml calls `name` (key_kinds: {kind: {normaliser: name}})."""
    def register(function: KeyNormaliser) -> KeyNormaliser:
        NORMALISERS[name] = function
        return function
    return register


@normaliser("e164")
def _e164(value: str, region: str) -> str | None:
    key = normalize_phone(value, region)
    return key.e164 if key else None


@normaliser("email_address")
def _email_address(value: str, region: str) -> str | None:
    return normalize_email(value)


_HANDSET_LABEL = re.compile(r"(?i)\s*(imei|imsi|imeisv)\s*[:#]?\s*")


def _handset(value: str, kind: str) -> str | None:
    """A device identifier read as `kind` (device, imei, imsi); a written 'IMEI:' or 'IMSI' label decides."""
    text = value.strip()
    label = _HANDSET_LABEL.match(text)
    if label:
        kind = "imsi" if label.group(1).lower() == "imsi" else "imei"
        text = text[label.end():]
    if kind == "imsi":
        return normalize_imsi(text)
    return normalize_imei(text) or (normalize_imsi(text) if kind == "device" else None)


@normaliser("imei_or_imsi")
def _imei_or_imsi(value: str, region: str) -> str | None:
    return _handset(value, "device")


@normaliser("imei")
def _imei(value: str, region: str) -> str | None:
    return _handset(value, "imei")


@normaliser("imsi")
def _imsi(value: str, region: str) -> str | None:
    return _handset(value, "imsi")


@normaliser("account_number")
def _account_number(value: str, region: str) -> str | None:
    return normalize_account(value)


@normaliser("plate")
def _plate(value: str, region: str) -> str | None:
    return normalize_plate(value)


@normaliser("handle")
def _handle(value: str, region: str) -> str | None:
    handle = unicodedata.normalize("NFKC", value).strip().lower().lstrip("@")
    return handle or None


@normaliser("site_id")
def _site_id(value: str, region: str) -> str | None:
    return value.strip() or None


@normaliser("written_text")
def _written_text(value: str, region: str) -> str | None:
    """Free text that names a thing (an address, an ad, a document number): upper case, spaces collapsed."""
    return " ".join(value.upper().split()) or None


def canonical_key(entity_type: str, value: str, region: str = "US") -> str | None:
    """The identity key of `value` for a key kind, an entity type or a synonym of one (as model.yaml declares
    them), made by the kind's registered normaliser; None if the type is unkeyed or the value not valid."""
    kind = load_model().key_kind(entity_type)
    if kind is None or value is None:
        return None
    return NORMALISERS[kind.normaliser](str(value), region)


# ---------------------------------------------------------------------------------------------
# Names: suggestions only, never merges
# ---------------------------------------------------------------------------------------------

_NAME_DROP = frozenset({"jr", "sr", "ii", "iii", "iv", "mr", "mrs", "ms", "miss", "dr"})


@dataclass(frozen=True)
class NameMatch:
    """A suggested pair of names that may be the same person, with a 0-100 score and why."""

    left_id: int
    right_id: int
    left: str
    right: str
    score: float
    reason: str


def person_name_key(name: str) -> str:
    """How one import recognises the same written name twice (accents, case, spacing folded); unlike
    normalize_name it keeps word order and suffixes, so it never joins two people a reader would tell apart."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(folded.lower().replace(",", " ").replace(".", " ").split())


@lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """Comparison form of a name: accents folded, lower case, no punctuation or suffixes, 'Last, First' swapped."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"['’`ʼ]", "", text)
    if "," in text:
        before, after = text.split(",", 1)
        if re.sub(r"[^a-z]", "", after) not in _NAME_DROP and before.strip() and after.strip():
            text = after + " " + before
    tokens = [t for t in re.split(r"[^a-z0-9]+", text) if t and t not in _NAME_DROP]
    return " ".join(tokens)


def _pair_score(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[float, str] | None:
    """Score two token tuples: aligned tokens, weakest token counted; initials and extra names lower it."""
    from rapidfuzz import fuzz

    if a == b:
        return 100.0, "same name after normalisation"
    if sorted(a) == sorted(b):
        return 97.0, "same names in another order"
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    short, long_ = short[:5], long_[:5]
    best: tuple[float, int, list[tuple[str, str]], tuple[int, ...]] | None = None
    for perm in permutations(range(len(long_)), len(short)):
        full_a: list[str] = []
        full_b: list[str] = []
        toks: list[float] = []
        initials: list[tuple[str, str]] = []
        ok = True
        for s_tok, idx in zip(short, perm, strict=True):
            l_tok = long_[idx]
            if len(s_tok) == 1 or len(l_tok) == 1:
                if s_tok[0] != l_tok[0]:
                    ok = False
                    break
                initials.append((s_tok, l_tok))
            else:
                full_a.append(s_tok)
                full_b.append(l_tok)
                toks.append(fuzz.ratio(s_tok, l_tok))
        if not ok or not toks:
            continue
        base = (fuzz.ratio(" ".join(full_a), " ".join(full_b)) + min(toks)) / 2
        if best is None or (base, -len(initials)) > (best[0], -best[1]):
            best = (base, len(initials), initials, perm)
    if best is None:
        return None
    score, _, initials, perm = best
    reasons = []
    if initials:
        score *= 0.9
        shown = [f"'{s}' for '{t}'" if len(s) < len(t) else f"'{t}' for '{s}'" for s, t in initials if s != t]
        reasons.append(("initial " + ", ".join(shown)) if shown else "same initials")
    reasons.append("other names match" if initials and best[0] >= 100 else
                   "names match" if best[0] >= 100 else "similar spelling")
    extra = [long_[i] for i in range(len(long_)) if i not in perm]
    if extra:
        score -= 15.0 if len(short) == 1 else 4.0 * len(extra)
        reasons.append("extra name " + ", ".join(f"'{t}'" for t in extra))
    return round(score, 1), "; ".join(reasons)


def suggest_name_matches(
    names: Sequence[tuple[int, str]], threshold: float = 88.0, limit_per_name: int = 5
) -> list[NameMatch]:
    """Pairs of (id, name) that may be the same person, best first (score desc, then ids); never merges."""
    from rapidfuzz import fuzz, process

    forms: dict[str, list[int]] = defaultdict(list)      # normalised form -> ids
    original: dict[int, str] = {}
    for ident, name in names:
        if name is None or ident in original:
            continue
        form = normalize_name(name)
        if not form:
            continue
        original[ident] = name
        forms[form].append(ident)
    keys = sorted(forms)
    tokens = [tuple(k.split()) for k in keys]
    for ids in forms.values():
        ids.sort()

    # Blocking: forms sharing the first two letters of two of their names are compared (fuzzy), so a
    # common first name alone never makes a block; initials look up "d miller" signatures.
    blocks: dict[tuple[str, ...], list[int]] = defaultdict(list)
    signatures: dict[str, list[int]] = defaultdict(list)
    for i, toks in enumerate(tokens):
        heads = sorted({t[:2] for t in toks if len(t) > 1})
        if len(heads) == 1:
            keys_of = {(heads[0],)} if len(toks) == 1 else {(heads[0], heads[0])}
        else:
            keys_of = {(a, b) for n, a in enumerate(heads) for b in heads[n + 1:]}
        for block_key in keys_of:
            blocks[block_key].append(i)
        if len(toks) >= 2:
            signatures[f"{toks[0][0]} {toks[-1]}"].append(i)
            signatures[f"{toks[0]} {toks[-1][0]}"].append(i)
            signatures[f"{toks[0][0]} {toks[-1][0]}"].append(i)

    candidates: set[tuple[int, int]] = set()
    cutoff = max(0.0, 2 * threshold - 100)
    for members in blocks.values():
        if len(members) < 2:
            continue
        texts = [keys[i] for i in members]
        for start in range(0, len(members), 1000):
            matrix = process.cdist(texts[start:start + 1000], texts, scorer=fuzz.token_set_ratio,
                                   score_cutoff=cutoff, dtype="uint8", workers=-1)
            rows, cols = (matrix >= max(cutoff, 1)).nonzero()
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                i, j = members[start + r], members[c]
                if i < j:
                    candidates.add((i, j))
    for i, toks in enumerate(tokens):
        if len(toks) >= 2 and any(len(t) == 1 for t in toks):
            sig = f"{toks[0][0] if len(toks[0]) == 1 else toks[0]} {toks[-1][0] if len(toks[-1]) == 1 else toks[-1]}"
            for j in signatures.get(sig, ()):
                if i != j:
                    candidates.add((min(i, j), max(i, j)))

    scored: dict[int, list[tuple[float, int, str]]] = defaultdict(list)   # form -> (score, other form, reason)
    for i, j in candidates:
        result = _pair_score(tokens[i], tokens[j])
        if result is not None and result[0] >= threshold:
            scored[i].append((result[0], j, result[1]))
            scored[j].append((result[0], i, result[1]))

    # Expand forms to ids; keep a pair when it is in either side's top `limit_per_name`.
    kept: dict[tuple[int, int], tuple[float, str]] = {}
    same = (100.0, "same name after normalisation")
    for i, key in enumerate(keys):
        ids = forms[key]
        others = sorted(scored.get(i, ()), key=lambda t: (-t[0], forms[keys[t[1]]][0]))
        for ident in ids:
            taken = 0
            for other in ids:
                if taken >= limit_per_name:
                    break
                if other != ident:
                    kept.setdefault((min(ident, other), max(ident, other)), same)
                    taken += 1
            for score, j, reason in others:
                if taken >= limit_per_name:
                    break
                for other in forms[keys[j]]:
                    if taken >= limit_per_name:
                        break
                    kept.setdefault((min(ident, other), max(ident, other)), (score, reason))
                    taken += 1
    matches = [NameMatch(a, b, original[a], original[b], s, r) for (a, b), (s, r) in kept.items()]
    matches.sort(key=lambda m: (-m.score, m.left_id, m.right_id))
    return matches
