"""Run inside the simulated camera's namespace (as its CMD): the test access it grants, used as a lab would
(test-access.yaml read by the probe's own loader, the test shell over SSH with the granted key).
Usage: access_checker.py VARIANT READY_FILE CHECK... (CHECK: access, shell, listeners, log, update, password,
host PASSWD_SHA256). Exit 0 when all holds."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import ssl
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import paramiko
from simdevice_checker import (
    HOST,
    MAX_READ,
    TIMEOUT_S,
    challenge_of,
    digest,
    http_get,
    rtsp,
    telnet_login,
    tls_client,
)

from workbench.probe.vendor_access import VendorAccess, load_access

TLS = tls_client(ssl.TLSVersion.TLSv1_2)
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ c100 ([\w-]+)\[\d+\]: (.+)$")
BOOT_TAGS = {"kernel", "init"}
UPDATERS = {"clean": "/sbin/acme-upgrade", "defective": "/sbin/fw_update.sh"}  # the images' own names


def access_of(state: dict[str, object]) -> VendorAccess:
    return load_access(Path(str(state["access"])))


class TestShell:
    """The test shell of test-access.yaml: root on the unit by the granted key (paramiko, as the probe)."""

    def __init__(self, access: VendorAccess) -> None:
        assert access.shell is not None and access.shell.key_file is not None
        key = paramiko.Ed25519Key.from_private_key_file(str(access.path(access.shell.key_file)))
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.client.connect(
            HOST,
            access.shell.port,
            access.shell.user,
            pkey=key,
            allow_agent=False,
            look_for_keys=False,
            timeout=TIMEOUT_S,
        )

    def run(self, command: str, stdin: bytes = b"") -> tuple[int, str, str]:
        """Exit status, stdout, stderr of one command on the unit (stdin sent, then closed)."""
        transport = self.client.get_transport()
        assert transport is not None
        channel = transport.open_session(timeout=TIMEOUT_S)
        channel.settimeout(60)
        channel.exec_command(command)
        if stdin:
            channel.sendall(stdin)
        channel.shutdown_write()
        out, err = channel.makefile("rb").read(), channel.makefile_stderr("rb").read()
        status = channel.recv_exit_status()
        channel.close()
        return status, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    def output(self, command: str) -> str:
        status, out, err = self.run(command)
        assert status == 0, (command, status, err)
        return out

    def close(self) -> None:
        self.client.close()


State = dict[str, object]
Check = Callable[[str, State], None]


def with_shell(check: Callable[[TestShell, str, State], None]) -> Check:
    """The check, given a test shell opened for it (and closed after)."""

    def run(variant: str, state: dict[str, object]) -> None:
        shell = TestShell(access_of(state))
        try:
            check(shell, variant, state)
        finally:
            shell.close()

    return run


def check_access(variant: str, state: dict[str, object]) -> None:
    """test-access.yaml as the contract says, loaded with the probe's own loader."""
    path = Path(str(state["access"]))
    assert path.is_absolute() and path.stat().st_mode & 0o777 == 0o600
    access = access_of(state)
    assert access.shell is not None and access.shell.key_file is not None
    assert (access.shell.port, access.shell.user, access.shell.password) == (22, "root", None)
    assert access.path(access.shell.key_file).stat().st_mode & 0o777 == 0o600
    assert access.logs == ["/var/log/messages"] and access.version_command == "cat /etc/version"
    assert access.update is not None and access.update.command == f"{UPDATERS[variant]} {{image}}"
    assert access.update.upload_dir == "/tmp" and access.update.image.name == "acme-c100-2.1.1.bin"
    change = access.password_change
    if variant == "clean":
        assert change is not None and change.password == state["password"], change
        assert (change.port, change.tls, change.path, change.user) == (443, True, "/password", "admin")
        assert change.interface == "web" and change.applies_to == ["https", "rtsp"]
        assert change.documented_in == "Acme C100 user manual, 4.2 Changing the password"
    else:
        assert change is None, change


@with_shell
def check_shell(shell: TestShell, variant: str, state: dict[str, object]) -> None:
    """Root on the unit, inside its own file system; uploads by `cat > FILE`."""
    assert shell.output("id -u") == "0\n"
    assert shell.output("cat /etc/version") == "2.1\n"
    assert shell.output("cat /etc/hostname") == "c100\n"
    assert shell.output("echo $PATH") == "/usr/sbin:/usr/bin:/sbin:/bin\n"
    users = [entry.split(":")[0] for entry in shell.output("cat /etc/passwd").splitlines()]
    assert users == ["root", "nobody"], users  # the unit's passwd, not the host's
    assert shell.output("stat -c %a /etc/shadow") == ("600\n" if variant == "clean" else "644\n")
    assert shell.output("head -c 8 /etc/shadow") == "root:$6$"
    assert shell.output("stat -c %a /etc/dropbear/dropbear_ed25519_host_key") == "600\n"
    listing = shell.output("ls -l /etc")
    assert "shadow" in listing and "version" in listing and "keys" in listing, listing
    assert shell.output("stat -c %a /tmp") == "1777\n"
    payload = os.urandom(100_000)
    assert shell.run("cat > /tmp/upload", payload)[0] == 0
    workdir = Path(str(state["workdir"]))
    assert (workdir / "rootfs/tmp/upload").read_bytes() == payload  # the unit's /tmp, not the host's
    assert shell.output("sha256sum /tmp/upload").split()[0] == hashlib.sha256(payload).hexdigest()
    assert shell.run("rm /tmp/upload")[0] == 0
    status, _, err = shell.run("touch /usr/simdevice-canary")
    assert status != 0 and "Read-only file system" in err, err  # the host's /usr is bound read-only
    assert shell.run("echo x > /dev/null")[0] == 0


def listening(shell: TestShell) -> dict[int, str]:
    """Each listening TCP port on 127.0.0.1 and its socket's inode, from the unit's /proc/net/tcp."""
    found = {}
    for entry in shell.output("cat /proc/net/tcp").splitlines()[1:]:
        fields = entry.split()
        address, port = fields[1].split(":")
        if fields[3] == "0A" and address == "0100007F":
            found[int(port, 16)] = fields[9]
    return found


def holders(shell: TestShell, inode: str) -> list[tuple[str, list[str]]]:
    """The processes holding socket `inode`: name and Uid line (real, effective, saved, file system)."""
    assert inode.isdigit(), inode
    out = shell.output(
        f"for p in /proc/[0-9]*; do if ls -l $p/fd 2>/dev/null | grep -qF 'socket:[{inode}]';"
        " then cat $p/comm; grep '^Uid:' $p/status; fi; done"
    )
    lines = out.splitlines()
    return [(lines[n], lines[n + 1].split()[1:]) for n in range(0, len(lines) - 1, 2)]


@with_shell
def check_listeners(shell: TestShell, variant: str, state: dict[str, object]) -> None:
    """Who listens, read through the shell's /proc: the clean camera's web and RTSP servers as nobody for
    good (real, effective, saved uid 65534); the defective camera's as root (the planted ATK-07 defect)."""
    found = listening(shell)
    assert {22, 443, 554} <= set(found), found
    expected = {
        "clean": {443: "uhttpd", 554: "rtspd", 22: "dropbear"},
        "defective": {443: "openssl", 554: "rtspd", 22: "dropbear"},
    }[variant]
    for port, name in expected.items():
        uid = "65534" if variant == "clean" and port != 22 else "0"
        assert holders(shell, found[port]) == [(name, [uid] * 4)], (port, holders(shell, found[port]))
        status = Path(f"/proc/{state['pids'][str(port)]}/status").read_text()  # type: ignore[index]
        assert f"\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n" in status and f"\nGid:\t{uid}\t" in status, status
        if uid != "0":
            assert re.search(r"\nGroups:[ \t]*\n", status), status  # no supplementary group
            assert "\nCapEff:\t0000000000000000\n" in status, status  # no capability


@with_shell
def check_log(shell: TestShell, variant: str, state: dict[str, object]) -> None:
    """Failed logins in the unit's security log (clean), with ISO 8601 UTC times; on the defective camera
    only the boot lines, whatever fails (the planted LOG-01 defect)."""
    before = shell.output("cat /var/log/messages").splitlines()
    assert before and all(LOG_LINE.match(entry) for entry in before), before
    if variant == "clean":
        assert http_get(443, auth=("admin", "guess-1"), context=TLS)[0] == 401
        _, text = rtsp(554, "DESCRIBE")
        uri = f"rtsp://{HOST}:554/live"
        assert rtsp(554, "DESCRIBE", digest(challenge_of(text), "DESCRIBE", uri, "guess-2"))[0] == 401
        assert http_get(443, auth=("admin", str(state["password"])), context=TLS)[0] == 200
    else:
        tls1 = tls_client(ssl.TLSVersion.TLSv1)  # its HTTPS asks no password: the attempt goes unnoticed
        assert http_get(443, auth=("admin", "guess-0"), context=tls1)[0] == 200
        telnet_login(23, "root", "guess-1")
        assert http_get(8080, auth=("admin", "guess-2"))[0] == 401
    after = shell.output("cat /var/log/messages").splitlines()
    assert after[: len(before)] == before
    added = after[len(before) :]
    assert all(LOG_LINE.match(entry) for entry in added), added
    tags = {match.group(1) for entry in after if (match := LOG_LINE.match(entry))}
    if variant == "clean":
        failed = [entry for entry in added if "login failed for admin from 127.0.0.1 port " in entry]
        assert [entry.rsplit("(", 1)[1] for entry in failed] == ["https)", "rtsp)"], added
        assert " uhttpd[" in failed[0] and " rtspd[" in failed[1], failed
        assert "dropbear" in tags  # the shell's own key login, relayed from dropbear's output
    else:
        assert added == [] and tags == BOOT_TAGS, after


def upload_and_install(shell: TestShell, image: bytes, updater: str) -> tuple[int, str]:
    assert shell.run("cat > /tmp/acme-c100-2.1.1.bin", image)[0] == 0
    status, out, err = shell.run(f"{updater} /tmp/acme-c100-2.1.1.bin")
    assert shell.run("rm -f /tmp/acme-c100-2.1.1.bin")[0] == 0
    return status, out + err


@with_shell
def check_update(shell: TestShell, variant: str, state: dict[str, object]) -> None:
    """One byte changed in the signed part: refused on the clean camera, installed on the defective one
    (the planted UPD-04 defect); the genuine file installed on both."""
    access = access_of(state)
    assert access.update is not None
    genuine = access.path(access.update.image).read_bytes()
    assert genuine.startswith(b"ACME-FW\nmodel=Acme C100\nversion=2.1.1\n") and len(genuine) > 20_000
    middle = len(genuine) // 2
    assert middle < len(genuine) - 64  # the changed byte lies in the signed part
    tampered = genuine[:middle] + bytes([genuine[middle] ^ 0xFF]) + genuine[middle + 1 :]
    status, said = upload_and_install(shell, tampered, UPDATERS[variant])
    log = shell.output("cat /var/log/messages")
    if variant == "clean":
        assert status == 1 and "signature check failed" in said, (status, said)
        assert shell.output("cat /etc/version") == "2.1\n"
        assert log.splitlines()[-1].endswith(" update refused: bad signature"), log[-300:]
    else:
        assert status == 0 and shell.output("cat /etc/version") == "2.1.1\n", (status, said)
        assert "update" not in log, log
        assert shell.run("echo 2.1 > /etc/version")[0] == 0  # back, to see the genuine one installed
    status, said = upload_and_install(shell, genuine, UPDATERS[variant])
    assert status == 0 and shell.output("cat /etc/version") == "2.1.1\n", (status, said)
    log = shell.output("cat /var/log/messages")
    assert (" fw_upgrade[" in log and log.splitlines()[-1].endswith(" update installed: 2.1.1")) == (
        variant == "clean"
    ), log[-300:]


def post_password(
    auth: tuple[str, str], fields: dict[str, str], content_type: str = "application/x-www-form-urlencoded"
) -> tuple[int, str]:
    connection = http.client.HTTPSConnection(HOST, 443, timeout=TIMEOUT_S, context=TLS)
    headers = {
        "Authorization": "Basic " + base64.b64encode(":".join(auth).encode()).decode(),
        "Content-Type": content_type,
    }
    connection.request("POST", "/password", body=urllib.parse.urlencode(fields), headers=headers)
    response = connection.getresponse()
    body = response.read(MAX_READ).decode("utf-8", "replace")
    connection.close()
    return response.status, body


def https_status(password: str) -> int:
    return http_get(443, auth=("admin", password), context=TLS)[0]


def rtsp_status(password: str) -> int:
    uri = f"rtsp://{HOST}:554/live"
    _, text = rtsp(554, "DESCRIBE")
    return rtsp(554, "DESCRIBE", digest(challenge_of(text), "DESCRIBE", uri, password))[0]


def log_lines(state: dict[str, object]) -> list[str]:
    return (Path(str(state["workdir"])) / "rootfs/var/log/messages").read_text().splitlines()


def check_password(variant: str, state: dict[str, object]) -> None:
    """The clean camera's documented password change (AUTH-04) applies to HTTPS and RTSP, and is logged."""
    assert variant == "clean", "only the clean camera documents a password change"
    old = str(state["password"])
    new = "correct horse battery"
    assert post_password(("admin", old), {"current": old, "new": "short"})[0] == 400
    assert post_password(("admin", old), {"current": old, "new": ""})[0] == 400
    assert post_password(("admin", old), {"current": old, "new": old})[0] == 400
    assert post_password(("admin", old), {"current": old, "new": new}, "text/plain")[0] == 400
    assert https_status(old) == 200 and rtsp_status(old) == 200  # nothing changed so far
    assert post_password(("admin", old), {"current": "not it", "new": new})[0] == 403
    assert post_password(("admin", "not it"), {"current": old, "new": new})[0] == 401
    status, body = post_password(("admin", old), {"current": old, "new": new})
    assert status == 200 and "password changed" in body, (status, body)
    assert https_status(new) == 200 and rtsp_status(new) == 200
    assert https_status(old) == 401 and rtsp_status(old) == 401
    assert (Path(str(state["workdir"])) / "admin-password.txt").read_text() == new + "\n"
    changed = [entry for entry in log_lines(state) if "password changed for admin from 127.0.0.1" in entry]
    assert len(changed) == 1 and " c100 uhttpd[" in changed[0] and changed[0].endswith("(https)"), changed
    refused = [entry for entry in log_lines(state) if "password change refused" in entry]
    assert len(refused) == 1, log_lines(state)


def check_host(variant: str, state: dict[str, object], passwd_sha256: str) -> None:
    """The command the device runs sees the host's /etc/passwd (the test shell's is bound in dropbear's
    own namespace only) and none of the unit's mounts but those under its rootfs."""
    assert hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest() == passwd_sha256
    rootfs = str(Path(str(state["workdir"])) / "rootfs")
    points = [entry.split()[4] for entry in Path("/proc/self/mountinfo").read_text().splitlines()]
    assert sorted(point for point in points if point.startswith(rootfs)) == [
        f"{rootfs}/dev",
        f"{rootfs}/proc",
        f"{rootfs}/usr",
    ], points


CHECKS: dict[str, Check] = {
    "access": check_access,
    "shell": check_shell,
    "listeners": check_listeners,
    "log": check_log,
    "update": check_update,
    "password": check_password,
}

if __name__ == "__main__":
    variant, ready_file, *names = sys.argv[1:]
    ready = json.loads(Path(ready_file).read_text())
    for name in names:
        if name.startswith("host="):
            check_host(variant, ready, name.removeprefix("host="))
        else:
            CHECKS[name](variant, ready)
        print(f"checked {variant}: {name.split('=')[0]}")
