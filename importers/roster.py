"""Worker rosters from business compliance checks (`--kind roster`): labour-trafficking leads.

Each row is one worker: the worker (Person) lives at an Address (Location, `located_at`), uses a
Phone (`uses`), is `employed_by` the employer (Business, itself `located_at` its site), and is paid
into a pay account (Account): the employer `paid` the account (category `wages`, the pay as amount)
and the worker `uses` it, or `owns` it when the worker's role is owner/manager. So the analysis sees
many workers at one address or phone, and many workers' wages landing in one controller's account.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from importers.dates import parse_datetimes
from importers.finance import account_key, parse_money
from importers.options import ImportOptions
from importers.tabular import (
    RowProblems,
    assume_all,
    identified_entity,
    open_session,
    read_dates,
    read_mapped,
    source_zone,
    store_raw_rows,
)
from importers.tabular import kind_score as _kind_score
from linkgraph.case import CaseFile, ImportResult
from linkgraph.progress import Progress, no_progress

KIND = "roster"
_CONTROLLER_ROLE = re.compile(r"\b(?:owner|manager|supervisor|boss|foreman|crew leader|contractor|recruiter)\b",
                              re.IGNORECASE)
_PAY = re.compile(r"^\s*(?P<money>[^/]*?)\s*(?:/|per\s+)\s*(?P<unit>hr|hour|h|day|wk|week|month|mo|year|yr|piece|job)\b",
                  re.IGNORECASE)
_UNITS = {"hr": "hour", "h": "hour", "hour": "hour", "day": "day", "wk": "week", "week": "week", "month": "month",
          "mo": "month", "year": "year", "yr": "year", "piece": "piece", "job": "job"}


def kind_score(path: Path, options: ImportOptions) -> float:
    """How much the file's header looks like a worker roster (for --kind detection)."""
    return _kind_score(path, options, KIND)


def parse_pay(text: str) -> tuple[float | None, str | None]:
    """('$17.50/hr') -> (17.5, 'hour'); ('$400.00') -> (400.0, None); (None, None) when it is not an amount."""
    match = _PAY.match(text)
    if match:
        value = parse_money(match.group("money"))
        return (abs(value) if value is not None else None), _UNITS[match.group("unit").lower()]
    value = parse_money(text)
    return (abs(value) if value is not None else None), None


def import_file(case: CaseFile, path: Path, options: ImportOptions, progress: Progress = no_progress) -> ImportResult:
    """Import a worker roster: workers tied to addresses, phones, employers and pay accounts, cited to their rows."""
    mapped = read_mapped(path, KIND, options)
    profile = mapped.detection.profile
    region = options.region or case.region
    tz, tz_why = source_zone(options, profile, case.timezone)
    formats = [options.date_format] if options.date_format else list(profile.date_formats)
    currency = options.extra.get("currency") or profile.options.get("currency")

    fields = ("worker", "birth_date", "address", "phone", "employer", "employer_address", "role", "pay",
              "pay_frequency", "pay_account", "pay_date", "hire_date", "id_number")
    cells = {name: mapped.column(name).tolist() for name in fields}
    assumed: dict[str, str] = {}
    pay_dates = read_dates(mapped.column("pay_date"), options, tz=tz, formats=formats,
                           label=mapped.mapping.get("pay_date", "pay_date"), assumed=assumed) \
        if mapped.has("pay_date") else np.full(len(mapped), np.nan)
    roster_date, date_row = _roster_date(mapped, profile.options.get("date_in_title"), tz, formats)

    with open_session(case, mapped, options, progress) as session:
        store_raw_rows(session, mapped, keep_lines=True)
        problems = RowProblems(session, mapped, options.strict)
        if mapped.has("pay_date") or roster_date is not None:
            session.assume("time zone", f"{tz} ({tz_why})")
        assume_all(session, assumed)
        made: set[tuple[str, int, int]] = set()

        def relation(kind: str, src: int, dst: int, row: int, attrs: dict | None = None) -> None:
            if (kind, src, dst) not in made:
                made.add((kind, src, dst))
                session.link(kind, src, dst, row=row, attrs=attrs)

        total = len(mapped)
        for index in range(total):
            if index % 2000 == 0:
                session.check_cancel(index, total, f"Importing {path.name}")
            row = mapped.row_number(index)
            value = {name: column[index] for name, column in cells.items()}
            if not value["worker"]:
                problems(index, "worker", "no worker name in this row")
                continue
            if not value["employer"]:
                problems(index, "employer", "no employer in this row")
                continue
            pay, unit = parse_pay(value["pay"]) if value["pay"] else (None, None)
            if value["pay"] and pay is None:
                problems(index, "pay", f"cannot read the pay '{value['pay']}'")
                continue
            if value["pay_date"] and np.isnan(pay_dates[index]):
                problems(index, "pay_date", f"cannot read the date '{value['pay_date']}' (give --date-format)")
                continue
            phone = None
            if value["phone"]:
                phone = identified_entity(session, "Phone", value["phone"], row, region)
                if phone is None:
                    problems(index, "phone", f"'{value['phone']}' is not a phone number")
                    continue
            key = number = institution = None
            if value["pay_account"]:
                key, number, institution = account_key(value["pay_account"])
                if key is None:
                    problems(index, "pay_account", f"'{value['pay_account']}' is not an account number")
                    continue
            attrs = {k: value[k] for k in ("birth_date", "id_number") if value[k]}
            if value["role"]:
                attrs["occupation"] = value["role"]
            worker = session.entity("Person", None, value["worker"], row=row, attrs=attrs or None)
            employer = session.entity("Business", None, value["employer"], row=row)
            job = {"role": value["role"], "pay": value["pay"], "pay_frequency": value["pay_frequency"],
                   "hire_date": value["hire_date"]}
            relation("employed_by", worker, employer, row, {k: v for k, v in job.items() if v} or None)
            if phone is not None:
                relation("uses", worker, phone, row)
            if value["address"]:
                home = identified_entity(session, "Location", value["address"], row, region,
                                         attrs={"address": value["address"]})
                relation("located_at", worker, home, row)
            if value["employer_address"]:
                site = identified_entity(session, "Location", value["employer_address"], row, region,
                                         attrs={"address": value["employer_address"]})
                relation("located_at", employer, site, row)
            if key is not None:
                account = session.entity("Account", key, value["pay_account"], row=row, attrs={
                    k: v for k, v in (("number", number), ("institution", institution), ("kind", "pay account")) if v})
                controls = bool(_CONTROLLER_ROLE.search(value["role"]))
                relation("owns" if controls else "uses", worker, account, row, {"as": "pay account"})
                start = pay_dates[index] if not np.isnan(pay_dates[index]) else roster_date
                wage = {"category": "wages", "worker": value["worker"], "pay": value["pay"],
                        "pay_frequency": value["pay_frequency"], "pay_unit": unit, "method": "deposit",
                        "date_from": "pay date" if not np.isnan(pay_dates[index]) else (
                            f"roster date (row {date_row})" if roster_date is not None else None)}
                session.link("paid", employer, account, row=row, amount=pay, currency=currency if pay else None,
                             start=None if start is None or np.isnan(start) else int(start),
                             attrs={k: v for k, v in wage.items() if v})
        session.check_cancel(total, total, f"Importing {path.name}")
        if roster_date is None and not mapped.has("pay_date"):
            session.notes.append("no pay dates and no date in the roster's title: wage records have no time")
    return session.result


def mapped_dayfirst(mapped) -> bool | None:
    """The day/month order the roster's own date column shows, for a lone date in its title lines."""
    from importers.dates import day_order

    if not mapped.has("pay_date"):
        return None
    order = day_order(mapped.column("pay_date"))
    return order.dayfirst if order is not None and order.decided_by == "values" else None


def _roster_date(mapped, pattern: str | None, tz: str, formats: list[str]) -> tuple[float | None, int | None]:
    """The first date written in the title lines above the header (the inspection date), as epoch seconds."""
    if not pattern:
        return None, None
    for row, text in mapped.table.skipped:
        if row >= mapped.table.header_row:
            break
        found = re.search(pattern, text)
        if found:
            value = parse_datetimes([found.group(1)], tz=tz, formats=formats,
                                    dayfirst=mapped_dayfirst(mapped))[0]
            if not np.isnan(value):
                return float(value), int(row)
    return None, None
