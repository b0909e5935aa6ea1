"""Online-ad scrapes (`--kind ads`): CSV, XLSX, JSON and JSON lines, one ad per row.

Each row becomes an Ad entity (site, post time, city/region, title, body, stated age, names
used, rates, image hashes) keyed by site and ad id, linked to what it carries:
  Phone -posted-> Ad   every number in the phone field and every number found in the title
                       or body, obscured or not (`ad_text.extract_phones`); the link keeps where
                       each was found (field, or text with its span) and `obscured`
  Email -posted-> Ad   addresses in the email field
  Ad -listed_in-> Location   the ad's city ("Fresno, CA")
  Person -posted-> Ad  only when the scrape names the person (a mapped `person` column):
                       names used in ads stay Ad attributes, since victims are advertised under them
  Ad -near_duplicate- Ad    re-posted text, against this file and every ad already in the case
                       (`importers.near_duplicates`, similarity kept on the link)
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np

from importers.ad_text import ExtractedPhone, extract_phones
from importers.dates import combine_date_time
from importers.near_duplicates import THRESHOLD, AdText, masked_words, near_duplicate_pairs, shingles
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
from linkgraph.identity import normalize_email, normalize_phone
from linkgraph.progress import Progress, no_progress
from linkgraph.times import format_time

KIND = "ads"
_LIST_SPLIT = re.compile(r"\s*[;|\n]\s*|\s*,\s*(?=\S)")
_PHONE_SPLIT = re.compile(r"\s*[;|\n/]\s*|\s*,\s*")
_HASH_SPLIT = re.compile(r"[\s;,|]+")
_BLANK = frozenset({"", "-", "--", "n/a", "na", "none", "null", "nan", "unknown", "not stated", "[]"})
_AGE = re.compile(r"^\s*(\d{1,2})(?:\s*(?:y/?o|yrs?|years?(?: old)?))?\s*$", re.IGNORECASE)
_PLAIN_PHONE = re.compile(r"^(?:\+?1[\s.\-]?)?(?:\([0-9]{3}\)\s?|[0-9]{3}[\s.\-]?)[0-9]{3}[\s.\-]?[0-9]{4}$")
_STATE_TAIL = re.compile(r"^[A-Za-z]{2}$")
# A number written in international form (+44 7700 900123, +52 55 1234 5678): plain, not obscured.
_INTERNATIONAL = re.compile(r"^\+\d{1,3}(?:[\s.\-]?\(?\d{1,5}\)?){2,6}$")
_URL = re.compile(r"^(?:https?://|//|www\.)|\.(?:jpe?g|png|gif|webp|bmp)(?:[?#]|$)", re.IGNORECASE)
_TAG = re.compile(r"<\s*br\s*/?>|</\s*p\s*>", re.IGNORECASE)
# The site's own post id inside an ad URL: '/fresno/escorts/12345678.html', '?post_id=123', '/ad/98765/'.
_ID_IN_URL = re.compile(r"/(\d{5,})(?:\.html?|\.php|/)?$")
_ID_PARAMS = ("post_id", "postid", "ad_id", "adid", "id", "sid", "p")


def kind_score(path: Path, options: ImportOptions) -> float:
    """How much the file looks like an ad scrape (its header against the ad profiles)."""
    return _kind_score(path, options, KIND)


def _blank(value: str) -> bool:
    return value.strip().lower() in _BLANK


def _items(value: str, splitter: re.Pattern[str] = _LIST_SPLIT) -> list[str]:
    """A list cell ('a; b', 'a, b', JSON lists already joined with '; ') as its non-blank items, in order."""
    if _blank(value):
        return []
    return list(dict.fromkeys(p.strip() for p in splitter.split(value) if p.strip() and not _blank(p)))


def is_obscured(span_text: str) -> bool:
    """Whether a number found in ad text was written to dodge search (anything but 209-555-0123 / (209) 555-0123
    or an international number written '+CC ...')."""
    text = span_text.strip()
    return not (_PLAIN_PHONE.match(text) or _INTERNATIONAL.match(text))


def clean_text(value: str) -> str:
    """Ad text as the reader saw it: HTML entities decoded (&amp; &#39; &nbsp;) and <br> as a line break.
    Other markup is kept verbatim (evidence; every export escapes it), and the raw row keeps the original."""
    if "&" not in value and "<" not in value:
        return value
    return html.unescape(_TAG.sub("\n", value)).replace("\u00a0", " ")


def id_from_url(url: str) -> str:
    """The site's own post id written in an ad's URL ('' when none is)."""
    if not url.strip():
        return ""
    parts = urlsplit(url.strip() if "//" in url else "//" + url.strip())
    query = parse_qs(parts.query)
    for name in _ID_PARAMS:
        if query.get(name) and query[name][0].strip():
            return query[name][0].strip()
    match = _ID_IN_URL.search(parts.path)
    return match.group(1) if match else ""


def _place(city: str, region: str, location: str) -> tuple[str, str, str]:
    """(label, city, region) of an ad's place from a city/region pair or one 'City, ST' cell."""
    city, region = city.strip(), region.strip()
    if not city and location.strip():
        parts = [p.strip() for p in location.split(",") if p.strip()]
        if len(parts) >= 2 and _STATE_TAIL.match(parts[-1]):
            city, region = ", ".join(parts[:-1]), region or parts[-1].upper()
        elif parts:
            city = ", ".join(parts)
    if not city:
        return "", "", region
    label = f"{city}, {region.upper()}" if region and _STATE_TAIL.match(region) else (
        f"{city}, {region}" if region else city)
    return label, city, region


def _site(site: str, url: str) -> str:
    """The site an ad was posted on: the site column, else the URL's host."""
    if site.strip():
        return site.strip()
    if url.strip():
        host = urlsplit(url.strip() if "//" in url else "//" + url.strip()).hostname or ""
        return host.removeprefix("www.")
    return ""


def import_file(case: CaseFile, path: Path, options: ImportOptions, progress: Progress = no_progress) -> ImportResult:
    """Import an ad scrape: one Ad per row with its phones, emails, place and near-duplicates, cited to the row."""
    mapped = read_mapped(path, KIND, options)
    region = options.region or case.region
    tz, tz_why = source_zone(options, mapped.detection.profile, case.timezone)
    threshold = float(options.extra.get("near_duplicate_threshold") or THRESHOLD)
    col = {name: mapped.column(name) for name in (
        "ad_id", "db_id", "site", "url", "location", "city", "region", "title", "body", "age", "phone", "email",
        "name", "person", "rates", "image_hashes", "image_urls", "crosslinks")}
    for name in ("title", "body", "name", "location", "city"):
        col[name] = col[name].map(clean_text)
    keyed_by = _choose_ids(mapped, col)
    _check_unique_ids(mapped, col, keyed_by)
    posted_text = (combine_date_time(mapped.column("posted"), mapped.column("time")) if mapped.has("time")
                   else mapped.column("posted"))
    formats = [options.date_format] if options.date_format else list(mapped.detection.profile.date_formats)
    assumed: dict[str, str] = {}
    posted = (read_dates(posted_text, options, tz=tz, formats=formats, label=mapped.mapping.get("posted", "posted"),
                         assumed=assumed) if mapped.has("posted") else np.full(len(mapped), np.nan))

    with open_session(case, mapped, options, progress) as session:
        store_raw_rows(session, mapped)
        problems = RowProblems(session, mapped, options.strict)
        if mapped.has("posted"):
            session.assume("time zone", f"{tz} ({tz_why}; Unix times are UTC)")
        assume_all(session, assumed)
        session.assume("ad key", keyed_by)
        if keyed_by.startswith("row number"):
            session.notes.append(f"the file has no ad id or URL column: each ad is keyed by its row in {path.name} "
                                 "(the same ad in another file will not be recognised by its key)")
        new_ads: list[AdText] = []
        before = {int(i) for (i,) in session.conn.execute("SELECT id FROM entities WHERE type = 'Ad'")}
        total = len(mapped)
        for index in range(total):
            if index % 2000 == 0:
                session.check_cancel(index, total, f"Importing {path.name}")
            ad = _import_row(session, mapped, problems, col, posted_text, posted, index, region, tz)
            if ad is not None:
                new_ads.append(ad)
        _link_near_duplicates(session, new_ads, before, threshold)
        session.check_cancel(total, total, f"Importing {path.name}")
    return session.result


_DB_ID = re.compile(r"^_?(?:id|doc_?id|row_?id|record_?id|index|pk|oid)$", re.IGNORECASE)


def _international(text: str, region: str, found: list[ExtractedPhone]) -> list[ExtractedPhone]:
    """Numbers written '+CC ...' in ad text that the ad-text reader did not take (it reads the case's own
    region): international numbers, read by phonenumbers from their country code."""
    if "+" not in text:
        return []
    import phonenumbers

    taken = {(hit.start, hit.end) for hit in found}
    out = []
    for match in phonenumbers.PhoneNumberMatcher(text, "ZZ", leniency=phonenumbers.Leniency.POSSIBLE):
        if any(a < match.end and match.start < b for a, b in taken):
            continue
        phone = normalize_phone(match.raw_string, region)
        if phone is not None:
            out.append(ExtractedPhone(e164=phone.e164, start=match.start, end=match.end, raw=match.raw_string))
    return out


def _choose_ids(mapped: MappedTable, col: dict) -> str:
    """Which value keys each ad, said on the import line: the site's own post id (an id column, else one
    read from the URL) before a database row id (`_id`); the URL; else the row number in this file."""
    ad_id_column = mapped.mapping.get("ad_id", "")
    from_url = col["url"].map(id_from_url) if mapped.has("url") else None
    if mapped.has("ad_id") and not _DB_ID.match(ad_id_column):
        return f"the site's post id ('{ad_id_column}')"
    if from_url is not None and (from_url != "").mean() >= 0.9:
        if mapped.has("ad_id"):
            col["db_id"] = col["ad_id"]
        col["ad_id"] = from_url
        return f"the site's post id read from the URL ('{mapped.mapping['url']}')"
    if mapped.has("ad_id"):
        return f"the id column '{ad_id_column}'"
    if mapped.has("db_id"):
        col["ad_id"] = col["db_id"]
        return f"the database id column '{mapped.mapping['db_id']}' (no post id in the file or its URLs)"
    if mapped.has("url"):
        return f"the URL ('{mapped.mapping['url']}')"
    return "row number in this file (no id or URL column)"


def _check_unique_ids(mapped: MappedTable, col: dict, keyed_by: str) -> None:
    """Refuse a key column that names different ads alike (a page number, a category id): never merged silently."""
    if keyed_by.startswith("row number"):
        return
    keys = col["ad_id"].where(col["ad_id"] != "", col["url"])
    if mapped.has("site"):
        keys = col["site"].str.lower() + "/" + keys
    texts: dict[str, set[tuple[str, str]]] = defaultdict(set)
    rows: dict[str, list[int]] = defaultdict(list)
    for index, (key, title, body) in enumerate(zip(keys.tolist(), col["title"].tolist(), col["body"].tolist(),
                                                    strict=True)):
        if key and not _blank(key):
            texts[key].add((" ".join(title.split()), " ".join(body.split())))
            rows[key].append(mapped.row_number(index))
    shared = [k for k, found in texts.items() if len(found) > 1]
    if shared:
        first = shared[0]
        column = mapped.mapping.get("ad_id") or mapped.mapping.get("url")
        raise InputError(
            f"the ad key is not unique: {len(shared):,} {'keys are' if len(shared) != 1 else 'key is'} shared by ads "
            f"with different texts ({sum(len(rows[k]) for k in shared):,} rows; e.g. '{first}' in rows "
            f"{', '.join(map(str, rows[first][:5]))}); they would be merged into one ad. Map the site's own post id "
            "with --map ad_id=COLUMN, or a column that is unique", file=mapped.path, column=column)


def _import_row(
    session: ImportSession, mapped: MappedTable, problems: RowProblems, col: dict, posted_text, posted: np.ndarray,
    index: int, region: str, tz: str,
) -> AdText | None:
    """One ad row: checks first (nothing is written for a bad row), then the Ad and its links."""
    row = mapped.row_number(index)
    ad_id, url = col["ad_id"].iat[index], col["url"].iat[index]
    title, body = col["title"].iat[index], col["body"].iat[index]
    ref = ad_id or url
    by_row = not mapped.has("ad_id") and not mapped.has("url") and not mapped.has("db_id")
    if by_row:
        ref = f"{mapped.path.name} row {row}"
    elif _blank(ref):
        problems(index, "ad_id" if mapped.has("ad_id") else "url", "no ad id or URL in this row")
        return None
    if not title and not body and _blank(col["phone"].iat[index]) and _blank(col["email"].iat[index]):
        # a scrape of the listing's details only (post id, date, age, phone: no text) is still an ad when it
        # names a phone or e-mail; an ad with nothing at all is not
        problems(index, "body" if mapped.has("body") else "title",
                 "the ad has no title, no body text and no phone or e-mail")
        return None
    when = None if np.isnan(posted[index]) else int(posted[index])
    if when is None and not _blank(posted_text.iat[index]):
        problems(index, "posted", f"cannot read the post time '{posted_text.iat[index]}' (give --date-format)")
        return None
    age = None
    age_text = col["age"].iat[index]
    if not _blank(age_text):
        match = _AGE.match(age_text)
        if match is None:
            problems(index, "age", f"stated age '{age_text}' is not a number")
            return None
        age = int(match.group(1))
    field_phones: list[tuple[str, str]] = []
    for item in _items(col["phone"].iat[index], _PHONE_SPLIT):
        phone = normalize_phone(item, region)
        if phone is None:
            problems(index, "phone", f"'{item}' is not a phone number")
            return None
        field_phones.append((item, phone.e164))
    emails: list[str] = []
    for item in _items(col["email"].iat[index], _PHONE_SPLIT):
        address = normalize_email(item)
        if address is None:
            problems(index, "email", f"'{item}' is not an email address")
            return None
        emails.append(address)

    site = _site(col["site"].iat[index], url)
    names = _items(col["name"].iat[index])
    rates = col["rates"].iat[index]
    label, city, state = _place(col["city"].iat[index], col["region"].iat[index], col["location"].iat[index])
    images = _items(col["image_hashes"].iat[index], _HASH_SPLIT) + _items(col["image_urls"].iat[index], _HASH_SPLIT)
    hashes = [h.lower() for h in images if not _URL.search(h)]
    image_urls = [h for h in images if _URL.search(h)]            # kept as written: a URL is not a hash
    attrs = {
        "ad_id": ad_id or None, "site": site or None, "url": url or None,
        "posted": format_time(when, tz) if when is not None else None,
        "city": city or None, "region": state or None, "title": title or None, "body": body or None,
        "age": age, "name": names[0] if names else None, "names": names or None, "rates": rates or None,
        "image_hashes": hashes or None, "image_urls": image_urls or None, "emails": emails or None,
        "db_id": col["db_id"].iat[index] or None, "crosslinks": col["crosslinks"].iat[index] or None,
    }
    key = (f"ROW:{session.sha256[:16]}:{row}" if by_row else f"{site.lower()}/{ref}" if site else ref)
    ad = session.entity("Ad", " ".join(key.split()), ref, row=row,
                        attrs={k: v for k, v in attrs.items() if v not in (None, "", [])})

    found: dict[str, dict] = {}
    for raw, e164 in field_phones:
        entry = found.setdefault(e164, {"found_in": [], "obscured": False, "spans": []})
        entry["found_in"].append("phone")
        entry.setdefault("written", raw)
    spans: dict[str, list[ExtractedPhone]] = {}
    for where, text in (("title", title), ("body", body)):
        spans[where] = extract_phones(text, region)
        spans[where] += _international(text, region, spans[where])
        for hit in spans[where]:
            entry = found.setdefault(hit.e164, {"found_in": [], "obscured": False, "spans": []})
            if where not in entry["found_in"]:
                entry["found_in"].append(where)
            entry["spans"].append({"field": where, "start": hit.start, "end": hit.end, "text": hit.raw})
            entry["obscured"] = entry["obscured"] or is_obscured(hit.raw)
    for e164, link_attrs in found.items():
        phone = normalize_phone(e164, region)
        phone_id = session.entity("Phone", phone.e164, phone.display, row=row, attrs={"kind": phone.kind})
        link_attrs["source"] = "field" if link_attrs["found_in"] == ["phone"] else (
            "text_obscured" if link_attrs["obscured"] else "text")
        if not link_attrs["spans"]:
            del link_attrs["spans"]
        session.link("posted", phone_id, ad, row=row, start=when, attrs=link_attrs)
    for address in emails:
        email_id = session.entity("Email", address, address, row=row)
        session.link("posted", email_id, ad, row=row, start=when, attrs={"found_in": ["email"]})
    if label:
        place = session.entity("Location", " ".join(label.upper().split()), label, row=row,
                               attrs={"city": city, "region": state or None})
        session.link("listed_in", ad, place, row=row, start=when)
    for name in _items(col["person"].iat[index]):
        person = session.entity("Person", None, name, row=row)
        session.link("posted", person, ad, row=row, start=when, attrs={"found_in": ["person"], "as": names or None})
    session.mark_imported([row])
    words = masked_words(title, body, names=names, places=[city, state] if state else [city], rates=rates,
                         phones=spans)
    return AdText(ad, row, shingles(words))


def _existing_ads(session: ImportSession, before: set[int]) -> list[AdText]:
    """The ads already in the case (standing, not merged away), as compared texts."""
    out = []
    for entity_id, attrs in session.conn.execute(
        "SELECT id, attrs FROM entities WHERE type = 'Ad' AND merged_into IS NULL ORDER BY id"
    ):
        if int(entity_id) not in before:
            continue
        data = json.loads(attrs or "{}")
        names = data.get("names") or ([data["name"]] if data.get("name") else [])
        places = [p for p in (data.get("city"), data.get("region")) if p]
        words = masked_words(data.get("title") or "", data.get("body") or "", names=names, places=places,
                             rates=data.get("rates") or "")
        out.append(AdText(int(entity_id), None, shingles(words)))
    return out


def _link_near_duplicates(session: ImportSession, new_ads: list[AdText], before: set[int], threshold: float) -> None:
    """near_duplicate links between this file's ads and with ads already in the case (each pair once)."""
    if not new_ads:
        return
    unique: dict[int, AdText] = {}
    for ad in new_ads:
        unique.setdefault(ad.ad, ad)
    linked = {(min(a, b), max(a, b)) for a, b in session.conn.execute(
        "SELECT src, dst FROM links WHERE type = 'near_duplicate'")}
    existing = [a for a in _existing_ads(session, before) if a.ad not in unique]

    def report(done: int, total: int | None, message: str) -> bool:
        session.check_cancel(done, total, message)
        return True

    for earlier, later, similarity in near_duplicate_pairs(list(unique.values()), existing, threshold=threshold,
                                                           progress=report):
        pair = (min(earlier.ad, later.ad), max(earlier.ad, later.ad))
        if pair in linked:
            continue
        linked.add(pair)
        row = later.row if later.row is not None else earlier.row
        session.link("near_duplicate", earlier.ad, later.ad, row=row, weight=similarity,
                     attrs={"similarity": similarity, "method": "jaccard of masked word 3-shingles",
                            "threshold": threshold})
