"""Number replacement: a phone goes silent while a new one starts talking to the same people (a burner
or handset swap). Each candidate comes with a similarity, the dates, the shared contacts and any
shared handset (IMEI).

How: every phone's contacts and first/last record come from calls and texts. A pair (old, new)
is a candidate when the new number starts within `max_gap_days` after the old one's last
record (or up to `max_overlap_days` before it), the old one stops well before the records end
and the new one starts well after they begin (`quiet_days`), and they share contacts or a
handset. similarity = shared contacts / contacts of the smaller side (the overlap coefficient:
a new number that calls mostly the old one's people scores high even after a short life).
Pairs are accepted best first, one new number per old one.

Iterated: once A is found to be replaced by B, a contact that called A and one that calls B
count as the same contact, and a chain A -> B -> C compares C with everything A and B called,
so swaps found first help find the next (two people who change numbers in the same week are
only visible this way).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from linkgraph.analysis.records import DAY, PHONE_LINKS, Records

HANDSET_TYPES = ("Device",)


@dataclass
class ReplacementParams:
    """Thresholds of the number-replacement search (kept with each analysis run)."""

    max_gap_days: float = 21.0         # new number starts at most this long after the old one's last record
    max_overlap_days: float = 2.0      # ... or at most this long before it
    quiet_days: float = 7.0            # old silent this long before the records end; new starts this long after they begin
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
    types = records.entities["type"]
    calls = records.of_types(PHONE_LINKS)
    calls = calls[calls["start"].notna()]
    phone_ids = types.index[(types == "Phone").to_numpy()].to_numpy(np.int64)
    phone_mask = np.isin(calls["src"].to_numpy(np.int64), phone_ids) & np.isin(calls["dst"].to_numpy(np.int64),
                                                                                 phone_ids)
    calls = calls[phone_mask & (calls["src"] != calls["dst"]).to_numpy()]
    if not len(calls):
        return []
    ends = np.concatenate([calls["src"].to_numpy(), calls["dst"].to_numpy()])
    others = np.concatenate([calls["dst"].to_numpy(), calls["src"].to_numpy()])
    starts = np.concatenate([calls["start"].to_numpy(), calls["start"].to_numpy()])
    link_ids = np.concatenate([calls["id"].to_numpy(), calls["id"].to_numpy()])
    begin, finish = float(starts.min()), float(starts.max())
    order = np.lexsort((link_ids, starts, ends))
    ends, others, starts, link_ids = ends[order], others[order], starts[order], link_ids[order]
    first_at = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]])     # ends are sorted: each phone's first row
    phones = ends[first_at]
    last_at = np.r_[first_at[1:], len(ends)] - 1
    first = dict(zip(phones.tolist(), starts[first_at].tolist(), strict=True))
    last = dict(zip(phones.tolist(), starts[last_at].tolist(), strict=True))
    first_link = dict(zip(phones.tolist(), link_ids[first_at].tolist(), strict=True))
    last_link = dict(zip(phones.tolist(), link_ids[last_at].tolist(), strict=True))
    _widen_with_service_calls(records, first, last, first_link, last_link)
    olds = {p for p in first if last[p] <= finish - params.quiet_days * DAY}
    news = {p for p in first if first[p] >= begin + params.quiet_days * DAY}
    if not olds or not news:
        return []
    span = int(max(ends.max(), others.max())) + 1
    distinct = _sorted_unique(ends * span + others)
    degree_of = np.bincount(distinct % span, minlength=span)       # how many phones call each contact
    mine = distinct // span
    wanted = np.isin(mine, np.fromiter(olds | news, dtype=np.int64))
    pair_phone, pair_contact = mine[wanted], distinct[wanted] % span

    def contacts(phone: int) -> set[int]:
        """The numbers a phone called or was called by (pair_phone is sorted)."""
        lo, hi = np.searchsorted(pair_phone, [phone, phone + 1])
        return set(pair_contact[lo:hi].tolist())
    lookup = np.arange(span, dtype=np.int64)                       # phone -> the first number of its chain
    first_at_arr = np.full(span, np.nan)
    last_at_arr = np.full(span, np.nan)
    first_at_arr[list(first)] = list(first.values())
    last_at_arr[list(last)] = list(last.values())
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
        old_pairs, new_pairs = _side_pairs(pair_phone, pair_contact, lookup, sorted(olds - replaced),
                                           sorted(news - taken))
        shared_count = _shared_contacts(old_pairs, new_pairs, degree_of, first_at_arr, last_at_arr, lookup, params)
        for phones_of in handsets.values():
            for o in phones_of:
                for n in phones_of:
                    if (o != n and o in olds - replaced and n in news - taken and rooted(o) != rooted(n)
                            and _fits(o, n, first, last, params)):
                        shared_count.setdefault((o, n), 0)
        candidates = []
        for (o, n), count in sorted(shared_count.items()):
            if count < params.min_shared and not _devices_of(handsets, o):
                continue
            old_side = mapped(chain.get(rooted(o), [o])) - {rooted(o), rooted(n)}
            new_side = mapped([n]) - {rooted(o), rooted(n)}
            common = old_side & new_side
            devices = sorted(set(_devices_of(handsets, o)) & set(_devices_of(handsets, n)))
            smaller = min(len(old_side), len(new_side))
            similarity = len(common) / smaller if smaller else 0.0
            strong = len(common) >= params.min_shared and similarity >= params.min_similarity
            if not (strong or (devices and common)):
                continue
            bonus = 0.25 if devices else 0.0
            candidates.append((-(similarity + bonus), -len(common), abs(first[n] - last[o]), o, n, similarity,
                               common, devices))
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
            evidence = [last_link[o], first_link[n]] + [lk for d in devices for lk in handset_links.get((d, o), [])
                                                        + handset_links.get((d, n), [])]
            found.append({
                "old": records.label(o), "new": records.label(n), "old_id": int(o), "new_id": int(n),
                "similarity": round(similarity, 3),
                "last_seen_old": records.when(last[o]), "first_seen_new": records.when(first[n]),
                "gap_days": round((first[n] - last[o]) / DAY, 1),
                "shared_contacts": [records.label(c) for c in shown], "shared_contact_ids": shown,
                "shared_devices": [records.label(d) for d in devices], "shared_device_ids": devices,
                "old_contacts": len(mapped(chain[top]) - {top}), "new_contacts": len(mapped([n]) - {top}),
                "round": round_number, "links": sorted(set(int(x) for x in evidence)),
            })
        if not accepted:
            break
    return sorted(found, key=lambda f: (-f["similarity"], f["old_id"], f["new_id"]))


def _widen_with_service_calls(records: Records, first: dict[int, float], last: dict[int, float],
                              first_link: dict[int, int], last_link: dict[int, int]) -> None:
    """A call to voicemail or a short code is no contact, but the phone was in use: it moves the phone's
    first and last record (the old number's last call is often the one to its voicemail)."""
    extra = records.service_calls
    if extra is None or not len(extra):
        return
    extra = extra[extra["start"].notna()].sort_values(["start", "id"])
    for link_id, src, dst, start in extra[["id", "src", "dst", "start"]].itertuples(index=False, name=None):
        for phone in (int(src), int(dst)):
            if phone not in first:
                continue
            if start < first[phone]:
                first[phone], first_link[phone] = start, int(link_id)
            if start >= last[phone]:
                last[phone], last_link[phone] = start, int(link_id)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values in order (a sort and a compare: faster than np.unique's hashing at this size)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _side_pairs(
    pair_phone: np.ndarray, pair_contact: np.ndarray, lookup: np.ndarray, olds: list[int], news: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(contact, old) and (contact, new) rows as this round sees them: contacts stand for their chain's first
    number, and an old phone speaks for every number of its chain (what A and B called, for C)."""
    chain_of = lookup[pair_phone]
    contact = lookup[pair_contact]
    by_chain = pd.DataFrame({"chain": chain_of, "contact": contact}).drop_duplicates()
    old = pd.DataFrame({"old": np.asarray(olds, dtype=np.int64)})
    old["chain"] = lookup[old["old"].to_numpy()]
    old_pairs = old.merge(by_chain, on="chain")[["contact", "old"]]
    fresh = np.isin(pair_phone, np.asarray(news, dtype=np.int64))
    new_pairs = pd.DataFrame({"contact": contact[fresh], "new": pair_phone[fresh]}).drop_duplicates()
    return old_pairs, new_pairs


def _shared_contacts(
    olds: pd.DataFrame, news: pd.DataFrame, degree_of: np.ndarray, first_at: np.ndarray, last_at: np.ndarray,
    lookup: np.ndarray, params: ReplacementParams,
) -> dict[tuple[int, int], int]:
    """(old, new) -> contacts in common, for pairs whose dates fit (vectorised: a merge on the contact;
    phone-indexed arrays for each phone's calling degree, first and last record, and chain)."""
    if not len(olds) or not len(news):
        return {}
    olds = olds[degree_of[olds["contact"].to_numpy()] <= params.hub_limit]
    pairs = olds.merge(news, on="contact")
    if not len(pairs):
        return {}
    old, new, contact = (pairs[c].to_numpy(np.int64) for c in ("old", "new", "contact"))
    gap = first_at[new] - last_at[old]
    fits = (gap >= -params.max_overlap_days * DAY) & (gap <= params.max_gap_days * DAY)
    rooted_old, rooted_new = lookup[old], lookup[new]
    keep = fits & (rooted_old != rooted_new) & (contact != rooted_old) & (contact != rooted_new)
    span = len(lookup)
    keys, counts = np.unique(old[keep] * span + new[keep], return_counts=True)
    return {(int(k // span), int(k % span)): int(c) for k, c in zip(keys.tolist(), counts.tolist(), strict=True)}


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
