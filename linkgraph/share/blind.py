"""Blind deconfliction: keyed hashes of a case's identifiers, so two agencies learn only what they share.

Each identifier (type + canonical key, the same set plain deconfliction compares) becomes
HMAC-SHA-256 under a key derived from a secret the task force agrees on (PBKDF2-HMAC-SHA-256,
so every guess at the secret is slow). The hash file holds only the sorted hashes and a check
value that tells a matcher it used the same secret; no labels, types, times or counts by type.
Without the secret the hashes cannot be tested against guessed phone numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.identity import normalize_name
from linkgraph.share.deconflict import appearances, identifiers

FORMAT = "linkgraph-blind-hashes"
FORMAT_VERSION = 1
KDF_SALT = b"linkgraph blind deconfliction v1"
KDF_ITERATIONS = 600_000
MIN_SECRET = 12
CHECK_LABEL = b"linkgraph secret check"


@dataclass
class BlindMatch:
    """One of our identifiers whose hash is in the other agency's file."""

    type: str
    key: str
    ours: dict[str, Any]


def derive_key(secret: str) -> bytes:
    """The HMAC key for a task-force secret (refuses secrets short enough to guess)."""
    if secret is None or len(secret) < MIN_SECRET:
        raise LinkgraphError(f"the shared secret must be at least {MIN_SECRET} characters (agree a long passphrase)")
    return hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), KDF_SALT, KDF_ITERATIONS)


def token(key: bytes, entity_type: str, value: str) -> str:
    """HMAC-SHA-256 of one identifier, its type included so equal digits of two types never meet."""
    return hmac.new(key, f"{entity_type}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def case_tokens(case: CaseFile, key: bytes, *, names: bool = False) -> dict[str, tuple[str, str, int]]:
    """hash -> (type, canonical key, entity id) for every identifier of the case (and exact names when asked)."""
    found = {token(key, t, k): (t, k, entity_id) for (t, k), entity_id in identifiers(case).items()}
    if names:
        for entity_id, label in case.conn.execute(
            "SELECT id, label FROM entities WHERE type = 'Person' AND merged_into IS NULL ORDER BY id"
        ):
            form = normalize_name(label)
            if len(form.split()) >= 2:  # one-word names match far too much to be a lead
                found.setdefault(token(key, "Name", form), ("Name", form, entity_id))
    return found


def export_hashes(case: CaseFile, secret: str, out: str | Path, *, names: bool = False) -> dict[str, Any]:
    """Write the case's identifier hashes to `out` (JSON), audited; returns what was written (without hashes)."""
    out = Path(out)
    if out.exists():
        raise LinkgraphError(f"{out}: a file of that name exists already (choose another name)")
    key = derive_key(secret)
    hashes = sorted(case_tokens(case, key, names=names))
    document = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "kdf": {"name": "pbkdf2-hmac-sha256", "iterations": KDF_ITERATIONS, "salt": KDF_SALT.decode()},
        "check": hmac.new(key, CHECK_LABEL, hashlib.sha256).hexdigest(),
        "names": names, "hashes": hashes,
    }
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(document, indent=0), encoding="utf-8")
    os.replace(partial, out)
    case.audit("blind_export", {"file": out.name, "hashes": len(hashes), "names": names})
    return {"file": str(out), "hashes": len(hashes), "names": names}


def read_hashes(path: str | Path) -> dict[str, Any]:
    """A hash file, checked: format, check value and well-formed hex hashes."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the hash file ({exc})", file=path) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError("not a linkgraph blind-deconfliction hash file", file=path)
    if int(document.get("format_version", 0)) > FORMAT_VERSION:
        raise InputError("hash file made by a newer linkgraph; update linkgraph", file=path)
    hashes = document.get("hashes")
    if not isinstance(hashes, list) or not all(isinstance(h, str) and len(h) == 64 for h in hashes):
        raise InputError("the 'hashes' list is not a list of SHA-256 hex values", file=path)
    if document.get("kdf", {}).get("iterations") != KDF_ITERATIONS:
        raise InputError("hash file made with other key-derivation settings; ask for a new export", file=path)
    return document


def match_hashes(case: CaseFile, secret: str, hash_file: str | Path) -> list[BlindMatch]:
    """Our identifiers whose hash is in another agency's file (with where they appear in our case), audited."""
    document = read_hashes(hash_file)
    key = derive_key(secret)
    if not hmac.compare_digest(document["check"], hmac.new(key, CHECK_LABEL, hashlib.sha256).hexdigest()):
        raise InputError("this hash file was made with a different secret; agree the secret again", file=hash_file)
    theirs = set(document["hashes"])
    mine = case_tokens(case, key, names=bool(document.get("names")))
    matches = [
        BlindMatch(etype, value, appearances(case, entity_id))
        for digest, (etype, value, entity_id) in sorted(mine.items(), key=lambda item: item[1][:2])
        if digest in theirs
    ]
    if not case.read_only:
        case.audit("blind_match", {"file": Path(hash_file).name, "their_hashes": len(theirs),
                                   "matches": len(matches)})
    return matches
