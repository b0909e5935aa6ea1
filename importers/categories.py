"""What a payment was for: the category table (importers/categories.yaml) applied to a record's texts.

The financial indicator rules select records by category (lodging, escort_ads, ride_hail, ...), so
the words that decide a category are data; this module only reads the table, matches it, and pulls
the merchant name and the city out of a bank description ("CHECKCARD 0301 MOTEL 6 #7449 SACRAMENTO CA").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import yaml

from linkgraph.errors import LinkgraphError

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR".split()
)
# First words of two-word city names ("SAN JOSE CA"), so the whole city is taken from a description's tail.
_CITY_PREFIXES = frozenset(
    "SAN SANTA LOS LAS EL LA NEW FORT FT SAINT ST PALM WEST EAST NORTH SOUTH LONG DALY MORENO ELK CITRUS "
    "GRAND SALT BATON CORPUS COLORADO KANSAS OKLAHOMA PORT MOUNT MT CAPE".split()
)
_PREFIX = re.compile(
    r"^(?:checkcard|check card|pos purchase|pos|debit card purchase|purchase authorized on \d\d/\d\d|"
    r"purchase|recurring payment|card purchase|visa debit)\s+(?:\d{4}\s+)?",
    re.IGNORECASE,
)
# Wells Fargo's card suffix: '... NETFLIX.COM CA S384061234567890 CARD 1234' (an authorisation id and the card)
_CARD_SUFFIX = re.compile(r"\s+[A-Z]?\d{12,}\s+card\s+\d{4}\s*$", re.IGNORECASE)
_STORE_NUMBER = re.compile(r"(?:#\s*\d+|\b[A-Z]?\d{3,}\b|\s\*\S*)", re.IGNORECASE)


@dataclass(frozen=True)
class Category:
    """The category a record falls in, what kind of entity its counterparty is, and the merchant's name."""

    name: str
    counterparty: str
    merchant: str | None = None


@dataclass(frozen=True)
class _Rule:
    name: str
    counterparty: str
    direction: str | None
    patterns: tuple[tuple[re.Pattern[str], str | None], ...]


@cache
def _table() -> tuple[tuple[_Rule, ...], tuple[tuple[str, re.Pattern[str]], ...]]:
    text = resources.files("importers").joinpath("categories.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    rules = []
    try:
        for item in data.get("categories") or []:
            compiled = []
            for entry in item["patterns"]:
                if isinstance(entry, dict):
                    compiled.append((re.compile(entry["pattern"], re.IGNORECASE), entry.get("merchant")))
                else:
                    compiled.append((re.compile(str(entry), re.IGNORECASE), None))
            rules.append(_Rule(str(item["category"]), str(item.get("counterparty") or "Business"),
                               item.get("direction"), tuple(compiled)))
        methods = tuple((str(m["method"]), re.compile("|".join(m["patterns"]), re.IGNORECASE))
                        for m in data.get("methods") or [])
    except (KeyError, TypeError, re.error) as exc:
        raise LinkgraphError(f"importers/categories.yaml: not a valid category table ({exc})") from exc
    return tuple(rules), methods


def category_names() -> list[str]:
    """Every category the table can give, in table order."""
    return list(dict.fromkeys(rule.name for rule in _table()[0]))


@lru_cache(maxsize=65536)
def classify(texts: tuple[str, ...], direction: str | None = None) -> Category | None:
    """The first category whose pattern matches any of `texts` (type, counterparty, description), given the
    money's direction ('in' to the holder, 'out' of it, None when neither side is the holder)."""
    for rule in _table()[0]:
        if rule.direction and direction and rule.direction != direction:
            continue
        if rule.direction and direction is None:
            continue
        for pattern, merchant in rule.patterns:
            if any(text and pattern.search(text) for text in texts):
                return Category(rule.name, rule.counterparty, merchant)
    return None


@lru_cache(maxsize=65536)
def payment_method(texts: tuple[str, ...], default: str | None = None) -> str | None:
    """How the money moved (card, wire, cash, cash app, prepaid_card, ...) from the texts, else `default`."""
    for method, pattern in _table()[1]:
        if any(text and pattern.search(text) for text in texts):
            return method
    return default


@dataclass(frozen=True)
class Described:
    """A bank description taken apart: the counterparty's name as written, and the city and state at its end."""

    name: str
    city: str | None
    state: str | None


@lru_cache(maxsize=65536)
def describe(description: str) -> Described:
    """'CHECKCARD 0306 TACO BELL #8488 FRESNO CA' -> name 'TACO BELL', city 'Fresno', state 'CA'."""
    text = " ".join(str(description).split())
    text = _CARD_SUFFIX.sub("", _PREFIX.sub("", text, count=1))
    tokens = text.split(" ")
    city = state = None
    if len(tokens) >= 3 and tokens[-1].upper() in US_STATES and tokens[-2].isalpha():
        take = 2 if (len(tokens) >= 4 and tokens[-3].upper() in _CITY_PREFIXES and tokens[-3].isalpha()
                     and not (len(tokens) >= 5 and tokens[-5].isdigit())) else 1   # '1234 MAIN ST FRESNO CA'
        state = tokens[-1].upper()
        city = " ".join(tokens[-1 - take:-1]).title()
        tokens = tokens[:-1 - take]
    name = _STORE_NUMBER.sub(" ", " ".join(tokens))
    name = " ".join(name.replace(" - ", " ").split()).strip(" -*#:")
    return Described(name or " ".join(str(description).split()), city, state)
