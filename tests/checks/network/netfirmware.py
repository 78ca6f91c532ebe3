"""Two tiny root filesystems of the demo camera, packed with mksquashfs: what the firmware engine
reads for boot services and update URLs. Text files only, so a scan stays quick."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DEFECTIVE_FILES = {
    "etc/inittab": (
        "::sysinit:/etc/init.d/rcS\n"
        "::respawn:/usr/sbin/telnetd -F -p 2323 -l /bin/sh\n"
        "ttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n"
    ),
    "etc/init.d/rcS": (
        "#!/bin/sh\ntftpd -l /tmp &\n/usr/sbin/rtspd &\n/usr/sbin/uhttpd -p 0.0.0.0:80 -h /www\n"
    ),
    "usr/sbin/acme-update": (
        "#!/bin/sh\nURL=http://update.acme-cloud.example/c100/latest.bin\n"
        'wget -O /tmp/fw.bin "$URL" && sysupgrade /tmp/fw.bin\n'
    ),
}
CLEAN_FILES = {
    "etc/inittab": "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n",
    "etc/init.d/rcS": "#!/bin/sh\n/usr/sbin/rtspd &\n/usr/sbin/lighttpd -f /etc/lighttpd.conf\n",
    "etc/lighttpd.conf": 'server.port = 443\nserver.username = "www"\nssl.engine = "enable"\n',
    "usr/sbin/acme-update": (
        "#!/bin/sh\nURL=https://update.acme-cloud.example/c100/latest.bin\n"
        'wget -O /tmp/fw.bin "$URL" && sysupgrade /tmp/fw.bin\n'
    ),
}


def squashfs_image(workdir: Path, files: dict[str, str]) -> Path:
    if not shutil.which("mksquashfs"):
        pytest.skip("mksquashfs (squashfs-tools) not installed")
    root = workdir / "rootfs"
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        if content.startswith("#!"):
            path.chmod(0o755)
    image = workdir / "firmware.squashfs"
    subprocess.run(
        [
            "mksquashfs",
            str(root),
            str(image),
            "-noappend",
            "-all-root",
            "-no-progress",
            "-quiet",
            "-mkfs-time",
            "0",
            "-all-time",
            "0",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return image
