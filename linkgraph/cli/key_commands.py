"""`key` and `sign`: an examiner's signing key, and signing a case's audit head with it."""

from __future__ import annotations

import argparse
from pathlib import Path

from linkgraph.case import signing
from linkgraph.cli.common import add_case, open_case
from linkgraph.errors import LinkgraphError


def register(commands: argparse._SubParsersAction) -> None:
    key = commands.add_parser("key", help="your examiner signing key (Ed25519): make, show, trust another's")
    actions = key.add_subparsers(dest="key_action", metavar="ACTION")
    actions.required = True
    new = actions.add_parser("new", help="make your signing key (the private key never leaves this computer)")
    new.add_argument("name", help="your name as it should appear beside your signatures")
    new.add_argument("--out", type=Path, help=f"where to write the private key (default: {signing.keys_dir()}/"
                                              f"{signing.KEY_FILE}; set LINKGRAPH_SIGNING_KEY to use another)")
    new.add_argument("--force", action="store_true", help="replace an existing key")
    new.set_defaults(run=cmd_key_new)
    show = actions.add_parser("show", help="your public key and fingerprint, and the keys you know")
    show.set_defaults(run=cmd_key_show)
    trust = actions.add_parser("trust", help="trust another examiner's public key (after checking its fingerprint)")
    trust.add_argument("file", type=Path, metavar="PUBLIC_KEY_FILE")
    trust.set_defaults(run=cmd_key_trust)

    sign = commands.add_parser("sign", help="sign the case's audit head with your key; prints the signature to cite")
    add_case(sign)
    sign.set_defaults(run=cmd_sign)


def cmd_key_new(args: argparse.Namespace) -> int:
    path, public = signing.new_key(args.name, args.out, overwrite=args.force)
    print(f"private key {path} (mode 0600: keep it to yourself)")
    print(f"public key  {path}{signing.PUBLIC_SUFFIX}  fingerprint {public.fingerprint}")
    if args.out is not None:
        print(f"sign with it: set LINKGRAPH_SIGNING_KEY={path}")
    return 0


def cmd_key_show(args: argparse.Namespace) -> int:
    signer = signing.current_signer()
    if signer is None:
        print("no signing key (make one with `linkgraph key new NAME`)")
    else:
        print(f"your key: {signer[1].fingerprint}  {signer[1].name}")
        print(signer[1].text().strip())
    for fp, (key, how) in sorted(signing.known_keys().items()):
        if how != "own":
            print(f"{how:9} {fp}  {key.name}")
    return 0


def cmd_key_trust(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LinkgraphError(f"{args.file}: cannot read the key ({exc})") from exc
    key = signing.parse_public(text, str(args.file))
    signing.store_key(key, "trusted")
    print(f"trusted {key.fingerprint} ({key.name or 'no name'}): compare this fingerprint with its examiner's")
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    if signing.current_signer() is None:
        raise LinkgraphError("no signing key: make one with `linkgraph key new NAME`")
    with open_case(args) as case:
        case.audit("sign", {})
        token = case.meta("audit_signature")
        head = case.meta("audit_head")
    print(f"signed audit head {head}")
    print(f"signature (cite it; check it with `linkgraph verify CASE --anchor SIGNATURE`):\n{token}")
    return 0
