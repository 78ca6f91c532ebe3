"""`workbench key new`: a lab's Ed25519 key pair for signing evidence bundles.

`workbench run CASE --out DIR --sign STEM.key` signs a bundle; `workbench verify BUNDLE --trust
STEM.pub.json` checks who sealed it. Set WORKBENCH_KEY_PASSPHRASE to encrypt the private key (and
to use it later).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    key = subparsers.add_parser("key", help="make a lab's key for signing evidence bundles",
                                description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    new = sub.add_parser(
        "new",
        help="make an Ed25519 key pair: STEM.key (private, 0600) and STEM.pub.json (public)",
        description="Make an Ed25519 key pair for signing evidence bundles: STEM.key, the private key "
        "(mode 0600, never overwritten; encrypted when WORKBENCH_KEY_PASSPHRASE is set), and "
        "STEM.pub.json, the public key to give to whoever verifies your bundles. Never inside a case "
        "or a bundle.",
    )
    new.add_argument("--lab", required=True, help="the lab that seals bundles with this key")
    new.add_argument("--inspector", required=True, help="the inspector who holds the key")
    new.add_argument("--valid-days", type=_days, default=730, metavar="N",
                     help="days the key may sign (default: 730)")
    new.add_argument("--out", required=True, metavar="STEM",
                     help="writes STEM.key and STEM.pub.json (e.g. ~/keys/acme-lab)")
    new.set_defaults(func=cmd_new)


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of days, not {text!r}") from None
    if not 1 <= value <= 36500:
        raise argparse.ArgumentTypeError("must be between 1 and 36500")
    return value


def cmd_new(args: argparse.Namespace) -> int:
    from workbench.signing import PASSPHRASE_ENV, create_key_pair

    passphrase = os.environ.get(PASSPHRASE_ENV) or None
    private, public, key = create_key_pair(
        Path(args.out).expanduser(), lab=args.lab, inspector=args.inspector, valid_days=args.valid_days,
        passphrase=passphrase,
    )
    locked = f", encrypted with the passphrase in {PASSPHRASE_ENV}" if passphrase else ""
    print(f"private key: {private}  (keep it secret: mode 0600{locked}; workbench run --sign {private})")
    print(f"public key:  {public}  (give it to verifiers: workbench verify BUNDLE --trust {public})")
    print(f"key id:      {key.key_id}  ({key.lab}, {key.inspector}; valid until {key.expires.isoformat()})")
    if not passphrase:
        print(f"note: the private key is not encrypted; set {PASSPHRASE_ENV} to encrypt a new key",
              file=sys.stderr)
    return 0
