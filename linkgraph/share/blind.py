"""Blind deconfliction as a private set intersection: two agencies learn which identifiers they share, nothing else.

Diffie-Hellman PSI on Curve25519 (X25519 from `cryptography`, no home-made curve arithmetic). Each identifier
(type + canonical key, the set plain deconfliction compares) is hashed to a curve point H(x). Three files travel:

1. request  (we -> them): H(x)^a for each of our identifiers, shuffled; `a` is our secret exponent, a fresh random
   256-bit scalar kept in our configuration folder (mode 0600), never in a file we send.
2. response (them -> us): our points raised again to their secret `b`, H(x)^ab in the request's order, and their own
   identifiers as H(y)^b, shuffled.
3. match (us): H(y)^ba for their points; an equal doubly blinded value is a shared identifier.

No file can be tested offline against guessed phone numbers: every value is blinded by an exponent its holder
never sends (guessing needs the exponent; with it, it needs the other side's). There is no shared secret to
leak or to be weak. What PSI cannot stop is a requester who puts guesses into its own request: the responder
caps how many values a request may hold (`MAX_REQUEST_VALUES`) and every request, response and match is
audited with its size.

X25519 maps any 32 bytes to a point of the curve or of its twist; clamped scalars clear both cofactors, and the
scalar multiplications commute (x([a][b]P) = x([b][a]P)), which is all the protocol needs.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.identity import normalize_name
from linkgraph.share.deconflict import appearances, identifiers

REQUEST_FORMAT = "linkgraph-psi-request"
RESPONSE_FORMAT = "linkgraph-psi-response"
FORMAT_VERSION = 2
GROUP = "x25519"
MAX_REQUEST_VALUES = 200_000      # a request larger than this is refused by the responder (it would enumerate)
MAX_FILE_BYTES = 64 << 20
HASH_LABEL = b"linkgraph psi v2 identifier\x1f"


@dataclass
class BlindMatch:
    """One of our identifiers that the other agency also holds."""

    type: str
    key: str
    ours: dict[str, Any]


# ---- the group: X25519 ------------------------------------------------------------------------------------
def _point(entity_type: str, value: str) -> bytes:
    """An identifier hashed to a curve point (u-coordinate), its type included so equal digits of two types differ."""
    digest = bytearray(hashlib.sha512(HASH_LABEL + f"{entity_type}\x1f{value}".encode()).digest()[:32])
    digest[31] &= 0x7F
    return bytes(digest)


def _raise(scalar: bytes, points: list[bytes]) -> list[bytes | None]:
    """Each point multiplied by the scalar (None for a point of small order, which no hash output hits)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

    key = X25519PrivateKey.from_private_bytes(scalar)
    found: list[bytes | None] = []
    for point in points:
        try:
            found.append(key.exchange(X25519PublicKey.from_public_bytes(point)))
        except ValueError:
            found.append(None)
    return found


def new_secret() -> bytes:
    """A fresh secret exponent (256 random bits; X25519 clamps it)."""
    return secrets.token_bytes(32)


# ---- what a case offers ------------------------------------------------------------------------------------
def case_identifiers(case: CaseFile, *, names: bool = False) -> dict[tuple[str, str], int]:
    """(type, canonical key) -> entity id for every identifier of the case (and exact full names when asked)."""
    found = dict(identifiers(case))
    if names:
        for entity_id, label in case.conn.execute(
            "SELECT id, label FROM entities WHERE type = 'Person' AND merged_into IS NULL ORDER BY id"
        ):
            form = normalize_name(label)
            if len(form.split()) >= 2:  # one-word names match far too much to be a lead
                found.setdefault(("Name", form), entity_id)
    return found


def _secrets_dir() -> Path:
    from linkgraph.case.signing import config_dir

    return config_dir() / "psi"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _write_new(out: Path, document: dict[str, Any]) -> None:
    if out.exists():
        raise LinkgraphError(f"{out}: a file of that name exists already (choose another name)")
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=0)
    os.replace(partial, out)


# ---- 1. request ------------------------------------------------------------------------------------------
def export_request(case: CaseFile, out: str | Path, *, names: bool = False) -> dict[str, Any]:
    """Write our blinded identifiers for the other agency (step 1), audited; our secret stays on this computer."""
    out = Path(out)
    mine = sorted(case_identifiers(case, names=names))
    secrets.SystemRandom().shuffle(mine)
    session = secrets.token_hex(16)
    secret = new_secret()
    blinded = _raise(secret, [_point(t, k) for t, k in mine])
    document = {"format": REQUEST_FORMAT, "format_version": FORMAT_VERSION, "group": GROUP, "session": session,
                "names": names, "points": [p.hex() for p in blinded if p is not None]}
    _write_private(_secrets_dir() / f"{session}.json", json.dumps({
        "session": session, "secret": secret.hex(), "case_id": case.meta("case_id"), "names": names,
        "points": document["points"]}))
    _write_new(out, document)
    case.audit("blind_request", {"file": out.name, "session": session, "values": len(document["points"]),
                                 "names": names})
    return {"file": str(out), "values": len(document["points"]), "session": session, "names": names}


# ---- 2. response -----------------------------------------------------------------------------------------
def respond(case: CaseFile, request_file: str | Path, out: str | Path, *,
            max_values: int = MAX_REQUEST_VALUES) -> dict[str, Any]:
    """Answer another agency's request (step 2), audited with its size; a request over `max_values` is refused."""
    request = read_blind_file(request_file, REQUEST_FORMAT)
    count = len(request["points"])
    if count > max_values:
        if not case.read_only:
            case.audit("blind_refused", {"file": Path(request_file).name, "values": count, "limit": max_values})
        raise InputError(f"the request holds {count:,} values, more than the {max_values:,} allowed: a request that "
                         "large can enumerate our identifiers; ask the other agency for its case's identifiers only",
                         file=Path(request_file))
    secret = new_secret()
    again = _raise(secret, [bytes.fromhex(p) for p in request["points"]])
    mine = sorted(case_identifiers(case, names=bool(request.get("names"))))
    own = [p for p in _raise(secret, [_point(t, k) for t, k in mine]) if p is not None]
    secrets.SystemRandom().shuffle(own)
    document = {"format": RESPONSE_FORMAT, "format_version": FORMAT_VERSION, "group": GROUP,
                "session": request["session"], "reblinded": [p.hex() if p else "" for p in again],
                "points": [p.hex() for p in own]}
    _write_new(Path(out), document)
    case.audit("blind_response", {"request": Path(request_file).name, "session": request["session"],
                                  "their_values": count, "our_values": len(own)})
    return {"file": str(out), "their_values": count, "our_values": len(own)}


# ---- 3. match --------------------------------------------------------------------------------------------
def match_response(case: CaseFile, response_file: str | Path) -> list[BlindMatch]:
    """Our identifiers the other agency also holds (step 3), with where they appear in our case, audited."""
    response = read_blind_file(response_file, RESPONSE_FORMAT)
    kept = _secrets_dir() / f"{response['session']}.json"
    try:
        state = json.loads(kept.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError("this response answers a request this computer did not make (or its secret was removed)",
                         file=Path(response_file)) from exc
    if state.get("case_id") != case.meta("case_id"):
        raise InputError("this response answers a request made from another case", file=Path(response_file))
    if len(response["reblinded"]) != len(state["points"]):
        raise InputError("the response does not answer every value of the request", file=Path(response_file))
    theirs = {p for p in _raise(bytes.fromhex(state["secret"]), [bytes.fromhex(p) for p in response["points"]])
              if p is not None}
    secret = bytes.fromhex(state["secret"])
    by_point = {}
    for (etype, key), entity_id in case_identifiers(case, names=bool(state.get("names"))).items():
        point = _raise(secret, [_point(etype, key)])[0]
        if point is not None:
            by_point[point.hex()] = (etype, key, entity_id)
    matches = []
    for sent, doubled in zip(state["points"], response["reblinded"], strict=True):
        if doubled and bytes.fromhex(doubled) in theirs and sent in by_point:
            etype, key, entity_id = by_point[sent]
            matches.append(BlindMatch(etype, key, appearances(case, entity_id)))
    matches.sort(key=lambda m: (m.type, m.key))
    if not case.read_only:
        case.audit("blind_match", {"file": Path(response_file).name, "session": response["session"],
                                   "their_values": len(response["points"]), "matches": len(matches)})
    return matches


def read_blind_file(path: str | Path, expected: str) -> dict[str, Any]:
    """A request or response file, checked: format, version, session and well-formed points (one line if not)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"the file is larger than {MAX_FILE_BYTES >> 20} MiB", file=path)
        document = json.loads(path.read_text(encoding="utf-8"))
    except InputError:
        raise
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"cannot read the blind deconfliction file ({str(exc)[:120]})", file=path) from exc
    if not isinstance(document, dict) or document.get("format") != expected:
        what = "request" if expected == REQUEST_FORMAT else "response"
        raise InputError(f"not a linkgraph blind deconfliction {what} (an older hash file? ask for a new request)",
                         file=path)
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
        raise InputError("made by another linkgraph version (format_version); update linkgraph", file=path)
    if document.get("group") != GROUP:
        raise InputError(f"made for another group than {GROUP}", file=path)
    session = document.get("session")
    if not isinstance(session, str) or len(session) != 32 or not _hex(session):
        raise InputError("the session is not 32 hexadecimal digits", file=path)
    lists = ("points", "reblinded") if expected == RESPONSE_FORMAT else ("points",)
    for name in lists:
        values = document.get(name)
        allow_blank = name == "reblinded"
        if not isinstance(values, list) or not all(
                isinstance(v, str) and ((allow_blank and v == "") or (len(v) == 64 and _hex(v))) for v in values):
            raise InputError(f"the '{name}' list is not a list of 64-hex-digit points", file=path)
    return document


def _hex(text: str) -> bool:
    return all(ch in "0123456789abcdef" for ch in text)
