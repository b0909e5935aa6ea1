"""Number replacement: a phone goes silent while a new one starts talking to the same people (a burner
or handset swap). Each candidate comes with a similarity, the dates, the shared contacts and any
shared handset (IMEI).

How: every phone's contacts and first/last record come from calls and texts. A pair (old, new)
is a candidate when the new number starts within `max_gap_days` after the old one's last
record (or up to `max_overlap_days` before it), the old one went quiet and the new one woke up,
and they share contacts or a handset. "Went quiet" is judged against the phone's own rate: from
a change point on it makes at most `quiet_share` of the records its rate so far would give (and
no more than `max_strays`), so a swap on day 8 of a 10-day return, with a stray call or two from
the old phone afterwards, is found; the older rule (silent `quiet_days` before the records end)
still counts. The gap may be measured between the records or between the change points. similarity = shared contacts / contacts of the smaller side (the overlap coefficient:
a new number that calls mostly the old one's people scores high even after a short life).
Pairs are accepted best first, one new number per old one.

Iterated: once A is found to be replaced by B, a contact that called A and one that calls B
count as the same contact, and a chain A -> B -> C compares C with everything A and B called,
so swaps found first help find the next (two people who change numbers in the same week are
only visible this way).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from linkgraph.analysis import at_scale
from linkgraph.analysis.records import DAY, PHONE_LINKS, Records

HANDSET_TYPES = ("Device",)


@dataclass
class ReplacementParams:
    """Thresholds of the number-replacement search (kept with each analysis run)."""

    max_gap_days: float = 21.0         # new number starts at most this long after the old one's last record
    max_overlap_days: float = 2.0      # ... or at most this long before it
    quiet_days: float = 7.0            # old silent this long before the records end; new starts this long after they begin
    quiet_share: float = 0.2           # ... or: from a change point on, a phone makes at most this share of the records
    max_strays: int = 3                #     its own rate before then would give, and no more than this many,
    quiet_chance: float = 0.01         #     so few that its rate (low estimate) gives them this chance or less over
                                       #     all the case's phones (Poisson, Bonferroni: quiet by chance is rare)
    min_records: int = 8               #     with at least this many records before the change point to go by
    min_shared: int = 3                # shared contacts needed without a shared handset
    min_similarity: float = 0.5
    hub_limit: int = 200               # contacts of more phones than this (a pizza place, a carrier) propose no pairs
    rounds: int = 5

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_replacements(records: Records, params: ReplacementParams | None = None) -> list[dict[str, Any]]:
    """Likely number replacements, best first: [{"old", "new", "similarity", "last_seen_old", "first_seen_new",
    "shared_contacts", "shared_devices", ...}] with the phones' ids, the gap in days, the round that
    found it and the records behind it (`links`)."""
    params = params or ReplacementParams()
    calls = _phone_calls(records)
    if not len(calls.ids):
        return []
    rows = _by_phone(calls)
    ends, starts, link_ids = rows.ends, rows.starts, rows.link_ids
    begin, finish = float(starts.min()), float(starts.max())
    first_at = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]])     # ends are sorted: each phone's first row
    phones = ends[first_at]
    last_at = np.r_[first_at[1:], len(ends)] - 1
    first_seen, last_seen = starts[first_at], starts[last_at]
    first = dict(zip(phones.tolist(), first_seen.tolist(), strict=True))
    last = dict(zip(phones.tolist(), last_seen.tolist(), strict=True))
    first_link = dict(zip(phones.tolist(), link_ids[first_at].tolist(), strict=True))
    last_link = dict(zip(phones.tolist(), link_ids[last_at].tolist(), strict=True))
    if _widen_with_service_calls(records, first, last, first_link, last_link):
        first_seen = np.fromiter(first.values(), dtype=float, count=len(first))
        last_seen = np.fromiter(last.values(), dtype=float, count=len(last))
    quiet, quiet_link = _went_quiet(ends, starts, link_ids, first_at, finish, params)
    woke, woke_link = _went_quiet(ends[::-1], -starts[::-1], link_ids[::-1],
                                  np.flatnonzero(np.r_[True, ends[::-1][1:] != ends[::-1][:-1]]), -begin, params)
    woke = {p: -t for p, t in woke.items()}
    olds = set(phones[last_seen <= finish - params.quiet_days * DAY].tolist()) | set(quiet)
    news = set(phones[first_seen >= begin + params.quiet_days * DAY].tolist()) | set(woke)
    busy_until = {**last, **quiet}                                  # the old phone's own change point
    busy_from = {**first, **woke}                                   # ... and the new one's
    if not olds or not news:
        return []
    span = int(ends.max()) + 1                                       # every phone is an end of its records
    known = _contact_pairs(calls, span, np.fromiter(olds | news, dtype=np.int64))
    pair_phone, pair_contact, degree_of = known.phone, known.contact, known.degree_of   # how many phones call each contact

    def contacts(phone: int) -> set[int]:
        """The numbers a phone called or was called by (pair_phone is sorted)."""
        lo, hi = np.searchsorted(pair_phone, [phone, phone + 1])
        return set(pair_contact[lo:hi].tolist())
    lookup = np.arange(span, dtype=np.int64)                       # phone -> the first number of its chain
    first_at_arr = np.full(span, np.nan)
    last_at_arr = np.full(span, np.nan)
    first_at_arr[phones], last_at_arr[phones] = first_seen, last_seen
    busy_from_arr, busy_until_arr = first_at_arr.copy(), last_at_arr.copy()
    busy_from_arr[list(woke)] = list(woke.values())
    busy_until_arr[list(quiet)] = list(quiet.values())
    handsets, handset_links = _handsets(records)

    root: dict[int, int] = {}
    chain: dict[int, list[int]] = {}
    found: list[dict[str, Any]] = []
    replaced: set[int] = set()
    taken: set[int] = set()

    def rooted(p: int) -> int:
        return root.get(p, p)

    def mapped(members: Iterable[int]) -> set[int]:
        out: set[int] = set()
        for m in members:
            out.update(rooted(c) for c in contacts(m))
        return out

    for round_number in range(1, params.rounds + 1):
        sides = _side_pairs(pair_phone, pair_contact, lookup, sorted(olds - replaced), sorted(news - taken))
        shared_count = _shared_contacts(sides, degree_of, (first_at_arr, busy_from_arr),
                                        (last_at_arr, busy_until_arr), lookup, params)
        for phones_of in handsets.values():
            for o in phones_of:
                for n in phones_of:
                    if (o != n and o in olds - replaced and n in news - taken and rooted(o) != rooted(n)
                            and (_fits(o, n, first, last, params) or _fits(o, n, busy_from, busy_until, params))):
                        shared_count.setdefault((o, n), 0)
        candidates = []
        for (o, n), count in sorted(shared_count.items()):
            if count < params.min_shared and not _devices_of(handsets, o):
                continue
            old_side = mapped(chain.get(rooted(o), [o])) - {rooted(o), rooted(n)}
            new_side = mapped([n]) - {rooted(o), rooted(n)}
            devices = sorted(set(_devices_of(handsets, o)) & set(_devices_of(handsets, n)))
            candidate = swap_candidate(o, n, old_side, new_side, devices, abs(first[n] - last[o]), params)
            if candidate is not None:
                candidates.append(candidate)
        candidates.sort(key=lambda c: c[:5])
        accepted = 0
        for *_, o, n, similarity, common, devices in candidates:
            if o in replaced or n in taken or rooted(o) == rooted(n):
                continue
            replaced.add(o)
            taken.add(n)
            accepted += 1
            top = rooted(o)
            moved = chain.pop(n, [n])
            chain[top] = chain.get(top, [top]) + moved
            for m in moved:
                root[m] = top
                lookup[m] = top
            shown = sorted(_members_called(common, contacts(n), rooted))
            strays = _strays(o, busy_until[o], ends, starts, link_ids, first_at)
            evidence = [last_link[o], first_link[n]] + [lk for d in devices for lk in handset_links.get((d, o), [])
                                                        + handset_links.get((d, n), [])]
            evidence += [quiet_link[o]] if o in quiet_link else []
            evidence += [woke_link[n]] if n in woke_link else []
            evidence += [link for _, link in strays[:20]]
            found.append({
                "old": records.label(o), "new": records.label(n), "old_id": int(o), "new_id": int(n),
                "similarity": round(similarity, 3),
                "last_seen_old": records.when(last[o]), "first_seen_new": records.when(first[n]),
                "gap_days": round((first[n] - last[o]) / DAY, 1),
                "shared_contacts": [records.label(c) for c in shown], "shared_contact_ids": shown,
                "shared_devices": [records.label(d) for d in devices], "shared_device_ids": devices,
                "old_contacts": len(mapped(chain[top]) - {top}), "new_contacts": len(mapped([n]) - {top}),
                "round": round_number, "links": sorted(set(int(x) for x in evidence)),
                "old_busy_until": records.when(busy_until[o]), "new_busy_from": records.when(busy_from[n]),
                "busy_gap_days": round((busy_from[n] - busy_until[o]) / DAY, 1),
                "quiet_by": "own rate" if o in quiet else "silence before the records end",
                "old_records_after": len(strays),
                "old_records_after_times": [records.when(when) for when, _ in strays[:20]],
            })
        if not accepted:
            break
    return sorted(found, key=lambda f: (-f["similarity"], f["old_id"], f["new_id"]))


def swap_candidate(old: int, new: int, old_side: set[int], new_side: set[int], devices: list[int], gap: float,
                   params: Any) -> tuple | None:
    """One possible replacement, scored: its sort key (similarity with a bonus for a shared handset, shared
    contacts, the gap between the two phones), then old, new, similarity, shared contacts and handsets;
    None when too few contacts are shared and no handset backs them. The desktop and the scale tier both
    rank swaps by it."""
    common = old_side & new_side
    smaller = min(len(old_side), len(new_side))
    similarity = len(common) / smaller if smaller else 0.0
    strong = len(common) >= params.min_shared and similarity >= params.min_similarity
    if not (strong or (devices and common)):
        return None
    bonus = 0.25 if devices else 0.0
    return (-(similarity + bonus), -len(common), gap, old, new, similarity, common, devices)


def _widen_with_service_calls(records: Records, first: dict[int, float], last: dict[int, float],
                              first_link: dict[int, int], last_link: dict[int, int]) -> bool:
    """A call to voicemail or a short code is no contact, but the phone was in use: it moves the phone's
    first and last record (the old number's last call is often the one to its voicemail). Whether there were any."""
    extra = records.service_calls
    if extra is None or not len(extra):
        return False
    extra = extra[extra["start"].notna()].sort_values(["start", "id"])
    for link_id, src, dst, start in extra[["id", "src", "dst", "start"]].itertuples(index=False, name=None):
        for phone in (int(src), int(dst)):
            if phone not in first:
                continue
            if start < first[phone]:
                first[phone], first_link[phone] = start, int(link_id)
            if start >= last[phone]:
                last[phone], last_link[phone] = start, int(link_id)
    return True


def _went_quiet(ends: np.ndarray, starts: np.ndarray, link_ids: np.ndarray, heads: np.ndarray, finish: float,
                params: ReplacementParams) -> tuple[dict[int, float], dict[int, int]]:
    """Phone -> the time it went quiet, judged against its own rate: the earliest record after which the phone
    makes at most `quiet_share` of the records its rate so far would give until the records end (`finish`),
    when that rate gives `quiet_expected` or more. A swap on day 8 of a 10-day return, with a stray call
    or two from the old phone after it, is found; a phone that calls once a week is not judged on two
    quiet days. Rows are sorted by phone, then time (`heads`: each phone's first row); also gives the
    record (link id) at the change point. Called on reversed, negated times it finds when a phone woke."""
    if not len(ends):
        return {}, {}
    sizes = np.diff(np.r_[heads, len(ends)])
    tails = np.r_[heads[1:], len(ends)]
    # Only a phone's last max_strays + 1 records can be its change point (at most max_strays come after).
    near_end = np.minimum(sizes, max(0, math.floor(params.max_strays) + 1))
    cand = at_scale.ranges(tails - near_end, tails)
    head_of = np.repeat(heads, near_end)
    rank = cand - head_of + 1                                        # records up to and including this one
    after = np.repeat(sizes, near_end) - rank
    span = np.maximum(starts[cand] - starts[head_of], DAY)
    remaining = np.maximum(finish - starts[cand], 0.0)
    expected = rank / span * remaining
    fits = (rank >= max(2, params.min_records)) & (after <= params.quiet_share * expected)
    # The phone's rate is known from `rank` records only: judge with a low estimate of it (two standard
    # errors down), and ask that so few records after the change point be a rare chance across all phones.
    low = np.maximum(rank - 2.0 * np.sqrt(rank), 0.0) / span * remaining
    fits[fits] = _rarely_so_few(after[fits], low[fits], params.quiet_chance / max(1, len(heads)))
    if not fits.any():
        return {}, {}
    # Of the rows that fit, the change point: the cut with the highest two-rate Poisson likelihood
    # (rank records in the busy stretch, `after` in the quiet one), the last record of the busy stretch.
    chosen = np.flatnonzero(fits)
    rows = cand[chosen]
    busy = np.maximum(starts[rows] - starts[head_of[chosen]], 3600.0)
    calm = np.maximum(finish - starts[rows], 3600.0)
    n1, n2 = rank[chosen].astype(float), after[chosen].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        likelihood = n1 * np.log(n1 / busy) + np.where(n2 > 0, n2 * np.log(n2 / calm), 0.0)
    order = np.lexsort((-likelihood, ends[rows]))
    rows = rows[order]
    phone_of_row = ends[rows]
    rows = rows[np.r_[True, phone_of_row[1:] != phone_of_row[:-1]]]   # the best cut of each phone
    return (dict(zip(ends[rows].tolist(), starts[rows].tolist(), strict=True)),
            dict(zip(ends[rows].tolist(), link_ids[rows].tolist(), strict=True)))


def _rarely_so_few_reference(count: np.ndarray, expected: np.ndarray, chance: float) -> np.ndarray:
    """Whether `count` or fewer events, when `expected` are expected (Poisson), have `chance` or less."""
    from scipy.special import pdtr

    return pdtr(count, expected) <= chance


def _rarely_so_few(count: np.ndarray, expected: np.ndarray, chance: float) -> np.ndarray:
    """_rarely_so_few_reference without scipy.special (a tenth of a second to load, in the findings' child):
    the Poisson sum e^-m (1 + m + m^2/2! + ... + m^k/k!) for the few counts a change point allows, in logs;
    a value too near `chance` to tell apart from the reference's rounding is asked of the reference."""
    if not len(count):
        return np.zeros(0, dtype=bool)
    most = int(count.max())
    if most > 50 or int(count.min()) < 0 or not chance > 1e-250:
        return _rarely_so_few_reference(count, expected, chance)
    m = np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_m = np.log(m)
        terms = [np.where(count >= i, (i * log_m if i else 0.0) - math.lgamma(i + 1), -np.inf)
                 for i in range(most + 1)]
        top = np.maximum.reduce(terms)
        log_p = -m + top + np.log(sum(np.exp(t - top) for t in terms))
    limit = math.log(chance)
    unsure = ~np.isfinite(log_p) | (np.abs(log_p - limit) <= 1e-6 + 1e-12 * np.abs(m))
    out = log_p <= limit
    if unsure.any():
        out[unsure] = _rarely_so_few_reference(count[unsure], m[unsure], chance)
    return out


def _strays(phone: int, until: float, ends: np.ndarray, starts: np.ndarray, link_ids: np.ndarray,
            heads: np.ndarray) -> list[tuple[float, int]]:
    """The records of a phone after it went quiet (time, link id): the stray calls an old phone still makes."""
    lo, hi = np.searchsorted(ends, [phone, phone + 1])
    later = np.flatnonzero(starts[lo:hi] > until) + lo
    return list(zip(starts[later].tolist(), link_ids[later].tolist(), strict=True))


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values in order (a sort and a compare: faster than np.unique's hashing at this size)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


@dataclass
class _Calls:
    """The calls and texts between two phones (not a phone with itself) that have a time: ends, time, link id."""

    src: np.ndarray
    dst: np.ndarray
    start: np.ndarray
    ids: np.ndarray


def _phone_calls(records: Records) -> _Calls:
    """The records a swap is judged on, as arrays (no copy of the calls' frame)."""
    types = records.entities["type"]
    calls = records.of_types(PHONE_LINKS)
    src, dst = calls["src"].to_numpy(np.int64), calls["dst"].to_numpy(np.int64)
    start, ids = calls["start"].to_numpy(np.float64), calls["id"].to_numpy(np.int64)
    phone_ids = types.index[(types == "Phone").to_numpy()].to_numpy(np.int64)
    keep = ~np.isnan(start) & np.isin(src, phone_ids) & np.isin(dst, phone_ids) & (src != dst)
    return _Calls(src[keep], dst[keep], start[keep], ids[keep])


@dataclass
class _Rows:
    """Each call or text once per end: the end's phone, the time and the link id, sorted by phone, then time,
    then link id."""

    ends: np.ndarray
    starts: np.ndarray
    link_ids: np.ndarray


def _by_phone_reference(calls: _Calls) -> _Rows:
    """_by_phone the plain way: both ends of every record, one lexsort."""
    ends = np.concatenate([calls.src, calls.dst])
    starts = np.concatenate([calls.start, calls.start])
    link_ids = np.concatenate([calls.ids, calls.ids])
    order = at_scale.lexsort((link_ids, starts, ends))
    return _Rows(ends[order], starts[order], link_ids[order])


def _by_phone(calls: _Calls) -> _Rows:
    """Both ends of every record (no self-calls), sorted by phone, time and link id (_by_phone_reference's
    order). The records are put in time order once (usually they are already), each followed by its other end,
    so a stable sort by phone finishes the order: a radix sort, 16 bits of the phone id a pass."""
    src, dst, start, ids = calls.src, calls.dst, calls.start, calls.ids
    count = len(ids)
    if not count:
        return _by_phone_reference(calls)
    later = start[1:] > start[:-1]
    if not (later | ((start[1:] == start[:-1]) & (ids[1:] > ids[:-1]))).all():
        order = at_scale.lexsort((ids, start))
        src, dst, start, ids = src[order], dst[order], start[order], ids[order]
    # Two records at one time with one id would tie: their order is the plain way's (by place), not this one's.
    if ((start[1:] == start[:-1]) & (ids[1:] == ids[:-1])).any():
        return _by_phone_reference(calls)
    low = min(int(src.min()), int(dst.min()))
    ends = np.empty(2 * count, dtype=np.int64)
    ends[0::2], ends[1::2] = src, dst
    place = ends - low
    top = int(place.max())
    order = _radix_order(place, np.arange(len(place), dtype=np.int64))
    record = order >> 1                          # rows 2i and 2i + 1 are record i's two ends
    if top > 4 * len(place) + (1 << 20):         # ids far apart: read the phones off in order
        return _Rows(ends[order], start[record], ids[record])
    counts = np.bincount(place)
    present = np.flatnonzero(counts)
    return _Rows(np.repeat(present + low, counts[present]), start[record], ids[record])   # = ends[order]


def _radix_order(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """`order` stably sorted by `values[order]` (whole numbers, none negative): a radix sort, 16 bits a pass
    (numpy's stable sort of 16-bit numbers counts, several times faster than sorting the numbers whole)."""
    top = int(values.max()) if len(values) else 0
    shift = 0
    while True:
        digit = ((values[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
        if not top >> shift:
            return order


@dataclass
class _Contacts:
    """Who calls whom, each pair once: `phone` -> `contact` for the phones asked about (sorted by phone, then
    contact), and `degree_of`: how many phones each number is in contact with (indexed by entity id)."""

    phone: np.ndarray
    contact: np.ndarray
    degree_of: np.ndarray


def _contact_pairs_reference(calls: _Calls, span: int, wanted: np.ndarray) -> _Contacts:
    """_contact_pairs the plain way: the distinct (end, other) pairs of every record read from both ends."""
    distinct = _sorted_unique(np.r_[calls.src, calls.dst] * span + np.r_[calls.dst, calls.src])
    degree_of = np.bincount(distinct % span, minlength=span)
    mine = distinct // span
    keep = np.isin(mine, wanted)
    return _Contacts(mine[keep], distinct[keep] % span, degree_of)


def _contact_pairs(calls: _Calls, span: int, wanted: np.ndarray) -> _Contacts:
    """The distinct contacts of the `wanted` phones, and every number's count of contacts: from the records'
    distinct unordered pairs (half the rows of _contact_pairs_reference's, each pair read both ways)."""
    src, dst = calls.src, calls.dst
    pairs = _sorted_unique(np.minimum(src, dst) * span + np.maximum(src, dst))
    low, high = pairs // span, pairs % span
    degree_of = np.bincount(low, minlength=span) + np.bincount(high, minlength=span)
    asked = np.zeros(span, dtype=bool)
    asked[wanted] = True
    ahead, behind = asked[low], asked[high]
    keyed = np.sort(np.r_[low[ahead] * span + high[ahead], high[behind] * span + low[behind]])
    return _Contacts(keyed // span, keyed % span, degree_of)


@dataclass
class _Sides:
    """The (contact, old) and (contact, new) pairs of one round (see _side_pairs)."""

    old_contact: np.ndarray
    old: np.ndarray
    new_contact: np.ndarray
    new: np.ndarray


def _side_pairs_reference(
    pair_phone: np.ndarray, pair_contact: np.ndarray, lookup: np.ndarray, olds: list[int], news: list[int]
) -> _Sides:
    """_side_pairs the plain way (pandas: drop duplicates, merge on the chain)."""
    chain_of = lookup[pair_phone]
    contact = lookup[pair_contact]
    by_chain = pd.DataFrame({"chain": chain_of, "contact": contact}).drop_duplicates()
    old = pd.DataFrame({"old": np.asarray(olds, dtype=np.int64)})
    old["chain"] = lookup[old["old"].to_numpy()]
    old_pairs = old.merge(by_chain, on="chain")[["contact", "old"]]
    fresh = np.isin(pair_phone, np.asarray(news, dtype=np.int64))
    new_pairs = pd.DataFrame({"contact": contact[fresh], "new": pair_phone[fresh]}).drop_duplicates()
    return _Sides(old_pairs["contact"].to_numpy(np.int64), old_pairs["old"].to_numpy(np.int64),
                  new_pairs["contact"].to_numpy(np.int64), new_pairs["new"].to_numpy(np.int64))


def _side_pairs(
    pair_phone: np.ndarray, pair_contact: np.ndarray, lookup: np.ndarray, olds: list[int], news: list[int]
) -> _Sides:
    """(contact, old) and (contact, new) pairs as this round sees them, each once: contacts stand for their
    chain's first number, and an old phone speaks for every number of its chain (what A and B called, for C).
    The pairs of _side_pairs_reference, maybe in another order (sorted keys and binary search, no pandas)."""
    span = len(lookup)
    chain_of, contact = lookup[pair_phone], lookup[pair_contact]
    keyed = chain_of * span + contact
    # The pairs come distinct and sorted: only those a chain renames (a few numbers a round) are sorted again.
    renamed = contact != pair_contact
    moved = renamed | (chain_of != pair_phone)
    keyed = _sorted_unique_but(keyed, moved)
    by_chain = keyed // span
    old = np.asarray(olds, dtype=np.int64)
    lo = np.searchsorted(by_chain, lookup[old], side="left")
    hi = np.searchsorted(by_chain, lookup[old], side="right")
    taken = at_scale.ranges(lo, hi)
    asked = np.zeros(span, dtype=bool)
    asked[np.asarray(news, dtype=np.int64)] = True
    fresh = asked[pair_phone]
    new_keyed = _sorted_unique_but(pair_phone[fresh] * span + contact[fresh], renamed[fresh])
    return _Sides(keyed[taken] % span, np.repeat(old, hi - lo), new_keyed % span, new_keyed // span)


def _sorted_unique_but(keys: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """_sorted_unique(keys) when the keys are sorted but at the rows `moved`: those are sorted and put in place."""
    if not moved.any():
        return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    still, extra = keys[~moved], np.sort(keys[moved])
    merged = np.insert(still, np.searchsorted(still, extra), extra)
    return merged[np.r_[True, merged[1:] != merged[:-1]]]


def _shared_contacts_reference(
    sides: _Sides, degree_of: np.ndarray, first_at: tuple[np.ndarray, ...], last_at: tuple[np.ndarray, ...],
    lookup: np.ndarray, params: ReplacementParams,
) -> dict[tuple[int, int], int]:
    """_shared_contacts the plain way: every old and new pair sharing a contact (a merge), then the dates."""
    olds = pd.DataFrame({"contact": sides.old_contact, "old": sides.old})
    news = pd.DataFrame({"contact": sides.new_contact, "new": sides.new})
    if not len(olds) or not len(news):
        return {}
    olds = olds[degree_of[olds["contact"].to_numpy()] <= params.hub_limit]
    pairs = olds.merge(news, on="contact")
    if not len(pairs):
        return {}
    old, new, contact = (pairs[c].to_numpy(np.int64) for c in ("old", "new", "contact"))
    return _counted(old, new, contact, _dates_fit(old, new, first_at, last_at, params), lookup, params)


def _dates_fit(old: np.ndarray, new: np.ndarray, first_at: tuple[np.ndarray, ...], last_at: tuple[np.ndarray, ...],
               params: ReplacementParams) -> np.ndarray:
    """Whether each new phone starts within the gap of the old one's end: by the records' dates, or by each
    phone's change points (the rounds' first_at and last_at arrays, in that order)."""
    fits = np.zeros(len(old), dtype=bool)
    for firsts, lasts in zip(first_at, last_at, strict=True):      # record dates, then each phone's change points
        gap = firsts[new] - lasts[old]
        fits |= (gap >= -params.max_overlap_days * DAY) & (gap <= params.max_gap_days * DAY)
    return fits


def _counted(old: np.ndarray, new: np.ndarray, contact: np.ndarray, fits: np.ndarray, lookup: np.ndarray,
             params: ReplacementParams) -> dict[tuple[int, int], int]:
    """(old, new) -> contacts in common, of the rows whose dates fit, whose phones are of two chains and whose
    contact is neither phone's chain."""
    rooted_old, rooted_new = lookup[old], lookup[new]
    keep = fits & (rooted_old != rooted_new) & (contact != rooted_old) & (contact != rooted_new)
    span = len(lookup)
    keyed = np.sort(old[keep] * span + new[keep])
    heads = np.flatnonzero(np.r_[True, keyed[1:] != keyed[:-1]]) if len(keyed) else np.zeros(0, dtype=np.int64)
    keys, counts = keyed[heads], np.diff(np.r_[heads, len(keyed)])           # np.unique's, without its hashing
    return {(int(k // span), int(k % span)): int(c) for k, c in zip(keys.tolist(), counts.tolist(), strict=True)}


def _shared_contacts(
    sides: _Sides, degree_of: np.ndarray, first_at: tuple[np.ndarray, ...], last_at: tuple[np.ndarray, ...],
    lookup: np.ndarray, params: ReplacementParams,
) -> dict[tuple[int, int], int]:
    """(old, new) -> contacts in common, for pairs whose dates fit: _shared_contacts_reference's counts without
    its every-pair merge. Each side is sorted by contact, then date (one number: contact x width + date), and
    each old row reads the new rows of its contact starting within the gap of its end (binary searches in
    order, the window widened a little for rounding); the reference's own test then judges those rows. A later
    dating (change points) is searched only where it moves a row: rows it leaves in place were searched."""
    hub = degree_of[sides.old_contact] <= params.hub_limit
    old_contact, old = sides.old_contact[hub], sides.old[hub]
    hub = degree_of[sides.new_contact] <= params.hub_limit         # (a hub's rows would meet no old row)
    new_contact, new = sides.new_contact[hub], sides.new[hub]
    if not len(old) or not len(new):
        return {}
    low, high = -params.max_overlap_days * DAY, params.max_gap_days * DAY
    begins = [firsts[new] for firsts in first_at]
    ends = [lasts[old] for lasts in last_at]
    known = [t[np.isfinite(t)] for t in begins + [e + low for e in ends] + [e + high for e in ends]]
    known = [t for t in known if len(t)]
    if not known:
        return {}
    origin = min(float(t.min()) for t in known)
    width = max(float(t.max()) for t in known) - origin + 1.0
    bands = float(max(int(old_contact.max()), int(new_contact.max())) + 1)
    slack = 1e-9 * width * bands + 1e-6 * max(1.0, abs(low), abs(high))   # far above the keys' rounding
    width += 4 * slack

    def side(contact: np.ndarray, dates: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows with a date, sorted by key; their keys. A phone's rows come together and share its date:
        the runs of one date are put in date order, then a radix sort by contact keeps that order within each."""
        rows = rows[np.isfinite(dates[rows])]
        if not len(rows) or int(contact[rows].min()) < 0:
            keys = contact[rows] * width + (dates[rows] - origin)
            order = np.argsort(keys)
            return rows[order], keys[order]
        day = dates[rows]
        heads = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
        tails = np.r_[heads[1:], len(rows)]
        by_date = np.argsort(day[heads], kind="stable")
        order = _radix_order(contact[rows], at_scale.ranges(heads[by_date], tails[by_date]))
        rows = rows[order]
        keys = contact[rows] * width + (dates[rows] - origin)
        if len(keys) > 1 and (keys[1:] < keys[:-1]).any():          # (rounding never does this; if it did)
            order = np.argsort(keys, kind="stable")
            rows, keys = rows[order], keys[order]
        return rows, keys

    def join(olds: tuple[np.ndarray, np.ndarray], news: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
        (old_rows, old_keys), (new_rows, new_keys) = olds, news
        lo = np.searchsorted(new_keys, old_keys + low - slack, side="left")
        hi = np.searchsorted(new_keys, old_keys + high + slack, side="right")
        return np.repeat(old_rows, hi - lo), new_rows[at_scale.ranges(lo, hi)]

    every_old, every_new = np.arange(len(old)), np.arange(len(new))
    first_old, first_new = side(old_contact, ends[0], every_old), side(new_contact, begins[0], every_new)
    found = [join(first_old, first_new)]
    for later_begins, later_ends in zip(begins[1:], ends[1:], strict=True):
        moved_old = ~(later_ends == ends[0])                            # NaN either way counts as moved
        moved_new = ~(later_begins == begins[0])
        kept_old = (first_old[0][~moved_old[first_old[0]]], first_old[1][~moved_old[first_old[0]]])
        kept_new = (first_new[0][~moved_new[first_new[0]]], first_new[1][~moved_new[first_new[0]]])
        shifted_old = side(old_contact, later_ends, np.flatnonzero(moved_old))
        shifted_new = side(new_contact, later_begins, np.flatnonzero(moved_new))
        found += [join(kept_old, shifted_new), join(shifted_old, kept_new), join(shifted_old, shifted_new)]
    old_at = np.concatenate([f[0] for f in found])
    new_at = np.concatenate([f[1] for f in found])
    distinct = _sorted_unique(old_at * len(new) + new_at)             # a pair found by two datings counts once
    old_at, new_at = distinct // len(new), distinct % len(new)
    same = old_contact[old_at] == new_contact[new_at]
    pair_old, pair_new, contact = old[old_at[same]], new[new_at[same]], old_contact[old_at[same]]
    return _counted(pair_old, pair_new, contact, _dates_fit(pair_old, pair_new, first_at, last_at, params),
                    lookup, params)


def _fits(old: int, new: int, first: dict[int, float], last: dict[int, float], params: ReplacementParams) -> bool:
    gap = first[new] - last[old]
    return -params.max_overlap_days * DAY <= gap <= params.max_gap_days * DAY


def _members_called(common: set[int], called: set[int], rooted: Any) -> list[int]:
    """The new phone's own contacts behind the shared (rooted) ones."""
    return sorted(c for c in called if rooted(c) in common)


def _devices_of(handsets: dict[int, list[int]], phone: int) -> list[int]:
    return [d for d, phones in handsets.items() if phone in phones]


def _handsets(records: Records) -> tuple[dict[int, list[int]], dict[tuple[int, int], list[int]]]:
    """Device id -> phones used in it; (device, phone) -> the `uses` links saying so."""
    types = records.entities["type"]
    uses = records.of_types(("uses", "owns"))
    phones_of: dict[int, set[int]] = {}
    links: dict[tuple[int, int], list[int]] = {}
    for link_id, src, dst in uses[["id", "src", "dst"]].itertuples(index=False, name=None):
        kinds = types.get(src), types.get(dst)
        if kinds[0] in HANDSET_TYPES and kinds[1] == "Phone":
            device, phone = src, dst
        elif kinds[1] in HANDSET_TYPES and kinds[0] == "Phone":
            device, phone = dst, src
        else:
            continue
        phones_of.setdefault(int(device), set()).add(int(phone))
        links.setdefault((int(device), int(phone)), []).append(int(link_id))
    return ({d: sorted(p) for d, p in sorted(phones_of.items()) if len(p) > 1},
            {k: sorted(v) for k, v in links.items()})
