"""Near-duplicate ad texts: the same ad re-posted under another name, phone, city or price list.

Each ad's title and body are reduced to the words its author keeps when re-posting: phones,
emails, URLs and digits are masked (`ad_text.normalize_ad_text`), and the ad's own names
used, city, region and rates are masked too, since a re-post swaps exactly those. The rest
becomes a set of word 3-shingles. Two ads are near-duplicates when the Jaccard similarity of
their shingle sets is at least `THRESHOLD` (0.6). MinHash LSH (datasketch, 128 permutations,
band threshold 0.4) proposes candidate pairs so a case with 100,000 ads is not compared pair
by pair; every candidate is then checked with the exact Jaccard value, which is the
similarity stored on the `near_duplicate` link. Texts with fewer than `MIN_SHINGLES` shingles
(a name and a phone) are never compared: any two would look alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from importers.ad_text import ExtractedPhone, extract_phones, normalize_ad_text
from linkgraph.progress import Progress, no_progress

THRESHOLD = 0.6          # exact Jaccard of masked word 3-shingles
SHINGLE_WORDS = 3
MIN_SHINGLES = 8
NUM_PERM = 128
_CANDIDATE_THRESHOLD = 0.4   # LSH banding aims below THRESHOLD so true pairs are not missed
_WORDS = re.compile(r"<\w+>|\w+")


@dataclass(frozen=True)
class AdText:
    """One ad as compared: its entity id, the row that cites it (None for ads already in the case) and shingles."""

    ad: int
    row: int | None
    shingles: frozenset[str]


def masked_words(title: str, body: str, *, names: Sequence[str] = (), places: Sequence[str] = (),
                 rates: str = "", phones: dict[str, list[ExtractedPhone]] | None = None) -> list[str]:
    """The words of an ad that survive a re-post: phones, emails, URLs, digits, names, places and rates masked.

    `phones`: {"title": [...], "body": [...]} numbers already extracted from each (found again when not given).
    """
    title, body = title or "", body or ""
    if phones is None:
        phones = {"title": extract_phones(title), "body": extract_phones(body)}
    text = f"{_mask_phones(title, phones.get('title', []))} . {_mask_phones(body, phones.get('body', []))}"
    if rates and rates.strip():
        text = text.replace(rates.strip(), " <rates> ")
    folded = normalize_ad_text(text, phones=[])
    for tag, words in (("<name>", names), ("<place>", places)):
        for word in sorted({w.strip().lower() for w in words if w and w.strip()}, key=len, reverse=True):
            folded = re.sub(r"(?<!\w)" + re.escape(word) + r"(?!\w)", f" {tag} ", folded)
    return _WORDS.findall(folded)


def _mask_phones(text: str, found: list[ExtractedPhone]) -> str:
    """The text with each found number's span replaced by ' <phone> '."""
    pieces, pos = [], 0
    for phone in sorted(found, key=lambda p: p.start):
        if phone.start >= pos:
            pieces += [text[pos:phone.start], " <phone> "]
            pos = phone.end
    pieces.append(text[pos:])
    return "".join(pieces)


def shingles(words: Sequence[str], size: int = SHINGLE_WORDS) -> frozenset[str]:
    """Word n-grams of a text (the whole text as one shingle when it is shorter than n)."""
    if len(words) < size:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a and not b:
        return 0.0
    shared = len(a & b) if len(a) <= len(b) else len(b & a)
    return shared / (len(a) + len(b) - shared)


def near_duplicate_pairs(
    new: Sequence[AdText],
    existing: Iterable[AdText] = (),
    *,
    threshold: float = THRESHOLD,
    progress: Progress = no_progress,
) -> list[tuple[AdText, AdText, float]]:
    """Pairs (earlier, later, similarity) among the new ads and between new and existing ads, best first.

    Pairs of two existing ads are left out (an earlier import linked them already); an ad is
    never paired with itself (the same ad scraped twice is one entity).
    """
    usable_new = [a for a in new if len(a.shingles) >= MIN_SHINGLES]
    usable_old = [a for a in existing if len(a.shingles) >= MIN_SHINGLES]
    if not usable_new:
        return []
    everything = usable_old + usable_new
    hashes = MinHash.bulk([[s.encode("utf-8") for s in sorted(a.shingles)] for a in everything], num_perm=NUM_PERM)
    lsh = MinHashLSH(threshold=min(_CANDIDATE_THRESHOLD, threshold), num_perm=NUM_PERM)
    old_count = len(usable_old)
    for index, minhash in enumerate(hashes):
        lsh.insert(index, minhash)
        if index % 5000 == 0:
            progress(index, len(everything), "Indexing ad texts")
    found: dict[tuple[int, int], tuple[AdText, AdText, float]] = {}
    for offset, ad in enumerate(usable_new):
        index = old_count + offset
        for other in lsh.query(hashes[index]):
            if other == index or (other > index and other >= old_count):
                continue          # each new-new pair once, from its later member
            partner = everything[other]
            if partner.ad == ad.ad:
                continue
            small, large = sorted((len(ad.shingles), len(partner.shingles)))
            if small < threshold * large:
                continue          # Jaccard is at most small / large
            similarity = jaccard(ad.shingles, partner.shingles)
            if similarity < threshold:
                continue
            key = (min(ad.ad, partner.ad), max(ad.ad, partner.ad))
            if key not in found or found[key][2] < similarity:
                found[key] = (partner, ad, round(similarity, 3))
        if offset % 5000 == 0:
            progress(offset, len(usable_new), "Comparing ad texts")
    return sorted(found.values(), key=lambda t: (-t[2], t[0].ad, t[1].ad))
