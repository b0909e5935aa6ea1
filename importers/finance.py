"""Financial records (`--kind finance`): bank statements, Cash App and Venmo exports, money-transfer
agent records and any ledger mapped with --map.

Accounts become Account entities (Cash App $cashtags and Venmo @handles too: they hold money and
are keyed with `identity.canonical_key`, so `$BossD209` is one account wherever it appears), the
statement holder owns the account, and every transaction is one `paid` (a purchase from a
merchant) or `transferred` (money between people and accounts) link with amount, currency, time
and attrs category / description / method / city. Categories come from importers/categories.yaml.
Balance rows (beginning/ending balance, totals) are kept as raw rows, never as transactions.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from importers.categories import Category, category_names, classify, describe, payment_method
from importers.dates import combine_date_time, parse_datetimes
from importers.options import ImportOptions
from importers.tabular import (
    MappedTable,
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
from linkgraph import plausible
from linkgraph.case import CaseFile, ImportResult, ImportSession
from linkgraph.case.importing import person_name_key
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.identity import canonical_key, normalize_phone
from linkgraph.progress import Progress, no_progress

KIND = "finance"

_BALANCE_ROW = re.compile(
    r"^\s*(?:beginning|opening|starting|ending|closing|previous|new|daily|ledger)\s+balance|"
    r"balance\s+(?:forward|brought forward|carried forward)|^\s*(?:sub)?totals?\b", re.IGNORECASE)
_NOT_DONE = re.compile(r"^\s*(?:failed|canceled|cancelled|declined|refused|reversed|reverted|rejected|denied|voided|removed|"
                       r"expired)\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")
_COMPANY = re.compile(
    r"\b(?:llc|l\.l\.c|inc|corp|corporation|co|company|ltd|llp|lp|pllc|enterprises?|services|group|holdings|"
    r"motel|hotel|inn|restaurant|salon|spa|bank)\b\.?", re.IGNORECASE)
_INSTITUTION_LINE = re.compile(r"\b(?:bank|credit union|savings|financial|trust|federal|bancorp)\b", re.IGNORECASE)
_NOT_HOLDER_LINE = re.compile(
    r"statement|account|period|page|activity|balance|through|summary|report|total|credits|debits|:|"
    r"\d{1,2}/\d{1,2}/\d{2,4}|\d\.\d\d\b|,\s*,", re.IGNORECASE)   # summary blocks above the header (Bank of America)
_BUSINESS_LINE = re.compile(r"\b(?:business|commercial|company|corporate|merchant)\b", re.IGNORECASE)
_NAME_IN_TEXT = (
    re.compile(r"\b(?:BNF|BENEFICIARY|ORIGINATOR|ORIG|REMITTER)\s*:?\s*([A-Za-z][A-Za-z .,'&-]+?)"
               r"(?:\s+(?:REF|ID|ACCT|A/C|ACCOUNT|OBI|BANK)\b|\s+[A-Z][A-Za-z]+\s+[A-Z]{2}$|$)", re.IGNORECASE),
    re.compile(r"\b(?:TRANSFER|PAYMENT|SENT|PAID)\s+(?:TO|FROM)\s+([A-Za-z][A-Za-z .'&-]+)$", re.IGNORECASE),
    re.compile(r"\bTRANSFER\s+([A-Za-z][A-Za-z .'&-]+)$", re.IGNORECASE),
)
# Zelle rows in bank descriptions name the other person: 'Zelle payment to Tasha Reed JPM99a1b2c3' (Chase),
# 'ZELLE TO REED TASHA ON 03/28 REF # WFCT0ABC123' (Wells Fargo), 'Zelle Transfer Conf# abc123; Reed, Tasha'
# (Bank of America), 'ZELLE FROM VANCE KIARA' (aggregators): the person, never a business named after the row.
_ZELLE_NAME = (
    re.compile(r"\bzelle\b[^;]*?\b(?:to|from)\s+([A-Za-z][A-Za-z .,'&-]*?[A-Za-z])"
               r"(?:\s+on\s+\d{1,2}/\d{1,2}\b.*|\s+(?:ref|conf|id|memo)\b.*|\s+\S*\d\S*.*|\s*)$", re.IGNORECASE),
    re.compile(r"\bzelle\b[^;]*;\s*([A-Za-z][A-Za-z .,'&-]*[A-Za-z])\s*$", re.IGNORECASE),
)
# 'CASH APP*TASHA REED*ADD 8774174551 CA' (a card payment through Cash App names the person between stars)
_CASH_APP_NAME = re.compile(r"\bcash\s*app\s*\*\s*([A-Za-z][A-Za-z .'-]*[A-Za-z])\s*\*", re.IGNORECASE)
# an ACH row names its originator: 'ORIG CO NAME:GUSTO   ORIG ID:9138864001 ... IND NAME:DRE MILLS'
_ACH_COMPANY = re.compile(r"\borig co name\s*:\s*(.+?)\s+(?:orig id|desc date|co entry)\b", re.IGNORECASE)
# 'Online Transfer to SAV ...4411 transaction#: 19876543210': one of the holder's own accounts
_OWN_TRANSFER = re.compile(r"\btransfer\s+(?:to|from)\s+((?:sav|savings|chk|checking|dda|mma|cd)\b[\s.*x#-]*\d{4})\b",
                           re.IGNORECASE)
# the payment app when a bank row names no person ('VENMO PAYMENT 1029384756 WEB ID: ...'): the money went to it
_P2P_SERVICE = (("Venmo", re.compile(r"\bvenmo\b", re.IGNORECASE)),
                ("Cash App", re.compile(r"\bcash\s*app\b|square\s*cash", re.IGNORECASE)),
                ("PayPal", re.compile(r"\bpaypal\b", re.IGNORECASE)))
# A description that is only the bank's wording and the other side's name: 'To Maria Lopez', 'Payment from Jamal
# Pruitt' (Revolut), 'Deposit from ACME STAFFING PAYROLL' (Capital One 360), 'Sent money to Maria Lopez' (Wise)
_PARTY_WORDING = re.compile(
    r"^\s*(?:(?:sent\s+money|money\s+sent|received\s+money|money\s+received|payment|deposit|transfer|direct\s+deposit)"
    r"\s+)?(?:to|from)\s+([A-Za-z][A-Za-z .,'&-]*[A-Za-z.])\s*$", re.IGNORECASE)
_ZELLE_WORD = re.compile(r"^\s*zelle(?:\s+(?:payment|transfer))?\s*$", re.IGNORECASE)
_ACCOUNT_TAIL = re.compile(r"^(.*?)[\s,-]*((?:[*Xx•●#]+\s*)?\d[\d -]*\d|[*Xx•●#]+\d+)\s*$")
_HANDLE = re.compile(r"^[$@][A-Za-z0-9_.\-]+$")
# Activity rows that move no money between parties (PayPal holds, authorisations, currency conversions).
_NOT_A_TRANSFER = re.compile(r"currency conversion|authori[sz]ation|\bhold\b|release|reserve", re.IGNORECASE)
_UTC_OFFSET = re.compile(r"^(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# A cheque row names its number, never its payee: 'CHECK # 1234', 'CHECK 1234', 'Check Paid #1234', 'CHK 1234',
# 'Check #456 Cashed' (Capital One 360).
_CHEQUE = re.compile(r"^\s*(?:check|chk|cheque)(?:\s+paid)?\s*(?:#|no\.?|number)?\s*(\d{1,10})"
                     r"(?:\s+(?:cashed|paid|posted|cleared|deposited))?\s*$", re.IGNORECASE)
_CHEQUE_WORD = re.compile(r"^\s*(?:check|chk|cheque)(?:\s+paid)?\s*$", re.IGNORECASE)
# Words that make a name in 'Transfer to My Savings' one of the holder's own accounts, not a person.
_OWN_ACCOUNT_WORDS = re.compile(
    r"\b(?:checking|chequing|savings|account|acct|card|visa|mastercard|brokerage|ira|401k|money market)\b", re.IGNORECASE)
# --amounts: which way a signed amount points.
AMOUNT_CONVENTIONS = ("purchases-negative", "purchases-positive", "type-column")
_TYPE_OUT = re.compile(r"^\s*(?:debit|dr|withdrawal|withdraw|money out|out)\s*$", re.IGNORECASE)
_TYPE_IN = re.compile(r"^\s*(?:credit|cr|deposit|money in|in)\s*$", re.IGNORECASE)
_CHARGE_TYPE = re.compile(r"^\s*charge\s*$", re.IGNORECASE)
_MERCHANT_TYPE = re.compile(r"merchant|purchase|terminal", re.IGNORECASE)
_BANK_TRANSFER_TYPE = re.compile(r"standard transfer|instant transfer|transfer to bank|withdrawal|cash ?out|"
                                 r"add (?:funds|money)|bank (?:deposit|transfer)", re.IGNORECASE)
_PURCHASE_TYPE = re.compile(r"^\s*(?:sale|purchase|debit card purchase|pos)\s*$", re.IGNORECASE)
_CARD_PAYMENT = re.compile(
    r"payment(?:\s+received)?\s*[-,]?\s*thank\s*you|\bautopay\s+(?:pymt|payment)\b|^\s*(?:autopay|auto\s*pay|online payment|mobile payment|payment received|"
    r"internet payment|electronic payment)\b|^\s*payment\s*$", re.IGNORECASE)


def zelle_name(text: str) -> str | None:
    """The person a Zelle description names ('Reed, Tasha' read as 'Tasha Reed'), or None."""
    for pattern in (*_ZELLE_NAME, _CASH_APP_NAME):
        found = pattern.search(text or "")
        if found:
            name = " ".join(found.group(1).strip(" .,-").split())
            if "," in name:
                last, _, first = name.partition(",")
                name = f"{first.strip()} {last.strip()}"
            if len(name.split()) >= 2 and not _OWN_ACCOUNT_WORDS.search(name):
                return name.title() if name.isupper() else name
    return None


def kind_score(path: Path, options: ImportOptions) -> float:
    """How much the file's header looks like one of the financial layouts (for --kind detection)."""
    return _kind_score(path, options, KIND)


# ---------------------------------------------------------------------------------------------- values


def parse_money(text: str) -> float | None:
    """A signed amount from '$1,130.00', '-$2.90', '- $20.00', '+ $20.00', '(12.50)', '12.50-', '9.00 DR'; None if not money."""
    t = str(text).strip().replace("\u2212", "-").replace("\u00a0", " ")
    if not t:
        return None
    negative = False
    t = re.sub(r"^[A-Z]{3}\s+|\s+[A-Z]{3}$", "", t)
    upper = t.upper()
    if upper.endswith(("CR", "DR")) and not upper.endswith(("USDCR",)):
        negative = upper.endswith("DR")
        t = t[:-2].strip()
    if t.startswith("(") and t.endswith(")"):
        negative = not negative
        t = t[1:-1].strip()
    if t.endswith("-"):
        negative = not negative
        t = t[:-1].strip()
    for _ in range(2):
        if t[:1] in ("+", "-"):
            negative = negative != (t[0] == "-")
            t = t[1:].strip()
        t = t.lstrip("$€£¥").strip()
    if not _NUMBER.fullmatch(t):
        return None
    value = float(t.replace(",", ""))
    return -value if negative else value


def _money_column(values: pd.Series) -> np.ndarray:
    """Signed amounts (NaN where blank or unreadable) parsing each distinct text once."""
    codes, uniques = pd.factorize(values)
    parsed = np.array([np.nan if (v := parse_money(u)) is None else v for u in uniques], dtype="float64")
    out = parsed[codes] if len(uniques) else np.full(len(values), np.nan)
    out[codes < 0] = np.nan
    return out


def _snake(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")


# ---------------------------------------------------------------------------------------------- accounts


def account_key(text: str, institution: str | None = None) -> tuple[str | None, str, str | None]:
    """(key, number as written, institution) of an account cell such as '$BossD209', 'XXXXXX8830',
    'Delta Valley Bank XXXX8812' or 'Checking 8830'. Full numbers and handles use identity.canonical_key;
    masked numbers (only the last digits known) become 'XXXX' + digits, qualified by the institution when known."""
    text = " ".join(str(text).split())
    if _HANDLE.match(text):
        return canonical_key("Account", text), text, institution
    match = _ACCOUNT_TAIL.match(text)
    if not match:
        return canonical_key("Account", text), text, institution
    prefix, number = match.group(1).strip(" ,-"), match.group(2).replace(" ", "")
    digits = re.sub(r"\D", "", number)
    named = institution
    if prefix and _INSTITUTION_LINE.search(prefix) or prefix and not named and not re.search(
            r"^(?:checking|savings|debit|credit|visa|mastercard|card|acct|account)\b", prefix, re.IGNORECASE):
        named = prefix
    if named:
        named = re.sub(r"\s+(?:personal|business)?\s*(?:checking|savings|debit|credit)(?:\s+account)?$", "", named,
                       flags=re.IGNORECASE) or named
    masked = bool(re.search(r"[*Xx•●#]", number)) or len(digits) <= 5
    if not masked:
        return canonical_key("Account", number), number, named
    key = "XXXX" + digits
    if named:
        key += "@" + re.sub(r"[^A-Z0-9]", "", named.upper())
    return key, number, named


def _account_label(number: str, institution: str | None, text: str) -> str:
    if institution and institution.lower() not in text.lower():
        return f"{institution} {text}"
    return text


# ---------------------------------------------------------------------------------------------- names


class KnownNames:
    """Names of entities already in the case, found verbatim in free text (exact) or near it (suggested)."""

    TYPES = ("Person", "Business", "Hotel", "Organization")

    def __init__(self, case: CaseFile) -> None:
        self.by_tokens: dict[tuple[str, ...], tuple[int, str, str]] = {}
        rows = case.conn.execute(
            "SELECT id, type, label FROM entities WHERE merged_into IS NULL AND type IN (?,?,?,?) ORDER BY id",
            self.TYPES).fetchall()
        for ident, etype, label in rows:
            tokens = self.tokens(label)
            if len(tokens) >= 2 or (tokens and etype != "Person" and len(tokens[0]) >= 5):
                self.by_tokens.setdefault(tokens, (int(ident), etype, label))
        self.names = {" ".join(t): v for t, v in self.by_tokens.items()}
        self.longest = max((len(t) for t in self.by_tokens), default=0)
        self._choices: dict[tuple[str, ...], list[str]] = {}

    @staticmethod
    def tokens(text: str) -> tuple[str, ...]:
        return tuple(person_name_key(str(text).replace("&", " and ")).replace("'", "").replace("-", " ").split())

    def exact(self, text: str, types: tuple[str, ...]) -> tuple[int, str, str] | None:
        """The known entity of one of `types` whose whole name appears in `text` (longest name first)."""
        words = self.tokens(re.sub(r"[^\w&'\- ]+", " ", str(text)))
        for size in range(min(self.longest, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                found = self.by_tokens.get(words[start:start + size])
                if found and found[1] in types:
                    return found
        return None

    def suggest(self, name: str, types: tuple[str, ...]) -> tuple[int, str, str] | None:
        """A known entity whose name is close to `name` (token-sort ratio 90+), for a note, never a link."""
        choices = self._choices.get(types)
        if choices is None:
            choices = self._choices[types] = [n for n, found in self.names.items() if found[1] in types]
        if not choices:
            return None
        hit = process.extractOne(" ".join(self.tokens(name)), choices, scorer=fuzz.token_sort_ratio, score_cutoff=90)
        return self.names[hit[0]] if hit else None


# ---------------------------------------------------------------------------------------------- the holder


@dataclass
class Holder:
    """Whose statement this is: a name (Person or Business), their account, its institution and kind."""

    name: str | None = None
    account: str | None = None
    institution: str | None = None
    kind: str | None = None
    name_row: int | None = None
    account_row: int | None = None
    given: bool = False


def find_holder(mapped: MappedTable, options: ImportOptions) -> Holder:
    """The holder from --holder/--holder-account (extra options), else from the title lines, else from the
    name that is on one side of nearly every row (a Venmo statement's own name)."""
    profile = mapped.detection.profile.options
    extra = options.extra
    titles = [(row, text) for row, text in mapped.table.skipped if row < mapped.table.header_row and text.strip()]
    holder = Holder(extra.get("holder") or None, extra.get("holder_account") or None,
                    extra.get("institution") or profile.get("institution"), profile.get("account_kind"),
                    given=bool(extra.get("holder") or extra.get("holder_account")))
    for option in ("holder_in_title", "account_in_title"):
        pattern = profile.get(option)
        if holder.account or not pattern:
            continue
        for row, text in titles:
            found = re.search(pattern, text, re.IGNORECASE)
            if found:
                holder.account, holder.account_row = found.group(1), row
                break
    if titles and not holder.institution:
        first = next(((row, text) for row, text in titles if _INSTITUTION_LINE.search(text)), None)
        if first:
            holder.institution = " ".join(first[1].split())
    if titles and not holder.name:
        for row, text in titles:
            clean = " ".join(text.strip().strip('"').split())
            if clean == holder.institution or _NOT_HOLDER_LINE.search(clean) or not re.search(r"[A-Za-z]{2}", clean):
                continue
            holder.name, holder.name_row = clean, row
            break
    if not holder.name and mapped.has("card_member"):
        members = [m for m in mapped.column("card_member").unique() if m]
        if len(members) == 1:
            holder.name = members[0]
    if not holder.name and mapped.has("payer") and mapped.has("payee"):
        names = pd.concat([mapped.column("payer"), mapped.column("payee")])
        counts = Counter(n for n in names if n)
        rows_with_names = int(((mapped.column("payer") != "") | (mapped.column("payee") != "")).sum())
        if counts and rows_with_names:
            name, seen = counts.most_common(1)[0]
            if seen >= 0.8 * rows_with_names:
                holder.name = name
    if holder.name and _EMAIL.match(holder.name.strip()):
        # an e-mail on one side of nearly every row (PayPal): the holder's account, not a person's name
        holder.account = holder.account or holder.name.strip()
        holder.name = None
    if holder.kind is None:
        business = any(_BUSINESS_LINE.search(text) for _, text in titles) or bool(
            holder.name and _COMPANY.search(holder.name))
        holder.kind = "business" if business else ("personal" if holder.name else None)
    return holder


# ---------------------------------------------------------------------------------------------- direction


@dataclass(frozen=True)
class SignConvention:
    """Which way one file's amounts point: 'purchases-negative' (bank style: money out is negative),
    'purchases-positive' (card style: purchases positive, payments negative), 'type-column' (unsigned
    amounts, the type column says debit or credit), 'debit-credit' (separate columns) or 'sides' (the
    file names payer and payee), and why it was chosen (said on the import line)."""

    name: str
    why: str

    def describe(self) -> str:
        return f"{self.name} ({self.why})"


def sign_convention(mapped: MappedTable, amount: np.ndarray, options: ImportOptions, two_sided: bool) -> SignConvention:
    """The file's amount convention: --amounts, else the profile's, else read from the file itself (a
    type column of debit/credit beside unsigned amounts; purchases or card payments and their signs).
    Raises InputError when the amounts carry no sign and nothing in the file tells the direction."""
    given = options.extra.get("amounts")
    if given:
        if given not in AMOUNT_CONVENTIONS:
            raise InputError(f"--amounts {given}: give one of {', '.join(AMOUNT_CONVENTIONS)}", file=mapped.path)
        if given == "type-column" and not mapped.has("type"):
            raise InputError("--amounts type-column: the file has no type column; give --map type=COLUMN",
                             file=mapped.path)
        return SignConvention(given, "as given (--amounts)")
    if two_sided:
        return SignConvention("sides", "the payer and payee columns say who paid whom")
    if not mapped.has("amount"):
        return SignConvention("debit-credit", "money out and money in are in separate columns")
    profile = mapped.detection.profile.options.get("amounts")
    if profile:
        return SignConvention(str(profile), f"the {mapped.detection.profile.name} layout")
    written = ~np.isnan(amount)
    types = mapped.column("type")
    if mapped.has("type"):
        told = types.str.match(_TYPE_OUT) | types.str.match(_TYPE_IN)
        given_types = types != ""
        if given_types.sum() and told[given_types].mean() >= 0.9 and not (amount[written] < 0).any():
            return SignConvention("type-column", f"unsigned amounts; the '{mapped.mapping['type']}' column says "
                                                 "debit or credit")
        if given_types.sum() and told[given_types].mean() >= 0.9:
            # signed on some rows only (Capital One 360 writes 'Check #456 Cashed' as 250.00 with type Debit):
            # the type column is the one that is never missing; a sign that contradicts it is refused
            out = types.str.match(_TYPE_OUT).to_numpy() & written
            into = types.str.match(_TYPE_IN).to_numpy() & written
            contradicted = int((into & (amount < 0)).sum())
            unsigned_out = int((out & (amount > 0)).sum())
            if unsigned_out and not contradicted and (out & (amount < 0)).any():
                return SignConvention("type-column", f"the '{mapped.mapping['type']}' column says debit or credit; "
                                                     f"{unsigned_out} debit amount{'s' if unsigned_out != 1 else ''} "
                                                     "written without a minus sign")
        purchases = (types.str.match(_PURCHASE_TYPE).to_numpy()) & written
        if purchases.sum() >= 1:
            positive = (amount[purchases] > 0).mean()
            if positive >= 0.9:
                return SignConvention("purchases-positive", "purchase rows are positive (card download)")
            if positive <= 0.1:
                return SignConvention("purchases-negative", "purchase rows are negative")
    payments = (mapped.column("description").str.contains(_CARD_PAYMENT) | types.str.contains(_CARD_PAYMENT)).to_numpy() \
        & written
    rest = written & ~payments
    if payments.any() and rest.any():
        if (amount[payments] < 0).all() and (amount[rest] > 0).mean() >= 0.8:
            return SignConvention("purchases-positive", "card payments are negative and purchases positive "
                                                        "(card download)")
        if (amount[payments] > 0).all() and (amount[rest] < 0).mean() >= 0.8:
            return SignConvention("purchases-negative", "card payments are positive and purchases negative")
    if written.any() and not (amount[written] < 0).any():
        raise InputError(
            "every amount is unsigned and nothing in the file says which way the money went; give "
            "--amounts purchases-positive (a card download: each amount is a purchase), --amounts "
            "purchases-negative, or --amounts type-column with --map type=COLUMN", file=mapped.path,
            column=mapped.mapping.get("amount"))
    return SignConvention("purchases-negative", "signed amounts, negative = money out (bank style); give "
                                                "--amounts purchases-positive for a card download")


def signed_amounts(convention: SignConvention, amount: np.ndarray, types: pd.Series) -> np.ndarray:
    """Amounts signed from the holder's side (negative = money out) under the file's convention;
    NaN where a type-column row's type says neither debit nor credit."""
    if convention.name == "purchases-positive":
        return -amount
    if convention.name == "type-column":
        out = types.str.match(_TYPE_OUT).to_numpy()
        into = types.str.match(_TYPE_IN).to_numpy()
        return np.where(out, -np.abs(amount), np.where(into, np.abs(amount), np.nan))
    return amount


# ---------------------------------------------------------------------------------------------- import


def import_file(case: CaseFile, path: Path, options: ImportOptions, progress: Progress = no_progress) -> ImportResult:
    """Import a financial file: one link per transaction, cited to its row; balance rows kept raw only."""
    from importers.ofx import is_ofx, read_ofx

    mapped = read_ofx(path, options) if is_ofx(path) else read_mapped(path, KIND, options)
    profile = mapped.detection.profile
    tz, tz_why = source_zone(options, profile, case.timezone)
    region = options.region or case.region
    holder = find_holder(mapped, options)
    known = KnownNames(case)
    assumed: dict[str, str] = dict(mapped.assumed)

    when_text = combine_date_time(mapped.column("date"), mapped.column("time")) if mapped.has("time") \
        else mapped.column("date")
    formats = [options.date_format] if options.date_format else list(profile.date_formats)
    if mapped.has("timezone"):
        when = _dates_in_row_zones(when_text, mapped.column("timezone"), options, tz, formats, assumed)
    else:
        when = read_dates(when_text, options, tz=tz, formats=formats, label=mapped.mapping.get("date", "date"),
                          assumed=assumed)
    amount = _money_column(mapped.column("amount")) if mapped.has("amount") else np.full(len(mapped), np.nan)
    debit = _money_column(mapped.column("debit"))
    credit = _money_column(mapped.column("credit"))
    balance = _money_column(mapped.column("balance"))
    columns = {name: mapped.column(name).tolist() for name in (
        "amount", "debit", "credit", "id", "type", "status", "description", "counterparty", "payer", "payee",
        "instrument", "currency", "fee", "tip", "funding_source", "destination", "category", "method", "city", "reference", "beginning_balance",
        "ending_balance", "payer_address", "payer_phone", "payee_address", "payee_phone", "payout_city",
        "payout_state", "payout_country", "exchange_rate", "payout_amount", "payout_currency", "asset_type",
        "asset_amount", "account", "cheque", "counterparty_name", "tax", "terminal", "original_description",
        "payee_name", "payer_name", "merchant")}
    two_sided = mapped.has("payer") or mapped.has("payee")
    convention = sign_convention(mapped, amount, options, two_sided)
    if convention.name not in ("sides", "debit-credit") or options.extra.get("amounts"):
        amount = signed_amounts(convention, amount, mapped.column("type"))
    when_list = when_text.tolist()

    with open_session(case, mapped, options, progress) as session:
        store_raw_rows(session, mapped, keep_lines=True)
        problems = RowProblems(session, mapped, options.strict)
        session.assume("profile", f"{profile.name} ({'detected' if mapped.detection.detected else 'chosen'})")
        session.assume("amounts", convention.describe())
        if not mapped.has("timezone") and profile.name != "ofx":
            session.assume("time zone", f"{tz} ({tz_why})")
        elif profile.name == "ofx":
            session.assume("time zone", "the file's own offsets (GMT where a time has none, as the OFX standard says)")
        assume_all(session, assumed)
        writer = _Writer(session, known, holder, region, profile.options, mapped)
        total = len(mapped)
        balance_rows: list[int] = []
        not_done = 0
        no_transfer = 0
        running: float | None = None
        running_signed = 0.0
        mismatches: list[int] = []
        mismatches_newest_first: list[int] = []      # Chase and most banks list the newest row first
        for index in range(total):
            if index % 2000 == 0:
                session.check_cancel(index, total, f"Importing {path.name}")
            row = mapped.row_number(index)
            cell = {name: values[index] for name, values in columns.items()}
            signed = amount[index]
            if np.isnan(signed) and not (np.isnan(debit[index]) and np.isnan(credit[index])):
                signed = (0.0 if np.isnan(credit[index]) else abs(credit[index])) - (
                    0.0 if np.isnan(debit[index]) else abs(debit[index]))
            money_written = bool(cell["amount"] or cell["debit"] or cell["credit"])
            if _BALANCE_ROW.search(cell["description"]) or (not money_written and (
                    cell["beginning_balance"] or cell["ending_balance"] or not np.isnan(balance[index]))):
                balance_rows.append(row)
                if not np.isnan(balance[index]):
                    running, running_signed = balance[index], 0.0
                continue
            if not money_written:
                problems(index, "amount" if mapped.has("amount") else "debit", "no amount in this row")
                continue
            if np.isnan(signed) and convention.name == "type-column" and cell["amount"] and \
                    parse_money(cell["amount"]) is not None:
                problems(index, "type", f"the type '{cell['type']}' says neither debit nor credit, so the "
                                        "direction of this amount is unknown")
                continue
            implausible = None if np.isnan(signed) else plausible.problem("amount", float(signed))
            if np.isnan(signed) or implausible:
                field = "amount" if mapped.has("amount") else (
                    "debit" if (np.isnan(debit[index]) or implausible) and cell["debit"] else "credit")
                problems(index, field, implausible or f"cannot read the amount '{cell[field]}'")
                continue
            if not when_list[index]:
                problems(index, "date", "no date in this row")
                continue
            if np.isnan(when[index]):
                problems(index, "date", f"cannot read the date '{when_list[index]}': not a real date in the "
                                        "column's day/month order (never rolled over), or not a date (give --date-format)")
                continue
            if _NOT_DONE.match(cell["status"]):
                not_done += 1
                continue
            if two_sided and _NOT_A_TRANSFER.search(cell["type"]):
                no_transfer += 1
                continue
            if not np.isnan(balance[index]):
                if running is not None and abs(running + signed - balance[index]) > 0.005:
                    mismatches.append(row)
                if running is not None and abs(running - running_signed - balance[index]) > 0.005:
                    mismatches_newest_first.append(row)
                running, running_signed = balance[index], float(signed)
            message = writer.transaction(row, cell, float(signed), int(when[index]), two_sided)
            if message:
                problems(index, message[0], message[1])
        session.check_cancel(total, total, f"Importing {path.name}")
        if balance_rows:
            session.notes.append(f"{len(balance_rows)} balance/total rows kept as raw rows, not transactions "
                                 f"(rows {', '.join(map(str, balance_rows[:10]))})")
        if not_done:
            session.notes.append(f"{not_done} failed/cancelled transactions kept as raw rows only")
        if no_transfer:
            session.notes.append(f"{no_transfer} holds, authorisations and currency conversions (no money between "
                                 "parties) kept as raw rows only")
        if len(mismatches_newest_first) < len(mismatches):
            mismatches = mismatches_newest_first
        if mismatches:
            session.notes.append(f"the running balance does not add up at {len(mismatches)} rows "
                                 f"(first: row {mismatches[0]}); rows may be missing from the statement")
        session.notes.extend(writer.notes())
        if writer.cited:
            session.notes.append(f"{writer.cited} transactions already in the case (same accounts, time, amount and "
                                 "reference) cited to this file, not stored twice")
    return session.result


def _dates_in_row_zones(text: pd.Series, zones: pd.Series, options: ImportOptions, default_tz: str,
                        formats: list[str], assumed: dict[str, str]) -> np.ndarray:
    """Times read in each row's own zone column (PayPal's TimeZone: 'PST', 'PDT', 'America/New_York');
    one day/month order for the whole column; a row with no zone is read in `default_tz` (said so)."""
    from importers.dates import _ABBREVIATIONS, day_order
    from linkgraph.times import zone as tz_zone

    order = day_order(text, options.extra.get("dayfirst"), formats)
    if order is not None:
        assumed["day/month order (date)"] = order.describe()
    dayfirst = order.dayfirst if order is not None else None
    out = np.full(len(text), np.nan)
    names = zones.str.strip()
    for name in pd.unique(names):
        rows = np.flatnonzero((names == name).to_numpy())
        values = text.iloc[rows]
        if name.upper() in _ABBREVIATIONS:
            out[rows] = parse_datetimes(values + " " + name.upper(), tz="UTC", formats=formats, dayfirst=dayfirst)
            continue
        offset = _UTC_OFFSET.match(name)
        if offset:                   # 'GMT+01:00', 'UTC-5'
            hours = int(offset.group(2)) + int(offset.group(3) or 0) / 60
            sign = -1 if offset.group(1) == "-" else 1
            out[rows] = parse_datetimes(values, tz="UTC", formats=formats, dayfirst=dayfirst) - sign * hours * 3600
            continue
        zone_name = name or default_tz
        try:
            tz_zone(zone_name)
        except LinkgraphError:       # an unknown zone name: the rows stay unread and are named
            continue
        out[rows] = parse_datetimes(values, tz=zone_name, formats=formats, dayfirst=dayfirst)
    if (names == "").any():
        assumed["time zone (rows with no zone)"] = default_tz
    assumed["time zone"] = "each row's own zone column"
    return out


class _Writer:
    """Turns one transaction row into entities and links, remembering relationship links made once per file."""

    def __init__(self, session: ImportSession, known: KnownNames, holder: Holder, region: str,
                 layout: dict, mapped: MappedTable) -> None:
        self.session = session
        self.known = known
        self.holder = holder
        self.region = region
        self.layout = layout
        self.mapped = mapped
        self.pairs: dict[tuple[str, int, int], int] = {}
        self.suggestions: dict[object, str] = {}
        self._holder_id: int | None = None
        self._holder_person: int | None = None
        self.holder_name_key = person_name_key(holder.name) if holder.name else None
        self.already = _AlreadyInCase(session)
        self.cited = 0
        self.own_names = {" ".join(n.lower().split()) for n in mapped.column("account").unique() if n}
        self.row_attrs: dict[str, object] = {}

    # ---- the holder's side ------------------------------------------------------------------
    def holder_side(self, row: int) -> int:
        """The statement holder's account (or the holder when no account is known), made on first use."""
        if self._holder_id is not None:
            return self._holder_id
        h = self.holder
        owner = None
        if h.name:
            owner = self.named(h.name, "Business" if h.kind == "business" or _COMPANY.search(h.name) else "Person",
                               h.name_row or row, match_known=h.given or h.name_row is not None)
            self._holder_person = owner
        if h.account and _EMAIL.match(h.account.strip()):
            account = self.email_account(h.account.strip(), h.account_row or row, h.name)
        elif h.account:
            key, number, institution = account_key(h.account, h.institution)
            if key is None:
                key = "NAME:" + re.sub(r"\W", "", h.account.upper())
            attrs = {"number": number, "institution": institution, "holder": h.name, "kind": h.kind}
            account = self.session.entity("Account", key, _account_label(number, institution, h.account),
                                          row=h.account_row or row, attrs={k: v for k, v in attrs.items() if v})
            self._suggest_same_digits(key, number)
        elif owner is not None:
            account = owner
        else:
            digest = self.session.sha256[:12]
            label = f"{h.institution or 'Account'} of unknown holder ({self.session.path.name})"
            account = self.session.entity("Account", f"UNKNOWN:{digest}", label, row=row,
                                          attrs={"institution": h.institution, "kind": h.kind} if h.institution else None)
            self.suggestions["holder"] = ("nobody is named as the holder of this statement; give --holder NAME "
                                          "and --holder-account ID to tie it to a person")
        if owner is not None and owner != account:
            self.relation("owns", owner, account, h.account_row or h.name_row or row,
                          {"from": "import option" if h.given else "statement"})
        self._holder_id = account
        return account

    def own_account(self, name: str, row: int) -> int:
        """One of the holder's own accounts named in the file ('My Checking', Mint's Account Name):
        an Account the holder owns, never a person."""
        scope = self.holder_name_key or self.holder.account or self.session.sha256[:12]
        key = "OWN:" + re.sub(r"\W", "", name.upper()) + "@" + re.sub(r"\W", "", str(scope).upper())
        attrs = {"holder": self.holder.name, "kind": "holder's own account", "institution": self.holder.institution}
        label = name
        if re.fullmatch(r"[-*Xx#•\s]*\d{2,}", name):          # a card or account tail ('-41006', 'XXXX1234')
            digits = re.sub(r"\D", "", name)
            label = f"{self.holder.institution or 'Account'} ending {digits}"
            attrs["number"] = name
        account = self.session.entity("Account", key, label, row=row, attrs={k: v for k, v in attrs.items() if v})
        if self._holder_person is None and self.holder.name:
            self.holder_side(row)
        owner = self._holder_person          # a person or business owns accounts; an account never owns one
        if owner is not None and owner != account:
            self.relation("owns", owner, account, row, {"from": "statement"})
        return account

    def row_holder(self, row: int, cell: dict[str, str]) -> int:
        """The holder's side of this row: the row's own account when the file names one per row."""
        if cell.get("account"):
            return self.own_account(cell["account"], row)
        return self.holder_side(row)

    def is_own_account_name(self, text: str) -> bool:
        clean = " ".join(text.lower().split())
        return bool(clean) and (clean in self.own_names or bool(_OWN_ACCOUNT_WORDS.search(clean)))

    def institution(self, row: int) -> tuple[int, str]:
        """The statement's institution (fees, interest): named by the file or profile, else one unnamed
        institution per holder account, never a business invented from the row's text."""
        if self.holder.institution:
            return self.session.entity("Business", None, self.holder.institution, row=row,
                                       attrs={"category": "bank"}), "Business"
        scope = self.holder.account or self.holder.name or self.session.path.name
        key = "name:institution holding " + person_name_key(str(scope))
        label = f"Institution holding {scope} (not named in the file)"
        return self.session.entity("Business", key, label, row=row, attrs={"category": "bank", "unnamed": True}), \
            "Business"

    def cheque_payee(self, number: str, row: int) -> tuple[int, str]:
        """A cheque's payee is not in the statement: one unknown payee per cheque number, never a business
        called 'CHECK'."""
        scope = self.holder.account or self.holder.name or self.session.sha256[:12]
        key = f"CHEQUE:{number}@" + re.sub(r"\W", "", str(scope).upper())
        self.row_attrs.update({"cheque_number": number, "payee": "unknown (not in the statement)"})
        self.row_attrs.setdefault("method", "cheque")
        return self.session.entity("Account", key, f"Payee of cheque #{number} (not named)", row=row,
                                   attrs={"kind": "unknown payee", "cheque_number": number}), "Account"

    def is_holder(self, name: str) -> bool:
        if not name:
            return False
        if self.holder.account and name.strip().lower() == self.holder.account.strip().lower():
            return True
        return self.holder_name_key is not None and person_name_key(name) == self.holder_name_key

    # ---- entities -----------------------------------------------------------------------------
    def named(self, name: str, etype: str, row: int, *, match_known: bool = False) -> int:
        """A Person/Business/Hotel by name: a known case entity of exactly that name when asked, else this file's."""
        if match_known:
            found = self.known.exact(name, (etype,) if etype == "Person" else ("Business", "Hotel", "Organization"))
            if found and self.known.tokens(found[2]) == self.known.tokens(name):
                self.session.cite_entity(found[0], row)
                return found[0]
        return self.session.entity(etype, None, name, row=row)

    def party(self, text: str, row: int) -> int | None:
        """One side named in a From/To column: the holder's account, an account id, or a person."""
        if self.is_holder(text) or (self.holder.account and text.strip().lower() == self.holder.account.lower()):
            return self.holder_side(row)
        if _EMAIL.match(text.strip()):
            return self.email_account(text.strip(), row)
        if _HANDLE.match(text) or (re.search(r"\d{4}", text) and not re.search(r"[a-z]{3}", text)):
            key, number, institution = account_key(text)
            if key:
                return self.session.entity("Account", key, text, row=row,
                                           attrs={"number": number, **({"institution": institution} if institution else {})})
        return self.session.entity("Person", None, text, row=row)

    def email_account(self, address: str, row: int, name: str | None = None) -> int:
        """A payment account known by its e-mail (PayPal): the Account keyed by the address, which uses
        that e-mail (so it meets the same address in ads and hotel records)."""
        institution = self.holder.institution
        key = "EMAIL:" + address.lower()
        attrs = {"number": address, "institution": institution, "holder": name}
        account = self.session.entity("Account", key, f"{institution} {address}" if institution else address,
                                      row=row, attrs={k: v for k, v in attrs.items() if v})
        email = identified_entity(self.session, "Email", address, row, self.region)
        if email is not None:
            self.relation("uses", account, email, row)
        return account

    def account(self, text: str, row: int) -> int:
        key, number, institution = account_key(text)
        key = key or "NAME:" + re.sub(r"\W", "", text.upper())
        self._suggest_same_digits(key, number)
        attrs = {"number": number, "institution": institution, "holder": self.holder.name}
        return self.session.entity("Account", key, text, row=row, attrs={k: v for k, v in attrs.items() if v})

    def place(self, label: str, row: int, city: str | None, state: str | None, country: str | None = None) -> int:
        attrs = {"address": label, "city": city, "region": state, "country": country}
        found = identified_entity(self.session, "Location", label, row, self.region,
                                  attrs={k: v for k, v in attrs.items() if v})
        assert found is not None
        return found

    def relation(self, link_type: str, src: int, dst: int, row: int, attrs: dict | None = None) -> None:
        """A standing relationship (owns, uses, located_at) written once per file, cited to its first row."""
        key = (link_type, src, dst)
        if key not in self.pairs:
            self.pairs[key] = self.session.link(link_type, src, dst, row=row, attrs=attrs)

    def counterparty(self, category: Category | None, name: str, description: str, instrument: str,
                     row: int, cell: dict[str, str]) -> tuple[int, str]:
        """The other side of a one-sided statement row: merchant, bank branch, account or person."""
        cheque = _CHEQUE.match(description or "") or _CHEQUE.match(name or "")
        number = cheque.group(1) if cheque else (cell.get("cheque") or (
            cell.get("reference") if _CHEQUE_WORD.match(description or cell.get("type") or "") else ""))
        if number and (cheque or not name or _CHEQUE_WORD.match(name)) and re.fullmatch(r"\d{1,10}", number):
            return self.cheque_payee(number, row)
        if name and self.is_own_account_name(name) and (self.own_names or category is None or
                                                         category.counterparty in ("Account", "Person", "Own")):
            return self.own_account(name, row), "Account"
        own = _OWN_TRANSFER.search(description or "")
        if own:
            return self.own_account(" ".join(own.group(1).split()), row), "Account"
        named_in_text = next((m.group(1).strip(" .,-") for p in _NAME_IN_TEXT if (m := p.search(description or ""))),
                             None)
        if named_in_text and self.is_own_account_name(named_in_text):
            return self.own_account(named_in_text, row), "Account"     # 'Transfer to My Savings'
        wording = _PARTY_WORDING.match(description or "") if not name else None
        party = wording.group(1).strip(" .,") if wording else ""
        if party and category is None:
            if self.is_own_account_name(party):
                return self.own_account(party, row), "Account"
            etype = "Business" if _COMPANY.search(party) or len(party.split()) == 1 else "Person"
            self._suggest(party, (etype,) if etype == "Person" else ("Business", "Hotel", "Organization"))
            return self.named(party, etype, row, match_known=True), etype
        kind = category.counterparty if category and category.counterparty else ("Person" if name else "Business")
        text = name or description
        if kind == "Own":
            found = next((m.group(1).strip(" .,-") for p in _NAME_IN_TEXT if (m := p.search(text))), None)
            if found and self.is_own_account_name(found):
                return self.own_account(found, row), "Account"
            scope = self.holder.account or self.holder.name or self.session.path.name
            return self.own_account(f"Account paying {scope} (not named in the file)", row), "Account"
        if kind == "Account" and (instrument or cell["destination"] or cell["funding_source"]):
            target = instrument or cell["destination"] or cell["funding_source"]
            if target and not re.fullmatch(r"(?i)your cash|venmo balance|cash balance", target):
                return self.account(target, row), "Account"
            kind = "Person" if name else "Business"
        if kind == "Bank":
            return self.institution(row)
        if kind == "Location":
            part = describe(description or name)
            branch = re.search(r"\b(BRANCH|ATM|TELLER)\b[^#\d]*#\s*(\d+)", description or name, re.IGNORECASE)
            where = ", ".join(p for p in (part.city, part.state) if p)
            label = (f"{branch.group(1).title()} #{branch.group(2)}" if branch else "Cash") + (f", {where}" if where else "")
            if self.holder.institution and branch:
                label = f"{self.holder.institution} {label}"
            return self.place(label, row, part.city, part.state), "Location"
        if kind == "Person":
            zelle = zelle_name(name) or zelle_name(description) or zelle_name(cell.get("original_description", ""))
            for shown in (name, description):      # 'VANCE KIARA' in the bank's text, 'Kiara Vance' in the cleaned one
                if zelle and shown and sorted(shown.lower().split()) == sorted(zelle.lower().split()):
                    zelle = shown
            if zelle and (not name or _ZELLE_WORD.match(name) or zelle_name(name)):
                self._suggest(zelle, ("Person",))
                return self.named(zelle, "Person", row, match_known=True), "Person"
            if name:
                return self.party(name, row), "Person"
            found = self.known.exact(text, ("Person", "Business", "Organization"))
            if found:
                self.session.cite_entity(found[0], row)
                return found[0], found[1]
            person = next((m.group(1).strip(" .,-") for p in _NAME_IN_TEXT if (m := p.search(text))), None)
            if person and self.is_own_account_name(person):
                return self.own_account(person, row), "Account"
            if person and len(person.split()) >= 2:
                self._suggest(person, ("Person",))
                return self.session.entity("Person", None, person.title() if person.isupper() else person, row=row), "Person"
            kind = "Business"
            service = next((label for label, pattern in _P2P_SERVICE if pattern.search(text)), None)
            if service and category and category.name == "p2p_transfer":
                # no person named: the money went to (or came from) the app, not to a business named after the row
                return self.named(service, "Business", row, match_known=True), "Business"
        etype = "Hotel" if kind == "Hotel" else "Business"
        merchant = category.merchant if category and category.merchant else None
        if name and not merchant:
            merchant = name
        found = self.known.exact(merchant or text, ("Business", "Hotel", "Organization"))
        if found:
            self.session.cite_entity(found[0], row)
            return found[0], found[1]
        ach = _ACH_COMPANY.search(text or "")
        label = merchant or (" ".join(ach.group(1).split()) if ach else party or describe(text).name)
        if not label.strip():
            # a row naming no other side at all (Cash App 'Bitcoin Buy', 'Boost'): the app or bank itself
            return self.institution(row)
        self._suggest(label, ("Business", "Hotel", "Organization"))
        attrs = {"category": category.name} if category else None
        return self.session.entity(etype, None, label, row=row, attrs=attrs), etype

    # ---- one row --------------------------------------------------------------------------------
    def transaction(self, row: int, cell: dict[str, str], signed: float, start: int,
                    two_sided: bool) -> tuple[str, str] | None:
        """Write one transaction; returns (field, reason) when the row cannot be read."""
        layout = self.layout
        description = cell["description"]
        attrs: dict[str, object] = {}
        location = None
        other_type = "Person"
        self.row_attrs = {}
        if two_sided:
            payer, payee = cell["payer"], cell["payee"]
            if _CHARGE_TYPE.match(cell["type"]):
                # a charge (a request for money) is paid by the person charged: 'To' pays 'From'
                payer, payee = payee, payer
                self.row_attrs["charged_by"] = cell["payer"]          # who sent the charge (request)
            own_transfer = not payer and not payee and bool(cell["destination"] or cell["funding_source"]) and \
                bool(self.holder.account or self.holder.name)
            if not payer and not payee and not own_transfer:
                return "payer", "neither side of the payment is named"
            for side, text in (("payer", payer), ("payee", payee)):
                if not text and not self._side_known(cell, outgoing=side == "payer"):
                    return side, f"no {side} in this row"
                phone_text = cell.get(f"{side}_phone", "")
                if phone_text and normalize_phone(phone_text, self.region) is None:
                    return f"{side}_phone", f"'{phone_text}' is not a phone number"
            if self.is_holder(payer) or (not payer and signed < 0):
                direction = "out"
            elif self.is_holder(payee) or (not payee and signed > 0):
                direction = "in"
            else:
                direction = None
            category = self._category(cell, direction, (cell["type"], description, payee if direction != "in" else payer))
            src = self._side(payer, row, cell, outgoing=True)
            dst = self._side(payee, row, cell, outgoing=False)
            if src is not None and src == dst and (not payer or not payee):
                # the holder on one side and nobody on the other (PayPal 'General Withdrawal', 'Bank Deposit to
                # PP Account'): the other side is the holder's own bank account, named by the row or not at all
                own = self.own_account(cell["counterparty_name"] or "Bank account (not named in the file)", row)
                if not payer:
                    src = own
                else:
                    dst = own
            other_name = cell["counterparty_name"]
            if other_name:
                other_end = dst if direction == "out" else src if direction == "in" else None
                other_text = payee if direction == "out" else payer
                if other_end is not None and _EMAIL.match(other_text or ""):
                    etype = "Business" if _COMPANY.search(other_name) else "Person"
                    self.relation("owns", self.named(other_name, etype, row), other_end, row, {"from": "statement"})
                attrs["name"] = other_name
            if _MERCHANT_TYPE.search(cell["type"]):
                other_type = "Business"
                if direction == "out" and payee and not _EMAIL.match(payee):
                    dst = self.named(payee, "Business", row, match_known=True)
                elif direction == "in" and payer and not _EMAIL.match(payer):
                    src = self.named(payer, "Business", row, match_known=True)
            if src is None:
                return "payer", "no payer in this row"
            if dst is None:
                return "payee", "no payee in this row"
            for side, entity in (("payer", src), ("payee", dst)):
                phone_text, address = cell.get(f"{side}_phone", ""), cell.get(f"{side}_address", "")
                if phone_text:
                    phone = identified_entity(self.session, "Phone", phone_text, row, self.region)
                    assert phone is not None      # checked above, before anything was written
                    self.relation("uses", entity, phone, row)
                    attrs[f"{side}_phone"] = phone_text
                if address:
                    self.relation("located_at", entity, self.place(address, row, None, None), row)
            if cell["payout_city"]:
                city, state, country = cell["payout_city"], cell["payout_state"], cell["payout_country"]
                label = ", ".join(p for p in (city, state, country) if p)
                location = self.place(label, row, city, state or None, country or None)
                attrs["city"] = city
        else:
            direction = "in" if signed > 0 else "out"
            # Wise names the other side in 'Payee Name' (money out) or 'Payer Name' (money in), a card's shop in
            # 'Merchant'; the description ('Sent money to ...') is the bank's wording, never a business
            name = cell["counterparty"] or cell["payee_name" if direction == "out" else "payer_name"]
            merchant = cell["merchant"] if not name else ""
            category = self._category(cell, direction, (cell["type"], name, merchant, description,
                                                        cell["original_description"]))
            if direction == "in" and self.layout.get("account_kind") == "card" and _CARD_PAYMENT.search(cell["type"]):
                # a card download's 'Payment' type (Apple Card): the holder paying the card, whatever the text
                category = classify(("payment thank you",), direction) or category
            holder = self.row_holder(row, cell)
            other, other_type = self.counterparty(category, name, merchant or description, cell["instrument"], row,
                                                  cell)
            src, dst = (other, holder) if direction == "in" else (holder, other)
        place = describe(description) if description and not two_sided else None
        if place and place.city and "city" not in attrs:
            attrs["city"] = place.city
            if place.state:
                attrs["state"] = place.state
        if cell["city"]:
            attrs["city"] = cell["city"]
        attrs["category"] = category.name if category else None
        attrs["method"] = _snake(cell["method"]).replace("_", " ") if cell["method"] else payment_method(
            (cell["type"], description, cell["instrument"]), layout.get("method"))
        for name in ("description", "type", "status", "instrument", "funding_source", "destination",
                     "asset_type", "asset_amount", "payout_currency", "exchange_rate"):
            if cell.get(name):
                attrs[name] = cell[name]
        if cell.get("terminal") and cell["terminal"].strip().lower() != "venmo":
            attrs["terminal_location"] = cell["terminal"]
        for name in ("fee", "tip", "tax", "payout_amount"):
            value = parse_money(cell[name]) if cell.get(name) else None
            if value:
                attrs[name] = abs(value)
        if cell["id"] or cell["reference"]:
            attrs[layout.get("id_attr", "reference")] = cell["id"] or cell["reference"]
        for name, value in self.row_attrs.items():
            if value:
                attrs[name] = value
        link_type = "paid" if other_type in ("Business", "Hotel") else "transferred"
        currency = (cell["currency"] or layout.get("currency") or "").upper() or None
        reference = str(cell["id"] or cell["reference"] or "")
        found = self.already.find(link_type, src, dst, start, round(abs(signed), 2), currency, reference,
                                  description)
        if found is not None:
            self.session.cite(found, row)
            self.cited += 1
            return None
        self.session.link(link_type, src, dst, row=row, start=start, amount=round(abs(signed), 2), currency=currency,
                          location=location, attrs={k: v for k, v in attrs.items() if v not in (None, "")})
        return None

    def _side_known(self, cell: dict[str, str], outgoing: bool) -> bool:
        """Whether an unnamed side can still be told: a funding/destination account, or the statement holder."""
        other = cell["funding_source"] if outgoing else cell["destination"]
        return bool(other and not re.fullmatch(r"(?i)venmo balance|your cash|balance", other)) or bool(
            self.holder.account or self.holder.name)

    def _side(self, text: str, row: int, cell: dict[str, str], outgoing: bool) -> int | None:
        if text:
            return self.party(text, row)
        other = cell["funding_source"] if outgoing else cell["destination"]
        if other and not re.fullmatch(r"(?i)venmo balance|your cash|balance", other):
            account = self.account(other, row)
            if _BANK_TRANSFER_TYPE.search(cell["type"]) and (self.holder.name or self.holder.account):
                self.holder_side(row)     # the holder's own bank account or card: the holder owns it
                owner = self._holder_person if self._holder_person is not None else self._holder_id
                if owner is not None and owner != account:
                    self.relation("owns", owner, account, row, {"from": "statement (transfer to own account)"})
            return account
        if self.holder.account or self.holder.name:
            return self.holder_side(row)
        return None

    def _category(self, cell: dict[str, str], direction: str | None, texts: tuple[str, ...]) -> Category | None:
        given = cell["category"] or self.layout.get("category")
        if given:
            found = classify((given,), direction)
            if found:
                if _snake(given) in category_names():
                    return Category(_snake(given), found.counterparty, found.merchant)
                # 'Hotels', 'Hotel' (Apple Card, Mint): our name, which the indicator rules read; theirs kept beside
                self.row_attrs["source_category"] = given
                return Category(found.name, found.counterparty, found.merchant)
            # the file's own category ('Travel', 'Restaurants') says nothing of who the other side is: the
            # row's words decide, and the file's category is kept beside ours
            self.row_attrs["source_category"] = given
            by_text = classify(tuple(t for t in texts if t), direction)
            return by_text or Category(_snake(given), "", None)
        return classify(tuple(t for t in texts if t), direction)

    # ---- suggestions ------------------------------------------------------------------------------
    def _suggest(self, name: str, types: tuple[str, ...]) -> None:
        key = person_name_key(name)
        if key in self.suggestions:
            return
        found = self.known.suggest(name, types)
        if found and self.known.tokens(found[2]) != self.known.tokens(name):
            self.suggestions[key] = (f"'{name}' may be {found[1]} #{found[0]} '{found[2]}' already in the case "
                                     "(not linked: merge them if they are the same)")
        else:
            self.suggestions[key] = ""

    def _suggest_same_digits(self, key: str, number: str) -> None:
        digits = re.sub(r"\D", "", number)[-4:]
        if len(digits) < 4 or ("digits", digits) in self.suggestions:
            return
        rows = self.session.case.conn.execute(
            "SELECT id, key, label FROM entities WHERE type = 'Account' AND merged_into IS NULL AND key LIKE ? "
            "AND key != ?", (f"%{digits}%", key)).fetchall()
        same = [(i, label) for i, k, label in rows if re.sub(r"\D", "", k.split("@")[0])[-4:] == digits]
        self.suggestions[("digits", digits)] = "" if not same else (
            f"account '{number}' ends in the same digits as " + ", ".join(f"Account #{i} '{lbl}'" for i, lbl in same)
            + " (not linked: merge them if they are the same)")

    def notes(self) -> list[str]:
        return [text for text in self.suggestions.values() if text]


class _AlreadyInCase:
    """Payments other sources already put in the case, by (time, amount): a corrected copy of a statement
    imported again cites them instead of storing the money twice. Two records are the same transaction when
    time, amount and currency agree, each end is the same entity (or one of the same type and name: persons
    are named per file) and their references agree where both have one. Each stored payment is matched once
    per file, so two equal coffees in one statement stay two."""

    _REFERENCE_ATTRS = ("reference", "transaction_id", "mtcn", "id", "fitid")

    def __init__(self, session: ImportSession) -> None:
        self.session = session
        self._index: dict[tuple[int, int], list[tuple]] | None = None
        self._used: set[int] = set()
        self._labels: dict[int, tuple[str, str]] = {}

    def _load(self) -> dict[tuple[int, int], list[tuple]]:
        index: dict[tuple[int, int], list[tuple]] = {}
        rows = self.session.case.conn.execute(
            "SELECT l.id, l.type, l.src, l.dst, l.start, l.amount, l.currency, l.attrs, a.type, a.label, b.type, b.label "
            "FROM links l JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst "
            "WHERE l.type IN ('paid', 'transferred') AND l.start IS NOT NULL AND l.amount IS NOT NULL")
        for ident, ltype, src, dst, start, amount, currency, attrs, stype, slabel, dtype, dlabel in rows:
            data = json.loads(attrs) if attrs else {}
            reference = next((str(data[k]) for k in self._REFERENCE_ATTRS if data.get(k)), "")
            index.setdefault((int(start), round(float(amount) * 100)), []).append(
                (ident, ltype, src, dst, (currency or "").upper(), reference, (stype, person_name_key(slabel)),
                 (dtype, person_name_key(dlabel)), str(data.get("description") or "")))
        return index

    def _label(self, entity: int) -> tuple[str, str] | None:
        if entity not in self._labels:
            pending = self.session.pending_entity(entity)     # made by this import, not written yet
            if pending is not None:
                self._labels[entity] = (pending[0], person_name_key(pending[1]))
            else:
                found = self.session.conn.execute("SELECT type, label FROM entities WHERE id = ?", (entity,)).fetchone()
                self._labels[entity] = (found[0], person_name_key(found[1])) if found else None
        return self._labels[entity]

    def find(self, link_type: str, src: int, dst: int, start: int, amount: float, currency: str | None,
             reference: str, description: str = "") -> int | None:
        if self._index is None:
            self._index = self._load()
        candidates = self._index.get((int(start), round(amount * 100)))
        if not candidates:
            return None
        for ident, ltype, osrc, odst, ocurrency, oreference, olabel_src, olabel_dst, odescription in candidates:
            if ident in self._used or ltype != link_type or (currency or "") != ocurrency:
                continue
            if reference and oreference and reference != oreference:
                continue
            # statements with no holder named: the same only when the row's own words agree too
            told = bool((reference and oreference) or (description and description == odescription))
            if (osrc == src or self._same(src, olabel_src, told)) and (odst == dst or self._same(dst, olabel_dst, told)):
                self._used.add(ident)
                return ident
        return None

    def _same(self, entity: int, other: tuple[str, str], told: bool) -> bool:
        """The same kind of entity with the same name (a person named again in another file); two accounts of
        unknown holders only when the rows' references or descriptions agree (`told`)."""
        mine = self._label(entity)
        if mine is None:
            return False
        if mine[0] == other[0] == "Account" and told and all(
                label.startswith("account of unknown holder") for label in (mine[1], other[1])):
            return True
        return mine == other
