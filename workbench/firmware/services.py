"""What starts at boot, and how: inittab (including shells on serial consoles), rcS and
init.d scripts, systemd units, inetd/xinetd, OpenWrt procd scripts; with the user a service
runs as, its port and whether it asks for authentication, when these can be known."""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass

from workbench.firmware.inventory import FileRecord

READ_LIMIT = 1 << 20
SHELLS = {"sh", "ash", "bash", "dash", "hush", "msh", "zsh", "ksh"}
LOGIN_PROGRAMS = {"getty", "agetty", "mingetty", "login", "sulogin"}
# daemon basename -> (kind, default port, authenticates: True/False/None)
DAEMONS: dict[str, tuple[str, int | None, bool | None]] = {
    "telnetd": ("telnet", 23, True),
    "utelnetd": ("telnet", 23, True),
    "in.telnetd": ("telnet", 23, True),
    "ftpd": ("ftp", 21, True),
    "vsftpd": ("ftp", 21, True),
    "proftpd": ("ftp", 21, True),
    "pure-ftpd": ("ftp", 21, True),
    "bftpd": ("ftp", 21, True),
    "in.ftpd": ("ftp", 21, True),
    "tftpd": ("tftp", 69, False),
    "in.tftpd": ("tftp", 69, False),
    "atftpd": ("tftp", 69, False),
    "rlogind": ("rlogin", 513, None),
    "rshd": ("rsh", 514, False),
    "dropbear": ("ssh", 22, True),
    "sshd": ("ssh", 22, True),
    "adbd": ("debug", None, None),
    "gdbserver": ("debug", None, False),
    "lighttpd": ("web", 80, None),
    "uhttpd": ("web", 80, None),
    "httpd": ("web", 80, None),
    "boa": ("web", 80, None),
    "goahead": ("web", 80, None),
    "webs": ("web", 80, None),
    "mini_httpd": ("web", 80, None),
    "thttpd": ("web", 80, None),
    "nginx": ("web", 80, None),
    "dnsmasq": ("dns", 53, None),
    "snmpd": ("snmp", 161, None),
    "upnpd": ("upnp", 1900, None),
    "miniupnpd": ("upnp", 1900, None),
    "mosquitto": ("mqtt", 1883, None),
    "rtspd": ("rtsp", 554, None),
    "onvif_srvd": ("onvif", None, None),
}
SUPERVISORS = {"tcpsvd", "udpsvd"}  # tcpsvd [opts] IP PORT PROG ...
INETD_PORTS = {
    "telnet": 23,
    "ftp": 21,
    "tftp": 69,
    "login": 513,
    "shell": 514,
    "exec": 512,
    "ssh": 22,
    "http": 80,
    "www": 80,
}
NOT_A_START = {
    "kill",
    "killall",
    "pkill",
    "pidof",
    "which",
    "echo",
    "test",
    "[",
    "grep",
    "rm",
    "type",
    "command",
    "printf",
    "logger",
    "cat",
    "ps",
    "case",
    "if",
    "wait",
    "return",
    "local",
}
CONSOLE = re.compile(r"^(?:tty(?:S|AMA|O|MSM|HS|SAC|PS|mxc|LP|USB|GS|MFD|SC)?\d*|console|ttyS\w*|)$")


@dataclass
class Service:
    name: str
    kind: str
    source: str
    line: int
    command: str
    runs_as: str | None = "root"
    port: int | None = None
    enabled: bool | None = True
    auth: bool | None = None

    def row(self) -> dict:
        return dict(self.__dict__)


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=False)
    except ValueError:
        return text.split()


def _port_from(arg: str) -> int | None:
    match = re.search(r"(?:^|:)(\d{1,5})$", arg)
    return int(match.group(1)) if match and 0 < int(match.group(1)) < 65536 else None


def _option(tokens: list[str], *flags: str) -> str | None:
    for index, token in enumerate(tokens):
        if token in flags and index + 1 < len(tokens):
            return tokens[index + 1]
        for flag in flags:
            if flag.startswith("-") and len(flag) == 2 and token.startswith(flag) and len(token) > 2:
                return token[2:]
    return None


def daemon_from_tokens(tokens: list[str]) -> Service | None:
    """Recognise a daemon start in a command's tokens (after the supervisor, if any)."""
    while tokens and re.match(r"^[\w*|.-]+\)$", tokens[0]):  # a `case` label: start)
        tokens = tokens[1:]
    for index, token in enumerate(tokens):
        base = posixpath.basename(token)
        if base in NOT_A_START:
            return None
        if base in SUPERVISORS and index + 3 < len(tokens):
            rest = [t for t in tokens[index + 1 :] if not t.startswith("-")]
            port = _port_from(rest[1]) if len(rest) > 2 else None
            inner = daemon_from_tokens(rest[2:]) if len(rest) > 2 else None
            if inner:
                inner.port = port or inner.port
                return inner
        if base == "busybox" and index + 1 < len(tokens):
            continue
        if base in DAEMONS:
            kind, port, auth = DAEMONS[base]
            args = tokens[index + 1 :]
            service = Service(base, kind, "", 0, " ".join(tokens[index:]), port=port, auth=auth)
            _refine(service, args)
            return service
    return None


def _refine(service: Service, args: list[str]) -> None:
    name = service.name
    if service.kind == "telnet":
        login = _option(args, "-l")
        if login and posixpath.basename(login).lstrip("-") in SHELLS:
            service.auth = False
        port = _option(args, "-p")
        service.port = _port_from(port) if port else service.port
    elif name == "dropbear":
        port = _option(args, "-p")
        service.port = _port_from(port) if port else 22
    elif name == "gdbserver":
        for arg in args:
            if _port_from(arg) and ":" in arg:
                service.port = _port_from(arg)
                break
    elif name == "ftpd" and _option(args, "-a"):
        service.auth = False  # busybox ftpd -a USER: anonymous login as USER
    elif service.kind == "web":
        port = _option(args, "-p")
        if port:
            service.port = _port_from(port)
    user = _option(args, "-u", "--user")
    if user and service.kind in ("dns", "web"):
        service.runs_as = user


def _runs_as_prefix(tokens: list[str]) -> str | None:
    for index, token in enumerate(tokens):
        if token in ("-c", "--chuid", "-u") and index > 0 and tokens[0] in ("start-stop-daemon", "chpst"):
            return tokens[index + 1].split(":")[0] if index + 1 < len(tokens) else None
        if token in ("su", "sudo") and "-c" in tokens:
            rest = [t for t in tokens[index + 1 :] if not t.startswith("-")]
            return rest[0] if rest else None
        if token in ("setuidgid", "runuser") and index + 1 < len(tokens):
            return tokens[index + 1]
    return None


def scan_script(record: FileRecord, enabled: bool | None) -> list[Service]:
    services = []
    in_stop = False
    for number, raw in enumerate(record.text(READ_LIMIT).splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if re.match(r"^(stop|stop_service|reload)\s*\(\)", line):
            in_stop = True
        elif re.match(r"^\w+\s*\(\)", line):
            in_stop = False
        if in_stop:
            continue
        for segment in re.split(r"\s*(?:&&|\|\||;|\||&(?!>))\s*", line):
            tokens = _tokens(segment)
            if not tokens or tokens[0] in ("procd_set_param",) and tokens[1:2] != ["command"]:
                continue
            if tokens[:2] == ["procd_set_param", "command"]:
                tokens = tokens[2:]
            if "start-stop-daemon" in tokens[:1] and ("-K" in tokens or "--stop" in tokens):
                continue
            service = daemon_from_tokens(tokens)
            if service:
                service.source, service.line, service.enabled = record.path, number, enabled
                service.runs_as = _runs_as_prefix(tokens) or service.runs_as
                services.append(service)
    return services


def scan_inittab(record: FileRecord) -> list[Service]:
    services = []
    for number, raw in enumerate(record.text(READ_LIMIT).splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#") or line.count(":") < 3:
            continue
        ident, _runlevels, action, process = line.split(":", 3)
        if action in ("ctrlaltdel", "shutdown", "restart", "powerfail", "powerwait", "powerokwait"):
            continue
        tokens = _tokens(process)
        if not tokens:
            continue
        program = posixpath.basename(tokens[0].lstrip("-"))
        tty = ident if ident else "console"
        tty_arg = next((t for t in tokens[1:] if CONSOLE.match(t) and t), None)
        if program in SHELLS and CONSOLE.match(ident):
            services.append(
                Service(f"{program} on {tty}", "serial_console", record.path, number, process, auth=False)
            )
        elif program in LOGIN_PROGRAMS:
            services.append(
                Service(
                    f"{program} on {tty_arg or tty}",
                    "serial_console",
                    record.path,
                    number,
                    process,
                    auth=True,
                )
            )
        else:
            service = daemon_from_tokens(tokens)
            if service:
                service.source, service.line = record.path, number
                services.append(service)
    return services


def scan_systemd(record: FileRecord, enabled: bool | None) -> list[Service]:
    text = record.text(READ_LIMIT)
    user = re.search(r"(?m)^User=(\S+)", text)
    services = []
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("ExecStart="):
            tokens = _tokens(raw.split("=", 1)[1].lstrip("-@!+"))
            service = daemon_from_tokens(tokens) or (
                Service(posixpath.basename(tokens[0]), "other", "", 0, " ".join(tokens)) if tokens else None
            )
            if service:
                service.source, service.line, service.enabled = record.path, number, enabled
                service.runs_as = user.group(1) if user else "root"
                services.append(service)
    return services


def scan_inetd(record: FileRecord) -> list[Service]:
    services = []
    for number, raw in enumerate(record.text(READ_LIMIT).splitlines(), 1):
        parts = raw.split()
        if len(parts) < 6 or raw.lstrip().startswith("#"):
            continue
        name, user, server, args = parts[0], parts[4].split(".")[0], parts[5], parts[6:]
        program = posixpath.basename(args[0] if server.endswith("tcpd") and args else server)
        kind, port, auth = DAEMONS.get(program, ("other", None, None))
        service = Service(
            program,
            kind,
            record.path,
            number,
            raw.strip(),
            runs_as=user,
            port=INETD_PORTS.get(name, port if not name.isdigit() else int(name)),
            auth=auth,
        )
        _refine(service, args[1:])
        services.append(service)
    return services


def _enabled_scripts(files: list[FileRecord], rcs_text: str) -> set[str]:
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


def find_services(files: list[FileRecord], web_configs: dict[str, dict]) -> list[Service]:
    services: list[Service] = []
    by_path = {r.path: r for r in files if r.kind == "file"}
    rcs_text = "".join(
        r.text(READ_LIMIT)
        for p, r in by_path.items()
        if p.endswith(("/etc/init.d/rcS", "/etc/rc.local", "/etc/rc.d/rcS", "/etc/inittab"))
    )
    sweeps_s_scripts = bool(re.search(r"/etc/init\.d/S\?\?\*|/etc/init\.d/S\*", rcs_text))
    enabled_names = _enabled_scripts(files, rcs_text)
    wants = {posixpath.basename(r.path) for r in files if r.path.rsplit("/", 2)[-2].endswith(".wants")}
    for path, record in sorted(by_path.items()):
        name = posixpath.basename(path)
        if name == "inittab" and "/etc/" in path:
            services += scan_inittab(record)
        elif name in ("inetd.conf",) or "/xinetd.d/" in path:
            services += scan_inetd(record) if name == "inetd.conf" else _scan_xinetd(record)
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
                services += scan_script(record, enabled)
        elif re.search(r"/systemd/system/[^/]+\.service$", path):
            services += scan_systemd(record, name in wants)
    for service in services:
        config = web_configs.get(service.name)
        if config:
            service.port = config.get("port", service.port)
            service.runs_as = config.get("user", service.runs_as)
    return services


def _scan_xinetd(record: FileRecord) -> list[Service]:
    text = record.text(READ_LIMIT)
    fields = dict(re.findall(r"(?m)^\s*(\w+)\s*=\s*(.+?)\s*$", text))
    if fields.get("disable", "no") == "yes" or "server" not in fields:
        return []
    program = posixpath.basename(fields["server"])
    kind, port, auth = DAEMONS.get(program, ("other", None, None))
    name = re.search(r"(?m)^service\s+(\S+)", text)
    port = (
        int(fields["port"])
        if fields.get("port", "").isdigit()
        else INETD_PORTS.get(name.group(1) if name else "", port)
    )
    return [
        Service(
            program,
            kind,
            record.path,
            1,
            fields["server"],
            runs_as=fields.get("user", "root"),
            port=port,
            auth=auth,
        )
    ]


def web_server_configs(files: list[FileRecord]) -> dict[str, dict]:
    """Port and user from lighttpd, boa and uhttpd configurations."""
    found: dict[str, dict] = {}
    for record in files:
        if record.kind != "file":
            continue
        name = posixpath.basename(record.path)
        if name == "lighttpd.conf":
            text = record.text(READ_LIMIT)
            port = re.search(r"(?m)^\s*server\.port\s*=\s*(\d+)", text)
            user = re.search(r"(?m)^\s*server\.username\s*=\s*\"([^\"]+)\"", text)
            found["lighttpd"] = {
                k: v
                for k, v in (
                    ("port", int(port.group(1)) if port else None),
                    ("user", user.group(1) if user else None),
                )
                if v
            }
        elif name == "boa.conf":
            text = record.text(READ_LIMIT)
            port = re.search(r"(?m)^\s*Port\s+(\d+)", text)
            user = re.search(r"(?m)^\s*User\s+(\S+)", text)
            found["boa"] = {
                k: v
                for k, v in (
                    ("port", int(port.group(1)) if port else None),
                    ("user", user.group(1) if user else None),
                )
                if v
            }
        elif record.path.endswith("/etc/config/uhttpd"):
            port = re.search(r"listen_http\s+'?[\d.:\[\]]*:(\d+)", record.text(READ_LIMIT))
            if port:
                found["uhttpd"] = {"port": int(port.group(1))}
    return found
