"""test-access.yaml: the hands-on access a manufacturer grants the lab for one unit (ETSI TS 103 701's IXIT).

Labs ask for it with every engineering sample: a shell on the unit, where its security log is, how to
read its version and install an update locally, and the documented way a user changes the device
password. With it the probe does the on-unit steps of the inspection methods (ATK-07, SEC-03, LOG-01,
UPD-01, UPD-04, AUTH-04); without it those tests are skipped and the requirements stay with the inspector.

The file holds secrets (the shell's password or key, the web password): it stays beside the case
(`CASE/test-access.yaml`, or `workbench probe --access FILE`), never enters an evidence bundle, and the
probe's results keep only a masked copy (`VendorAccess.public()`). Paths in it (key_file, update.image)
are relative to the file itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from workbench.errors import WorkbenchError
from workbench.i18n import tr

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Secret = Annotated[str, StringConstraints(max_length=1000)]
MAX_FILE_BYTES = 64 * 1024
SET = "(set)"  # how the results show a secret of the access: not even its length


class AccessError(WorkbenchError):
    """test-access.yaml is missing, unreadable or malformed: one line naming the file and the field."""


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Shell(_Part):
    """An SSH shell on the unit (its commands run as the account given; root sees every process)."""

    port: int = Field(default=22, ge=1, le=65535)
    user: Line
    password: Secret | None = None
    key_file: Path | None = None  # an OpenSSH private key, relative to the file

    @model_validator(mode="after")
    def _one_secret(self) -> Shell:
        if (self.password is None) == (self.key_file is None):
            raise ValueError("give the shell exactly one of password and key_file")
        return self


class Update(_Part):
    """A local update path: the genuine file is copied to the unit through the shell (`cat > FILE`: many
    units have no SFTP server) and installed by `command`."""

    image: Path  # the manufacturer's genuine update file, relative to the file
    upload_dir: Line = "/tmp"
    command: Line  # `{image}` is replaced by the uploaded file's path; exit status 0 means installed

    @model_validator(mode="after")
    def _names_the_image(self) -> Update:
        if "{image}" not in self.command:
            raise ValueError("update.command must contain {image}, where the uploaded file's path goes")
        return self


class PasswordChange(_Part):
    """The user's documented way to change the device password, as a form on the device's web interface."""

    documented_in: Line  # where the user documentation explains it (manual section, URL)
    interface: Literal["web", "app", "device"] = "web"  # what the user uses: never a command line
    port: int = Field(ge=1, le=65535)
    tls: bool = True
    path: Line = "/password"  # POST, form-encoded, authenticated with the current password (HTTP Basic)
    user: Line
    password: Secret  # the current password
    fields: dict[Literal["current", "new"], Line] = Field(
        default_factory=lambda: {"current": "current", "new": "new"}
    )
    applies_to: list[Literal["http", "https", "rtsp", "telnet", "ssh", "ftp", "mqtt"]] = Field(
        default_factory=lambda: ["https"]  # services whose login uses this password
    )


class VendorAccess(_Part):
    shell: Shell | None = None
    logs: list[Line] = Field(default_factory=list)  # files on the unit where it writes security events
    version_command: Line | None = None  # prints the installed software version
    update: Update | None = None
    password_change: PasswordChange | None = None
    base: Path = Field(default=Path("."), exclude=True)  # the folder the file's relative paths start from

    def path(self, relative: Path) -> Path:
        return relative if relative.is_absolute() else self.base / relative

    def grants(self) -> list[str]:
        """What this access lets the probe do, in words (the plan prints it), in the current language."""
        out = []
        if self.shell:
            out.append(tr("shell: ssh {user}@tcp/{port}", user=self.shell.user, port=self.shell.port))
        if self.logs:
            out.append(tr("logs: {logs}", logs=", ".join(self.logs)))
        if self.update:
            out.append(
                tr(
                    "update: {image} via `{command}`",
                    image=self.update.image.name,
                    command=self.update.command,
                )
            )
        if self.password_change:
            pc = self.password_change
            out.append(
                tr(
                    "password change: {interface} tcp/{port}{path} ({document})",
                    interface=pc.interface,
                    port=pc.port,
                    path=pc.path,
                    document=pc.documented_in,
                )
            )
        return out

    def public(self) -> dict[str, Any]:
        """The access as the results record it: secrets masked, paths as names only."""
        data = self.model_dump(mode="json", exclude={"base"})
        if self.shell:
            data["shell"]["password"] = SET if self.shell.password is not None else None
            data["shell"]["key_file"] = self.shell.key_file.name if self.shell.key_file else None
        if self.update:
            data["update"]["image"] = self.update.image.name
        if self.password_change:
            data["password_change"]["password"] = SET
        return data


def load_access(path: Path) -> VendorAccess:
    """Read and validate a test-access file; AccessError with one line on any problem."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise AccessError(f"{path}: larger than {MAX_FILE_BYTES // 1024} KiB; not a test-access file")
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:  # its message quotes the line, which may hold a secret: only where it is
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise AccessError(f"{path}: not valid YAML{where}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AccessError(f"{path}: cannot read: {type(exc).__name__}: {str(exc)[:200]}") from None
    if not isinstance(content, dict):
        raise AccessError(f"{path}: a test-access file is a mapping (shell, logs, update, ...)")
    try:
        access = VendorAccess.model_validate({**content, "base": path.resolve().parent})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise AccessError(f"{path}: {where}: {first['msg']}") from None
    named = [access.shell.key_file if access.shell else None, access.update.image if access.update else None]
    for relative in named:
        if relative is not None and not access.path(relative).is_file():
            raise AccessError(f"{path}: no such file {access.path(relative)}")
    return access
