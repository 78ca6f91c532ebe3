"""The test access the manufacturer grants the lab for this unit (ETSI TS 103 701 IXIT), written at start as
WORKDIR/test-access.yaml (docs/CONTRACTS.md "Test access"): the test shell's key, the security log, the
version command, the local update path with a genuine update file, and on the clean camera the documented
password change. Paths in it are relative to the file; the file holds secrets (0600)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .files import write
from .shell import test_key
from .unit import Unit
from .update import UPDATE_VERSION, signed_update, vendor_key

FILE_NAME = "test-access.yaml"
FOLDER = "test-access"
HEADER = """# Test access the manufacturer grants the lab for this one unit (ETSI TS 103 701 IXIT), written
# by the simulated Acme C100 at start. It holds secrets: keep it beside the case, never in a bundle.
"""


def grant(unit: Unit) -> Path:
    """Make the test key pair, the vendor key and a genuine signed update, and write test-access.yaml."""
    folder = unit.workdir / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    test_key(unit, folder / "id_ed25519")
    key = vendor_key(unit.workdir, unit.rootfs / "etc/keys/vendor.pub")
    image = signed_update(key, folder / f"acme-c100-{UPDATE_VERSION}.bin")
    return write(
        unit.workdir / FILE_NAME, HEADER + yaml.safe_dump(content(unit, image), sort_keys=False), 0o600
    )


def content(unit: Unit, image: Path) -> dict[str, Any]:
    access: dict[str, Any] = {
        "shell": {"port": 22, "user": "root", "key_file": f"{FOLDER}/id_ed25519"},
        "logs": ["/var/log/messages"],
        "version_command": "cat /etc/version",
        "update": {
            "image": f"{FOLDER}/{image.name}",
            "upload_dir": "/tmp",
            "command": f"{unit.updater} {{image}}",
        },
    }
    if unit.secure:
        access["password_change"] = {
            "documented_in": "Acme C100 user manual, 4.2 Changing the password",
            "interface": "web",
            "port": 443,
            "tls": True,
            "path": "/password",
            "user": "admin",
            "password": unit.password,
            "fields": {"current": "current", "new": "new"},
            "applies_to": ["https", "rtsp"],
        }
    return access
