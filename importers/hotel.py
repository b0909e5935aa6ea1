"""Hotel and motel records (`--kind hotel`): guest registries, registration cards and folio exports.

Each row is one registration (a Stay): the guest Person -stayed_at-> the Hotel, from arrival to
departure, with the room, folio, guests, rate, payment and three attributes the analysis reads:
`cash_or_prepaid`, `rooms_same_night` (rooms the same party held that night at this hotel) and
`extension` / `night_by_night` (a registration continuing the guest's previous night in the
same room: stays extended one night at a time). When another person booked the room, the
booker -booked-> the Hotel with the same dates and room.

Who the contact details belong to: the registry's phone, email, vehicle plate and address are
those of whoever made the registration, so on a row whose "Booked By" names someone else they
go to the booker (Person -uses-> Phone / Email / Vehicle), and the ID number to the guest who
showed it (Person -uses-> IdDocument). A profile can turn this off (`contact_is_booker: false`).
The hotel is named by a Hotel column, `options.extra["hotel"]`, or the title lines above the
header ("Delta Inn & Suites - Guest Registration Export", "Property: 1800 Canal Point Dr, ...").
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from importers.dates import combine_date_time, parse_datetimes
from importers.mapping import Profile
from importers.options import ImportOptions
from importers.tabular import MappedTable, RowProblems, open_session, read_mapped, store_raw_rows
from importers.tabular import kind_score as _kind_score
from linkgraph.case import CaseFile, ImportResult, ImportSession
from linkgraph.case.importing import person_name_key
from linkgraph.identity import canonical_key, normalize_email, normalize_phone
from linkgraph.progress import Progress, no_progress

KIND = "hotel"
DAY = 86_400
_BLANK = frozenset({"", "-", "--", "n/a", "na", "none", "null", "nan", "unknown", "refused"})
_NUMBER = re.compile(r"^\s*\$?\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:usd)?\s*$", re.IGNORECASE)
_CITY_IN_ADDRESS = re.compile(r"(?:^|,)\s*([^,\d][^,]*?)\s*,?\s+[A-Z]{2}\.?(?:\s+\d{5}(?:-\d{4})?)?\s*$")
_DEFAULTS = {
    "cash_or_prepaid": r"cash|prepaid|gift|money ?order|vanilla|green ?dot|netspend",
    "title_skip": r"^(report|registration|printed|page|period|run date|date range|produced|confidential)\b",
    "title_address": r"^(property|address|location)\s*:|^\d+\s+\w",
    "title_name_suffix": r"\s+[-–|:]\s+.*(export|report|registr|folio|list).*$",
}


def kind_score(path: Path, options: ImportOptions) -> float:
    """How much the file looks like a hotel registry (its header against the hotel profiles)."""
    return _kind_score(path, options, KIND)


@dataclass
class Stay:
    """One registration as read from its row, before anything is written."""

    index: int
    row: int
    hotel: str
    guest: str
    booker: str | None
    arrival: int
    departure: int
    attrs: dict[str, Any]
    phone: Any = None
    email: str | None = None
    plate: str | None = None
    plate_text: str = ""
    id_number: str | None = None
    id_text: str = ""
    address: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _option(profile: Profile, name: str) -> str:
    return str(profile.options.get(name) or _DEFAULTS[name])


def _blank(value: str) -> bool:
    return value.strip().lower() in _BLANK


def city_of(address: str) -> str:
    """The city of a US-style address ('1800 Canal Point Dr, Stockton CA 95206' -> 'Stockton')."""
    match = _CITY_IN_ADDRESS.search(address.strip())
    if match is None:
        return ""
    city = match.group(1).strip()
    return city.rsplit(",", 1)[-1].strip()


def hotel_from_titles(mapped: MappedTable) -> tuple[str, str]:
    """(name, address) of the property from the title lines above the header ('' where not found)."""
    profile = mapped.detection.profile
    skip = re.compile(_option(profile, "title_skip"), re.IGNORECASE)
    is_address = re.compile(_option(profile, "title_address"), re.IGNORECASE)
    suffix = re.compile(_option(profile, "title_name_suffix"), re.IGNORECASE)
    name = address = ""
    for row, text in mapped.table.skipped:
        if row >= mapped.table.header_row:
            break
        if mapped.table.encoding is not None:            # a text file: the raw line, maybe quoted
            try:
                cells = next(csv.reader([text]))
            except (csv.Error, StopIteration):
                cells = [text]
            text = ", ".join(c.strip() for c in cells if c.strip())
        text = " ".join(text.split())
        if not text or skip.match(text):
            continue
        if is_address.search(text):
            if not address:
                address = re.sub(r"^(property|address|location)\s*:\s*", "", text, flags=re.IGNORECASE)
            continue
        if not name and re.search(r"[A-Za-z]{3}", text):
            candidate = suffix.sub("", text).strip()
            name = candidate.title() if candidate.isupper() else candidate
    return name, address


def _number(text: str) -> float | None:
    match = _NUMBER.match(text)
    return float(match.group(1).replace(",", "")) if match else None


def import_file(case: CaseFile, path: Path, options: ImportOptions, progress: Progress = no_progress) -> ImportResult:
    """Import a registry: per row a Stay (guest -stayed_at-> Hotel), the booker, and who uses which identifiers."""
    mapped = read_mapped(path, KIND, options)
    profile = mapped.detection.profile
    region = options.region or case.region
    tz = options.tz or profile.timezone or case.timezone
    formats = [options.date_format] if options.date_format else list(profile.date_formats)
    arrival_text = (combine_date_time(mapped.column("arrival"), mapped.column("arrival_time"))
                    if mapped.has("arrival_time") else mapped.column("arrival"))
    departure_text = (combine_date_time(mapped.column("departure"), mapped.column("departure_time"))
                      if mapped.has("departure_time") else mapped.column("departure"))
    arrivals = parse_datetimes(arrival_text, tz=tz, formats=formats)
    departures = (parse_datetimes(departure_text, tz=tz, formats=formats) if mapped.has("departure")
                  else np.full(len(mapped), np.nan))
    title_name, title_address = hotel_from_titles(mapped)
    default_hotel = str(options.extra.get("hotel") or title_name or path.stem.replace("_", " ").strip())
    contact_is_booker = bool(profile.options.get("contact_is_booker", True))
    cash_words = re.compile(_option(profile, "cash_or_prepaid"), re.IGNORECASE)
    payments = {k.lower(): v for k, v in profile.values.get("payment", {}).items()}

    with open_session(case, mapped, options, progress) as session:
        store_raw_rows(session, mapped)
        problems = RowProblems(session, mapped, options.strict)
        col = {name: mapped.column(name) for name in (
            "folio", "room", "guest", "first_name", "last_name", "address", "phone", "email", "id_number", "id_type",
            "plate", "guests", "nights", "rate", "payment", "card_last4", "booked_by", "hotel", "city")}
        stays: list[Stay] = []
        total = len(mapped)
        for index in range(total):
            if index % 2000 == 0:
                session.check_cancel(index, total, f"Reading {path.name}")
            stay = _read_row(mapped, problems, col, arrival_text, departure_text, arrivals, departures, index,
                             region, default_hotel, payments, cash_words)
            if stay is not None:
                stays.append(stay)
        _stay_patterns(stays)
        hotels: dict[str, int] = {}
        uses: dict[tuple[int, int], int] = {}
        for done, stay in enumerate(stays):
            if done % 2000 == 0:
                session.check_cancel(done, len(stays), f"Importing {path.name}")
            _write_stay(session, stay, hotels, uses, title_address, contact_is_booker)
        session.check_cancel(total, total, f"Importing {path.name}")
    return session.result


def _read_row(
    mapped: MappedTable, problems: RowProblems, col: dict, arrival_text, departure_text, arrivals: np.ndarray,
    departures: np.ndarray, index: int, region: str, default_hotel: str, payments: dict[str, str],
    cash_words: re.Pattern[str],
) -> Stay | None:
    """One registration row checked and read; None (and the row rejected) when a value cannot be used."""
    row = mapped.row_number(index)
    guest = col["guest"].iat[index]
    if not guest:
        guest = " ".join(p for p in (col["first_name"].iat[index], col["last_name"].iat[index]) if p)
    if _blank(guest):
        problems(index, "guest" if mapped.has("guest") else "last_name", "no guest name in this row")
        return None
    if np.isnan(arrivals[index]):
        shown = arrival_text.iat[index]
        problems(index, "arrival", f"cannot read the arrival date '{shown}' (give --date-format)" if shown
                 else "no arrival date in this row")
        return None
    arrival = int(arrivals[index])
    nights_text = col["nights"].iat[index]
    nights = None
    if not _blank(nights_text):
        value = _number(nights_text)
        if value is None or value < 0 or value != int(value):
            problems(index, "nights", f"nights '{nights_text}' is not a whole number")
            return None
        nights = int(value)
    if not np.isnan(departures[index]):
        departure = int(departures[index])
    elif not _blank(departure_text.iat[index]):
        problems(index, "departure", f"cannot read the departure date '{departure_text.iat[index]}' (give --date-format)")
        return None
    else:
        departure = arrival + DAY * (nights if nights else 1)
    if departure < arrival:
        problems(index, "departure", f"departure '{departure_text.iat[index]}' is before arrival '{arrival_text.iat[index]}'")
        return None
    guests = None
    if not _blank(col["guests"].iat[index]):
        value = _number(col["guests"].iat[index])
        if value is None or value < 0 or value != int(value):
            problems(index, "guests", f"guests '{col['guests'].iat[index]}' is not a whole number")
            return None
        guests = int(value)
    rate = None
    if not _blank(col["rate"].iat[index]):
        rate = _number(col["rate"].iat[index])
        if rate is None:
            problems(index, "rate", f"rate '{col['rate'].iat[index]}' is not an amount")
            return None
    phone = None
    phone_text = col["phone"].iat[index]
    if not _blank(phone_text):
        phone = normalize_phone(phone_text, region)
        if phone is None:
            problems(index, "phone", f"'{phone_text}' is not a phone number")
            return None
    email = None
    if not _blank(col["email"].iat[index]):
        email = normalize_email(col["email"].iat[index])
        if email is None:
            problems(index, "email", f"'{col['email'].iat[index]}' is not an email address")
            return None
    plate_text = col["plate"].iat[index]
    plate = canonical_key("Vehicle", plate_text, region) if not _blank(plate_text) else None
    if not _blank(plate_text) and plate is None:
        problems(index, "plate", f"'{plate_text}' is not a vehicle plate")
        return None
    id_text = col["id_number"].iat[index]
    id_number = " ".join(id_text.upper().split()) if not _blank(id_text) else None
    payment_text = col["payment"].iat[index]
    payment = payments.get(payment_text.strip().lower(), payment_text.strip()) if not _blank(payment_text) else ""
    booked_by = col["booked_by"].iat[index]
    booker = booked_by if not _blank(booked_by) and person_name_key(booked_by) != person_name_key(guest) else None
    nights = nights if nights is not None else max(0, round((departure - arrival) / DAY))
    attrs = {
        "room": col["room"].iat[index] or None, "folio": col["folio"].iat[index] or None, "guests": guests,
        "nights": nights, "rate": rate, "payment": payment or None,
        "cash_or_prepaid": bool(payment and cash_words.search(payment)),
        "card_last4": col["card_last4"].iat[index] or None, "guest": guest, "booked_by": booker,
    }
    return Stay(index, row, col["hotel"].iat[index] or default_hotel, guest, booker, arrival, departure,
                {k: v for k, v in attrs.items() if v is not None}, phone, email, plate, plate_text, id_number, id_text,
                col["address"].iat[index], {"id_type": col["id_type"].iat[index], "city": col["city"].iat[index]})


def _stay_patterns(stays: list[Stay]) -> None:
    """rooms_same_night (rooms the same party held on this stay's nights) and night-by-night extensions
    (a registration starting the day the same guest's previous one in that room ended)."""
    by_party: dict[tuple[str, str], list[Stay]] = {}
    for stay in stays:
        party = person_name_key(stay.booker or stay.guest)
        by_party.setdefault((person_name_key(stay.hotel), party), []).append(stay)
    for group in by_party.values():
        for stay in group:
            end = max(stay.departure, stay.arrival + DAY)
            rooms = {other.attrs.get("room") or f"row {other.row}" for other in group
                     if other.arrival < end and stay.arrival < max(other.departure, other.arrival + DAY)}
            stay.attrs["rooms_same_night"] = len(rooms)
    by_guest_room: dict[tuple[str, str, str], list[Stay]] = {}
    for stay in stays:
        key = (person_name_key(stay.hotel), person_name_key(stay.guest), str(stay.attrs.get("room", "")))
        by_guest_room.setdefault(key, []).append(stay)
    for group in by_guest_room.values():
        group.sort(key=lambda s: (s.arrival, s.row))
        chain: list[Stay] = []
        for stay in group:
            gap = stay.arrival - chain[-1].departure if chain else None
            if gap is not None and -DAY / 2 < gap < DAY and stay.arrival - chain[-1].arrival >= DAY / 2:
                stay.attrs["extension"] = True
                if chain[-1].attrs.get("folio"):
                    stay.attrs["extension_of"] = chain[-1].attrs["folio"]
                chain.append(stay)
            else:
                _close_chain(chain)
                stay.attrs["extension"] = False
                chain = [stay]
        _close_chain(chain)


def _close_chain(chain: list[Stay]) -> None:
    """Registrations back to back in one room: several of them is a stay extended night by night."""
    for stay in chain:
        stay.attrs["night_by_night"] = len(chain) > 1
        stay.attrs["chain_registrations"] = len(chain)


def _write_stay(
    session: ImportSession, stay: Stay, hotels: dict[str, int], uses: dict[tuple[int, int], int], title_address: str,
    contact_is_booker: bool,
) -> None:
    """The entities and links of one registration, cited to its row."""
    row = stay.row
    hotel = hotels.get(stay.hotel)
    if hotel is None:
        city = stay.extra.get("city") or city_of(title_address)
        hotel = session.entity("Hotel", None, stay.hotel, row=row,
                               attrs={k: v for k, v in (("address", title_address), ("city", city)) if v})
        hotels[stay.hotel] = hotel
    contact_name = stay.booker if (stay.booker and contact_is_booker) else stay.guest
    guest_attrs = {"address": stay.address} if stay.address and contact_name == stay.guest else None
    guest = session.entity("Person", None, stay.guest, row=row, attrs=guest_attrs)
    session.link("stayed_at", guest, hotel, row=row, start=stay.arrival, end=stay.departure, attrs=stay.attrs)
    contact = guest
    if stay.booker:
        booker_attrs = {"address": stay.address} if stay.address and contact_is_booker else None
        booker = session.entity("Person", None, stay.booker, row=row, attrs=booker_attrs)
        session.link("booked", booker, hotel, row=row, start=stay.arrival, end=stay.departure, attrs=stay.attrs)
        if contact_is_booker:
            contact = booker
    if stay.phone is not None:
        phone = session.entity("Phone", stay.phone.e164, stay.phone.display, row=row, attrs={"kind": stay.phone.kind})
        _uses(session, uses, contact, phone, row)
    if stay.email:
        _uses(session, uses, contact, session.entity("Email", stay.email, stay.email, row=row), row)
    if stay.plate:
        _uses(session, uses, contact, session.entity("Vehicle", stay.plate, stay.plate_text.strip(), row=row,
                                                    attrs={"plate": stay.plate}), row)
    if stay.id_number:
        kind = stay.extra.get("id_type") or None
        document = session.entity("IdDocument", stay.id_number, stay.id_text.strip(), row=row,
                                  attrs={"number": stay.id_number, **({"kind": kind} if kind else {})})
        _uses(session, uses, guest, document, row)


def _uses(session: ImportSession, uses: dict[tuple[int, int], int], person: int, thing: int, row: int) -> None:
    """Person -uses-> identifier once per file; later rows saying the same are cited on that link."""
    link = uses.get((person, thing))
    if link is None:
        uses[(person, thing)] = session.link("uses", person, thing, row=row)
    else:
        session.cite(link, row)
