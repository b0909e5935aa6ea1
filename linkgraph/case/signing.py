"""Anchoring a case outside its file: per-examiner Ed25519 keys, signed audit heads, and this computer's ledger.

The audit chain inside a case file proves that nothing changed *since an entry was written*, but anyone who can
write the file can recompute every digest and hash. Two anchors live outside the file:

* a signature: an examiner's private key (never in the case) signs the audit head "seq:hash" on every audited
  write (and on `linkgraph sign`). The signature token, printed on exhibits and carried in packages, can be
  checked with the examiner's public key only; a recomputed chain has other hashes, so no signature matches it.
* a ledger: every audited write on this computer appends (case id, seq, hash) to a file under the user's
  configuration folder, so a log cut back to an earlier head (meta 'audit_head' repointed) is caught here.

Keys are made with `linkgraph key new` (cryptography's Ed25519: no home-made crypto).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkgraph.errors import LinkgraphError

TOKEN_PREFIX = "lgsig1"
KEY_FILE = "examiner.key"
PUBLIC_SUFFIX = ".pub"
PUBLIC_TAG = "linkgraph-ed25519"
LEDGER_FILE = "anchors.jsonl"
LEDGER_MAX_BYTES = 64 << 20           # a ledger past this size is read from its last part only


def config_dir() -> Path:
    """Where linkgraph keeps this user's keys and ledger: $LINKGRAPH_CONFIG_DIR, else the platform's config folder."""
    given = os.environ.get("LINKGRAPH_CONFIG_DIR")
    if given:
        return Path(given)
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "linkgraph"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "linkgraph"


def keys_dir() -> Path:
    return config_dir() / "keys"


def message(seq: int, head_hash: str) -> bytes:
    """What a signature covers: the audit head (its hash commits to every entry and state digest before it)."""
    return f"linkgraph audit head\n{int(seq)}:{head_hash}".encode()


def fingerprint(public: bytes) -> str:
    """A key's short name: the first 16 hex digits of SHA-256 over its 32 raw bytes."""
    return hashlib.sha256(public).hexdigest()[:16]


@dataclass(frozen=True)
class PublicKey:
    """An examiner's public key with the name given when it was made."""

    raw: bytes
    name: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    def text(self) -> str:
        return f"{PUBLIC_TAG} {self.raw.hex()} {self.name}\n"

    def verify(self, signature: bytes, data: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_public(text: str, origin: str = "key") -> PublicKey:
    """A public key file's text ("linkgraph-ed25519 HEX NAME"), or a clear error."""
    parts = text.strip().split(maxsplit=2)
    if len(parts) < 2 or parts[0] != PUBLIC_TAG:
        raise LinkgraphError(f"{origin}: not a linkgraph public key (expected '{PUBLIC_TAG} HEX NAME')")
    try:
        raw = bytes.fromhex(parts[1])
    except ValueError as exc:
        raise LinkgraphError(f"{origin}: the key is not hexadecimal") from exc
    if len(raw) != 32:
        raise LinkgraphError(f"{origin}: an Ed25519 public key has 32 bytes, this one {len(raw)}")
    name = "".join(ch for ch in (parts[2] if len(parts) > 2 else "") if ch.isprintable())[:200]
    return PublicKey(raw, name)


@dataclass(frozen=True)
class Signature:
    """A signed audit head as printed on exhibits and packages: `lgsig1:SEQ:HASH:PUBLICKEY:SIGNATURE`."""

    seq: int
    head_hash: str
    public: bytes
    signature: bytes

    @property
    def token(self) -> str:
        return f"{TOKEN_PREFIX}:{self.seq}:{self.head_hash}:{self.public.hex()}:{self.signature.hex()}"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    def valid(self) -> bool:
        """The signature is the key's over this head (says nothing yet about whom the key belongs to)."""
        return PublicKey(self.public, "").verify(self.signature, message(self.seq, self.head_hash))


def parse_token(token: str) -> Signature:
    """A signature token, or a clear error naming what is wrong with it."""
    parts = token.strip().split(":")
    if len(parts) != 5 or parts[0] != TOKEN_PREFIX:
        raise LinkgraphError(f"not a linkgraph signature (expected {TOKEN_PREFIX}:SEQ:HASH:KEY:SIGNATURE)")
    try:
        seq = int(parts[1])
        public, signature = bytes.fromhex(parts[3]), bytes.fromhex(parts[4])
        bytes.fromhex(parts[2])
    except ValueError as exc:
        raise LinkgraphError("the signature's numbers are not hexadecimal") from exc
    if len(parts[2]) != 64 or len(public) != 32 or len(signature) != 64 or not 0 < seq < 1 << 62:
        raise LinkgraphError("the signature's head, key or signature has the wrong length")
    return Signature(seq, parts[2].lower(), public, signature)


# ---- keys ------------------------------------------------------------------------------------------------
def new_key(name: str, path: Path | None = None, *, overwrite: bool = False) -> tuple[Path, PublicKey]:
    """Make an Ed25519 key pair: the private key (PEM, file mode 0600) and NAME.pub beside it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path) if path is not None else keys_dir() / KEY_FILE
    if path.exists() and not overwrite:
        raise LinkgraphError(f"{path}: a key exists already (a new one would orphan every signature made with it)")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.chmod(path, 0o600)
    public = PublicKey(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
                       name.strip() or "examiner")
    path.with_name(path.name + PUBLIC_SUFFIX).write_text(public.text(), encoding="utf-8")
    _signer_cache.clear()
    return path, public


def signing_key_path() -> Path | None:
    """The private key that signs audit heads: $LINKGRAPH_SIGNING_KEY ('none' turns signing off), else the
    user's examiner key when there is one."""
    given = os.environ.get("LINKGRAPH_SIGNING_KEY")
    if given:
        return None if given.lower() == "none" else Path(given)
    default = keys_dir() / KEY_FILE
    return default if default.is_file() else None


_signer_cache: dict[tuple[str, int], tuple[Any, PublicKey]] = {}


def load_signer(path: Path) -> tuple[Any, PublicKey]:
    """The private key at `path` and its public key (cached while the file is unchanged)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        stat = path.stat()
        cache_key = (str(path), stat.st_mtime_ns)
        if cache_key in _signer_cache:
            return _signer_cache[cache_key]
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise LinkgraphError(f"{path}: cannot read the signing key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise LinkgraphError(f"{path}: not an Ed25519 private key")
    name = ""
    pub_file = path.with_name(path.name + PUBLIC_SUFFIX)
    if pub_file.is_file():
        try:
            name = parse_public(pub_file.read_text(encoding="utf-8"), str(pub_file)).name
        except (LinkgraphError, OSError, UnicodeDecodeError):
            name = ""
    public = PublicKey(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
                       name)
    _signer_cache.clear()
    _signer_cache[cache_key] = (key, public)
    return key, public


def current_signer() -> tuple[Any, PublicKey] | None:
    path = signing_key_path()
    return None if path is None else load_signer(path)


def sign(seq: int, head_hash: str, signer: tuple[Any, PublicKey] | None = None) -> Signature:
    """Sign an audit head with `signer` (the configured key when not given)."""
    signer = signer or current_signer()
    if signer is None:
        raise LinkgraphError("no signing key: make one with `linkgraph key new NAME`")
    key, public = signer
    return Signature(int(seq), head_hash, public.raw, key.sign(message(seq, head_hash)))


def known_keys() -> dict[str, tuple[PublicKey, str]]:
    """Public keys this user knows, by fingerprint, with how: 'own', 'trusted' (checked in person and added with
    `linkgraph key trust`) or 'received' (came in a package: names a key, proves nobody's identity)."""
    found: dict[str, tuple[PublicKey, str]] = {}
    for folder, how in ((keys_dir() / "received", "received"), (keys_dir() / "trusted", "trusted")):
        if folder.is_dir():
            for file in sorted(folder.glob("*" + PUBLIC_SUFFIX)):
                try:
                    key = parse_public(file.read_text(encoding="utf-8"), str(file))
                except (LinkgraphError, OSError, UnicodeDecodeError):
                    continue
                found[key.fingerprint] = (key, how)
    own = signing_key_path()
    if own is not None and own.is_file():
        try:
            public = load_signer(own)[1]
            found[public.fingerprint] = (public, "own")
        except LinkgraphError:
            pass
    return found


def store_key(key: PublicKey, how: str) -> Path:
    """Keep a public key as 'trusted' or 'received' (named by its fingerprint)."""
    folder = keys_dir() / how
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{key.fingerprint}{PUBLIC_SUFFIX}"
    path.write_text(key.text(), encoding="utf-8")
    return path


# ---- the ledger: heads this computer wrote --------------------------------------------------------------
def ledger_path() -> Path:
    return config_dir() / LEDGER_FILE


def record_head(case_id: str | None, seq: int, head_hash: str) -> None:
    """Append a committed head to this computer's ledger (best effort: a read-only home never stops a write)."""
    if not case_id:
        return
    line = json.dumps({"case_id": case_id, "seq": int(seq), "hash": head_hash}) + "\n"
    try:
        path = ledger_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line)
    except OSError:
        pass


def ledger_heads(case_id: str) -> dict[int, str]:
    """seq -> hash of every head of this case the ledger holds."""
    path = ledger_path()
    heads: dict[int, str] = {}
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            if size > LEDGER_MAX_BYTES:
                handle.seek(size - LEDGER_MAX_BYTES)
                handle.readline()
            for raw in handle:
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(entry, dict) and entry.get("case_id") == case_id and isinstance(entry.get("seq"), int):
                    heads[entry["seq"]] = str(entry.get("hash"))
    except OSError:
        return {}
    return heads
