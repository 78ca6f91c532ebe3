"""find_services, web_server_configs and find_components pick the files they read from an
inventory by cheap substring tests first and regular expressions only on those (services.py,
components.py): held here to the first algorithm, kept below as it was, on real inventories —
trees made in tmp_path (init scripts, rcN.d links, inittab, systemd units and their .wants links,
inetd and xinetd, web server configurations, package databases, kernel module folders, decoys
named almost like these), the same entries shuffled and repeated (the last record of a path is
the one read), and a walk of this machine's /etc and systemd folders."""

from __future__ import annotations

import os
import posixpath
import random
import re
import stat
from pathlib import Path

import pytest

from workbench.firmware import components, services
from workbench.firmware.components import FILE_NAME_VERSIONS, MODULES_DIR, Component
from workbench.firmware.inventory import FileRecord
from workbench.firmware.services import (
    CONFIG_READERS,
    READ_LIMIT,
    Service,
    _configured,
    _nginx_config,
    _scan_xinetd,
    _uhttpd_config,
    scan_inetd,
    scan_inittab,
    scan_script,
    scan_systemd,
)

# ---- the first algorithm, as it was before the inventory was filtered by substrings ----


def old_enabled_scripts(files: list[FileRecord], rcs_text: str) -> set[str]:
    enabled = set()
    for record in files:
        directory = posixpath.dirname(record.path)
        if (
            re.search(r"/rc[0-9S]?\.d$", directory)
            and posixpath.basename(record.path)[:1] in "S"
            and record.link_target
        ):
            enabled.add(posixpath.basename(record.link_target))
    for name in re.findall(r"/etc/init\.d/([\w.-]+)", rcs_text):
        enabled.add(name)
    return enabled


def old_find_services(files: list[FileRecord], web_configs: dict[str, dict]) -> list[Service]:
    found: list[Service] = []
    by_path = {r.path: r for r in files if r.kind == "file"}
    rcs_text = "".join(
        r.text(READ_LIMIT)
        for p, r in by_path.items()
        if p.endswith(("/etc/init.d/rcS", "/etc/rc.local", "/etc/rc.d/rcS", "/etc/inittab"))
    )
    sweeps_s_scripts = bool(re.search(r"/etc/init\.d/S\?\?\*|/etc/init\.d/S\*", rcs_text))
    enabled_names = old_enabled_scripts(files, rcs_text)
    wants = {posixpath.basename(r.path) for r in files if r.path.rsplit("/", 2)[-2].endswith(".wants")}
    for path, record in sorted(by_path.items()):
        name = posixpath.basename(path)
        if name == "inittab" and "/etc/" in path:
            found += scan_inittab(record)
        elif name in ("inetd.conf",) or "/xinetd.d/" in path:
            found += scan_inetd(record) if name == "inetd.conf" else _scan_xinetd(record)
        elif (
            re.search(r"/etc/init\.d/[^/]+$", path)
            or path.endswith(("/etc/rc.local", "/etc/rc.d/rcS"))
            or re.search(r"/etc/rc\.d/[^/]+$", path)
        ):
            if name in ("rcS", "rc.local", "rcK"):
                enabled: bool | None = name != "rcK"
            else:
                enabled = name in enabled_names or (sweeps_s_scripts and bool(re.match(r"S\d\d", name)))
            if name != "rcK":
                found += scan_script(record, enabled)
        elif re.search(r"/systemd/system/[^/]+\.service$", path):
            found += scan_systemd(record, name in wants)
    return [row for service in found for row in _configured(service, web_configs.get(service.name))]


def old_web_server_configs(files: list[FileRecord]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for record in files:
        if record.kind != "file":
            continue
        name, path = posixpath.basename(record.path), record.path
        if path.endswith("/etc/config/uhttpd"):
            daemon, parse = "uhttpd", _uhttpd_config
        elif "/nginx/" in path and (name.endswith(".conf") or "/sites-enabled/" in path):
            daemon, parse = "nginx", _nginx_config
        elif name in CONFIG_READERS:
            daemon, parse = CONFIG_READERS[name]
        else:
            continue
        config = parse(record.text(READ_LIMIT))
        if not config:
            continue
        merged = found.setdefault(daemon, {})
        if "ports" in config:
            known = merged.setdefault("ports", [])
            known += [port for port in config["ports"] if port not in known]
        if "user" in config:
            merged["user"] = config["user"]
    return found


def old_from_file_names(files: list[FileRecord]) -> list[Component]:
    found: list[Component] = []
    for record in files:
        name = posixpath.basename(record.path)
        for comp, pattern, vendor, product in FILE_NAME_VERSIONS:
            match = pattern.match(name)
            if match and match.groups():
                found.append(
                    Component(comp, match.group(1), record.path, f"file name {name}", vendor, product)
                )
        modules = MODULES_DIR.match(record.path)
        if modules and record.kind == "directory":
            found.append(
                Component(
                    "linux_kernel",
                    modules.group(1),
                    record.path,
                    f"kernel modules directory {record.path}",
                    "linux",
                    "linux_kernel",
                )
            )
        if name.startswith("ld-musl-") and name.endswith(".so.1"):
            found.append(Component("musl", None, record.path, f"file name {name}", "musl-libc", "musl"))
        if name == "uhttpd" and record.type == "elf":
            found.append(Component("uhttpd", None, record.path, "binary uhttpd", "openwrt", "uhttpd"))
    return found


def old_from_package_databases(files: list[FileRecord]) -> list[Component]:
    found: list[Component] = []
    for record in files:
        if record.kind != "file":
            continue
        if record.path.endswith(("/usr/lib/opkg/status", "/var/lib/opkg/status")) or (
            "/opkg/info/" in record.path and record.path.endswith(".control")
        ):
            kind, label = "opkg", "opkg status"
        elif record.path.endswith("/var/lib/dpkg/status"):
            kind, label = "deb", "dpkg status"
        else:
            continue
        for fields in components._stanzas(record.text(components.READ_LIMIT)):
            if "Status" in fields and "installed" not in fields["Status"].split():
                continue
            name, version = fields["Package"], fields.get("Version")
            found.append(
                Component(
                    name,
                    version,
                    record.path,
                    f"{label}: Package {name}, Version {version}",
                    name,
                    name,
                    package_type=kind,
                )
            )
    return found


def old_find_components(files: list[FileRecord], versions: list[Component]) -> list[Component]:
    found = old_from_package_databases(files) + versions + old_from_file_names(files)
    unique: dict[tuple, Component] = {}
    for comp in found:
        unique.setdefault((comp.name, comp.version, comp.path), comp)
    versioned = {(c.name, c.path) for c in unique.values() if c.version}
    return [c for c in unique.values() if c.version or (c.name, c.path) not in versioned]


# ---- inventories ----


def inventory(root: Path, image: str = "/") -> list[FileRecord]:
    """Every entry under `root` as the scan lists it (image path below `image`), links not
    followed; the file type from the name only (what find_components' `uhttpd` test reads)."""
    records = []
    for folder, dirs, names in os.walk(root):
        for name in sorted(dirs) + sorted(names):
            disk = os.path.join(folder, name)
            path = posixpath.join(image, os.path.relpath(disk, root))
            try:
                info = os.lstat(disk)
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                kind, target = "symlink", os.readlink(disk)
            elif stat.S_ISDIR(info.st_mode):
                kind, target = "directory", None
            elif stat.S_ISREG(info.st_mode):
                kind, target = "file", None
            else:
                kind, target = "fifo", None
            kind_of = "elf" if name in ("uhttpd", "dropbear") else "text"
            records.append(
                FileRecord(
                    path, disk, kind, info.st_size, info.st_mode & 0o7777, 0, 0, kind_of, link_target=target
                )
            )
    return records


def write(root: Path, path: str, text: str) -> None:
    disk = root / path.lstrip("/")
    disk.parent.mkdir(parents=True, exist_ok=True)
    disk.write_text(text)


def link(root: Path, path: str, target: str) -> None:
    disk = root / path.lstrip("/")
    disk.parent.mkdir(parents=True, exist_ok=True)
    disk.symlink_to(target)


DAEMON_SCRIPT = """#!/bin/sh
start() {
    {command}
}
stop() {
    killall {daemon}
}
"""


def firmware_tree(root: Path) -> None:
    """A firmware root with every kind of file find_services, web_server_configs and
    find_components read, and files named almost like them."""
    daemons = {
        "dropbear": "dropbear -p 2222 -p 127.0.0.1:22",
        "telnetd": "telnetd -l /bin/sh",
        "lighttpd": "lighttpd -f /etc/lighttpd.conf",
        "uhttpd": "uhttpd -p 0.0.0.0:80 -s [::]:443",
        "dnsmasq": "dnsmasq --port 5353 -F 192.168.1.10,192.168.1.99",
        "mosquitto": "mosquitto -c /etc/mosquitto/mosquitto.conf",
        "boa": "boa -c /etc/boa",
        "nginx": "nginx",
        "syslogd": "syslogd -R 10.0.0.1:514",
        "ntpd": "ntpd -n -l",
    }
    for number, (daemon, command) in enumerate(daemons.items()):
        script = DAEMON_SCRIPT.replace("{command}", command).replace("{daemon}", daemon)
        write(root, f"/etc/init.d/{daemon}", script)
        write(root, f"/etc/init.d/S{number:02d}{daemon}", script)  # run by a sweep of S??*
        if number % 2:
            link(root, f"/etc/rc.d/S{number:02d}{daemon}", f"../init.d/{daemon}")
            link(root, f"/etc/rc3.d/K{number:02d}{daemon}", f"../init.d/{daemon}")
    link(root, "/etc/rcS.d/S90mosquitto", "/etc/init.d/mosquitto")
    link(root, "/etc/rc.d/Sbroken", "../init.d/missing")
    write(
        root,
        "/etc/init.d/rcS",
        "#!/bin/sh\nfor s in /etc/init.d/S??* ; do $s start; done\n/etc/init.d/boa start\n",
    )
    write(root, "/etc/init.d/rcK", "#!/bin/sh\ntelnetd -p 2323\n")
    write(root, "/etc/rc.local", "utelnetd -p 2424 &\n/etc/init.d/nginx start\n")
    write(root, "/etc/rc.d/rcS", "tcpsvd -u www 0 8080 httpd -f -h /www\n")
    write(
        root,
        "/etc/inittab",
        "::sysinit:/etc/init.d/rcS\nttyS0::respawn:-/bin/sh\n"
        "tty1::respawn:/sbin/getty 115200 tty1\n::respawn:/usr/sbin/telnetd -F -p 23\n"
        "::ctrlaltdel:/sbin/reboot\n",
    )
    write(root, "/etc/inetd.conf", "telnet stream tcp nowait root /usr/sbin/tcpd /usr/sbin/telnetd\n")
    write(root, "/etc/xinetd.d/tftp", "service tftp\n{\n server = /usr/sbin/in.tftpd\n user = nobody\n}\n")
    write(root, "/etc/xinetd.d/off", "service ftp\n{\n disable = yes\n server = /usr/sbin/vsftpd\n}\n")
    unit = "[Service]\nUser={user}\nExecStart=/usr/sbin/{daemon} {args}\n"
    for folder in ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"):
        write(root, f"{folder}/sshd.service", unit.format(user="root", daemon="sshd", args="-D -p 2200"))
        write(root, f"{folder}/mosquitto.service", unit.format(user="mqtt", daemon="mosquitto", args=""))
        write(root, f"{folder}/web.service", unit.format(user="www", daemon="lighttpd", args="-D"))
        write(root, f"{folder}/sshd.socket", unit.format(user="root", daemon="sshd", args="-i"))
    link(root, "/etc/systemd/system/multi-user.target.wants/sshd.service", "/lib/systemd/system/sshd.service")
    link(root, "/etc/systemd/system/sockets.target.wants/web.service", "/lib/systemd/system/web.service")
    write(root, "/etc/lighttpd.conf", 'server.port = 8081\nserver.username = "www"\n')
    write(root, "/etc/lighttpd/lighttpd.conf", '$SERVER["socket"] == ":8443" {}\nserver.port = 81\n')
    write(root, "/etc/boa/boa.conf", "Port 8888\nUser nobody\n")
    write(root, "/etc/config/uhttpd", "config uhttpd main\n\tlist listen_http '0.0.0.0:8000'\n")
    write(root, "/etc/nginx/nginx.conf", "user www-data;\nhttp {\n server {\n  listen 8082;\n }\n}\n")
    write(root, "/etc/nginx/sites-enabled/default", "server {\n listen [::]:8443 ssl;\n}\n")
    write(root, "/etc/nginx/mime.types", "listen 9999;\n")  # neither .conf nor sites-enabled
    write(root, "/etc/mosquitto/mosquitto.conf", "listener 8883\nlistener 1884 127.0.0.1\nuser mqtt\n")
    write(root, "/usr/lib/opkg/status", "Package: busybox\nVersion: 1.36.1-1\nStatus: install ok installed\n")
    write(root, "/usr/lib/opkg/info/dropbear.control", "Package: dropbear\nVersion: 2022.83-1\n")
    write(root, "/var/lib/dpkg/status", "Package: libc6\nVersion: 2.36\nStatus: install ok installed\n\n")
    write(root, "/var/lib/opkg/status", "Package: gone\nVersion: 1\nStatus: deinstall ok not-installed\n")
    for folder in ("/lib/modules/5.10.176", "/lib/modules/4.14.0-openwrt", "/lib/modules/extra"):
        (root / folder.lstrip("/")).mkdir(parents=True, exist_ok=True)
    write(root, "/lib/modules/5.4.0/file-not-folder", "")
    for name in ("libc-2.31.so", "ld-2.31.so", "libuClibc-1.0.45.so", "ld-musl-armhf.so.1", "uhttpd"):
        write(root, f"/lib/{name}", "\x7fELF")
    write(root, "/usr/sbin/uhttpd", "\x7fELF")
    # decoys: almost the paths above, and the same paths deeper
    write(root, "/sys/etc/init.d/dropbear", DAEMON_SCRIPT.replace("{command}", "dropbear -p 1"))
    write(root, "/etc/init.d/sub/dropbear", DAEMON_SCRIPT.replace("{command}", "dropbear -p 3"))
    write(root, "/etc/init.dx/dropbear", DAEMON_SCRIPT.replace("{command}", "dropbear -p 4"))
    write(root, "/etcx/init.d/dropbear", DAEMON_SCRIPT.replace("{command}", "dropbear -p 5"))
    write(root, "/usr/etc/inittab", "ttyS1::respawn:/bin/ash\n")
    write(root, "/inittab", "ttyS2::respawn:/bin/ash\n")
    write(root, "/opt/xinetd.d/telnet", "service telnet\n{\n server = /usr/sbin/in.telnetd\n}\n")
    write(root, "/opt/inetd.conf", "ftp stream tcp nowait root /usr/sbin/ftpd ftpd -a anon\n")
    write(root, "/opt/my-inetd.conf", "ftp stream tcp nowait root /usr/sbin/ftpd ftpd\n")
    write(root, "/opt/systemd/system/extra.service", unit.format(user="x", daemon="dropbear", args=""))
    write(root, "/opt/systemd/system/.service", unit.format(user="x", daemon="sshd", args=""))
    write(root, "/opt/systemd/system/sub/deep.service", unit.format(user="x", daemon="sshd", args=""))
    write(root, "/opt/x.wants/telnet.service", "")
    write(root, "/etc/rc.d/rc.local", "dropbear -p 6\n")
    write(root, "/etc/rc.d/sub/rcS", "dropbear -p 7\n")
    write(root, "/usr/lib/opkg/status.old", "Package: old\nVersion: 0\n")
    write(root, "/opt/opkg/info/x.control.bak", "Package: bak\nVersion: 0\n")
    write(root, "/srv/config/uhttpd.conf", "list listen_http 9998\n")
    for number in range(300):  # the many small files of an image that are none of these
        write(root, f"/usr/share/misc/d{number % 7}/file{number}.txt", "nothing\n")


def filler(count: int) -> list[FileRecord]:
    """Entries that exist only in the inventory (disk None: never read), named like an image's
    many small files and a few like the files above."""
    names = ["etc", "init.d", "rc.d", "systemd", "system", "xinetd.d", "nginx", "x.wants", "rc3.d", "lib"]
    rng = random.Random(count)
    records = []
    for number in range(count):
        parts = [rng.choice(names) for _ in range(rng.randrange(1, 5))]
        path = "/" + "/".join([*parts, f"S{number:02d}n{number}.service"])
        kind = rng.choice(["file", "file", "directory", "symlink"])
        target = "../init.d/x" if kind == "symlink" else None
        records.append(FileRecord(path, None, kind, 0, 0o644, 0, 0, "text", link_target=target))
    return records


def rows(found: list) -> list[dict]:
    return [item.row() for item in found]


def assert_same(files: list[FileRecord], versions: list[Component] | None = None) -> None:
    configs = services.web_server_configs(files)
    assert configs == old_web_server_configs(files)
    assert rows(services.find_services(files, configs)) == rows(old_find_services(files, configs))
    versions = versions or []
    new = components.find_components(files, list(versions))
    assert rows(new) == rows(old_find_components(files, list(versions)))


def test_firmware_tree_as_before(tmp_path: Path) -> None:
    firmware_tree(tmp_path)
    files = inventory(tmp_path)
    found = rows(old_find_services(files, old_web_server_configs(files)))
    # the comparison means something: every kind of start, enabled or not, with ports from
    # command lines and configuration files
    kinds = {row["kind"] for row in found}
    assert {"ssh", "telnet", "web", "dns", "dhcp", "mqtt", "syslog", "ntp", "serial_console", "tftp"} <= kinds
    assert {row["enabled"] for row in found} == {True, False}
    assert {8081, 8888, 8082, 8443, 8883} <= {row["port"] for row in found}
    assert set(old_web_server_configs(files)) == {"lighttpd", "boa", "uhttpd", "nginx", "mosquitto"}
    assert len({row["source"] for row in found}) > 25
    assert {c.package_type for c in old_find_components(files, [])} == {"opkg", "deb", "generic"}
    assert_same(files)


@pytest.mark.parametrize("seed", range(6))
def test_shuffled_and_repeated_entries_as_before(tmp_path: Path, seed: int) -> None:
    """The order of the rows and which record of a repeated path counts (the last regular file)
    do not depend on the filtering: entries shuffled, some given twice (also as a folder, or
    without a copy on disk), amid inventory-only entries named like service files."""
    firmware_tree(tmp_path)
    files = inventory(tmp_path) + filler(400)
    rng = random.Random(seed)
    rng.shuffle(files)
    again = rng.sample(files, 60)
    for number, record in enumerate(again):
        if number % 3 == 0:
            again[number] = FileRecord(record.path, None, "file", 0, 0o644, 0, 0, "text")
        elif number % 3 == 1:
            again[number] = FileRecord(record.path, None, "directory", 0, 0o755, 0, 0, "directory")
    files = files[:200] + again + files[200:]
    versions = [Component("busybox", "1.36.1", files[0].path, "string", "busybox", "busybox")]
    assert_same(files, versions)


def test_odd_names_as_before(tmp_path: Path) -> None:
    """Names a regular expression's `$` (before a last newline) or an empty name could tell
    apart from a substring test."""
    odd = [
        "/etc/systemd/system/nl.service\n",
        "/etc/init.d/nl\n",
        "/etc/rc.d/\n",
        "/etc/init.d/",
        "/etc/rc.d/S10x/",
        "/etc/rc3.d\n/S10x",
        "/etc/rc3.d/",
        "/lib/modules/5.10.1\n",
        "/lib/ld-musl-x.so.1",
        "/etc/xinetd.d/",
        "/inetd.conf",
        "/x/.wants/",
    ]
    script = "ExecStart=/usr/sbin/dropbear -p 2022\n"  # a unit's line, and a script's
    files = []
    for number, path in enumerate(odd):
        disk = tmp_path / f"f{number}"
        disk.write_text(script)
        files.append(FileRecord(path, disk, "file", len(script), 0o755, 0, 0, "text"))
        files.append(
            FileRecord(path, None, "symlink", 0, 0o777, 0, 0, "text", link_target=f"/etc/init.d/t{number}")
        )
        files.append(
            FileRecord("/etc/rc.d/S99empty", None, "symlink", 0, 0o777, 0, 0, "text", link_target="")
        )
        files.append(FileRecord(path, None, "directory", 0, 0o755, 0, 0, "directory"))
    assert len(old_find_services(files, {})) >= 3
    assert_same(files)


def test_this_machines_etc_as_before() -> None:
    """This machine's own /etc and systemd folders, as an image's."""
    files = inventory(Path("/etc"), "/etc")
    for folder in ("/lib/systemd/system", "/usr/lib/systemd/system", "/lib/modules"):
        if Path(folder).is_dir() and not Path(folder).is_symlink():
            files += inventory(Path(folder), folder)
    if len(files) < 100:
        pytest.skip("this machine has almost no /etc")
    assert_same(files)
