"""Victim protection: stable pseudonyms ("Jane Doe 1") for victims, minors, their identifiers and ads.

Who is protected: persons whose role is victim or who are flagged minor; the phones, emails,
accounts... they use or own (`uses`/`owns` links); the ads linked to any of those, and the ads
that share a photo (image hash), near-duplicate text or a working name with a protected ad; those
working names ("Kandi") become "Victim alias N" wherever they are written. Numbers
are derived from sorted entity ids, so the same case gives the same pseudonyms in every format
and every run; person records written with the same name share one pseudonym. Every text an export writes passes through `Redactor.text`, which also catches
the protected names and numbers inside other records (raw rows, other labels, descriptions).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.exports.cells import safe_cell
from linkgraph.graph import REPLACEABLE, USE_LINKS

PERSON_PSEUDONYM = "Jane Doe"
RELATIVE_PSEUDONYM = "Relative"
IDENTIFIER_WORDS = {"Phone": "phone", "Email": "email", "Account": "account", "OnlineAccount": "online account",
                    "Device": "device", "Vehicle": "vehicle", "Ad": "ad", "IdDocument": "ID document",
                    "Location": "address"}
# what a person holds: the links that tie her to an identifier, and the kinds of identifier
HOLDING_LINKS = (*USE_LINKS, "located_at")
IDENTIFIER_TYPES = (*REPLACEABLE, "IdDocument", "Location")
# a protected person's own attributes that identify her wherever else they are written
PERSON_IDENTIFIERS = ("address", "id_number", "phone", "email", "birth_date", "alias", "aliases")
ALIAS_ATTRIBUTES = ("alias", "aliases")
REDACTED_TEXT = "[redacted]"
# Runs of digits with the separators people write numbers with: (209) 555-0171, 209.555.0171, +1 209 555 0171.
_NUMBER_RUN = re.compile(r"(?<![\w])\+?\d[\d\s().\-]{5,}\d(?![\d])")
_DATE_LIKE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?\s*([AaPp][Mm])?)?\s*$|"
                        r"^\s*\d{1,2}:\d{2}(:\d{2})?\s*([AaPp][Mm])?\s*$")


@dataclass(frozen=True)
class Protected:
    """One protected entity: its pseudonym and what it really is (for the key file only)."""

    entity_id: int
    type: str
    pseudonym: str
    label: str
    key: str | None


class Redactor:
    """Replaces protected identities with pseudonyms in labels, attributes, raw rows and free text.

    A disabled redactor passes everything through unchanged, so exports call it unconditionally.
    """

    def __init__(self, case: CaseFile, enabled: bool) -> None:
        self.enabled = enabled
        self.protected: dict[int, Protected] = {}
        self._patterns: list[tuple[re.Pattern[str], str]] = []
        self._numbers: dict[str, str] = {}
        self._local: dict[str, str] = {}
        self._aliases: dict[str, str] = {}
        self._person_texts: dict[str, Any] = {}
        self._rows: set[tuple[int, int]] = set()
        if enabled:
            self._find(case)

    # ---- who is protected --------------------------------------------------------------
    def _find(self, case: CaseFile) -> None:
        reps = case.representatives()
        rows = case.conn.execute("SELECT id, type, key, label, role, minor, attrs FROM entities ORDER BY id").fetchall()
        info = {r[0]: r[:6] for r in rows}
        person_attrs = {r[0]: json.loads(r[6] or "{}") or {} for r in rows if r[1] == "Person"}
        persons = {reps.get(r[0], r[0]) for r in rows if r[1] == "Person" and (r[4] == "victim" or r[5])}
        links = [(t, reps.get(s, s), reps.get(d, d)) for t, s, d in case.conn.execute("SELECT type, src, dst FROM links")]
        # relatives of a victim or minor (family links of the model) are protected too, unless suspects
        family = {name for name, t in case.model.links.items() if t.ftm == "Family"}
        relatives = {other for t, a, b in links if t in family for one, other in ((a, b), (b, a))
                     if one in persons and other not in persons and info.get(other, (0, ""))[1] == "Person"
                     and info[other][4] != "suspect"}
        # merged-away records of a protected person are protected too (their labels are the same person's)
        people = {i for i in info if reps.get(i, i) in persons}
        kin = {i for i in info if reps.get(i, i) in relatives}
        holders = persons | relatives
        identifiers = {other for t, a, b in links if t in HOLDING_LINKS for one, other in ((a, b), (b, a))
                       if one in holders and info.get(other, (0, ""))[1] in IDENTIFIER_TYPES}
        # the handsets a protected phone sits in
        identifiers |= {other for t, a, b in links if t in USE_LINKS for one, other in ((a, b), (b, a))
                        if one in identifiers and info.get(other, (0, ""))[1] == "Device"}
        identifiers |= {i for i in info if reps.get(i, i) in identifiers}
        self._person_texts = {}
        recorded: set[str] = set()
        for entity_id in people | kin:
            attrs = person_attrs.get(entity_id, {})
            for name in PERSON_IDENTIFIERS:
                for value in _values(attrs.get(name)):
                    self._person_texts[value] = entity_id
            if entity_id in people:
                recorded |= {v for name in ALIAS_ATTRIBUTES for v in _values(attrs.get(name)) if len(v) >= 3}
        near = persons | {reps.get(i, i) for i in identifiers if info[i][1] != "Location"}
        ads: set[int] = set()
        for _, src, dst in links:
            if src in near and info.get(dst, (0, ""))[1] == "Ad":
                ads.add(dst)
            elif dst in near and info.get(src, (0, ""))[1] == "Ad":
                ads.add(src)
        ads = self._same_girl(case, ads, reps)
        ad_names = self._ad_names(case, reps)
        folded = {n.lower() for n in recorded}
        # an ad under a victim's recorded working name shows her too, whoever posted it
        ads |= {ad for ad, names in ad_names.items() if {n.lower() for n in names} & folded}
        ads = self._same_girl(case, ads, reps)
        aliases = sorted({n for ad in ads for n in ad_names.get(ad, ())} | recorded, key=str.lower)
        # an ad under a protected alias shows the same girl too
        ads = self._same_girl(case, ads | {ad for ad, names in ad_names.items() if {n.lower() for n in names}
                                           & {a.lower() for a in aliases}}, reps)
        unique: dict[str, str] = {}
        for name in aliases:
            unique.setdefault(name.lower(), name)
        self._aliases = {name: f"Victim alias {i + 1}" for i, name in enumerate(unique.values())}
        ads |= {i for i in info if reps.get(i, i) in ads}
        counters: dict[str, int] = {}
        standing: dict[object, str] = {}
        for entity_id in sorted(people | kin | identifiers | ads):
            head = reps.get(entity_id, entity_id)
            etype = info[head][1]
            # records of persons written with the same name share one pseudonym (the name text in other
            # records is replaced by it too); keyed identifiers and ads go by the entity that stands
            handle: object = ("name", " ".join(info[head][3].lower().split())) if etype == "Person" else head
            if handle not in standing:
                word = "Relative" if entity_id in kin else etype
                counters[word] = counters.get(word, 0) + 1
                if word == "Relative":
                    standing[handle] = f"{RELATIVE_PSEUDONYM} {counters[word]}"
                elif etype == "Person":
                    standing[handle] = f"{PERSON_PSEUDONYM} {counters[word]}"
                else:
                    standing[handle] = f"Victim {IDENTIFIER_WORDS.get(etype, etype.lower())} {counters[word]}"
            _, own_type, key, label, _, _ = info[entity_id]
            self.protected[entity_id] = Protected(entity_id, own_type, standing[handle], label, key)
        for text, entity_id in self._person_texts.items():
            self._person_texts[text] = self.protected[entity_id].pseudonym if entity_id in self.protected else \
                REDACTED_TEXT
        self._build_patterns()
        for source_id, row, entity_id in case.conn.execute("SELECT source_id, row, entity_id FROM entity_evidence"):
            if entity_id in ads:
                self._rows.add((source_id, row))
        for source_id, row, src, dst in case.conn.execute("SELECT source_id, row, src, dst FROM links"):
            if reps.get(src, src) in ads or reps.get(dst, dst) in ads:
                self._rows.add((source_id, row))

    @staticmethod
    def _same_girl(case: CaseFile, ads: set[int], reps: dict[int, int]) -> set[int]:
        """Ads that show the same person as a protected ad: near-duplicate text or a shared image hash
        (a bottom posts a victim's ad from her own phone; the photos and wording give her away)."""
        if not ads:
            return ads
        twins: dict[int, set[int]] = {}
        for src, dst in case.conn.execute("SELECT src, dst FROM links WHERE type = 'near_duplicate'"):
            src, dst = reps.get(src, src), reps.get(dst, dst)
            twins.setdefault(src, set()).add(dst)
            twins.setdefault(dst, set()).add(src)
        by_image: dict[str, set[int]] = {}
        images: dict[int, list[str]] = {}
        for entity_id, attrs in case.conn.execute("SELECT id, attrs FROM entities WHERE type = 'Ad'"):
            hashes = (json.loads(attrs or "{}") or {}).get("image_hashes") or []
            head = reps.get(entity_id, entity_id)
            images[head] = [str(h) for h in (hashes if isinstance(hashes, list) else [hashes]) if h]
            for digest in images[head]:
                by_image.setdefault(digest, set()).add(head)
        found, queue = set(ads), list(ads)
        while queue:
            ad = queue.pop()
            for other in twins.get(ad, set()) | {o for h in images.get(ad, []) for o in by_image.get(h, set())}:
                if other not in found:
                    found.add(other)
                    queue.append(other)
        return found

    @staticmethod
    def _ad_names(case: CaseFile, reps: dict[int, int]) -> dict[int, list[str]]:
        """The working names each ad uses ("Lexi", "Kandi"), three letters or more."""
        out: dict[int, list[str]] = {}
        for entity_id, attrs in case.conn.execute("SELECT id, attrs FROM entities WHERE type = 'Ad'"):
            data = json.loads(attrs or "{}") or {}
            names = data.get("names") or ([data["name"]] if data.get("name") else [])
            names = [str(n).strip() for n in (names if isinstance(names, list) else [names])]
            out.setdefault(reps.get(entity_id, entity_id), []).extend(n for n in names if len(n) >= 3)
        return out

    def _build_patterns(self) -> None:
        texts: dict[str, str] = {re.escape(name): alias for name, alias in self._aliases.items()}
        for item in self.protected.values():
            if item.type == "Person":
                parts = [p for p in re.split(r"\s+", item.label.strip()) if p]
                if parts:
                    texts[r"[\s._\-]*".join(re.escape(p) for p in parts)] = item.pseudonym
                if len(parts) >= 2:
                    texts[re.escape(parts[-1]) + r",\s*" + r"[\s._\-]*".join(re.escape(p) for p in parts[:-1])] = \
                        item.pseudonym
                    if len(parts[0]) >= 3:
                        texts[re.escape(parts[0])] = item.pseudonym    # contacts saved by first name
            elif item.type != "Ad":
                for text in {item.label, item.key or ""}:
                    if len(text.strip()) >= 4:
                        texts[re.escape(text.strip())] = item.pseudonym
                if item.type == "Location" and "," in item.label:
                    street = item.label.split(",")[0].strip()      # the street line, written without the city
                    if len(street) >= 6 and re.search(r"\d", street):
                        texts[re.escape(street)] = item.pseudonym
            if item.type == "Phone" and item.key:
                digits = re.sub(r"\D", "", item.key)
                if len(digits) >= 10:
                    self._numbers[digits[-10:]] = item.pseudonym
                    self._local[digits[-7:]] = item.pseudonym      # the number dialled without area code
        folded_aliases = {t.lower() for t in self._aliases}
        for text, name in self._person_texts.items():
            if len(text) >= 4 and text.lower() not in folded_aliases:
                texts.setdefault(re.escape(text), name)
                if "," in text and re.search(r"\d", text.split(",")[0]):
                    texts.setdefault(re.escape(text.split(",")[0].strip()), name)
        ordered = sorted(texts.items(), key=lambda kv: -len(kv[0]))
        # a name ends where letters end: "kayla.dunn17@..." loses the whole name, "Rosalind" keeps "Rosa"
        self._patterns = [(re.compile(r"(?<![^\W\d_])" + pattern + r"(?![^\W\d_])", re.IGNORECASE), name)
                          for pattern, name in ordered]

    # ---- applying it -------------------------------------------------------------------
    def is_protected(self, entity_id: int) -> bool:
        return entity_id in self.protected

    def label(self, entity_id: int, label: str) -> str:
        """The label to show for an entity: its pseudonym when protected, else the label scrubbed."""
        found = self.protected.get(entity_id)
        if found is not None:
            return found.pseudonym
        return self.text(label)

    def key(self, entity_id: int, key: str | None) -> str | None:
        """An entity's canonical key, withheld when the entity is protected."""
        if entity_id in self.protected:
            return self.protected[entity_id].pseudonym
        return self.text(key) if key else key

    def text(self, value: Any) -> Any:
        """Free text with protected names and numbers replaced; non-text values pass through."""
        if not self.enabled or not isinstance(value, str) or not value:
            return value
        for pattern, name in self._patterns:
            value = pattern.sub(lambda m, name=name: name + (" " if m.string[m.end():m.end() + 1].isdigit() else ""),
                                value)
        if self._numbers:
            value = _NUMBER_RUN.sub(self._number, value)
        return value

    def _number(self, match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if 10 <= len(digits) <= 13 and digits[-10:] in self._numbers:
            return self._numbers[digits[-10:]]
        if len(digits) == 7 and digits in self._local:
            return self._local[digits]
        return match.group(0)

    def attrs(self, entity_id: int, attrs: dict[str, Any]) -> dict[str, Any]:
        """An entity's attributes: a protected entity keeps none of its own, others are scrubbed."""
        if not self.enabled:
            return attrs
        if entity_id in self.protected:
            return {"redacted": True}
        return {k: self.deep(v) for k, v in attrs.items()}

    def deep(self, value: Any) -> Any:
        """`text` applied through lists and dicts."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        return value

    def raw(self, source_id: int, row: int, raw: dict[str, str]) -> dict[str, str]:
        """A source row's raw values: the rows of protected ads lose their text, other rows are scrubbed."""
        if not self.enabled:
            return raw
        if (source_id, row) in self._rows:
            return {k: (v if _DATE_LIKE.match(v or "") or not v else REDACTED_TEXT) for k, v in raw.items()}
        return {k: self.text(v) for k, v in raw.items()}

    def write_key(self, path: Path) -> Path:
        """The pseudonym key (pseudonym -> entity id, type, real label and key); write only when asked."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(["pseudonym", "entity_id", "type", "label", "key"])
            for item in sorted(self.protected.values(), key=lambda p: p.entity_id):
                writer.writerow([safe_cell(v) for v in (item.pseudonym, item.entity_id, item.type, item.label,
                                                        item.key or "")])
        return path


def victims_marked(case: CaseFile) -> int:
    """How many persons the case marks victim or minor."""
    return int(case.conn.execute("SELECT COUNT(*) FROM entities WHERE type = 'Person' AND merged_into IS NULL "
                                 "AND (role = 'victim' OR minor = 1)").fetchone()[0])


def protected_counts(redactor: Redactor) -> str:
    """'9 victims and minors, 1 relative, 20 phones, 6 ID documents, 14 ads' (distinct pseudonyms)."""
    words = {"Jane Doe": ("victim or minor", "victims and minors"), "Relative": ("relative", "relatives")}
    seen: dict[str, set[str]] = {}
    for item in redactor.protected.values():
        kind = item.pseudonym.rstrip("0123456789 ")
        seen.setdefault(kind, set()).add(item.pseudonym)
    parts = []
    for kind, names in sorted(seen.items(), key=lambda kv: (kv[0] not in words, kv[0])):
        one, many = words.get(kind, (kind.removeprefix("Victim "), kind.removeprefix("Victim ")
                                     + ("es" if kind.endswith("address") else "s")))
        parts.append(f"{len(names)} {one if len(names) == 1 else many}")
    return ", ".join(parts)


def protection_line(redactor: Redactor, marked: int) -> str:
    """What the footer says about victims: what was protected, or that nothing was (and why)."""
    if not redactor.enabled:
        return "Victim protection off: names and numbers as recorded"
    if not marked:
        return "No person marked victim or minor at export: no one pseudonymised"
    return f"Shown by pseudonym: {protected_counts(redactor)}"


def _values(value: Any) -> list[str]:
    """An attribute's text values (one or a list), stripped, blanks dropped."""
    items = value if isinstance(value, list) else [value]
    return [" ".join(str(v).split()) for v in items if v not in (None, "") and str(v).strip()]


def redactor_for(case: CaseFile, options: Any, *, default: bool) -> Redactor:
    """The redactor an export uses: the options' choice, or the format's default when unset."""
    wanted = getattr(options, "redact_victims", None)
    redactor = Redactor(case, default if wanted is None else bool(wanted))
    key_file = getattr(options, "key_file", None)
    if key_file is not None and redactor.enabled:
        redactor.write_key(Path(key_file))
    return redactor
