"""Write the bundled sample case: a fictional three-set gang enterprise trafficking girls and women in California.

`python -m sample_cases.generate [OUT_DIR]` (default `sample_cases/gang_enterprise/`) writes carrier returns,
ad scrapes, motel registries, payment records, a labour roster, intelligence sheets and `answer_key.json`,
byte-identical on every run: every random choice comes from seeded `random.Random` streams, nothing reads the
clock, workbooks are zipped with fixed timestamps and no compression. All people, businesses and addresses are
invented; every phone number is in the 555-01xx range reserved for fiction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import sys
import unicodedata
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

CASE_NAME = "Operation Crossroads (sample case)"
SEED = "linkgraph-sample-gang-enterprise-v1"
ZONE_NAME = "America/Los_Angeles"
ZONE = ZoneInfo(ZONE_NAME)
FIRST_DAY = date(2024, 3, 1)
LAST_DAY = date(2024, 5, 31)
DEFAULT_OUT = Path(__file__).resolve().parent / "gang_enterprise"


def stream(*parts: object) -> random.Random:
    """An independent seeded random stream for one part of the case (changing one part never shifts another)."""
    return random.Random(":".join([SEED, *map(str, parts)]))


def digest(*parts: object) -> str:
    """A stable hex digest (image hashes, ids) of the given parts."""
    return hashlib.sha1(":".join([SEED, *map(str, parts)]).encode()).hexdigest()


# ============================================================================================ cast

TMOBILE_VOICEMAIL = "+18056377243"          # 805-MESSAGE, in linkgraph/service_numbers.yaml
ATT_VOICEMAIL = "+15105550100"              # fictional AT&T voicemail platform of this market (records key)
BANK_ALERTS = "72975"                       # short codes
AD_SITE_CODES = "36245"


@dataclass
class Person:
    """One person of the story: who they are, their set, their phones, age and the names they go by."""

    key: str
    name: str
    role: str
    group: str | None = None
    phones: list[str] = field(default_factory=list)
    age: int | None = None
    aliases: list[str] = field(default_factory=list)
    home: str = "Stockton"
    innocent: bool = False

    @property
    def minor(self) -> bool:
        """Under 18 during the case."""
        return self.age is not None and self.age < 18


PSK, HSM, SAP = "Park Street Kings", "Harbor Street Mob", "Seventh Avenue Posse"

CAST = [
    Person("C", "Darnell Haskins", "controller", None, ["+12095550101", "+12095550144"], 35, ["Boss D", "D Haskins"]),
    # Park Street Kings (Stockton)
    Person("terrell", "Terrell Okafor", "leader", PSK, ["+12095550112"], 31, ["T-Bone"]),
    Person("brianna", "Brianna Sutter", "bottom", PSK, ["+12095550127"], 24, ["Bri"]),
    Person("jaylen", "Jaylen Cross", "recruiter", PSK, ["+12095550139"], 22, ["J-Smooth"]),
    Person("victor", "Victor Ochoa", "driver", PSK, ["+12095550135"], 27, ["Vic"]),
    # Harbor Street Mob (Oakland)
    Person("luis", "Luis Carranza", "leader", HSM, ["+15105550123", "+15105550178"], 33, ["Lucky"], "Oakland"),
    Person("keisha", "Keisha Lamb", "bottom", HSM, ["+15105550131"], 26, ["Kiki"], "Oakland"),
    Person("marco", "Marco Ibarra", "recruiter", HSM, ["+15105550146"], 23, ["Loco"], "Oakland"),
    Person("deandre", "DeAndre Fuller", "driver", HSM, ["+15105550152"], 29, ["Dre"], "Oakland"),
    # Seventh Avenue Posse (Fresno)
    Person("jamal", "Jamal Pruitt", "leader", SAP, ["+15595550118"], 34, ["Jay Money"], "Fresno"),
    Person("tasha", "Tasha Greene", "bottom", SAP, ["+15595550133"], 25, ["Tee Tee"], "Fresno"),
    Person("rico", "Rico Salas", "recruiter", SAP, ["+15595550141"], 21, ["Ricky"], "Fresno"),
    Person("andre", "Andre Mims", "driver", SAP, ["+15595550126"], 28, ["Dre Mims"], "Fresno"),
    # victims
    Person("amber", "Amber Lowell", "victim", PSK, ["+12095550171", "+12095550150"], 19, ["Honey", "Sugar"]),
    Person("kayla", "Kayla Dunn", "victim", PSK, ["+12095550173", "+12095550151"], 17, ["Kandi"]),
    Person("tiana", "Tiana Brooks", "victim", PSK, ["+12095550175", "+12095550152"], 20, ["Tee"]),
    Person("jasmine", "Jasmine Reyes", "victim", HSM, ["+15105550162"], 16, ["Lexi"], "Oakland"),
    Person("destiny", "Destiny Park", "victim", HSM, ["+15105550164"], 22, ["Diamond"], "Oakland"),
    Person("nicole", "Nicole Alvarez", "victim", HSM, ["+15105550168"], 18, ["Nikki"], "Oakland"),
    Person("maria", "Maria Elena Soto", "victim", SAP, ["+15595550161"], 24, ["Mia"], "Fresno"),
    Person("crystal", "Crystal Vega", "victim", SAP, ["+15595550163"], 23, ["Cristal"], "Fresno"),
    Person("brittany", "Brittany Shaw", "victim", SAP, ["+15595550165"], 21, ["Bree"], "Fresno"),
    # innocent background: family, friends and businesses
    Person("loretta", "Loretta Haskins", "family", None, ["+12095550105"], 61, innocent=True),
    Person("carol", "Carol Sutter", "family", None, ["+12095550108"], 52, innocent=True),
    Person("rosa", "Rosa Carranza", "family", None, ["+15105550107"], 30, innocent=True, home="Oakland"),
    Person("ana", "Ana Reyes", "family", None, ["+15105550110"], 41, innocent=True, home="Oakland"),
    Person("sofia", "Sofia Marin", "friend", None, ["+15105550113"], 16, innocent=True, home="Oakland"),
    Person("bernice", "Bernice Mims", "family", None, ["+15595550109"], 74, innocent=True, home="Fresno"),
    Person("pizza", "Tony's Pizza", "business", None, ["+12095550190"], innocent=True),
    Person("barber", "Sharp Cuts Barbershop", "business", None, ["+12095550194"], innocent=True),
    Person("deltacab", "Delta Cab Co", "business", None, ["+12095550192"], innocent=True),
    Person("autoshop", "Eastbay Auto Repair", "business", None, ["+15105550190"], innocent=True, home="Oakland"),
    Person("fresnocab", "Fresno Yellow Cab", "business", None, ["+15595550192"], innocent=True, home="Fresno"),
]
BY_KEY = {p.key: p for p in CAST}
WORK_PHONES = ["+12095550150", "+12095550151", "+12095550152", "+12095550153"]   # bought together, used in ads
BRIANNA_WORK_PHONE = WORK_PHONES[3]
BY_KEY["brianna"].phones.append(BRIANNA_WORK_PHONE)

# (person, old, new, old number's last day, new number's first day, shared handset IMEI or None)
SWAPS = [
    ("C", "+12095550101", "+12095550144", date(2024, 4, 11), date(2024, 4, 13), "356938035643809"),
    ("luis", "+15105550123", "+15105550178", date(2024, 5, 2), date(2024, 5, 4), None),
]
SWAP_BY_PERSON = {s[0]: s for s in SWAPS}
HANDSETS = {   # number -> (IMEI, IMSI)
    "+12095550101": ("356938035643809", "310260418822017"),
    "+12095550144": ("356938035643809", "310260532290481"),
    "+15105550123": ("353918104471202", "310410227719034"),
    "+15105550178": ("359262087713445", "310410883102275"),
    "+12095550127": ("990004281135727", "311480120934817"),
}
SERVICES = frozenset({TMOBILE_VOICEMAIL, ATT_VOICEMAIL, "611", "*86", BANK_ALERTS, AD_SITE_CODES})
SERVICE_NUMBERS = [
    {"number": TMOBILE_VOICEMAIL, "label": "T-Mobile voicemail retrieval (805-MESSAGE)"},
    {"number": ATT_VOICEMAIL, "label": "AT&T voicemail platform (from the AT&T records key; fictional)"},
    {"number": "611", "label": "carrier customer care"},
    {"number": "*86", "label": "Verizon voicemail"},
    {"number": BANK_ALERTS, "label": "short code: bank alerts"},
    {"number": AD_SITE_CODES, "label": "short code: ad-site verification codes"},
]


def phone_at(key: str, day: date) -> str | None:
    """The number a person used on a local date (None on a swap's dark day)."""
    swap = SWAP_BY_PERSON.get(key)
    if swap is None:
        return BY_KEY[key].phones[0]
    _, old, new, old_until, new_from, _ = swap
    if day <= old_until:
        return old
    if day >= new_from:
        return new
    return None


def national(e164: str) -> str:
    """Ten digits of a NANP number (short codes unchanged)."""
    return e164[2:] if e164.startswith("+1") else e164


def as_number(e164: str) -> int | str:
    """A number as Excel keeps it in a carrier workbook: digits as a number (codes stay text)."""
    return int(e164[1:]) if e164.startswith("+") else e164


def national_eleven(e164: str) -> str:
    """Eleven digits with the leading 1 (AT&T style; short codes unchanged)."""
    return e164[1:] if e164.startswith("+1") else e164


def written(e164: str, style: str) -> str:
    """A number as a clerk or scraper writes it."""
    n = national(e164)
    if not e164.startswith("+1"):
        return e164
    return {
        "paren": f"({n[:3]}) {n[3:6]}-{n[6:]}",
        "dash": f"{n[:3]}-{n[3:6]}-{n[6:]}",
        "dot": f"{n[:3]}.{n[3:6]}.{n[6:]}",
        "ten": n,
        "eleven": "1" + n,
        "plus": f"+1 {n[:3]} {n[3:6]} {n[6:]}",
        "att": f"({n[:3]}){n[3:6]}-{n[6:]}",
    }[style]


# ============================================================================================ places

CITIES = {   # city -> (lat, lon, ZIP)
    "Stockton": (37.9577, -121.2908, "95202"),
    "Modesto": (37.6391, -120.9969, "95354"),
    "Sacramento": (38.5816, -121.4944, "95814"),
    "Oakland": (37.8044, -122.2712, "94612"),
    "San Jose": (37.3382, -121.8863, "95113"),
    "Fresno": (36.7378, -119.7871, "93721"),
    "Bakersfield": (35.3733, -119.0187, "93301"),
    "Visalia": (36.3302, -119.2921, "93291"),
}
STREETS = ["Riverbend Rd", "Harbor Light Way", "Orchard Bend Ct", "Canal Point Dr", "Sunflower Ln", "Cedar Mill Ave",
           "Oak Hollow Dr", "Quarry View Rd", "Meadowlark St", "Larkspur Ct", "Bluegum Way", "Tule Reed Dr"]


@dataclass(frozen=True)
class Site:
    """One carrier's cell site: ids, position and address (its three sectors face AZIMUTHS)."""

    city: str
    enodeb: int
    lac: int
    cell: int
    lat: float
    lon: float
    address: str
    zip: str


def _sites() -> dict[tuple[str, str], list[Site]]:
    """Three cell sites per carrier and city, with fictional ids and positions near the city centre."""
    rng = stream("sites")
    sites: dict[tuple[str, str], list[Site]] = {}
    for carrier in ("tmobile", "att", "sprint", "verizon"):
        for c_index, (city, (lat, lon, zip_code)) in enumerate(CITIES.items()):
            found = []
            for k in range(3):
                number = rng.randint(100, 899)
                found.append(Site(
                    city, 40000 + c_index * 100 + number % 97, 21000 + c_index * 10 + k, 10000 + number * 7 + k,
                    round(lat + rng.uniform(-0.03, 0.03), 6), round(lon + rng.uniform(-0.03, 0.03), 6),
                    f"{rng.randint(100, 4999)} {rng.choice(STREETS)}", zip_code,
                ))
            sites[(carrier, city)] = found
    return sites


SITES = _sites()
AZIMUTHS = (0, 120, 240)

# where each target phone's user was, by local date (default: home city)
TRAVEL = {
    "C": [(date(2024, 4, 23), date(2024, 4, 25), "Modesto"), (date(2024, 4, 26), date(2024, 4, 28), "San Jose"),
          (date(2024, 4, 29), date(2024, 5, 1), "Oakland"), (date(2024, 5, 2), date(2024, 5, 3), "Sacramento")],
    "andre": [(date(2024, 4, 14), date(2024, 4, 15), "Bakersfield")],
    "brianna": [(date(2024, 3, 20), date(2024, 3, 21), "Modesto"), (date(2024, 5, 15), date(2024, 5, 16), "Modesto")],
}


def city_of(key: str, day: date) -> str:
    """Where a person was on a local date."""
    for first, last, city in TRAVEL.get(key, []):
        if first <= day <= last:
            return city
    return BY_KEY[key].home


# ============================================================================================ time


def local(day: date, hour: int, minute: int, second: int) -> datetime:
    """An aware local time (a time in the spring-forward gap moves past it)."""
    naive = datetime.combine(day, time(hour, minute, second))
    return naive.replace(tzinfo=ZONE).astimezone(UTC).astimezone(ZONE)


def days(first: date = FIRST_DAY, last: date = LAST_DAY) -> list[date]:
    """Every local date from `first` to `last`."""
    return [first + timedelta(n) for n in range((last - first).days + 1)]


NIGHT_HOURS = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 0, 1, 2, 3]
NIGHT_WEIGHTS = [1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 3, 2]
DAY_HOURS = list(range(8, 22))
DAY_WEIGHTS = [2, 3, 4, 4, 5, 5, 4, 4, 4, 5, 5, 4, 3, 2]


def pick_time(rng: random.Random, day: date, night: bool) -> datetime:
    """A local time on `day` (night pairs: evenings into the small hours; others: daytime)."""
    hours, weights = (NIGHT_HOURS, NIGHT_WEIGHTS) if night else (DAY_HOURS, DAY_WEIGHTS)
    hour = rng.choices(hours, weights)[0]
    when_day = day + timedelta(1) if night and hour < 4 else day
    if when_day > LAST_DAY:
        when_day, hour = day, 23
    return local(when_day, hour, rng.randrange(60), rng.randrange(60))


# ============================================================================================ calls

@dataclass(frozen=True)
class Event:
    """One call or text between two numbers at a UTC time; `forwarded` calls rolled to the callee's voicemail."""

    when: datetime
    caller: str
    callee: str
    kind: str
    duration: int
    caller_key: str
    callee_key: str
    forwarded: bool = False

    def involves(self, key: str) -> bool:
        """Whether this person's phone is one of the two ends."""
        return key in (self.caller_key, self.callee_key)


# (a, b, how many, share of texts, night-time pair); b may be a service number or short code
PAIRS = [
    ("C", "terrell", 76, 0.35, True), ("C", "luis", 64, 0.40, True), ("C", "jamal", 58, 0.35, True),
    ("C", "keisha", 48, 0.50, True), ("C", "tasha", 26, 0.50, True), ("C", "victor", 22, 0.30, True),
    ("C", "amber", 14, 0.60, True), ("C", "maria", 10, 0.60, True), ("C", "loretta", 26, 0.30, False),
    ("C", "pizza", 9, 0.0, False), ("C", "barber", 6, 0.0, False), ("C", "deltacab", 7, 0.0, False),
    ("C", TMOBILE_VOICEMAIL, 12, 0.0, False), ("C", "611", 2, 0.0, False),
    (BANK_ALERTS, "C", 9, 1.0, False), (AD_SITE_CODES, "C", 6, 1.0, True),
    ("luis", "keisha", 52, 0.50, True), ("luis", "marco", 40, 0.45, True), ("luis", "deandre", 36, 0.40, True),
    ("luis", "destiny", 16, 0.60, True), ("luis", "nicole", 10, 0.60, True), ("luis", "jamal", 16, 0.30, True),
    ("luis", "terrell", 14, 0.30, True), ("luis", "rosa", 22, 0.40, False), ("luis", "autoshop", 6, 0.0, False),
    ("andre", "jamal", 60, 0.0, True), ("andre", "tasha", 42, 0.0, True), ("andre", "rico", 26, 0.0, True),
    ("andre", "maria", 24, 0.0, True), ("andre", "crystal", 20, 0.0, True), ("andre", "brittany", 16, 0.0, True),
    ("andre", "bernice", 20, 0.0, False), ("andre", "fresnocab", 5, 0.0, False), ("andre", "611", 2, 0.0, False),
    ("brianna", "terrell", 62, 0.0, True), ("brianna", "victor", 30, 0.0, True), ("brianna", "jaylen", 30, 0.0, True),
    ("brianna", "amber", 34, 0.0, True), ("brianna", "kayla", 30, 0.0, True), ("brianna", "tiana", 30, 0.0, True),
    ("brianna", WORK_PHONES[0], 12, 0.0, True), ("brianna", WORK_PHONES[1], 11, 0.0, True),
    ("brianna", WORK_PHONES[2], 12, 0.0, True), ("brianna", "carol", 20, 0.0, False), ("brianna", "*86", 8, 0.0, False),
    ("jasmine", "keisha", 46, 0.60, True), ("jasmine", "marco", 26, 0.50, True), ("jasmine", "deandre", 14, 0.40, True),
    ("jasmine", "destiny", 26, 0.60, True), ("jasmine", "kayla", 16, 0.70, True), ("jasmine", "ana", 26, 0.40, False),
    ("jasmine", "sofia", 30, 0.80, False),
]
FORWARDED_SHARE = {("luis", "keisha"): 0.12, ("luis", "marco"): 0.12, ("luis", "rosa"): 0.2, ("luis", "terrell"): 0.15}


def _party(key_or_number: str, day: date) -> tuple[str | None, str]:
    """(number, key) of one end of a pair on a day."""
    if key_or_number in BY_KEY:
        return phone_at(key_or_number, day), key_or_number
    return key_or_number, key_or_number


def make_events() -> list[Event]:
    """Every call and text of the case, each once, in time order."""
    events: list[Event] = []
    used: set[tuple[str, str, int]] = set()
    all_days = days()
    for a, b, count, sms_share, night in PAIRS:
        rng = stream("pair", a, b)
        made = 0
        while made < count:
            day = rng.choice(all_days)
            when = pick_time(rng, day, night)
            number_a, key_a = _party(a, when.date())
            number_b, key_b = _party(b, when.date())
            if number_a is None or number_b is None:
                continue                             # a swap's dark day: that person had no phone
            minute = int(when.timestamp()) // 600
            if (a, b, minute) in used:
                continue
            used.add((a, b, minute))
            service = a in SERVICES or b in SERVICES
            kind = "sms" if rng.random() < sms_share else "call"
            a_first = True if service else rng.random() < 0.55
            caller, callee = (number_a, number_b) if a_first else (number_b, number_a)
            caller_key, callee_key = (key_a, key_b) if a_first else (key_b, key_a)
            forwarded = (kind == "call" and callee_key == "luis"
                         and rng.random() < FORWARDED_SHARE.get((a, b), 0.0))
            if kind == "sms":
                duration = 0
            elif forwarded:
                duration = rng.randint(8, 40)
            elif service:
                duration = rng.randint(20, 240)
            elif rng.random() < 0.12:
                duration = 0                          # not answered
            else:
                duration = min(2400, max(4, int(rng.lognormvariate(4.1, 0.95))))
            events.append(Event(when.astimezone(UTC), caller, callee, kind, duration, caller_key, callee_key,
                                forwarded))
            made += 1
    events.sort(key=lambda e: (e.when, e.caller, e.callee))
    return events


# ============================================================================================ writing tables


class Table:
    """Rows of one output table; knows each row's number as a person sees it (file line or sheet row)."""

    def __init__(self, fmt: str, delimiter: str = ",", encoding: str = "utf-8") -> None:
        self.fmt = fmt
        self.delimiter = delimiter
        self.encoding = encoding
        self.rows: list[list[object]] = []
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")
        self._line = 1

    def add(self, row: list[object]) -> int:
        """Append a row; returns its row number (the first line of a record with line breaks)."""
        self.rows.append(row)
        if self.fmt == "xlsx":
            return len(self.rows)
        number = self._line
        start = self._buffer.tell()
        self._writer.writerow(["" if v is None else v for v in row])
        self._line += self._buffer.getvalue()[start:].count("\n")
        return number

    def data(self) -> bytes:
        """The file's bytes (CSV/TSV text in the table's encoding, or a workbook)."""
        if self.fmt == "xlsx":
            return xlsx_bytes(self.rows)
        return self._buffer.getvalue().encode(self.encoding)


def _column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


EXCEL_EPOCH = datetime(1899, 12, 30)


def xlsx_bytes(rows: list[list[object]], sheet_name: str = "Sheet1") -> bytes:
    """A minimal, deterministic .xlsx (shared strings, date styles, stored zip entries with fixed times)."""
    strings: dict[str, int] = {}
    body: list[str] = []
    for r, row in enumerate(rows, start=1):
        cells: list[str] = []
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            ref = f"{_column_letter(c)}{r}"
            if isinstance(value, datetime):
                serial = (value - EXCEL_EPOCH).total_seconds() / 86400
                cells.append(f'<c r="{ref}" s="2"><v>{round(serial, 8)!r}</v></c>')
            elif isinstance(value, date):
                cells.append(f'<c r="{ref}" s="1"><v>{(value - EXCEL_EPOCH.date()).days}</v></c>')
            elif isinstance(value, time):
                serial = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
                cells.append(f'<c r="{ref}" s="3"><v>{round(serial, 8)!r}</v></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                index = strings.setdefault(str(value), len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    shared = "".join(
        f'<si><t xml:space="preserve">{escape(s)}</t></si>' if s != s.strip() else f"<si><t>{escape(s)}</t></si>"
        for s in strings)
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<workbook {ns} {rel_ns}><sheets><sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/>'
            '</sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'styles" Target="styles.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/styles.xml": (
            f'<styleSheet {ns}><numFmts count="1"><numFmt numFmtId="164" formatCode="m/d/yyyy h:mm:ss"/>'
            '</numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
            '</fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="4"><xf xfId="0"/><xf numFmtId="14" xfId="0" applyNumberFormat="1"/>'
            '<xf numFmtId="164" xfId="0" applyNumberFormat="1"/><xf numFmtId="21" xfId="0" applyNumberFormat="1"/>'
            '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>'),
        "xl/sharedStrings.xml": f'<sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>',
        "xl/worksheets/sheet1.xml": f'<worksheet {ns}><sheetData>{"".join(body)}</sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, xml in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 0
            info.external_attr = 0
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
    return out.getvalue()


# ============================================================================================ the case builder


class Builder:
    """Writes every source file into memory and collects what the answer key must say about them."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.listing: list[dict[str, str]] = []
        self.indicators: list[dict] = []
        self.events = make_events()
        self.facts: dict[str, object] = {}
        self.rows_of: dict[str, dict] = {}
        self.directory = Directory()
        self.seen: dict[str, list[tuple[date, str, int]]] = defaultdict(list)   # number -> (day, file, row)

    def save(self, name: str, kind: str, description: str, table: Table | bytes) -> None:
        self.files[name] = table if isinstance(table, bytes) else table.data()
        self.listing.append({"file": name, "kind": kind, "description": description})

    def indicator(self, rule: str, file: str, rows: list[int], entities: list[str], note: str) -> None:
        self.indicators.append({"rule": rule, "file": file, "rows": sorted(rows), "entities": entities, "note": note})

    # ------------------------------------------------------------------------------------ phone returns

    def target_events(self, key: str) -> list[Event]:
        """The calls and texts a person's carrier return holds (both parties' returns hold shared ones)."""
        return [e for e in self.events if e.involves(key)]

    def tmobile(self) -> None:
        """The controller's MetroPCS (T-Mobile) return: xlsx, title lines, UTC dates and times, both his numbers."""
        name = "tmobile_return_haskins.xlsx"
        t = Table("xlsx")
        for line in ("T-Mobile USA, Inc. / MetroPCS - Law Enforcement Relations Group",
                     "Call Detail Records with Cell Site Location",
                     "Target Number(s): 2095550101, 2095550144",
                     "Date Range: 03/01/2024 08:00:00 - 06/01/2024 06:59:59 (UTC)",
                     "All times are in UTC (Coordinated Universal Time)"):
            t.add([line])
        t.add([])
        tower = ["LTE Site ID", "LTE Sector ID", "LAC", "Cell ID", "Tower Azimuth", "Tower LAT", "Tower LONG",
                 "Tower Address"]
        t.add(["Date", "(UTC) Time", "Duration", "Call Type", "Direction", "Calling Number", "Dialed Number",
               "Called Number", "Destination Number", "IMSI", "IMEI", "Completion Code", "Service Code",
               "Switch Name", *[f"1st {c}" for c in tower], "City", "State", "Zip",
               *[f"Last {c}" for c in tower], "City", "State", "Zip"])
        rng = stream("tmobile")
        rows: dict[Event, int] = {}
        for e in self.target_events("C"):
            outgoing = e.caller_key == "C"
            own, other = (e.caller, e.callee) if outgoing else (e.callee, e.caller)
            imei, imsi = HANDSETS[own]
            when = e.when
            if e.kind == "sms":
                call_type = rng.choice(["mSOriginatingSMSinMSC", "SMSc"]) if outgoing else rng.choice(
                    ["mSTerminatingSMSinMSC", "mSTerminatingSMSinMSC", "SMSc"])
                service_code = "TS22" if outgoing else "TS21"
            else:
                call_type = rng.choice(["mSOriginating", "mSOriginating", "moc"]) if outgoing else rng.choice(
                    ["mSTerminating", "mSTerminating", "mtc"])
                service_code = "TS11"
            city = city_of("C", when.astimezone(ZONE).date())
            sites = SITES[("tmobile", city)]
            cells: list[object] = [""] * 22
            if e.kind == "call":
                first = rng.choice(sites)
                last = first if rng.random() < 0.75 else rng.choice(sites)
                cells = []
                for site in (first, last):
                    sector = rng.randrange(3)
                    cells += [site.enodeb, sector + 1, site.lac, site.cell * 10 + sector, AZIMUTHS[sector],
                              site.lat, site.lon, site.address, city, "CA", site.zip]
            dialed = national(other) if outgoing and other.startswith("+1") else other
            if not outgoing:
                dialed = national(own)
            rows[e] = t.add([
                when.strftime("%m/%d/%Y"), when.strftime("%H:%M:%S"), e.duration, call_type,
                "Outgoing" if outgoing else "Incoming", as_number(e.caller), dialed, as_number(e.callee),
                as_number(e.callee), imsi, imei, "0" if e.duration or e.kind == "sms" else "16", service_code,
                f"{city[:3].upper()}CA{1 + rng.randrange(2):02d}MSC", *cells])
        t.add([])
        t.add([f"Total Records: {len(rows)}"])
        t.add(["This report contains confidential subscriber information provided in response to legal process. "
               "T-Mobile CDR systems natively use UTC; times have not been converted to the handset's local time."])
        self.rows_of[name] = rows
        self.save(name, "phone", "T-Mobile/MetroPCS return for the controller's two numbers (xlsx, title lines, "
                  "UTC Date and (UTC) Time, tower columns, IMEI/IMSI: the same handset moves to the new number).", t)

    def att(self) -> None:
        """Luis Carranza's AT&T return: one row per leg, '(D)' dialed-number lines, UTC connection times."""
        name = "att_return_carranza.csv"
        t = Table("csv")
        for line in ("AT&T Subpoena Compliance Center", "Voice and SMS Usage For: (510)555-0123; (510)555-0178",
                     "Report Run Date: 06/07/2024", "Conn.Time is UTC. Blank fields or -I are not errors."):
            t.add([line])
        t.add([])
        t.add(["Item", "Conn.Date", "Conn.Time(UTC)", "SeizureTime", "ET", "Originating Number",
               "Terminating Number", "IMEI", "IMSI", "CT", "Feature", "Cell Location"])
        rng = stream("att")
        item = 0
        rows: dict[Event, int] = {}
        legs = Counter()
        for e in self.target_events("luis"):
            own = e.caller if e.caller_key == "luis" else e.callee
            imei, imsi = HANDSETS[own]
            outgoing = e.caller_key == "luis"
            seizure = rng.randint(1, 3) if e.kind == "call" else 0
            conn = e.when + timedelta(seconds=seizure)
            site = rng.choice(SITES[("att", city_of("luis", conn.astimezone(ZONE).date()))])
            location = f"310410-{site.lac}-{site.cell * 10 + rng.randrange(3)}" if e.kind == "call" else ""
            if e.kind == "sms":
                ct = "SMSMO" if outgoing else "SMSMT"
            else:
                ct = "MO" if outgoing else "MT"
            et = f"{e.duration // 60:02d}:{e.duration % 60:02d}"
            base = [conn.strftime("%m/%d/%Y"), conn.strftime("%H:%M:%S"), seizure if e.kind == "call" else "",
                    et, national_eleven(e.caller), national_eleven(e.callee), imei, imsi, ct, "[]", location]
            if e.forwarded:
                item += 1
                rows[e] = t.add([item, *base[:3], "00:00", base[4], base[5], imei, imsi, "MT", "[CFNA]", location])
                item += 1
                t.add([item, *base[:3], et, f"{national_eleven(e.caller)}\n{national_eleven(e.callee)}(D)",
                       national_eleven(ATT_VOICEMAIL), "-I", "-I", "MT", "[CFNA]", ""])
                legs[e] = 2
                continue
            item += 1
            rows[e] = t.add([item, *base])
            legs[e] = 1
            if e.kind == "call" and e.duration and not (e.involves("C")) and rng.random() < 0.12:
                item += 1                             # the same call passed through a second switch
                t.add([item, *base[:9], "[]", "-I"])
                legs[e] = 2
        t.add([])
        t.add(["The information contained here is for use by authorized persons only and is not for general "
               "distribution. AT&T Proprietary (Internal Use Only)."])
        self.rows_of[name] = rows
        self.facts["att_legs"] = {"rows": sum(legs.values()), "calls": len(legs),
                                  "multi_leg_calls": sum(1 for v in legs.values() if v > 1),
                                  "forwarded_to_voicemail": sum(1 for e in legs if e.forwarded)}
        self.save(name, "phone", "AT&T return for a set leader's old and new numbers (csv, one row per leg, '(D)' "
                  "dialed number on a second line of the Originating Number cell, ET as MM:SS, UTC).", t)

    def sprint(self) -> None:
        """A driver's Sprint CDMA return: tab-separated text, M_R roles, sector+cell codes, '11' voicemail prefix."""
        name = "sprint_return_mims.txt"
        t = Table("csv", delimiter="\t")
        for line in ("Sprint Corporate Security - Subpoena Compliance", "CDMA Call Detail Records: 559-555-0126",
                     "Dates and times are local switch time (Pacific)"):
            t.add([line])
        t.add([])
        t.add(["Calling number", "Called number", "Dialed digits", "M_R", "Start Date", "End Date", "Duration",
               "NEID", "Repoll", "First Cell", "Last Cell"])
        rng = stream("sprint")
        rows: dict[Event, int] = {}
        for e in self.target_events("andre"):
            start = e.when.astimezone(ZONE)
            end = start + timedelta(seconds=e.duration)
            outgoing = e.caller_key == "andre"
            called = national(e.callee)
            role = "Outgoing" if outgoing else "Incoming"
            if e.duration == 0 and e.callee.startswith("+1"):
                called = "11" + called                 # rolled to voicemail, not answered
                if not outgoing:
                    role = "Routed"
            sites = SITES[("sprint", city_of("andre", start.date()))]
            first = rng.choice(sites)
            last = first if rng.random() < 0.8 else rng.choice(sites)
            rows[e] = t.add([national(e.caller), called, national(e.callee), role, start.strftime("%m/%d/%Y %H:%M:%S"),
                             end.strftime("%m/%d/%Y %H:%M:%S"), e.duration, 217, 12,
                             f"{rng.randint(1, 3)}{first.cell % 1000:03d}", f"{rng.randint(1, 3)}{last.cell % 1000:03d}"])
        t.add([])
        t.add(["END OF REPORT"])
        self.rows_of[name] = rows
        self.save(name, "phone", "Sprint CDMA return for a driver's phone (tab-separated txt, M_R roles, First/Last "
                  "Cell as sector digit + cell number, '11' prefix = rolled to voicemail, local times).", t)

    def verizon(self) -> None:
        """A bottom's Verizon tower-analysis return: generic column vocabulary, lat/long/azimuth, IMEI and IMSI."""
        name = "verizon_tower_sutter.csv"
        t = Table("csv")
        for line in ("Verizon Wireless - VSAT Legal Compliance", "Tower Analysis Report - MDN 2095550127",
                     "All times Pacific"):
            t.add([line])
        t.add([])
        t.add(["CALLING_NBR", "CALLED_NBR", "DIALED_DIGITS", "START_DATE", "END_DATE", "Duration", "1ST CELL",
               "LAST CELL", "Sector", "Azimuth", "LAC", "CellID", "MCC", "MNC", "Latitude", "Longitude", "IMEI",
               "IMSI", "M_R", "NEID", "Repoll"])
        rng = stream("verizon")
        imei, imsi = HANDSETS["+12095550127"]
        rows: dict[Event, int] = {}
        for e in self.target_events("brianna"):
            start = e.when.astimezone(ZONE)
            end = start + timedelta(seconds=e.duration)
            outgoing = e.caller_key == "brianna"
            sites = SITES[("verizon", city_of("brianna", start.date()))]
            first = rng.choice(sites)
            last = first if rng.random() < 0.8 else rng.choice(sites)
            sector = rng.randrange(3)
            dialed = e.callee if e.callee in SERVICES else national(e.callee)
            if outgoing and e.callee.startswith("+1") and rng.random() < 0.3:
                dialed = "1" + dialed
            rows[e] = t.add([national(e.caller), national(e.callee), dialed, start.strftime("%m/%d/%Y %H:%M:%S"),
                             end.strftime("%m/%d/%Y %H:%M:%S"), e.duration, first.cell % 1000, last.cell % 1000,
                             sector + 1, AZIMUTHS[sector], first.lac, first.cell * 10 + sector, 311, 480,
                             f"{first.lat:.6f}", f"{first.lon:.6f}", imei, imsi,
                             "Outbound" if outgoing else "Inbound", 48, 3])
        t.add([])
        t.add([f"Total Records: {len(rows)}"])
        self.rows_of[name] = rows
        self.save(name, "phone", "Verizon tower-analysis return for a recruiter's phone (csv, CALLING_NBR/CALLED_NBR "
                  "vocabulary, 1ST/LAST CELL, sector, azimuth, latitude/longitude, IMEI and IMSI, local times).", t)

    def analyst(self) -> None:
        """The analyst's From/To/Date/Time sheet of the minor victim's phone (consent download), local times."""
        name = "analyst_sheet_jr_phone.xlsx"
        t = Table("xlsx")
        t.add(["Phone download summary - J.R. handset (guardian consent), 510-555-0162"])
        t.add(["Times are local (Pacific). Calls and messages from the extraction report."])
        t.add([])
        t.add(["From", "To", "Date", "Time", "Duration", "Type", "Contact Name"])
        rng = stream("analyst")
        contacts = {"keisha": "Kiki \U0001f495", "marco": "Marco", "deandre": "Dre (ride)", "destiny": "Diamond",
                    "kayla": "Kandi", "ana": "Mom", "sofia": "Sofi"}
        own = BY_KEY["jasmine"].phones[0]
        rows: dict[Event, int] = {}
        for e in self.target_events("jasmine"):
            when = e.when.astimezone(ZONE)
            other_key = e.callee_key if e.caller_key == "jasmine" else e.caller_key
            other = e.callee if e.caller_key == "jasmine" else e.caller
            style = rng.random()
            other_cell: object = (int(national(other)) if style < 0.35 else written(other, "dash") if style < 0.7
                                  else written(other, "paren") if style < 0.9 else written(other, "plus"))
            own_cell = written(own, "dash")
            ends = [own_cell, other_cell] if e.caller_key == "jasmine" else [other_cell, own_cell]
            hour = when.hour % 12 or 12
            rows[e] = t.add([*ends, when.date(), f"{hour}:{when.minute:02d}:{when.second:02d} "
                             f"{'AM' if when.hour < 12 else 'PM'}", f"{e.duration // 60}:{e.duration % 60:02d}",
                             "SMS" if e.kind == "sms" else "Call", contacts[other_key]])
        t.add([])
        t.add(["Prepared by Det. R. Alvarado, Sample County Human Trafficking Task Force"])
        self.rows_of[name] = rows
        self.save(name, "phone", "Analyst's From/To/Date/Time sheet of the minor victim's phone (xlsx, real date "
                  "cells, 12-hour times, MM:SS durations, numbers in mixed styles and as Excel numbers).", t)

    # ------------------------------------------------------------------------------------ ads

    def ads(self) -> None:
        """Two ad scrapes (JSON lines and CSV): circuits, obscured numbers, reposts, minors, a planted hostile ad."""
        plans = ad_plans()
        jsonl_lines: list[str] = []
        t = Table("csv", encoding="utf-8-sig")
        t.add(["Ad ID", "Post Date", "Site", "Location", "Title", "Body", "Age", "Phone", "Email", "Name", "Rates",
               "Image Hashes"])
        keyed: list[dict] = []
        for plan in plans:
            title, body, text_phone = ad_text(plan)
            field_phone = plan.phone if plan.in_field else None
            if plan.site == "nightlist":
                record = {"ad_id": plan.ad_id, "site": "nightlist.example",
                          "url": f"https://nightlist.example/{plan.city.lower().replace(' ', '-')}/{plan.ad_id}",
                          "posted": plan.when.strftime("%Y-%m-%d %H:%M:%S"), "city": plan.city, "region": "CA",
                          "title": title, "body": body, "age": plan.age,
                          "phones": [written(field_phone, plan.field_style)] if field_phone else [],
                          "email": plan.email, "name": plan.name, "rates": plan.rates, "image_hashes": plan.images}
                jsonl_lines.append(json.dumps(record, ensure_ascii=False))
                file, row = "ads_nightlist.jsonl", len(jsonl_lines)
            else:
                row = t.add([plan.ad_id, plan.when.strftime("%m/%d/%Y %I:%M %p"), "vibelist.example",
                             f"{plan.city}, CA", title, body, plan.age,
                             written(field_phone, plan.field_style) if field_phone else "", plan.email or "",
                             plan.name, plan.rates, ";".join(plan.images)])
                file = "ads_vibelist.csv"
            phones = sorted({p for p in (field_phone, text_phone) if p})
            for number in phones:
                self.seen[number].append((plan.when.date(), file, row))
            keyed.append({"ad_id": plan.ad_id, "file": file, "row": row, "posted": plan.when.strftime("%Y-%m-%dT%H:%M"),
                          "city": plan.city, "name": plan.name, "stated_age": plan.age,
                          "person": BY_KEY[plan.victim].name if plan.victim else None,
                          "phones": phones, "field_phone": field_phone, "text_phone": text_phone,
                          "text_phone_style": plan.text_style if text_phone else None, "email": plan.email,
                          "image_hashes": plan.images, "repost_of": plan.repost_of})
        self.facts["ads"] = keyed
        self.save("ads_nightlist.jsonl", "ads", "Ad scrape as JSON lines (one object per line: phones list, title, "
                  "body with obscured numbers, stated age, rates, image hashes).",
                  ("\n".join(jsonl_lines) + "\n").encode("utf-8"))
        self.save("ads_vibelist.csv", "ads", "Ad scrape as CSV (UTF-8 with BOM, 12-hour post times, ';'-joined image "
                  "hashes); holds the planted hostile ad whose title and body must stay inert in every export.", t)
        by_id = {a["ad_id"]: a for a in keyed}
        obscured = [a for a in keyed if a["text_phone"] and a["text_phone_style"] not in ("plain", "paren")]
        for file in ("ads_nightlist.jsonl", "ads_vibelist.csv"):
            rows = [a["row"] for a in obscured if a["file"] == file]
            self.indicator("ad_obscured_phone", file, rows, sorted({a["text_phone"] for a in obscured
                                                                      if a["file"] == file}),
                           "phone numbers written to dodge search (spelled digits, O/l, emoji, separators)")
        for person in ("jasmine", "kayla"):
            ads_of = [a for a in keyed if a["person"] == BY_KEY[person].name]
            for file in ("ads_nightlist.jsonl", "ads_vibelist.csv"):
                rows = [a["row"] for a in ads_of if a["file"] == file]
                if rows:
                    self.indicator("ad_youth_language", file, rows, [BY_KEY[person].name],
                                   "youth language in ads of a minor who states an adult age")
        for phone in (BY_KEY["keisha"].phones[0], BY_KEY["C"].phones[1], BY_KEY["tasha"].phones[0]):
            hits = [a for a in keyed if phone in a["phones"]]
            for file in ("ads_nightlist.jsonl", "ads_vibelist.csv"):
                rows = [a["row"] for a in hits if a["file"] == file]
                if rows:
                    self.indicator("ad_phone_many_names_cities", file, rows, [phone],
                                   f"one phone across {len({a['name'] for a in hits})} names and "
                                   f"{len({a['city'] for a in hits})} cities")
        consecutive = [a for a in keyed if set(a["phones"]) & set(WORK_PHONES)]
        for file in ("ads_nightlist.jsonl", "ads_vibelist.csv"):
            rows = [a["row"] for a in consecutive if a["file"] == file]
            self.indicator("ad_consecutive_numbers", file, rows, WORK_PHONES,
                           "consecutive numbers 209-555-0150..0153 across ads (phones bought together)")
        pairs = [(a["repost_of"], a["ad_id"]) for a in keyed if a["repost_of"]]
        self.facts["near_duplicate_ads"] = [list(p) for p in pairs]
        for original, repost in pairs:
            rows = defaultdict(list)
            for ad_id in (original, repost):
                rows[by_id[ad_id]["file"]].append(by_id[ad_id]["row"])
            for file, found in sorted(rows.items()):
                self.indicator("ad_near_duplicate", file, found, [original, repost],
                               "the same ad text re-posted under another name or phone")

    # ------------------------------------------------------------------------------------ hotels

    def hotels(self) -> None:
        """Two motel registries: bookers taking several rooms for victims, cash/prepaid, night-by-night extensions."""
        stockton = Table("csv", encoding="cp1252")
        for line in ("Delta Inn & Suites - Guest Registration Export", "Property: 1800 Canal Point Dr, Stockton CA 95206",
                     "Report period 03/01/2024 - 05/31/2024"):
            stockton.add([line])
        stockton.add([])
        stockton.add(["Folio #", "Room", "Guest Name", "Address", "Phone", "Email", "ID Number", "Vehicle Plate",
                      "Arrival", "Departure", "Guests", "Nights", "Rate", "Payment", "Booked By"])
        fresno = Table("xlsx")
        for line in ("SIERRA MOTOR LODGE", "2250 Oak Hollow Dr, Fresno CA 93721", "Registration card export",
                     "Printed for Sample County HTTF"):
            fresno.add([line])
        fresno.add([])
        fresno.add(["Reservation No.", "Room No.", "Guest", "Address", "Phone", "E-mail", "ID/Passport",
                    "License Plate", "Check In", "Check Out", "# Guests", "Nights", "Rate", "Payment Method",
                    "Card Last 4", "Booked By"])
        rng = stream("hotels")
        registrations: list[tuple[str, date, list[object], dict | None]] = []   # (hotel, arrival, row, stay fact)
        stays_key: list[dict] = []
        occupied: set[tuple[str, str, date]] = set()
        for hotel, city, booker, rooms, arrival, departure, payment, nightly in STAYS:
            b = BY_KEY[booker]
            phone = phone_at(booker, arrival)
            address, email, id_number, plate = SUSPECT_DETAILS[booker]
            rate = rng.choice([69.99, 74.99, 79.99, 84.99])
            fact = {"hotel": hotel, "city": city, "booker": b.name, "booker_phone": phone,
                    "arrival": arrival.isoformat(), "departure": departure.isoformat(), "payment": payment,
                    "night_by_night": nightly, "rooms": [], "rows": []}
            stays_key.append(fact)
            folio = rng.randint(40000, 89999)
            for room, guest in rooms:
                g = BY_KEY[guest]
                fact["rooms"].append({"room": str(room), "guest": g.name, "minor": g.minor})
                guest_id = "" if g.minor else id_number_of(guest)      # minors carry no ID
                spans = ([(arrival + timedelta(n), arrival + timedelta(n + 1)) for n in range((departure - arrival).days)]
                         if nightly else [(arrival, departure)])
                for n, (first, last) in enumerate(spans):
                    folio += 1
                    occupied.update((hotel, str(room), first + timedelta(k)) for k in range((last - first).days))
                    base = [str(room), g.name, address, written(phone, rng.choice(["paren", "dash", "ten"])), email,
                            guest_id, plate]
                    registrations.append((hotel, first, [folio, n, base, first, last, 1 if guest == booker else 2,
                                                         (last - first).days, rate, payment, b.name], fact))
                    for day in range((last - first).days + 1):
                        self.seen[phone].append((first + timedelta(day), hotel, 0))
        directory = self.directory
        for hotel, count in ((DELTA, 44), (SIERRA, 34)):
            for _ in range(count):
                guest = directory.person()
                arrival = FIRST_DAY + timedelta(rng.randrange(88))
                nights = rng.choice([1, 1, 2, 2, 3, 4])
                departure = min(arrival + timedelta(nights), LAST_DAY + timedelta(1))
                choices = [str(r) for r in (range(1, 31) if hotel == SIERRA else
                                            (101, 103, 105, 107, 109, 111, 115, 117, 201, 203, 209, 211, 215, 217))]
                nights_taken = [arrival + timedelta(k) for k in range((departure - arrival).days)]
                free = [r for r in choices if not any((hotel, r, d) in occupied for d in nights_taken)]
                room = rng.choice(free)
                occupied.update((hotel, room, d) for d in nights_taken)
                payment = rng.choice(["Visa", "Mastercard", "Visa", "Amex", "Debit"])
                registrations.append((hotel, arrival, [rng.randint(40000, 89999), 0, [
                    str(room), guest.name, guest.address, written(guest.phone, rng.choice(["paren", "dash", "ten"])),
                    guest.email, guest.id_number, guest.plate], arrival, departure, rng.choice([1, 1, 2, 3]),
                    (departure - arrival).days, rng.choice([89.99, 94.99, 99.0, 109.0]), payment, guest.name], None))
        decoy = directory.person(home=("Redding", "CA", "96001"))
        for room in (203, 204):
            registrations.append((DELTA, date(2024, 5, 4), [rng.randint(40000, 89999), 0, [
                str(room), decoy.name, decoy.address, written(decoy.phone, "paren"), decoy.email, decoy.id_number,
                decoy.plate], date(2024, 5, 4), date(2024, 5, 5), 3, 1, 99.0, "Visa", decoy.name], None))
        self.facts["hotel_decoy"] = {"name": decoy.name, "phone": decoy.phone, "note":
                                     "family booking two rooms for one night by credit card: not an indicator"}
        registrations.sort(key=lambda r: (r[0], r[1], r[2][2][0], r[2][0]))
        for hotel, _, (folio, n, base, first, last, guests, nights, rate, payment, booked_by), fact in registrations:
            if hotel == DELTA:
                number = f"F{folio}" + (f"-{n + 1}" if fact and fact["night_by_night"] else "")
                row = stockton.add([number, *base, first.strftime("%m/%d/%Y"), last.strftime("%m/%d/%Y"), guests,
                                    nights, f"${rate:.2f}", payment, booked_by])
                file = "hotel_delta_inn_stockton.csv"
            else:
                last4 = "5120" if payment == "Prepaid card" else ("" if payment == "Cash" else str(folio)[-4:])
                row = fresno.add([f"SML-{folio}", *base, first, last, guests, nights, rate, payment, last4,
                                  booked_by])
                file = "hotel_sierra_motor_lodge_fresno.xlsx"
            if fact is not None:
                fact["rows"].append(row)
                fact["file"] = file
        stockton.add([])
        stockton.add([f"Total registrations: {sum(1 for r in registrations if r[0] == DELTA)}"])
        fresno.add([])
        fresno.add(["Confidential - produced in response to legal process"])
        for fact in stays_key:
            fact["rows"].sort()
            names = [fact["booker"]] + [r["guest"] for r in fact["rooms"]]
            if len(fact["rooms"]) > 1:
                self.indicator("hotel_one_booker_several_rooms", fact["file"], fact["rows"], sorted(set(names)),
                               f"{fact['booker']} booked {len(fact['rooms'])} rooms for the same nights")
            if fact["payment"] in ("Cash", "Prepaid card"):
                self.indicator("hotel_cash_or_prepaid", fact["file"], fact["rows"], [fact["booker"]],
                               f"paid by {fact['payment'].lower()}")
            if fact["night_by_night"]:
                self.indicator("hotel_night_by_night_extensions", fact["file"], fact["rows"], [fact["booker"]],
                               "the stay extended one night at a time")
            minors = [r["guest"] for r in fact["rooms"] if r["minor"]]
            if minors:
                self.indicator("hotel_minor_in_room_booked_by_other", fact["file"], fact["rows"],
                               sorted(set(minors + [fact["booker"]])), "a minor in a room another adult booked")
        self.facts["hotel_stays"] = stays_key
        self.save("hotel_delta_inn_stockton.csv", "hotel", "Stockton motel registry (csv in cp1252, title lines, "
                  "folios; night-by-night folios F#####-n; several rooms booked by one person; cash and prepaid).",
                  stockton)
        self.save("hotel_sierra_motor_lodge_fresno.xlsx", "hotel", "Fresno motel registration export (xlsx, title "
                  "lines, real date cells, card last four; the circuit's Fresno stop and a leader's bookings).", fresno)

    # ------------------------------------------------------------------------------------ money

    def cashapp(self) -> None:
        """The controller's Cash App CSV: victims' earnings and many strangers paying in, upkeep paid out."""
        name = "cashapp_haskins.csv"
        rng = stream("cashapp")
        items: list[tuple[datetime, str, float, str, str, str, str]] = []   # when, type, amount, name, notes, acct, cat

        def when_on(day: date, night: bool = True) -> datetime:
            return pick_time(rng, day, night)

        for key, count, low, high in (("amber", 10, 200, 700), ("tiana", 8, 200, 650), ("destiny", 5, 250, 600),
                                      ("keisha", 8, 800, 1500), ("tasha", 6, 500, 1200), ("maria", 3, 200, 500)):
            for _ in range(count):
                items.append((when_on(FIRST_DAY + timedelta(rng.randrange(92))), "Received P2P",
                              float(rng.randrange(low, high, 10)), BY_KEY[key].name,
                              rng.choice(["", "\U0001f4af", "for today", "\U0001f4b0", "all of it", "daddy"]), "Your Cash",
                              "earnings"))
        johns = [self.directory.person() for _ in range(30)]
        self.facts["cashapp_strangers"] = [j.name for j in johns]
        for john in johns:
            for _ in range(rng.choice([1, 1, 2])):
                items.append((when_on(FIRST_DAY + timedelta(rng.randrange(92))), "Received P2P",
                              float(rng.randrange(60, 310, 20)), john.name,
                              rng.choice(["\U0001f339", "", "thx", "tonight", "\U0001f339\U0001f339", "for earlier"]),
                              "Your Cash", "p2p_in"))
        for key, count, low, high, note in (("victor", 6, 100, 210, "gas"), ("deandre", 3, 120, 200, "ride"),
                                            ("loretta", 2, 150, 160, "bills mom")):
            for _ in range(count):
                items.append((when_on(FIRST_DAY + timedelta(rng.randrange(92)), key != "loretta"), "Sent P2P",
                              -float(rng.randrange(low, high, 10)), BY_KEY[key].name, note, "Your Cash", "p2p_out"))
        for merchant, category, count, low, high in CASHAPP_MERCHANTS:
            for _ in range(count):
                items.append((when_on(FIRST_DAY + timedelta(rng.randrange(92))), "Cash Card Debit",
                              -round(rng.uniform(low, high), 2), merchant, "", "Visa Debit 4471", category))
        for day, amount in CASH_OUTS:
            items.append((local(day, 9, rng.randrange(60), rng.randrange(60)), "Cash out", -amount,
                          "", "", "Checking 8830", "cash_out"))
        items.sort(key=lambda i: (i[0], i[3]), reverse=True)
        t = Table("csv")
        t.add(["Transaction ID", "Date", "Transaction Type", "Currency", "Amount", "Fee", "Net Amount", "Asset Type",
               "Asset Price", "Asset Amount", "Status", "Notes", "Name of sender/receiver", "Account"])
        category_rows: dict[str, list[int]] = defaultdict(list)
        for when, kind, amount, who, notes, account, category in items:
            abbrev = when.tzname()
            money = f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"
            row = t.add([digest("cashapp", when, who)[:7], f"{when:%Y-%m-%d %H:%M:%S} {abbrev}", kind, "USD", money,
                         "$0", money, "", "", "", "COMPLETE", notes, who, account])
            category_rows[category].append(row)
        self.facts["cashapp_categories"] = {k: sorted(v) for k, v in sorted(category_rows.items())}
        self.indicator("many_senders_one_beneficiary", name, category_rows["p2p_in"] + category_rows["earnings"],
                       [BY_KEY["C"].name], f"{len(johns) + 6} different senders paying one Cash App account")
        self.indicator("escort_ad_payments", name, category_rows["escort_ads"], [BY_KEY["C"].name],
                       "frequent small payments to escort/classified ad sites")
        self.indicator("prepaid_cards", name, category_rows["prepaid_card"], [BY_KEY["C"].name],
                       "prepaid gift cards bought in small repeated amounts")
        self.save(name, "finance", "Cash App CSV of the controller ($BossD209): its real header, dates with PDT/PST, "
                  "amounts like -$2.90; victims' earnings and 30 strangers paying in; motels, rides, food, ad sites.", t)

    def venmo(self) -> None:
        """The HSM bottom's Venmo statement: title rows, blank first header cell, balance row and disclaimer;
        times in UTC, as Venmo writes them."""
        name = "venmo_lamb.csv"
        rng = stream("venmo")
        keisha = BY_KEY["keisha"].name
        items: list[tuple[datetime, str, str, str, float, str]] = []       # when, from, to, note, signed amount, type
        for key, count, low, high in (("jasmine", 8, 100, 310), ("destiny", 8, 100, 360), ("nicole", 5, 80, 260)):
            for _ in range(count):
                items.append((pick_time(rng, FIRST_DAY + timedelta(rng.randrange(92)), True), BY_KEY[key].name, keisha,
                              rng.choice(["\U0001f354", "room", "\U0001f618", "\U0001f485", "for the week"]),
                              float(rng.randrange(low, high, 10)), "Payment"))
        for stranger in (self.directory.person() for _ in range(12)):
            items.append((pick_time(rng, FIRST_DAY + timedelta(rng.randrange(92)), True), stranger.name, keisha,
                          rng.choice(["\U0001f339", "dinner", "\U0001f609", "thanks"]), float(rng.randrange(80, 260, 20)),
                          "Payment"))
        for key, count, low, high, notes in (("C", 6, 400, 810, ["\U0001f4af", "rent", "weekly", "\U0001f4b0"]),
                                             ("deandre", 4, 60, 130, ["gas \u26fd"]), ("marco", 2, 200, 210, ["\U0001f91d"])):
            for _ in range(count):
                items.append((pick_time(rng, FIRST_DAY + timedelta(rng.randrange(92)), True), keisha, BY_KEY[key].name,
                              rng.choice(notes), -float(rng.randrange(low, high, 10)), "Payment"))
        for day in (date(2024, 3, 18), date(2024, 4, 15), date(2024, 5, 20)):
            items.append((local(day, 10, 2, 11), keisha, "", "", -300.0, "Standard Transfer"))
        items.sort(key=lambda i: (i[0], i[1], i[2]))
        t = Table("csv")
        t.add(["Account Statement - (@Keisha-Lamb-510) - March 1st to May 31st 2024"])
        t.add(["Account Activity"])
        header = ["", "ID", "Datetime", "Type", "Status", "Note", "From", "To", "Amount (total)", "Amount (tip)",
                  "Amount (tax)", "Amount (fee)", "Tax Rate", "Tax Exempt", "Funding Source", "Destination",
                  "Beginning Balance", "Ending Balance", "Statement Period Venmo Fees", "Terminal Location",
                  "Year to Date Venmo Fees", "Disclaimer"]
        t.add(header)
        width = len(header)
        t.add(["", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "$42.18", "", "", "", "", ""])
        balance = 42.18
        to_controller: list[int] = []
        from_victims: list[int] = []
        bank = "Golden State Credit Union Personal Checking *0217"
        for when, sender, receiver, note, amount, kind in items:
            outgoing = amount < 0
            if kind == "Standard Transfer" and balance + amount < 0:
                continue                                        # nothing to cash out that day
            funding, destination = "", "Venmo balance"
            if outgoing:
                destination = bank if kind == "Standard Transfer" else ""
                if kind == "Payment":
                    funding = "Venmo balance" if balance + amount >= 0 else bank
            if funding != bank:
                balance = round(balance + amount, 2)
            sign = "+" if amount > 0 else "-"
            row = t.add(["", str(int(digest("venmo", when, sender)[:12], 16) % 10 ** 19).zfill(19),
                         when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), kind,   # Venmo writes UTC
                         "Complete" if kind == "Payment" else "Issued",
                         note, sender, receiver, f"{sign} ${abs(amount):,.2f}", "", "0", "", "0", "", funding,
                         destination, "", "", "", "Venmo", "", ""])
            if receiver == BY_KEY["C"].name:
                to_controller.append(row)
            if sender in (BY_KEY["jasmine"].name, BY_KEY["destiny"].name, BY_KEY["nicole"].name):
                from_victims.append(row)
        closing = [""] * width
        closing[17] = f"${balance:,.2f}"
        closing[18] = "$0.00"
        closing[20] = "$0.00"
        closing[21] = ("In case of errors or questions about your electronic transfers: This is a record of your "
                       "Venmo account activity for the period shown.")
        t.add(closing)
        self.indicator("earnings_routed_to_controller", name, from_victims + to_controller,
                       [BY_KEY["keisha"].name, BY_KEY["C"].name],
                       "victims pay the bottom, who pays the controller")
        self.facts["venmo_balance"] = {"beginning": 42.18, "ending": round(balance, 2)}
        self.save(name, "finance", "Venmo statement CSV of the Harbor Street Mob's bottom: two title rows, a header "
                  "whose first cell is blank, a beginning-balance row, '+ $20.00' amounts, a disclaimer last.", t)

    def bank(self) -> None:
        """The controller's front business account: no payroll, structured cash deposits, upkeep of the girls."""
        name = "bank_haskins_detailing.xlsx"
        rng = stream("bank")
        items: list[tuple[date, str, float, str]] = []                 # day, description, signed amount, category
        for day, city, amount in STRUCTURED_DEPOSITS:
            items.append((day, f"CASH DEPOSIT - BRANCH #{BRANCHES[city]} {city.upper()} CA", amount, "cash_deposit"))
            items.append((day + timedelta(rng.choice([1, 2])),
                          f"COUNTER WITHDRAWAL - BRANCH #{BRANCHES['Stockton']} STOCKTON CA",
                          -float(rng.randrange(5000, 9000, 100)), "cash_withdrawal"))
        for day, amount in CASH_OUTS:
            items.append((day + timedelta(1), "CASH APP*CASH OUT TRANSFER DARNELL HASKINS", amount, "p2p_transfer"))
        for template, category, count, low, high in BANK_DEBITS:
            for _ in range(count):
                day = FIRST_DAY + timedelta(rng.randrange(92))
                items.append((day, template.format(mmdd=day.strftime("%m%d"), store=rng.randint(1000, 9999)),
                              -round(rng.uniform(low, high), 2), category))
        for day, amount in ((date(2024, 4, 1), 3500.0), (date(2024, 5, 6), 4200.0)):
            items.append((day, f"WIRE TRANSFER OUT BNF: JAMAL PRUITT REF {day:%y%m%d}0087 FRESNO CA", -amount, "wire"))
            items.append((day, "WIRE TRANSFER FEE", -30.0, "bank_fee"))
        for _ in range(5):
            day = FIRST_DAY + timedelta(rng.randrange(92))
            amount = float(rng.choice([200, 300, 400, 500]))
            items.append((day, f"ATM WITHDRAWAL #{rng.randint(100, 999)} STOCKTON CA", -amount, "cash_withdrawal"))
        items.sort(key=lambda i: (i[0], -i[2], i[1]))
        opening, running, low_point = 1843.22, 1843.22, 1843.22
        for _, _, amount, _ in items:
            running += amount
            low_point = min(low_point, running)
        if low_point < 250:
            opening += round(250 - low_point, 2)
        t = Table("xlsx")
        for line in ("SAN JOAQUIN MUTUAL BANK", "Business Checking Statement", "HASKINS MOBILE DETAILING LLC",
                     "Account Number: XXXXXX8830", "Statement Period: 03/01/2024 through 05/31/2024"):
            t.add([line])
        t.add([])
        t.add(["Date", "Description", "Debit", "Credit", "Balance"])
        t.add([FIRST_DAY, "BEGINNING BALANCE", None, None, round(opening, 2)])
        balance = opening
        category_rows: dict[str, list[int]] = defaultdict(list)
        debits = credits = 0.0
        for day, description, amount, category in items:
            balance = round(balance + amount, 2)
            debit, credit = (-amount, None) if amount < 0 else (None, amount)
            debits += debit or 0.0
            credits += credit or 0.0
            category_rows[category].append(t.add([day, description, debit, credit, balance]))
        t.add([LAST_DAY, "ENDING BALANCE", None, None, balance])
        t.add([])
        t.add([None, "Total Debits", round(debits, 2)])
        t.add([None, "Total Credits", None, round(credits, 2)])
        t.add(["This statement is provided for the account holder. Please examine it promptly and report errors "
               "within 60 days."])
        self.facts["bank_categories"] = {k: sorted(v) for k, v in sorted(category_rows.items())}
        self.facts["bank_balances"] = {"beginning": round(opening, 2), "ending": balance,
                                       "total_debits": round(debits, 2), "total_credits": round(credits, 2)}
        self.indicator("structuring", name, category_rows["cash_deposit"], ["HASKINS MOBILE DETAILING LLC"],
                       "cash deposits kept just under 10,000 USD")
        funnel = category_rows["cash_deposit"] + [r for r, (_, d, _, _) in zip(category_rows["cash_withdrawal"], [
            i for i in items if i[3] == "cash_withdrawal"], strict=True) if "COUNTER" in d]
        self.indicator("funnel_account", name, funnel, ["HASKINS MOBILE DETAILING LLC"],
                       "deposits in Fresno, Sacramento and Bakersfield withdrawn in Stockton a day or two later")
        self.indicator("escort_ad_payments", name, category_rows["escort_ads"], ["HASKINS MOBILE DETAILING LLC"],
                       "payments to escort/classified ad sites")
        upkeep = sorted(sum((category_rows[c] for c in ("lodging", "ride_hail", "car_rental", "fast_food",
                                                        "pharmacy")), []))
        self.indicator("paying_others_upkeep", name, upkeep, ["HASKINS MOBILE DETAILING LLC"],
                       "motels, rides, rental cars, fast food and pharmacies paid by a business with no payroll")
        self.indicator("prepaid_cards", name, category_rows["prepaid_card"], ["HASKINS MOBILE DETAILING LLC"],
                       "prepaid card loads in small repeated amounts")
        self.save(name, "finance", "Business checking statement (xlsx: title lines, Date/Description/Debit/Credit/"
                  "Balance, beginning and ending balance rows, totals and a disclaimer below; real date cells).", t)

    def transfers(self) -> None:
        """A money-transfer agent's records: MTCNs, victims and bottoms wiring to the controller's phone and name."""
        name = "money_transfers_quicksend.csv"
        rng = stream("transfers")
        c = BY_KEY["C"]
        rows: list[tuple[datetime, list[object], str | None]] = []
        c_address = SUSPECT_DETAILS["C"][0]
        old_last = self.call_span(c.phones[0])[1].astimezone(ZONE).date()
        new_first = self.call_span(c.phones[1])[0].astimezone(ZONE).date()
        for key, count in (("maria", 4), ("crystal", 3), ("brittany", 2), ("tasha", 4), ("keisha", 3),
                           ("destiny", 2), ("jamal", 2)):
            p = BY_KEY[key]
            for _ in range(count):
                while True:      # never on the day a number starts or stops: its calls bound it
                    day = FIRST_DAY + timedelta(rng.randrange(90))
                    if phone_at("C", day) == c.phones[0] and day < old_last or (
                            phone_at("C", day) == c.phones[1] and day > new_first):
                        break
                when = local(day, rng.randint(10, 19), rng.randrange(60), rng.randrange(60))
                amount = float(rng.randrange(300, 1900, 50)) if key != "jamal" else float(rng.randrange(2000, 2900, 100))
                sender_city = city_of(key, day) if key in TRAVEL else p.home
                receiver_phone = phone_at("C", day)
                self.seen[receiver_phone].append((day, name, 0))
                rows.append((when, [
                    p.name, SUSPECT_DETAILS.get(key, (f"{rng.randint(100, 4999)} {rng.choice(STREETS)}, {sender_city}, "
                                                      f"CA {CITIES[sender_city][2]}",))[0],
                    written(p.phones[0], "ten"), c.name, c_address, written(receiver_phone, "ten"), "Stockton", "CA",
                    "USA", amount, round(5 + amount * 0.012, 2), "USD", "1.0000", amount, "USD"], key))
        for _ in range(14):
            sender = self.directory.person("209", home=("Stockton", "CA", "95205"))
            when = local(FIRST_DAY + timedelta(rng.randrange(92)), rng.randint(9, 19), rng.randrange(60), 0)
            country, city, rate, currency = rng.choice(REMITTANCE_PAYOUTS)
            amount = float(rng.randrange(100, 800, 25))
            receiver = self.directory.person()
            rows.append((when, [sender.name, sender.address, written(sender.phone, "ten"), receiver.name, "", "", city,
                                "", country, amount, round(5 + amount * 0.015, 2), "USD", f"{rate:.4f}",
                                round(amount * rate, 2), currency], None))
        rows.sort(key=lambda r: (r[0], r[1][0]))
        t = Table("csv")
        t.add(["QuickSend Money Transfer - Law Enforcement Response"])
        t.add(["Agent location: Delta Check Cashing #12, Stockton CA - all send and pay transactions"])
        t.add([])
        t.add(["MTCN", "Date", "Time", "Sender Name", "Sender Address", "Sender Phone", "Receiver Name",
               "Receiver Address", "Receiver Phone", "Payout City", "Payout State", "Payout Country", "Amount", "Fee",
               "Currency", "Exchange Rate", "Payout Amount", "Payout Currency"])
        to_controller: list[int] = []
        for when, cells, key in rows:
            mtcn = str(int(digest("mtcn", when, cells[0])[:10], 16) % 10 ** 10).zfill(10)
            row = t.add([mtcn, when.strftime("%m/%d/%Y"), when.strftime("%H:%M"), *cells[:9],
                         f"{cells[9]:.2f}", f"{cells[10]:.2f}", cells[11], cells[12], f"{cells[13]:.2f}", cells[14]])
            if key:
                to_controller.append(row)
        t.add([])
        t.add([f"Total transactions: {len(rows)}"])
        self.indicator("earnings_routed_to_controller", name, to_controller, [c.name],
                       "victims, bottoms and a leader wiring money to the controller")
        self.save(name, "finance", "Money-transfer agent records (csv: MTCN, sender and receiver with address and "
                  "phone, payout city/country, amount, fee, exchange rate); victims wire to the controller's phone.", t)

    # ------------------------------------------------------------------------------------ roster and links

    def roster(self) -> None:
        """A business-compliance roster: a nail salon and a restaurant whose workers share an address, a phone, an account."""
        name = "roster_business_compliance.csv"
        rng = stream("roster")
        t = Table("csv")
        t.add(["San Joaquin County Labor Compliance Task Force - Worker Roster"])
        t.add(["Inspections 04/17/2024 - 04/19/2024"])
        t.add([])
        t.add(["Worker Name", "Date of Birth", "Address", "Phone", "Employer", "Employer Address", "Role", "Pay",
               "Pay Frequency", "Pay Account", "Hire Date"])
        manager = ROSTER_MANAGER
        shared_rows: list[int] = []
        shared: dict[str, dict] = {}
        for business, address, phone, workers, role, pay in ROSTER_SHARED:
            entry = shared.setdefault(business, {"employer": business, "address": address, "phone": phone,
                                                  "account": ROSTER_ACCOUNT, "workers": []})
            for worker in workers:
                born = date(rng.randint(1978, 2003), rng.randint(1, 12), rng.randint(1, 28))
                shared_rows.append(t.add([worker, born.strftime("%m/%d/%Y"), address, written(phone, "dash"), business,
                                          EMPLOYER_ADDRESSES[business], role, pay, "Weekly", ROSTER_ACCOUNT,
                                          date(2023, rng.randint(1, 12), rng.randint(1, 28)).strftime("%m/%d/%Y")]))
                entry["workers"].append(worker)
        manager_row = t.add([manager[0], "09/14/1971", manager[1], written(manager[2], "dash"), "Golden Lotus Nail Spa",
                             EMPLOYER_ADDRESSES["Golden Lotus Nail Spa"], "Manager / owner", "$1,800.00", "Weekly",
                             ROSTER_ACCOUNT, "01/10/2019"])
        legit_workers: list[dict] = []
        for business, count, home in (("Rio Verde Taqueria", 6, ("Modesto", "CA", "95351")),
                                      ("Sunrise Car Wash", 4, ("Stockton", "CA", "95204"))):
            for _ in range(count):
                w = self.directory.person("209", home=home)
                born = date(rng.randint(1965, 2003), rng.randint(1, 12), rng.randint(1, 28))
                account = f"XXXX{rng.randint(1000, 9999)}"
                pay = "$17.50/hr" if business == "Rio Verde Taqueria" else "$16.75/hr"
                t.add([w.name, born.strftime("%m/%d/%Y"), w.address, written(w.phone, "dash"), business,
                       EMPLOYER_ADDRESSES[business], rng.choice(["Cook", "Server", "Cashier", "Prep"]) if
                       business == "Rio Verde Taqueria" else "Attendant", pay, "Biweekly", account,
                       date(rng.randint(2019, 2023), rng.randint(1, 12), rng.randint(1, 28)).strftime("%m/%d/%Y")])
                legit_workers.append({"name": w.name, "phone": w.phone, "employer": business})
        t.add([])
        t.add([f"Total workers listed: {len(shared_rows) + 1 + len(legit_workers)}"])
        self.facts["shared_address_workers"] = {
            "account": ROSTER_ACCOUNT, "controller": manager[0], "controller_phone": manager[2],
            "groups": list(shared.values()), "legitimate_workers": legit_workers}
        for business, entry in shared.items():
            rows = [r for r, w in zip(shared_rows, [w for e in shared.values() for w in e["workers"]], strict=True)
                    if w in entry["workers"]]
            self.indicator("workers_share_address_and_phone", name, rows, [entry["address"], entry["phone"]],
                           f"{len(rows)} workers of {business} registered at one address with one phone")
        self.indicator("wages_into_one_account", name, shared_rows + [manager_row], [ROSTER_ACCOUNT, manager[0]],
                       "wages of workers at two businesses paid into the manager's one account")
        self.save(name, "roster", "Labour-trafficking compliance roster (csv: worker, address, phone, employer, role, "
                  "pay, pay account): salon and restaurant workers sharing two addresses, two phones, one account.", t)

    def links(self) -> None:
        """The gang-intelligence sheet and the analyst's phone-attribution sheet."""
        t = Table("csv")
        t.add(["Person A", "Person B", "Relationship", "Date", "Source notes"])
        for row in ASSOCIATES:
            t.add(list(row))
        self.save("associates.csv", "links", "Gang-intelligence sheet (Person A, Person B, Relationship, Date, Source "
                  "notes): member_of rows to the three sets, associates, family, a historic rivalry.", t)
        a = Table("csv")
        a.add(["Source", "Source Type", "Target", "Target Type", "Relationship", "Date", "Notes"])
        for key, number, day, note in ATTRIBUTION:
            a.add([BY_KEY[key].name, "Person", written(number, "paren"), "Phone", "uses", day.isoformat(), note])
            self.seen[number].append((day, "phone_attribution.csv", 0))
        self.save("phone_attribution.csv", "links", "Analyst's phone attribution sheet (per-row Source/Target Type: "
                  "Person uses Phone), from subscriber returns, interviews and booking sheets.", a)

    # ------------------------------------------------------------------------------------ answer key

    def call_span(self, number: str) -> tuple[datetime, datetime]:
        """First and last call or text of a number across all phone records (UTC)."""
        times = [e.when for e in self.events if number in (e.caller, e.callee)]
        return min(times), max(times)

    def swaps_key(self) -> list[dict]:
        swaps = []
        for key, old, new, _, _, imei in SWAPS:
            old_first, old_last = self.call_span(old)
            new_first, new_last = self.call_span(new)
            for number, first, last in ((old, old_first, old_last - timedelta(1)), (new, new_first + timedelta(1),
                                                                                      new_last)):
                for day, file, _ in self.seen[number]:
                    if not first.astimezone(ZONE).date() <= day <= last.astimezone(ZONE).date():
                        raise ValueError(f"{number} appears in {file} on {day}, outside the days of its calls")
            contacts = {}
            for number in (old, new):
                contacts[number] = {e.callee if e.caller == number else e.caller
                                    for e in self.events if number in (e.caller, e.callee)}
            shared = sorted(c for c in contacts[old] & contacts[new] if c not in SERVICES and c not in (old, new))
            swaps.append({
                "person": BY_KEY[key].name, "old": old, "new": new,
                "last_seen_old": old_last.astimezone(ZONE).isoformat(), "first_seen_new": new_first.astimezone(ZONE).isoformat(),
                "last_seen_old_utc": old_last.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "first_seen_new_utc": new_first.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "shared_imei": imei, "shared_contacts": shared,
            })
        return swaps

    def city_sequences(self) -> dict[str, list[list[str]]]:
        """Every phone advertised in more than one city: its (date, city) stops in order, repeats of a city folded."""
        stops: dict[str, list[list[str]]] = defaultdict(list)
        for ad in sorted(self.facts["ads"], key=lambda a: (a["posted"], a["ad_id"])):
            for phone in ad["phones"]:
                if not stops[phone] or stops[phone][-1][1] != ad["city"]:
                    stops[phone].append([ad["posted"][:10], ad["city"]])
        return {phone: seq for phone, seq in sorted(stops.items()) if len({city for _, city in seq}) > 1}

    def answer_key(self) -> dict:
        """Everything a test of the importers and the analysis needs to check the results exactly."""
        def person(p: Person) -> dict:
            return {"name": p.name, "role": p.role, "set": p.group, "phones": list(p.phones), "age": p.age,
                    "minor": p.minor, "aliases": list(p.aliases)}

        duplicates = [e for e in self.events if e.involves("C") and e.involves("luis")]
        tmobile_rows, att_rows = self.rows_of["tmobile_return_haskins.xlsx"], self.rows_of["att_return_carranza.csv"]
        hostile = [a for a in self.facts["ads"] if a["name"] == "Candy" and a["file"] == "ads_vibelist.csv"]
        controller = BY_KEY["C"]
        return {
            "case": CASE_NAME,
            "generator": {"module": "sample_cases.generate", "seed": SEED},
            "timezone": ZONE_NAME,
            "region": "US",
            "period": {"first_day": FIRST_DAY.isoformat(), "last_day": LAST_DAY.isoformat()},
            "files": self.listing,
            "controller": {"name": controller.name, "aliases": controller.aliases, "phones": controller.phones,
                           "current_phone": controller.phones[1], "imei": SWAPS[0][5],
                           "business": "HASKINS MOBILE DETAILING LLC", "cashapp": "$BossD209"},
            "leaders": [{"name": p.name, "set": p.group, "aliases": p.aliases, "phones": p.phones}
                        for p in CAST if p.role == "leader"],
            "sets": [{"name": s, "members": [p.name for p in CAST if p.group == s and p.role != "victim"],
                      "victims": [p.name for p in CAST if p.group == s and p.role == "victim"]}
                     for s in (PSK, HSM, SAP)],
            "people": [person(p) for p in CAST if not p.innocent],
            "victims": [{"name": p.name, "minor": p.minor, "age": p.age, "set": p.group, "phones": p.phones,
                         "ad_names": p.aliases} for p in CAST if p.role == "victim"],
            "phone_swaps": self.swaps_key(),
            "devices": [{"imei": imei, "imsi": imsi, "phone": number} for number, (imei, imsi) in HANDSETS.items()],
            "duplicate_calls": len(duplicates),
            "duplicate_call_detail": {
                "files": ["tmobile_return_haskins.xlsx", "att_return_carranza.csv"],
                "calls": sum(1 for e in duplicates if e.kind == "call"),
                "texts": sum(1 for e in duplicates if e.kind == "sms"),
                "tmobile_rows": sorted(tmobile_rows[e] for e in duplicates),
                "att_rows": sorted(att_rows[e] for e in duplicates),
                "att_time_offset_seconds": "0 to 3 (AT&T gives connection time, T-Mobile origination time)",
            },
            "phone_events": {file: {"events": len(rows), "calls": sum(1 for e in rows if e.kind == "call"),
                                    "texts": sum(1 for e in rows if e.kind == "sms")}
                             for file, rows in self.rows_of.items()},
            "distinct_events": len(self.events),
            "att_legs": self.facts["att_legs"],
            "circuits": [{"phone": phone, "run_by": BY_KEY[owner].name, "cities": [c for c, _ in stops],
                          "dates": [d.isoformat() for _, d in stops],
                          "advertised": [BY_KEY[v].name for v, _ in girls]} for owner, phone, stops, girls in CIRCUITS],
            "ad_city_sequences": self.city_sequences(),
            "ads": self.facts["ads"],
            "near_duplicate_ads": self.facts["near_duplicate_ads"],
            "near_duplicate_note": "apart from these pairs no two ads share more than one of their five sentences",
            "consecutive_ad_phones": WORK_PHONES,
            "malicious_ad_id": hostile[0]["ad_id"],
            "malicious_ad": {"file": hostile[0]["file"], "row": hostile[0]["row"],
                             "payloads": ['=HYPERLINK("http://evil.example","x")', "<script>alert(1)</script>",
                                          '<img src="http://evil.example/p.png" onerror="alert(2)">']},
            "hotel_stays": self.facts["hotel_stays"],
            "hotel_decoy": self.facts["hotel_decoy"],
            "cashapp_categories": self.facts["cashapp_categories"],
            "bank_categories": self.facts["bank_categories"],
            "bank_balances": self.facts["bank_balances"],
            "venmo_balance": self.facts["venmo_balance"],
            "shared_address_workers": self.facts["shared_address_workers"],
            "service_numbers": SERVICE_NUMBERS,
            "innocents": [{"name": p.name, "kind": p.role, "phones": p.phones} for p in CAST if p.innocent]
                         + [{"name": self.facts["hotel_decoy"]["name"], "kind": "hotel guest",
                             "phones": [self.facts["hotel_decoy"]["phone"]]}],
            "unrelated_ad_phones": UNRELATED_PHONES,
            "indicators": self.indicators,
        }


@dataclass
class AdPlan:
    """What one ad says: where, when, who, which phone and how it is written."""

    ad_id: str
    site: str
    when: datetime
    city: str
    victim: str | None
    name: str
    age: int
    phone: str
    text_style: str | None        # how the phone is written in the body (None: not in the text)
    in_field: bool
    field_style: str
    template: tuple[int, ...]
    rates: str
    images: list[str]
    email: str | None = None
    repost_of: str | None = None
    hostile: bool = False


CIRCUITS = [
    ("keisha", BY_KEY["keisha"].phones[0], [("Oakland", date(2024, 4, 2)), ("Stockton", date(2024, 4, 5)),
                                            ("Sacramento", date(2024, 4, 8)), ("Fresno", date(2024, 4, 11)),
                                            ("Bakersfield", date(2024, 4, 14))], [("jasmine", "Lexi"), ("destiny", "Diamond")]),
    ("C", BY_KEY["C"].phones[1], [("Stockton", date(2024, 4, 20)), ("Modesto", date(2024, 4, 23)),
                                  ("San Jose", date(2024, 4, 26)), ("Oakland", date(2024, 4, 29)),
                                  ("Sacramento", date(2024, 5, 2))], [("amber", "Honey"), ("tiana", "Tee")]),
]
TEXT_STYLES = ["plain", "dots_o", "spelled_mix", "keycaps", "keycaps_spaced", "spaced", "letters", "kisses",
               "words", "oh_words", "circled", "fullwidth", "dot_words", "paren", "tilde", "pipes"]
STATED_AGE = {"jasmine": 19, "kayla": 19, "amber": 21, "tiana": 21, "destiny": 22, "nicole": 20, "maria": 24,
              "crystal": 23, "brittany": 21, "brianna": 24}
UNRELATED_PHONES = ["+19165550121", "+14085550134", "+16615550142", "+17075550155", "+19165550163",
                    "+14085550170", "+16615550178", "+17075550183", "+19165550186", "+14085550191", "+16615550196",
                    "+17075550198", "+19165550199"]
UNRELATED_NAMES = ["Skye", "Raven", "Monroe", "Jade", "Gigi", "Paris", "Ivy", "Roxy", "Luna", "Star", "Coco", "Bella"]


def ad_plans() -> list[AdPlan]:
    """Every ad of both scrapes, in posting order (circuits, set ads, unrelated ads, reposts and the hostile ad)."""
    rng = stream("ad-plans")
    plans: list[AdPlan] = []
    images = {k: [digest("img", k, n) for n in range(3)] for k in STATED_AGE}
    used: list[tuple[int, ...]] = []

    def add(site: str, day: date, city: str, victim: str | None, name: str, phone: str, **kw) -> AdPlan:
        when = local(day, rng.choice([11, 13, 15, 17, 19, 20, 21, 22]), rng.choice([0, 5, 12, 20, 30, 41, 47, 55]), 0)
        style = kw.pop("text_style", rng.choice(TEXT_STYLES))
        plan = AdPlan(
            ad_id="", site=site, when=when, city=city, victim=victim, name=name,
            age=kw.pop("age", STATED_AGE.get(victim or "", rng.randint(21, 29))), phone=phone, text_style=style,
            in_field=kw.pop("in_field", rng.random() < 0.7), field_style=rng.choice(["paren", "dash", "ten", "dot"]),
            template=kw.pop("template", None) or choose_template(rng, victim in ("jasmine", "kayla"), used),
            rates=rng.choice(["150 qv / 200 hh / 300 h", "$120 qv $180 hh $260 h", "160hh 250h", "200 hh / 350 h"]),
            images=kw.pop("images", sorted(rng.sample(images[victim], rng.randint(1, 2))) if victim else
                          [digest("img-unrelated", name, day)]),
            **kw)
        plans.append(plan)
        return plan

    for owner, phone, stops, girls in CIRCUITS:
        for city, day in stops:
            for n, (victim, name) in enumerate(girls):
                email = "kikibookings510@example.net" if owner == "keisha" and n == 0 else None
                add("nightlist" if n == 0 else "vibelist", day, city, victim, name, phone, email=email)
    work = dict(zip(["amber", "kayla", "tiana", "brianna"], WORK_PHONES, strict=True))
    for victim, name, dates in (
        ("amber", "Honey", [date(2024, 3, 4), date(2024, 3, 27), date(2024, 4, 9), date(2024, 5, 8), date(2024, 5, 22)]),
        ("kayla", "Kandi", [date(2024, 3, 6), date(2024, 3, 20), date(2024, 4, 3), date(2024, 5, 1), date(2024, 5, 15)]),
        ("tiana", "Tee", [date(2024, 3, 13), date(2024, 4, 17), date(2024, 5, 9), date(2024, 5, 28)]),
        ("brianna", "Bri", [date(2024, 3, 29), date(2024, 5, 18)]),
    ):
        for k, day in enumerate(dates):
            add("vibelist" if k % 2 else "nightlist", day, "Modesto" if k == 2 else "Stockton", victim, name,
                work[victim])
    old = BY_KEY["C"].phones[0]
    for victim, name, day, city in (("kayla", "Kandi", date(2024, 3, 9), "Stockton"),
                                    ("amber", "Honey", date(2024, 3, 16), "Modesto"),
                                    ("amber", "Honey", date(2024, 4, 6), "Stockton")):
        add("nightlist", day, city, victim, name, old)
    keisha = BY_KEY["keisha"].phones[0]
    for victim, name, day in (("nicole", "Nikki", date(2024, 3, 5)), ("nicole", "Nikki", date(2024, 3, 21)),
                              ("destiny", "Diamond", date(2024, 3, 12)), ("destiny", "Diamond", date(2024, 3, 26)),
                              ("nicole", "Nikki", date(2024, 5, 7)), ("jasmine", "Lexi", date(2024, 5, 11)),
                              ("jasmine", "Lexi", date(2024, 5, 25)), ("nicole", "Nikki", date(2024, 5, 29))):
        add("nightlist" if day.day % 2 else "vibelist", day, "Oakland", victim, name, keisha)
    tasha = BY_KEY["tasha"].phones[0]
    for victim, name in (("maria", "Mia"), ("crystal", "Cristal"), ("brittany", "Bree")):
        for k in range(6 if victim == "maria" else 5):
            day = date(2024, 3, 3) + timedelta(days=k * 15 + {"maria": 0, "crystal": 4, "brittany": 9}[victim])
            add("nightlist" if (k + len(victim)) % 2 else "vibelist", day, ["Fresno", "Visalia", "Bakersfield"][k % 3],
                victim, name, tasha)
    for n, name in enumerate(UNRELATED_NAMES):
        day = date(2024, 3, 2) + timedelta(days=n * 7 + 1)
        add("nightlist" if n % 2 else "vibelist", day, ["Sacramento", "San Jose", "Bakersfield", "Oakland"][n % 4],
            None, name, UNRELATED_PHONES[n], age=21 + n % 7)
    plans.sort(key=lambda p: (p.when, p.site, p.name))
    # near-duplicate reposts: the same text under another name or phone
    by_key = {(p.victim, p.when.date()): p for p in plans}
    for (victim, day), (new_victim, new_name, new_phone, new_day, new_city, new_site) in (
        (("destiny", date(2024, 3, 12)), ("tiana", "Tee", WORK_PHONES[2], date(2024, 3, 19), "Stockton", "vibelist")),
        (("maria", date(2024, 4, 2)), ("brittany", "Bree", tasha, date(2024, 4, 18), "Visalia", "nightlist")),
        (("amber", date(2024, 4, 20)), ("amber", "Sugar", WORK_PHONES[0], date(2024, 4, 21), "Stockton", "vibelist")),
    ):
        original = by_key[(victim, day)]
        repost = add(new_site, new_day, new_city, new_victim, new_name, new_phone, template=original.template,
                     text_style=original.text_style, images=original.images)
        repost.repost_of = original
    hostile = add("vibelist", date(2024, 4, 24), "Sacramento", None, "Candy", UNRELATED_PHONES[-1], age=22,
                  text_style="plain", in_field=True, images=[digest("img-hostile")])
    hostile.hostile = True
    plans.sort(key=lambda p: (p.when, p.site, p.name))
    counters: Counter = Counter()
    for plan in plans:
        prefix = "NL" if plan.site == "nightlist" else "VL"
        counters[(prefix, plan.when.date())] += 1
        plan.ad_id = f"{prefix}-{plan.when:%y%m%d}-{counters[(prefix, plan.when.date())]:02d}"
    for plan in plans:
        if isinstance(plan.repost_of, AdPlan):
            plan.repost_of = plan.repost_of.ad_id
    return plans


WORDS = "zero one two three four five six seven eight nine".split()
KEYCAP = "\ufe0f\u20e3"
CIRCLED = "\u24ea\u2460\u2461\u2462\u2463\u2464\u2465\u2466\u2467\u2468"


def obscure(e164: str, style: str) -> str:
    """A phone number the way ad posters hide it from searches."""
    n = national(e164)
    a, b, c = n[:3], n[3:6], n[6:]
    if style == "letters" and c.strip("01"):
        return f"{a} {b} {c}".replace("0", "O").replace("1", "l")
    return {
        "plain": f"{a}-{b}-{c}",
        "dots_o": f"{a}.{b}.{c}".replace("0", "o"),
        "spelled_mix": f"{WORDS[int(a[0])]}{a[1]}{WORDS[int(a[2])]} {b[0]}{WORDS[int(b[1])]}{b[2]} "
                       f"{'O' if c[0] == '0' else c[0]}{c[1]}{WORDS[int(c[2])]}{c[3]}",
        "keycaps": "".join(d + KEYCAP for d in n),
        "keycaps_spaced": " ".join("".join(d + KEYCAP for d in g) for g in (a, b, c)),
        "spaced": " ".join(n),
        "letters": f"{a}.{b}.{c}".replace("0", "o"),
        "kisses": f"{a}\U0001f48b{b}\U0001f48b{c}",
        "words": " ".join(WORDS[int(d)] for d in n),
        "oh_words": " ".join("oh" if d == "0" else WORDS[int(d)] for d in n),
        "circled": "-".join("".join(CIRCLED[int(d)] for d in g) for g in (a, b, c)),
        "fullwidth": "".join(chr(0xFF10 + int(d)) for d in n),
        "dot_words": f"{a} dot {b} dot {c}",
        "paren": f"({a}) {b}-{c}",
        "tilde": f"{a}~{b}~{c}",
        "pipes": f"{a}|{b}|{c}".replace("0", "O"),
    }[style]


AD_TITLES = [
    "\u2728 {name} \u2728 sweet & discreet in {city} \U0001f48b", "{name} \U0001f352 {age} \u2022 fun, friendly, real pics",
    "NEW in {city}!! {name} here for a short time \U0001f525", "\U0001f338 {name} \U0001f338 upscale companion - {city}",
    "{name} - your girl next door \U0001f60d {age}", "Late night fun with {name} \U0001f319 {city}",
    "\U0001f451 {name} \U0001f451 the one you've been looking for", "{city} visitors: meet {name} \U0001f48e",
    "{name} \U0001f4af real & ready, {city}", "Sweet treat \U0001f369 {name} {age}",
]
YOUNG_TITLES = [
    "\U0001f380 {name} \U0001f380 petite, young & fresh - {city}", "{name} \U0001f36d new face, young and sweet \U0001f497 {age}",
    "Brand new girl {name} \U0001f423 {city}", "Tiny {name} \U0001f380 just turned {age}",
    "Young & playful {name} \U0001f338 {city}", "{name} \U0001f36c fresh and new, {age}",
    "Baby face {name} \U0001f47c {city}", "Sweet little {name} \U0001f380 new in {city}",
]
AD_OPENERS = [
    "Hey loves, it's {name} \U0001f618", "Real girl, real pics, no games.", "\U0001f525 {name} \U0001f525 is back by popular demand.",
    "Visiting {city} this week only!", "Treat yourself \U0001f339 you deserve it.", "Looking for a sweet escape in {city}?",
    "Hi gentlemen, {name} here \U0001f495", "Upscale, classy and discreet.", "Just landed in {city} \u2708\ufe0f",
    "Tired of fake ads? I'm 100% real.",
]
AD_MIDDLES = [
    "Incall & outcall available.", "Clean, classy and always on time.", "Available late nights and weekends.",
    "Private upscale incall near the freeway.", "Screening required, serious gentlemen only.", "Car dates welcome.",
    "Girlfriend experience with a smile.", "Let me help you unwind after work.", "Sweet, fun and easy to talk to.",
    "Ask about my two-girl special.",
]
YOUNG_MIDDLES = [
    "Petite, young & fresh \U0001f380 new to this.", "Just turned {age}, sweet and eager to please.",
    "Fresh face \U0001f36d first time in {city}, be nice.", "Young, petite and shy at first \U0001f497",
    "Barely {age}, new girl in town.", "Petite little thing, young and fun \U0001f36c",
    "New to the game, still learning \U0001f607", "Young, tiny and innocent looking \U0001f380",
]
AD_PHONE_LINES = [
    "Text {phone}, no blocked calls.", "Call or text {phone} \U0001f4f2", "Hit me: {phone}", "{phone} (text first)",
    "\U0001f4f1 {phone} \U0001f4f1", "Reach me at {phone} anytime", "Booking line {phone}", "Text only {phone}, no LE",
    "My number {phone} \U0001f48b", "Serious inquiries only {phone}",
]
AD_CLOSERS = [
    "Donations {rates}.", "{rates} - no negotiating.", "Specials: {rates}", "Rates {rates}, cash only.",
    "{rates} \U0001f4b5", "Roses: {rates}", "Quick visits welcome, {rates}", "{rates}, in & out calls",
    "Special tonight {rates}", "Rates: {rates}. Deposit for outcall.",
]


def choose_template(rng: random.Random, young: bool, used: list[tuple[int, ...]]) -> tuple[int, ...]:
    """Sentence choices (title, opener, middle, phone line, closer) sharing at most two with any earlier ad."""
    sizes = (len(YOUNG_TITLES) if young else len(AD_TITLES), len(AD_OPENERS),
             len(YOUNG_MIDDLES) if young else len(AD_MIDDLES), len(AD_PHONE_LINES), len(AD_CLOSERS))
    for _ in range(100000):
        pick = tuple(rng.randrange(n) for n in sizes) + (int(young),)
        if all(sum(x == y for x, y in zip(pick[:5], other[:5], strict=True)) <= 2 for other in used):
            used.append(pick)
            return pick
    raise RuntimeError("no ad text left that is not a near-duplicate of another")


def ad_text(plan: AdPlan) -> tuple[str, str, str | None]:
    """(title, body, phone written in the body) of one ad."""
    if plan.hostile:
        title = '=HYPERLINK("http://evil.example","x") Candy in Sacramento'
        body = ('Candy here <script>alert(1)</script> call 916-555-0199 '
                '<img src="http://evil.example/p.png" onerror="alert(2)"> incall only.')
        return title, body, UNRELATED_PHONES[-1]
    t_title, t_open, t_mid, t_phone, t_close, young = plan.template
    fill = {"name": plan.name, "city": plan.city, "age": plan.age, "rates": plan.rates}
    title = (YOUNG_TITLES if young else AD_TITLES)[t_title].format(**fill)
    parts = [AD_OPENERS[t_open].format(**fill), (YOUNG_MIDDLES if young else AD_MIDDLES)[t_mid].format(**fill)]
    closer = AD_CLOSERS[t_close].format(**fill)
    phone_line = AD_PHONE_LINES[t_phone].format(phone=obscure(plan.phone, plan.text_style)) if plan.text_style else ""
    # a price list right after the number reads as one run of digits: posters put the number last then
    parts += [closer, phone_line] if closer[:1].isdigit() else [phone_line, closer]
    return title, " ".join(p for p in parts if p), plan.phone if plan.text_style else None


# ============================================================================================ background people

FIRST_NAMES = ["James", "Linda", "Robert", "Patricia", "Michael", "Jennifer", "William", "Elizabeth", "David", "Susan",
               "Richard", "Karen", "Joseph", "Nancy", "Thomas", "Lisa", "Carlos", "Margaret", "Daniel", "Sandra",
               "Matthew", "Ashley", "Anthony", "Kimberly", "Mark", "Emily", "Paul", "Donna", "Steven", "Michelle",
               "Andrew", "Carol", "Kenneth", "Amanda", "Joshua", "Melissa", "Kevin", "Deborah", "Brian", "Stephanie",
               "George", "Rebecca", "Edward", "Laura", "Ronald", "Helen", "Timothy", "Sharon", "Jason", "Cynthia",
               "Hector", "Guadalupe", "Minh", "Priya", "Arjun", "Mei", "Tuan", "Olga", "Ifeoma", "Rafael",
               "Jos\u00e9", "In\u00e9s", "Zo\u00eb", "Ren\u00e9e"]
LAST_NAMES = ["Anderson", "Bennett", "Caldwell", "Dominguez", "Ellison", "Fairbanks", "Garrity", "Holloway",
              "Iverson", "Jamison", "Kowalski", "Lindqvist", "Montoya", "Nakamura", "Oyelaran", "Pettigrew",
              "Quintero", "Rasmussen", "Sandoval", "Thornbury", "Underhill", "Valdivia", "Whitcomb", "Yarbrough",
              "Zamora", "Ashworth", "Brennan", "Castellanos", "Delacroix", "Everly", "Fenwick", "Galloway",
              "Hargrove", "Ingersoll", "Kettering", "Lockhart", "Marchetti", "Northcott", "Okonkwo", "Pemberton",
              "Pe\u00f1a", "Mu\u00f1oz"]
BACKGROUND_AREAS = ["925", "530", "831", "805", "714", "619", "702", "775", "503", "206", "602", "303", "312", "213",
                    "415", "650", "951", "760", "818", "949"]
OUT_OF_TOWN = [("Reno", "NV", "89501"), ("Portland", "OR", "97205"), ("Phoenix", "AZ", "85004"),
               ("Las Vegas", "NV", "89101"), ("Redding", "CA", "96001"), ("Eugene", "OR", "97401"),
               ("San Diego", "CA", "92101"), ("Santa Rosa", "CA", "95404"), ("Salinas", "CA", "93901"),
               ("Boise", "ID", "83702"), ("Tucson", "AZ", "85701"), ("Ventura", "CA", "93001")]


@dataclass
class Stranger:
    """An uninvolved person: a motel guest, a customer, a worker, a remitter."""

    name: str
    phone: str
    address: str
    email: str
    id_number: str
    plate: str


class Directory:
    """Hands out uninvolved people with unique names and unused 555-01xx numbers."""

    def __init__(self) -> None:
        self.rng = stream("directory")
        self.taken = {p for person in CAST for p in person.phones} | set(WORK_PHONES) | set(UNRELATED_PHONES)
        self.taken.add(ATT_VOICEMAIL)
        self.names = {p.name for p in CAST}
        self.next_line = Counter()
        self.area_turn = 0

    def phone(self, area: str | None = None) -> str:
        """An unused fictional number (in `area`, or the next background area code)."""
        if area is None:
            area = BACKGROUND_AREAS[self.area_turn % len(BACKGROUND_AREAS)]
            self.area_turn += 1
        while True:
            line = self.next_line[area]
            self.next_line[area] += 1
            if line > 99:
                raise RuntimeError(f"no fictional numbers left in area code {area}")
            number = f"+1{area}55501{line:02d}"
            if number not in self.taken:
                self.taken.add(number)
                return number

    def person(self, area: str | None = None, home: tuple[str, str, str] | None = None) -> Stranger:
        """A new uninvolved person with a unique name, number, address, email, ID and plate."""
        rng = self.rng
        while True:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if name not in self.names:
                self.names.add(name)
                break
        city, state, zip_code = home or rng.choice(OUT_OF_TOWN)
        plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        first, last = plain.lower().split(" ", 1)
        return Stranger(
            name, self.phone(area), f"{rng.randint(100, 9899)} {rng.choice(STREETS)}, {city}, {state} {zip_code}",
            f"{first}.{last}{rng.randint(1, 99)}@example.{rng.choice(['com', 'net', 'org'])}",
            f"{rng.choice('ABCDEFGHJKMNPRSTUVWY')}{rng.randint(1000000, 9999999)}",
            f"{rng.randint(5, 9)}{''.join(rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ') for _ in range(3))}"
            f"{rng.randint(100, 999)}")



# ============================================================================================ story data

SUSPECT_DETAILS = {   # key -> (address, email, ID number, plate)
    "C": ("2418 Meadowlark St, Stockton, CA 95205", "bossd209@example.com", "D4471093", "8KJX214"),
    "brianna": ("1107 Larkspur Ct, Stockton, CA 95207", "bri.sutter@example.net", "B5520871", "7TRN442"),
    "keisha": ("688 Harbor Light Way, Oakland, CA 94607", "kikibookings510@example.net", "L3098824", "9BQZ310"),
    "terrell": ("3520 Cedar Mill Ave, Stockton, CA 95206", "tbone209@example.com", "O6612390", "6MWK118"),
    "tasha": ("4410 Sunflower Ln, Fresno, CA 93722", "tashag559@example.org", "G8840215", "8HFD562"),
    "jamal": ("2901 Quarry View Rd, Fresno, CA 93727", "jaymoney559@example.com", "P2274409", "7XEV905"),
}
DELTA, SIERRA = "Delta Inn & Suites", "Sierra Motor Lodge"


def id_number_of(key: str) -> str:
    """The driver's licence number a person shows at a motel desk."""
    if key in SUSPECT_DETAILS:
        return SUSPECT_DETAILS[key][2]
    return f"{'ABCDEFGHJK'[int(digest('id', key)[0], 16) % 10]}{int(digest('id', key)[1:8], 16) % 9000000 + 1000000}"


STAYS = [   # hotel, city, booker, [(room, guest)], arrival, departure, payment, night-by-night
    (DELTA, "Stockton", "C", [(110, "C"), (112, "amber"), (114, "kayla")], date(2024, 3, 8), date(2024, 3, 11),
     "Cash", False),
    (SIERRA, "Fresno", "tasha", [(7, "maria"), (8, "crystal")], date(2024, 3, 14), date(2024, 3, 16), "Cash", False),
    (DELTA, "Stockton", "brianna", [(208, "tiana"), (210, "amber")], date(2024, 3, 22), date(2024, 3, 24),
     "Prepaid card", False),
    (DELTA, "Stockton", "keisha", [(205, "keisha"), (206, "jasmine"), (207, "destiny")], date(2024, 4, 4),
     date(2024, 4, 7), "Cash", True),
    (SIERRA, "Fresno", "keisha", [(21, "jasmine"), (22, "destiny")], date(2024, 4, 10), date(2024, 4, 13),
     "Prepaid card", False),
    (SIERRA, "Fresno", "tasha", [(23, "brittany")], date(2024, 4, 10), date(2024, 4, 12), "Cash", False),
    (DELTA, "Stockton", "C", [(301, "amber"), (302, "tiana")], date(2024, 4, 19), date(2024, 4, 22), "Prepaid card",
     True),
    (SIERRA, "Fresno", "jamal", [(14, "maria"), (15, "crystal")], date(2024, 5, 3), date(2024, 5, 6), "Cash", True),
    (DELTA, "Stockton", "terrell", [(118, "kayla")], date(2024, 5, 10), date(2024, 5, 12), "Cash", False),
    (SIERRA, "Fresno", "tasha", [(7, "brittany")], date(2024, 5, 20), date(2024, 5, 22), "Cash", False),
]
CASHAPP_MERCHANTS = [
    ("Delta Inn & Suites", "lodging", 6, 70, 260), ("Sierra Motor Lodge", "lodging", 2, 70, 180),
    ("Uber", "ride_hail", 8, 12, 45), ("Lyft", "ride_hail", 4, 10, 38), ("McDonald's", "fast_food", 6, 8, 25),
    ("Taco Bell", "fast_food", 4, 7, 21), ("Walgreens", "pharmacy", 3, 15, 60), ("CVS Pharmacy", "pharmacy", 2, 12, 45),
    ("Vanilla Gift Card", "prepaid_card", 3, 100, 200), ("Nitelist Ad Credits", "escort_ads", 6, 15, 60),
    ("Vibelist Classifieds", "escort_ads", 4, 10, 40),
]
CASH_OUTS = [(date(2024, 3, 7), 1200.0), (date(2024, 3, 21), 1800.0), (date(2024, 4, 4), 2100.0),
             (date(2024, 4, 18), 1500.0), (date(2024, 5, 2), 2400.0), (date(2024, 5, 23), 1900.0)]
BRANCHES = {"Fresno": "0412", "Sacramento": "0231", "Bakersfield": "0518", "San Jose": "0377", "Stockton": "0107"}
STRUCTURED_DEPOSITS = [
    (date(2024, 3, 11), "Fresno", 9500.0), (date(2024, 3, 25), "Sacramento", 9800.0),
    (date(2024, 4, 8), "Sacramento", 9400.0), (date(2024, 4, 11), "Fresno", 9850.0),
    (date(2024, 4, 15), "Bakersfield", 9700.0), (date(2024, 4, 29), "San Jose", 9600.0),
    (date(2024, 5, 13), "Fresno", 9900.0), (date(2024, 5, 27), "Bakersfield", 9450.0),
]
BANK_DEBITS = [   # description, category, count, low, high
    ("CHECKCARD {mmdd} NITELIST*AD CREDITS ESCORT CLASSIFIEDS", "escort_ads", 5, 20, 90),
    ("CHECKCARD {mmdd} VIBELIST ADULT CLASSIFIEDS BUMP", "escort_ads", 3, 10, 45),
    ("CHECKCARD {mmdd} DELTA INN & SUITES STOCKTON CA", "lodging", 4, 140, 420),
    ("CHECKCARD {mmdd} SIERRA MOTOR LODGE FRESNO CA", "lodging", 3, 140, 300),
    ("CHECKCARD {mmdd} MOTEL 6 #{store} SACRAMENTO CA", "lodging", 3, 70, 180),
    ("CHECKCARD {mmdd} UBER *TRIP HELP.UBER.COM CA", "ride_hail", 6, 9, 48),
    ("CHECKCARD {mmdd} LYFT *RIDE LYFT.COM CA", "ride_hail", 3, 8, 35),
    ("CHECKCARD {mmdd} ENTERPRISE RENT-A-CAR STOCKTON CA", "car_rental", 3, 160, 420),
    ("CHECKCARD {mmdd} MCDONALD'S F{store} STOCKTON CA", "fast_food", 6, 7, 28),
    ("CHECKCARD {mmdd} TACO BELL #{store} FRESNO CA", "fast_food", 4, 6, 22),
    ("CHECKCARD {mmdd} JACK IN THE BOX {store} OAKLAND CA", "fast_food", 4, 6, 24),
    ("CHECKCARD {mmdd} WALGREENS #{store} STOCKTON CA", "pharmacy", 4, 12, 65),
    ("CHECKCARD {mmdd} CVS/PHARMACY #{store} MODESTO CA", "pharmacy", 2, 10, 55),
    ("CHECKCARD {mmdd} VANILLA GIFT CARD PURCHASE", "prepaid_card", 4, 100, 300),
    ("CHECKCARD {mmdd} GREEN DOT PREPAID CARD LOAD", "prepaid_card", 2, 200, 400),
    ("CHECKCARD {mmdd} PREPAID WIRELESS REFILL METROPCS", "telecom", 4, 30, 60),
    ("CHECKCARD {mmdd} AUTOZONE #{store} STOCKTON CA", "auto_parts", 2, 25, 90),
]
REMITTANCE_PAYOUTS = [("Mexico", "Guadalajara", 17.05, "MXN"), ("Mexico", "Morelia", 17.05, "MXN"),
                      ("Guatemala", "Quetzaltenango", 7.78, "GTQ"), ("Philippines", "Cebu City", 56.2, "PHP"),
                      ("El Salvador", "San Miguel", 1.0, "USD")]
ROSTER_MANAGER = ("Vivian Tran", "88 Bluegum Way, Stockton, CA 95219", "+12095550186")
ROSTER_ACCOUNT = "Delta Valley Bank XXXX8812"
ROSTER_SHARED = [   # employer, shared address, shared phone, workers, role, weekly pay
    ("Golden Lotus Nail Spa", "2210 Larkspur Ct Apt 4, Stockton, CA 95207", "+12095550184",
     ["Lan Pham", "Mai Dang", "Hanh Vu", "Thu Le", "Ngoc Bui", "Yen Do", "Kim Ly", "Anh Ho"], "Nail technician",
     "$400.00"),
    ("Jade Garden Restaurant", "5417 Tule Reed Dr, Lodi, CA 95240", "+12095550185",
     ["Jun Wei", "Li Na Zhou", "Xiu Ying Chen", "Hong Mei Lin", "Bao Zhang"], "Kitchen helper", "$380.00"),
]
EMPLOYER_ADDRESSES = {
    "Golden Lotus Nail Spa": "3120 Canal Point Dr Ste B, Stockton, CA 95219",
    "Jade Garden Restaurant": "740 Cedar Mill Ave, Lodi, CA 95240",
    "Rio Verde Taqueria": "1514 Meadowlark St, Modesto, CA 95351",
    "Sunrise Car Wash": "2601 Quarry View Rd, Stockton, CA 95204",
}
_FI = "Field interview card"
ASSOCIATES = [
    ("Terrell Okafor", PSK, "member_of", "2023-06-14", f"{_FI} 23-FI-0412; admits PSK, set tattoo on forearm"),
    ("Brianna Sutter", PSK, "member_of", "2023-09-02", "Social media: PSK hand signs with Okafor"),
    ("Jaylen Cross", PSK, "member_of", "2023-07-21", f"{_FI} 23-FI-0577"),
    ("Victor Ochoa", PSK, "member_of", "2022-11-30", "Jail classification interview"),
    ("Luis Carranza", HSM, "member_of", "2021-05-09", "Jail classification interview; HSM shot-caller"),
    ("Keisha Lamb", HSM, "member_of", "2023-10-18", "Social media: HSM posts"),
    ("Marco Ibarra", HSM, "member_of", "2023-08-05", f"{_FI} 23-FI-0733"),
    ("DeAndre Fuller", HSM, "member_of", "2022-04-22", f"{_FI} 22-FI-0219"),
    ("Jamal Pruitt", SAP, "member_of", "2020-12-01", "Probation file; 7th Ave tattoo"),
    ("Tasha Greene", SAP, "member_of", "2023-03-13", "Social media: SAP posts"),
    ("Rico Salas", SAP, "member_of", "2023-11-09", f"{_FI} 23-FI-0901"),
    ("Andre Mims", SAP, "member_of", "2022-09-27", "Jail classification interview"),
    ("Darnell Haskins", "Terrell Okafor", "associate_of", "2024-01-20",
     "CI-1184: Boss D brokered the truce between the three sets and takes a cut of every girl"),
    ("Darnell Haskins", "Luis Carranza", "associate_of", "2024-02-03", "Surveillance: meeting at an Oakland car wash"),
    ("Darnell Haskins", "Jamal Pruitt", "associate_of", "2024-02-11", "CI-1184: the Fresno set pays Boss D weekly"),
    ("Darnell Haskins", "Keisha Lamb", "associate_of", "2024-03-18", "Motel surveillance: Lamb hands cash to Haskins"),
    ("Terrell Okafor", "Luis Carranza", "associate_of", "2024-01-20", "CI-1184: truce meeting in Stockton"),
    ("Luis Carranza", "Jamal Pruitt", "associate_of", "2024-01-20", "CI-1184: truce meeting in Stockton"),
    ("Terrell Okafor", "Jamal Pruitt", "rival (until 2023)", "2022-08-14",
     "Shooting report 22-08-1131 between PSK and SAP; truce since January 2024"),
    ("Brianna Sutter", "Terrell Okafor", "associate_of", "2023-12-02", "Traffic stop: together in a grey sedan"),
    ("Victor Ochoa", "Terrell Okafor", "associate_of", "2024-02-09", "Drives for Okafor (CI-1184)"),
    ("Keisha Lamb", "Luis Carranza", "associate_of", "2023-10-18", "Social media"),
    ("DeAndre Fuller", "Keisha Lamb", "associate_of", "2024-03-02", "Drives Lamb's girls (victim interview)"),
    ("Tasha Greene", "Jamal Pruitt", "associate_of", "2023-03-13", "Social media"),
    ("Andre Mims", "Jamal Pruitt", "associate_of", "2024-02-17", "Traffic stop: Mims driving Pruitt's car"),
    ("Jaylen Cross", "Kayla Dunn", "associate_of", "2024-02-26",
     "Victim interview: recruited at Riverbend Park, told she could make money modeling"),
    ("Marco Ibarra", "Jasmine Reyes", "associate_of", "2024-02-14",
     "School resource officer: older male picking up J.R. after school"),
    ("Rico Salas", "Brittany Shaw", "associate_of", "2024-02-20", "Victim interview"),
    ("Jasmine Reyes", "Keisha Lamb", "associate_of", "2024-04-05", "Motel surveillance: together at Delta Inn"),
    ("Kayla Dunn", "Jasmine Reyes", "associate_of", "2024-03-30", "Social media: friends"),
    ("Loretta Haskins", "Darnell Haskins", "family_of", "", "Mother"),
    ("Carol Sutter", "Brianna Sutter", "family_of", "", "Mother"),
    ("Rosa Carranza", "Luis Carranza", "family_of", "", "Sister"),
    ("Ana Reyes", "Jasmine Reyes", "family_of", "", "Mother; reported J.R. missing 04/03/2024"),
    ("Bernice Mims", "Andre Mims", "family_of", "", "Grandmother"),
]
ATTRIBUTION = [   # person, number, date, how the analyst knows
    ("C", "+12095550101", date(2024, 3, 20), "MetroPCS subscriber return: prepaid, subscriber 'D Haskins'"),
    ("C", "+12095550144", date(2024, 5, 1), "Same IMEI as 209-555-0101 in the T-Mobile return; CI-1184"),
    ("luis", "+15105550123", date(2024, 3, 22), "AT&T subscriber return"),
    ("luis", "+15105550178", date(2024, 5, 20), "AT&T subscriber return: new line"),
    ("terrell", "+12095550112", date(2024, 3, 15), "Booking sheet"),
    ("brianna", "+12095550127", date(2024, 3, 15), "Verizon subscriber return"),
    ("brianna", BRIANNA_WORK_PHONE, date(2024, 4, 2), "Ad responses answered by Sutter (undercover contact)"),
    ("jaylen", "+12095550139", date(2024, 3, 1), "Victim interview"),
    ("victor", "+12095550135", date(2024, 3, 1), "Traffic stop"),
    ("keisha", "+15105550131", date(2024, 4, 5), "Motel registration and ad bookings"),
    ("marco", "+15105550146", date(2024, 3, 9), "School resource officer report"),
    ("deandre", "+15105550152", date(2024, 3, 2), "Victim interview"),
    ("jamal", "+15595550118", date(2024, 3, 12), "Probation file"),
    ("tasha", "+15595550133", date(2024, 3, 14), "Motel registration"),
    ("rico", "+15595550141", date(2024, 3, 20), "Victim interview"),
    ("andre", "+15595550126", date(2024, 3, 10), "Sprint subscriber return"),
    ("amber", "+12095550171", date(2024, 5, 2), "Victim interview"),
    ("amber", WORK_PHONES[0], date(2024, 5, 2), "Victim interview: phone given to her for dates"),
    ("kayla", "+12095550173", date(2024, 5, 11), "Victim interview"),
    ("kayla", WORK_PHONES[1], date(2024, 5, 11), "Victim interview: phone given to her for dates"),
    ("tiana", "+12095550175", date(2024, 5, 2), "Victim interview"),
    ("tiana", WORK_PHONES[2], date(2024, 5, 2), "Victim interview: phone given to her for dates"),
    ("jasmine", "+15105550162", date(2024, 5, 28), "Consent download (guardian)"),
    ("destiny", "+15105550164", date(2024, 4, 12), "Victim interview"),
    ("nicole", "+15105550168", date(2024, 5, 8), "Victim interview"),
    ("maria", "+15595550161", date(2024, 5, 6), "Victim interview"),
    ("crystal", "+15595550163", date(2024, 5, 6), "Victim interview"),
    ("brittany", "+15595550165", date(2024, 5, 21), "Victim interview"),
    ("loretta", "+12095550105", date(2024, 3, 25), "Family interview"),
]


# ============================================================================================ running

def build() -> dict[str, bytes]:
    """Every file of the sample case (name -> bytes), the answer key included."""
    builder = Builder()
    for step in (builder.tmobile, builder.att, builder.sprint, builder.verizon, builder.analyst, builder.ads,
                 builder.hotels, builder.cashapp, builder.venmo, builder.bank, builder.transfers, builder.roster,
                 builder.links):
        step()
    files = dict(builder.files)
    key = builder.answer_key()
    files["answer_key.json"] = (json.dumps(key, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    files[".gitattributes"] = b"# byte-exact sample files: never convert line endings\n* -text\n"
    return files


def write(out: Path) -> list[Path]:
    """Generate the case into `out`; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written_paths = []
    for name, data in build().items():
        path = out / name
        path.write_bytes(data)
        written_paths.append(path)
    return written_paths


def main(argv: list[str] | None = None) -> int:
    """Command line: `python -m sample_cases.generate [OUT_DIR]`."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEFAULT_OUT
    paths = write(out)
    print(f"wrote {len(paths)} files to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
