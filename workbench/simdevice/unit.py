"""One started unit: its work dir, its password at start, which camera it is, and where its parts live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CAMERAS = ("defective", "clean")


@dataclass(frozen=True)
class Unit:
    workdir: Path
    password: str  # the admin password at start (the clean camera's; random per start)
    camera: str | None  # "clean", "defective", or None for the hostile variant alone

    @property
    def secure(self) -> bool:
        return self.camera == "clean"

    @property
    def updater(self) -> str:
        """The local update command, named as in the camera's firmware image (sample_captures/gen_firmware.py:
        the clean image's /sbin/acme-upgrade; the defective image's fw_update.sh, here in /sbin, since the
        shell's /usr is the host's)."""
        return "/sbin/acme-upgrade" if self.secure else "/sbin/fw_update.sh"

    @property
    def rootfs(self) -> Path:
        """The device's own file system, what its test shell sees as /."""
        return self.workdir / "rootfs"

    @property
    def messages(self) -> Path:
        return self.rootfs / "var/log/messages"

    @property
    def security_log(self) -> Path | None:
        """Where the services log logins and password changes: the clean camera's messages; the defective
        camera's services log nothing (the planted LOG-01 defect)."""
        return self.messages if self.secure else None


def camera_of(variant: str) -> str | None:
    """The camera among the variants joined with "+" (the others add ports only)."""
    return next((name for name in variant.split("+") if name in CAMERAS), None)
