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
The hotel is named by a Hotel column, `options.extra["hotel"]` (--hotel), or the title lines above the
header ("Delta Inn & Suites - Guest Registration Export", "Property: 1800 Canal Point Dr, ..."); a file that
names none (a Booking.com download) gets a hotel of its own, never matched to another by name.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from importers.dates import combine_date_time
from importers.mapping import Profile
from importers.options import ImportOptions
from importers.tabular import (
    MappedTable,
    RowProblems,
    assume_all,
    open_session,
    read_dates,
    read_mapped,
    source_zone,
    store_raw_rows,
)
from importers.tabular import kind_score as _kind_score
from linkgraph.case import CaseFile, ImportResult, ImportSession
from linkgraph.errors import InputError
from linkgraph.identity import canonical_key, normalize_email, normalize_phone, person_name_key
from linkgraph.progress import Progress, no_progress

KIND = "hotel"
DAY = 86_400
_BLANK = frozenset({"", "-", "--", "n/a", "na", "none", "null", "nan", "unknown", "refused"})
_NUMBER = re.compile(r"^\s*\$?\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:usd)?\s*$", re.IGNORECASE)
# A reservation that never became a stay: Booking.com 'cancelled_by_guest' / 'no_show', PMS 'Canceled' / 'No-Show'.
_NOT_A_STAY = re.compile(r"cancel|no[\s_-]?show|void|declined|refused", re.IGNORECASE)
_YES = frozenset({"1", "true", "yes", "y", "t"})
_MASKED_CARD = re.compile(r"^[\s*Xx•#-]*(\d{4})\s*$")
_FULL_CARD = re.compile(r"^\d[\d -]{11,22}\d$")
CROWD_GUESTS = 30        # a night with more registrations than this at one hotel is a crowd (see docs)
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
    if not any(mapped.has(f) for f in ("guest", "first_name", "last_name", "email", "phone", "card", "id_number")):
        # the public hotel-booking-demand data set is anonymised: reservations with no one to link
        raise InputError("hotel records: no guest column (name, e-mail, phone, card or ID) - an anonymised "
                         "reservation export has no one to link; use the export with guest names, or "
                         "--map guest=COLUMN", file=path)
    region = options.region or case.region
    tz, tz_why = source_zone(options, profile, case.timezone)
    formats = [options.date_format] if options.date_format else list(profile.date_formats)
    assumed: dict[str, str] = {}
    if mapped.has("arrival_year") and not mapped.has("arrival"):
        # year / month name / day of month in three columns (2015, July, 1)
        arrival_text = (mapped.column("arrival_year") + "-" + mapped.column("arrival_month") + "-"
                        + mapped.column("arrival_day")).where(mapped.column("arrival_year") != "", "")
        formats = [*formats, "%Y-%B-%d", "%Y-%b-%d", "%Y-%m-%d"]
    else:
        arrival_text = (combine_date_time(mapped.column("arrival"), mapped.column("arrival_time"))
                        if mapped.has("arrival_time") else mapped.column("arrival"))
    departure_text = (combine_date_time(mapped.column("departure"), mapped.column("departure_time"))
                      if mapped.has("departure_time") else mapped.column("departure"))
    arrivals = read_dates(arrival_text, options, tz=tz, formats=formats, label=mapped.mapping.get("arrival", "arrival"),
                          assumed=assumed)
    departures = (read_dates(departure_text, options, tz=tz, formats=formats,
                             label=mapped.mapping.get("departure", "departure"), assumed=assumed)
                  if mapped.has("departure") else np.full(len(mapped), np.nan))
    title_name, title_address = hotel_from_titles(mapped)
    given_hotel = " ".join(str(options.extra.get("hotel") or "").split())
    # a Booking.com download names no property: without --hotel the file gets a hotel of its own, keyed by the
    # file's digest so that it is never matched to another hotel by a name the file never gave
    unnamed = not (given_hotel or title_name)
    default_hotel = given_hotel or title_name or f"Hotel of {path.name} (not named in the file)"
    contact_is_booker = bool(profile.options.get("contact_is_booker", True))
    cash_words = re.compile(_option(profile, "cash_or_prepaid"), re.IGNORECASE)
    payments = {k.lower(): v for k, v in profile.values.get("payment", {}).items()}

    crowd = int(options.extra.get("crowd_guests") or profile.options.get("crowd_guests") or CROWD_GUESTS)
    with open_session(case, mapped, options, progress) as session:
        store_raw_rows(session, mapped)
        problems = RowProblems(session, mapped, options.strict)
        session.assume("time zone", f"{tz} ({tz_why})")
        assume_all(session, assumed)
        if given_hotel:
            session.assume("hotel", f"'{given_hotel}' (as given (--hotel))"
                           + ("; rows naming their own hotel keep it" if mapped.has("hotel") else ""))
        col = {name: mapped.column(name) for name in (
            "folio", "room", "guest", "first_name", "last_name", "address", "phone", "email", "id_number", "id_type",
            "plate", "guests", "nights", "rate", "payment", "card_last4", "booked_by", "hotel", "city", "status",
            "status_flag", "weekend_nights", "week_nights", "card", "price", "booked_on", "country")}
        if profile.options.get("names_last_first"):        # 'Okafor, Terrell' -> 'Terrell Okafor'
            for name in ("guest", "booked_by"):
                col[name] = col[name].str.replace(r"^\s*([^,]+?)\s*,\s*([^,]+?)\s*$", r"\2 \1", regex=True)
        col = {name: values.tolist() for name, values in col.items()}    # plain lists: one lookup per cell
        arrival_list, departure_list = arrival_text.tolist(), departure_text.tolist()
        stays: list[Stay] = []
        total = len(mapped)
        for index in range(total):
            if index % 2000 == 0:
                session.check_cancel(index, total, f"Reading {path.name}")
            stay = _read_row(mapped, problems, col, arrival_list, departure_list, arrivals, departures, index,
                             region, default_hotel, payments, cash_words)
            if stay is not None:
                stays.append(stay)
        _stay_patterns(stays)
        crowded = _crowd_nights([s for s in stays if not s.extra.get("reservation_only")], crowd)
        if crowded:
            session.notes.append(
                f"{crowded} registrations fall on crowd nights (more than {crowd} guests at one hotel): marked "
                "crowd_nights, so co-location does not pair everyone who slept there")
        people = _people(stays, contact_is_booker)
        split = sum(1 for n in people.values() if n > 0)
        if split:
            session.notes.append(f"{split} registrations name a guest already in this file whose identifiers "
                                 "(phone, e-mail, card, ID, address) disagree: kept as different people of that name")
        hotels: dict[str, int] = {}
        if unnamed and any(stay.hotel == default_hotel for stay in stays):
            session.assume("hotel", f"'{default_hotel}': the file does not name the hotel, so its stays go to a hotel "
                                    "of this file's own, never matched to another hotel by name; give --hotel NAME")
            hotels[default_hotel] = session.entity(
                "Hotel", f"UNNAMED:{session.sha256[:16]}", default_hotel,
                row=next(stay.row for stay in stays if stay.hotel == default_hotel),
                attrs={"unnamed": True, "file": path.name, **({"address": title_address} if title_address else {})})
        uses: dict[tuple[int, int], int] = {}
        for done, stay in enumerate(stays):
            if done % 2000 == 0:
                session.check_cancel(done, len(stays), f"Importing {path.name}")
            _write_stay(session, stay, hotels, uses, title_address, contact_is_booker, people.get(stay.row, 0))
        cancelled = sum(1 for s in stays if s.extra.get("reservation_only"))
        if cancelled:
            session.notes.append(f"{cancelled} cancelled or no-show reservations kept as 'reserved' links, not stays")
        session.check_cancel(total, total, f"Importing {path.name}")
    return session.result


def _read_row(
    mapped: MappedTable, problems: RowProblems, col: dict, arrival_text, departure_text, arrivals: np.ndarray,
    departures: np.ndarray, index: int, region: str, default_hotel: str, payments: dict[str, str],
    cash_words: re.Pattern[str],
) -> Stay | None:
    """One registration row checked and read; None (and the row rejected) when a value cannot be used."""
    row = mapped.row_number(index)
    guest = col["guest"][index]
    if not guest:
        guest = " ".join(p for p in (col["first_name"][index], col["last_name"][index]) if p)
    if _blank(guest) and not _blank(col["booked_by"][index]) and not mapped.has("first_name"):
        guest = col["booked_by"][index]          # Booking.com: no guest names given, the booker stays
    if _blank(guest):
        problems(index, "guest" if mapped.has("guest") else "last_name", "no guest name in this row")
        return None
    if np.isnan(arrivals[index]):
        shown = arrival_text[index]
        problems(index, "arrival", f"cannot read the arrival date '{shown}' (give --date-format)" if shown
                 else "no arrival date in this row")
        return None
    arrival = int(arrivals[index])
    nights_text = col["nights"][index]
    if not nights_text and (col["weekend_nights"][index] or col["week_nights"][index]):
        parts = [_number(col[name][index] or "0") for name in ("weekend_nights", "week_nights")]
        nights_text = "" if None in parts else str(int(sum(parts)))     # type: ignore[arg-type]
        if None in parts:
            problems(index, "week_nights", "weekend/week nights "
                     f"'{col['weekend_nights'][index]}'/'{col['week_nights'][index]}' are not whole numbers")
            return None
    nights = None
    if not _blank(nights_text):
        value = _number(nights_text)
        if value is None or value < 0 or value != int(value):
            problems(index, "nights", f"nights '{nights_text}' is not a whole number")
            return None
        nights = int(value)
    if not np.isnan(departures[index]):
        departure = int(departures[index])
    elif not _blank(departure_text[index]):
        problems(index, "departure", f"cannot read the departure date '{departure_text[index]}' (give --date-format)")
        return None
    else:
        departure = arrival + DAY * (nights if nights else 1)
    if departure < arrival:
        problems(index, "departure", f"departure '{departure_text[index]}' is before arrival '{arrival_text[index]}'")
        return None
    guests = None
    if not _blank(col["guests"][index]):
        value = _number(col["guests"][index])
        if value is None or value < 0 or value != int(value):
            problems(index, "guests", f"guests '{col['guests'][index]}' is not a whole number")
            return None
        guests = int(value)
    rate = None
    if not _blank(col["rate"][index]):
        rate = _number(col["rate"][index])
        if rate is None:
            problems(index, "rate", f"rate '{col['rate'][index]}' is not an amount")
            return None
    # a stay with an odd phone, e-mail or plate is still a stay: the value is set aside with its reason
    phone = None
    phone_text = col["phone"][index]
    if not _blank(phone_text):
        phone = normalize_phone(phone_text, region)
        if phone is None:
            problems.set_aside(index, "phone", phone_text, "not a phone number")
    email = None
    if not _blank(col["email"][index]):
        email = normalize_email(col["email"][index])
        if email is None:
            problems.set_aside(index, "email", col["email"][index], "not an e-mail address")
    plate_text = col["plate"][index]
    plate = canonical_key("Vehicle", plate_text, region) if not _blank(plate_text) else None
    if not _blank(plate_text) and plate is None:
        problems.set_aside(index, "plate", plate_text, "not a vehicle plate")
        plate_text = ""
    card_text = col["card"][index].strip()
    card = None
    if card_text and not _blank(card_text):
        masked = _MASKED_CARD.match(card_text)
        if masked:
            card = ("masked", masked.group(1), card_text)
        elif _FULL_CARD.match(card_text):
            card = ("full", re.sub(r"\D", "", card_text), card_text)
        else:
            problems.set_aside(index, "card", card_text, "not a card number")
    id_text = col["id_number"][index]
    id_number = " ".join(id_text.upper().split()) if not _blank(id_text) else None
    payment_text = col["payment"][index]
    payment = payments.get(payment_text.strip().lower(), payment_text.strip()) if not _blank(payment_text) else ""
    booked_by = col["booked_by"][index]
    booker = booked_by if not _blank(booked_by) and person_name_key(booked_by) != person_name_key(guest) else None
    nights = nights if nights is not None else max(0, round((departure - arrival) / DAY))
    attrs = {
        "room": col["room"][index] or None, "folio": col["folio"][index] or None, "guests": guests,
        "nights": nights, "rate": rate, "payment": payment or None,
        "cash_or_prepaid": bool(payment and cash_words.search(payment)),
        "card_last4": col["card_last4"][index] or (card[1][-4:] if card else None), "guest": guest,
        "booked_by": booker,
    }
    status = col["status"][index]
    flag = col["status_flag"][index].strip().lower()
    # the status says it when given (Canceled, No-Show, cancelled_by_guest); else the is_canceled flag
    reservation_only = bool(_NOT_A_STAY.search(status)) if status else flag in _YES
    if status:
        attrs["status"] = status
    if flag:
        attrs["cancelled"] = flag in _YES
    for name in ("price", "booked_on", "country"):
        if col[name][index]:
            attrs[name] = col[name][index]
    return Stay(index, row, col["hotel"][index] or default_hotel, guest, booker, arrival, departure,
                {k: v for k, v in attrs.items() if v is not None}, phone, email, plate, plate_text, id_number, id_text,
                col["address"][index], {"id_type": col["id_type"][index], "city": col["city"][index],
                                            "card": card, "reservation_only": reservation_only})


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


def _own_identifiers(stay: Stay, contact_is_booker: bool) -> set[tuple[str, str]]:
    """The identifiers a registration gives for its guest: the ID shown always; phone, e-mail, card and
    address only when they are the guest's own (not a booker's)."""
    found: set[tuple[str, str]] = set()
    if stay.id_number:
        found.add(("id", stay.id_number))
    if stay.booker and contact_is_booker:
        return found
    if stay.phone is not None:
        found.add(("phone", stay.phone.e164))
    if stay.email:
        found.add(("email", stay.email))
    card = stay.extra.get("card")
    if card:
        found.add(("card", card[1][-4:] if card[0] == "masked" else card[1]))
    if stay.address.strip():
        found.add(("address", " ".join(stay.address.upper().replace(",", " ").split())))
    return found


def _people(stays: list[Stay], contact_is_booker: bool) -> dict[int, int]:
    """Which person of a name each registration is (row -> 0, 1, 2...): registrations of one name are one
    person when an identifier of the guest's own agrees (phone, e-mail, card, ID, address); two 'John Smith'
    rows with different phones are two people. Rows with nothing but the name join the name's person when it
    has one identity; when the name has several, they stay apart from all of them."""
    by_name: dict[tuple[str, str], list[Stay]] = {}
    for stay in stays:
        by_name.setdefault((person_name_key(stay.hotel), person_name_key(stay.guest)), []).append(stay)
    out: dict[int, int] = {}
    for group in by_name.values():
        if len(group) < 2:
            continue
        parent = list(range(len(group)))
        find = _root_finder(parent)
        owner: dict[tuple[str, str], int] = {}
        own = [_own_identifiers(stay, contact_is_booker) for stay in group]
        for i, identifiers in enumerate(own):
            for item in identifiers:
                if item in owner:
                    parent[find(i)] = find(owner[item])
                else:
                    owner[item] = i
        identified = sorted({find(i) for i, ids in enumerate(own) if ids}, key=lambda r: group[r].row)
        if len(identified) < 2:
            continue                                   # one identity (or none): the name is one person
        number = {root: n for n, root in enumerate(identified)}
        for i, stay in enumerate(group):
            out[stay.row] = number[find(i)] if own[i] else len(identified)
    return out


def _root_finder(parent: list[int]):
    """Union-find's root lookup over `parent` (path halving)."""
    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    return find


def _crowd_nights(stays: list[Stay], crowd: int) -> int:
    """Mark registrations on nights when more than `crowd` guests were registered at the hotel (a large
    hotel's ordinary night): `crowd_nights` lists those nights, so co-location does not pair them all."""
    nights: dict[tuple[str, int], int] = {}
    spans: list[tuple[Stay, list[int]]] = []
    for stay in stays:
        first = int(stay.arrival // DAY)
        days = list(range(first, max(first + 1, int(stay.departure // DAY))))[:366]
        spans.append((stay, days))
        for day in days:
            key = (person_name_key(stay.hotel), day)
            nights[key] = nights.get(key, 0) + 1
    marked = 0
    for stay, days in spans:
        crowded = [day for day in days if nights[(person_name_key(stay.hotel), day)] > crowd]
        if crowded:
            stay.attrs["crowd_nights"] = [_iso_day(day) for day in crowded]
            stay.attrs["crowd"] = len(crowded) == len(days)
            marked += 1
    return marked


def _iso_day(day: int) -> str:
    import datetime as _dt

    return (_dt.date(1970, 1, 1) + _dt.timedelta(days=day)).isoformat()


def _close_chain(chain: list[Stay]) -> None:
    """Registrations back to back in one room: several of them is a stay extended night by night."""
    for stay in chain:
        stay.attrs["night_by_night"] = len(chain) > 1
        stay.attrs["chain_registrations"] = len(chain)


def _write_stay(
    session: ImportSession, stay: Stay, hotels: dict[str, int], uses: dict[tuple[int, int], int], title_address: str,
    contact_is_booker: bool, person: int = 0,
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
    if person:
        # another person of this name in this registry (their identifiers disagree): its own entity
        key = f"same-name:{session.sha256[:12]}:{person_name_key(stay.guest)}:{person}"
        guest = session.entity("Person", key, stay.guest, row=row,
                               attrs={**(guest_attrs or {}), "same_name_as_another_guest": True})
    else:
        guest = session.entity("Person", None, stay.guest, row=row, attrs=guest_attrs)
    reservation_only = bool(stay.extra.get("reservation_only"))
    session.link("reserved" if reservation_only else "stayed_at", guest, hotel, row=row, start=stay.arrival,
                 end=stay.departure, attrs=stay.attrs)
    contact = guest
    if stay.booker:
        booker_attrs = {"address": stay.address} if stay.address and contact_is_booker else None
        booker = session.entity("Person", None, stay.booker, row=row, attrs=booker_attrs)
        session.link("reserved" if reservation_only else "booked", booker, hotel, row=row, start=stay.arrival,
                     end=stay.departure, attrs=stay.attrs)
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
    card = stay.extra.get("card")
    if card:
        kind, digits, text = card
        if kind == "masked":         # only the last four digits: one card per holder name, never across names
            holder = stay.booker if (stay.booker and contact_is_booker) else stay.guest
            key = f"XXXX{digits}@NAME:{person_name_key(holder).upper()}"
            label = f"Card ending {digits}"
        else:
            key, label = canonical_key("Account", digits) or digits, f"Card {text}"
        account = session.entity("Account", key, label, row=row,
                                 attrs={"number": text, "kind": "card", **({"masked": True} if kind == "masked" else {})})
        _uses(session, uses, contact, account, row)
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
