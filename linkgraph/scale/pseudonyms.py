"""Keyed pseudonyms for a blind push: identifiers reach the shared store as HMAC-SHA-256 under the task
force's key, so the store can join agencies' records without holding a number.

The key is a random 256-bit value every member agency holds (a file of 64 hex digits); the store never
sees it. A passphrase is refused: the store keeps a check value per push (so two pushes under different
keys are never joined), and with a guessable secret that value, like the pseudonyms themselves, could be
tested offline against guessed phone numbers. With a random key neither can.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from linkgraph.errors import LinkgraphError

CHECK_LABEL = b"linkgraph task-force key check"
_KEY = re.compile(r"[0-9a-fA-F]{64}")
MAKE_KEY = "python3 -c \"import secrets; print(secrets.token_hex(32))\" > tf.key"


def derive_key(secret: str) -> bytes:
    """The HMAC key of a task-force key file's text (64 hex digits: 256 random bits)."""
    text = (secret or "").strip()
    if not _KEY.fullmatch(text):
        raise LinkgraphError("the task-force key must be 64 hex digits (256 random bits), not a passphrase: "
                             f"make one with `{MAKE_KEY}` and give every member agency the same file")
    return hashlib.sha256(b"linkgraph task-force key\x1f" + bytes.fromhex(text)).digest()


def token(key: bytes, entity_type: str, value: str) -> str:
    """HMAC-SHA-256 of one identifier, its type included so equal digits of two types never meet."""
    return hmac.new(key, f"{entity_type}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def check_value(key: bytes) -> str:
    """What tells two pushes apart by key (an HMAC of a fixed label: says nothing of the key itself)."""
    return hmac.new(key, CHECK_LABEL, hashlib.sha256).hexdigest()
