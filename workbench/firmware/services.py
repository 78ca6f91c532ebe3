"""What starts at boot, and how: inittab (including shells on serial consoles), rcS and
init.d scripts, systemd units, inetd/xinetd, OpenWrt procd scripts; with the user a service
runs as, its port and whether it asks for authentication, when these can be known.

Ports come from the command line where the daemon takes them there (`-p [addr:]port`, uhttpd's
`-p` for HTTP and `-s` for HTTPS, both repeatable; IPv6 as `[::]:443`), else from its
configuration file, else the daemon's default. A daemon listening on several ports gives one row
per port; one bound to loopback addresses only is not reachable from the network and gets no
port. Daemons that listen on nothing (syslogd, crond, an ntpd that only asks its peers) have no
port; busybox syslogd's remote host (`-R host[:port]`) is named in its row's name.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from workbench.firmware.inventory import FileRecord
from workbench.firmware.schema import SERVICES

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
    "avahi-daemon": ("mdns", 5353, None),
    "udhcpd": ("dhcp", 67, None),
    "syslogd": ("syslog", None, None),
    "rsyslogd": ("syslog", None, None),
    "syslog-ng": ("syslog", None, None),
    "logd": ("syslog", None, None),
    "klogd": ("syslog", None, None),
    "ntpd": ("ntp", None, None),
    "chronyd": ("ntp", None, None),
    "crond": ("cron", None, None),
    "cron": ("cron", None, None),
}
# daemon -> options that name a listening [addr:]port (all repeatable)
LISTEN_OPTIONS: dict[str, tuple[str, ...]] = {
    "dropbear": ("-p",),
    "uhttpd": ("-p", "-s"),
    "httpd": ("-p",),  # busybox httpd
    "mini_httpd": ("-p",),
    "thttpd": ("-p",),
    "telnetd": ("-p",),
    "utelnetd": ("-p",),
    "mosquitto": ("-p",),
    "dnsmasq": ("-p", "--port"),
    "udhcpd": ("-P",),
}
# options that take a value, for the daemons whose positional arguments matter
SUPERVISOR_VALUE_OPTIONS = {"-c", "-C", "-b", "-u", "-l", "-U"}
ISC_NTPD_OPTIONS = {"-g", "-c", "-x", "-u"}  # ISC ntpd binds udp/123 whatever its peers
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
    # the command line says where it listens (then a configuration file does not)
    listen_given: bool = field(default=False, repr=False)

    def row(self) -> dict:
        return {column: getattr(self, column) for column in SERVICES.names}


def parse_listen(spec: str) -> tuple[str, int] | None:
    """(address, port) of a listening spec: '80', '0.0.0.0:443', '*:80', '[::]:443', ':::22';
    address '' when every address. None when there is no valid port (a bare address, '$PORT')."""
    spec = spec.strip()
    bracketed = re.fullmatch(r"\[([0-9A-Fa-f:.%\w]*)\]:(\d{1,5})", spec)
    if bracketed:
        address, port = bracketed.group(1), bracketed.group(2)
    elif spec.isdigit():
        address, port = "", spec
    elif spec.count(":") == 1:
        address, port = spec.split(":")
    elif spec.count(":") > 1 and not _is_address(spec):
        address, port = spec.rsplit(":", 1)
    else:
        return None
    number = port_number(port)
    if number is None:
        return None
    return ("" if address in ("", "*", "0", "0.0.0.0", "::") else address), number


def port_number(text: str) -> int | None:
    """A TCP/UDP port written in decimal digits (1-65535), else None: a value the image's files
    give is never trusted to fit the table's port column."""
    if not text.isdecimal() or not 0 < int(text) < 65536:
        return None
    return int(text)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def is_loopback(address: str) -> bool:
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def network_ports(specs: list[str]) -> list[int]:
    """Distinct ports reachable from the network, in the order given (loopback binds dropped)."""
    ports: list[int] = []
    for spec in specs:
        parsed = parse_listen(spec)
        if parsed and not is_loopback(parsed[0]) and parsed[1] not in ports:
            ports.append(parsed[1])
    return ports


def with_ports(service: Service, ports: list[int]) -> list[Service]:
    """One row per listening port; a single row without a port when none is reachable."""
    if not ports:
        return [replace(service, port=None)]
    return [replace(service, port=port) for port in ports]


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=False)
    except ValueError:
        return text.split()


def _options(tokens: list[str], *flags: str) -> list[str]:
    """Every value of the given options: '-p 80', '-p80', '--port=53', '--port 53'."""
    values = []
    skip = False
    for index, token in enumerate(tokens):
        if skip:
            skip = False
            continue
        if token in flags and index + 1 < len(tokens):
            values.append(tokens[index + 1])
            skip = True
            continue
        for flag in flags:
            if flag.startswith("--") and token.startswith(flag + "="):
                values.append(token[len(flag) + 1 :])
            elif len(flag) == 2 and token.startswith(flag) and len(token) > 2 and token[1] != "-":
                values.append(token[2:])
    return values


def _option(tokens: list[str], *flags: str) -> str | None:
    values = _options(tokens, *flags)
    return values[0] if values else None


def daemons_from_tokens(tokens: list[str]) -> list[Service]:
    """Recognise a daemon start in a command's tokens (after the supervisor, if any): one
    Service per listening port, or one without a port; [] when the command starts no daemon."""
    while tokens and re.match(r"^[\w*|.-]+\)$", tokens[0]):  # a `case` label: start)
        tokens = tokens[1:]
    for index, token in enumerate(tokens):
        base = posixpath.basename(token)
        if base in NOT_A_START:
            return []
        if base in SUPERVISORS:
            return _supervised(tokens[index + 1 :])
        if base == "busybox" and index + 1 < len(tokens):
            continue
        if base in DAEMONS:
            kind, port, auth = DAEMONS[base]
            service = Service(base, kind, "", 0, " ".join(tokens[index:]), port=port, auth=auth)
            return _refine(service, tokens[index + 1 :])
    return []


def _supervised(args: list[str]) -> list[Service]:
    """busybox tcpsvd/udpsvd [-hEv] [-c N] [-C N[:MSG]] [-b N] [-u USER] [-l NAME] IP PORT PROG ARGS:
    the program listens on IP:PORT as USER; its own options are kept."""
    index, user = 0, None
    while index < len(args) and args[index].startswith("-") and args[index] != "-":
        option = args[index]
        if option in SUPERVISOR_VALUE_OPTIONS and index + 1 < len(args):
            user = args[index + 1].split(":")[0] if option == "-u" else user
            index += 1
        index += 1
    if len(args) - index < 3:
        return []
    address, port_text, program = args[index : index + 3]
    inner = daemons_from_tokens(args[index + 2 :])
    if not inner:
        name = posixpath.basename(program)
        inner = [Service(name, "other", "", 0, " ".join(args[index + 2 :]))]
    parsed = parse_listen(f"[{address}]:{port_text}" if ":" in address else f"{address}:{port_text}")
    port = parsed[1] if parsed and not is_loopback(parsed[0]) else None
    service = replace(inner[0], listen_given=True, runs_as=user or inner[0].runs_as)
    return [replace(service, port=port)]


def _refine(service: Service, args: list[str]) -> list[Service]:
    """Ports, authentication and user from the daemon's own arguments."""
    name = service.name
    if service.kind == "telnet":
        login = _option(args, "-l")
        if login and posixpath.basename(login).lstrip("-") in SHELLS:
            service.auth = False
        bind = _option(args, "-b")  # busybox telnetd -b ADDR[:PORT], its port else -p's
        if bind is not None:
            port = _option(args, "-p") or str(service.port or 23)
            spec = bind if parse_listen(bind) else f"[{bind}]:{port}" if ":" in bind else f"{bind}:{port}"
            return _listening(service, [spec])
    elif name == "gdbserver":
        specs = [a for a in args if not a.startswith("-") and ":" in a]
        return _listening(service, specs[:1]) if specs else [service]
    elif name == "goahead":  # goahead [options] [documents] [[IPaddress][:port] ...]
        specs = [a for a in args if not a.startswith("-") and parse_listen(a) and ":" in a]
        if specs:
            return _listening(service, specs)
    elif name == "ftpd" and _option(args, "-a"):
        service.auth = False  # busybox ftpd -a USER: anonymous login as USER
    elif name == "syslogd":
        remote = _options(args, "-R")
        if remote:
            service.name = f"syslogd (remote logging to {', '.join(remote)})"
    elif name == "ntpd":  # busybox ntpd serves time with -l (also bundled: -nl); ISC ntpd always
        serves = any(re.fullmatch(r"-[dnqNw]*l[dnqNwl]*", a) for a in args)
        isc = bool(ISC_NTPD_OPTIONS & set(args)) or any(v.startswith("/") for v in _options(args, "-p"))
        service.port = 123 if serves or isc else None
    elif name == "dnsmasq":
        return _dnsmasq(service, args)
    user = _option(args, "-u", "--user")
    if user and service.kind in ("dns", "web", "mqtt"):
        service.runs_as = user.split(":")[0]
    options = LISTEN_OPTIONS.get(name)
    specs = _options(args, *options) if options else []
    if specs:
        return _listening(service, specs)
    return [service]


def _listening(service: Service, specs: list[str]) -> list[Service]:
    service.listen_given = True
    return with_ports(service, network_ports(specs))


def _dnsmasq(service: Service, args: list[str]) -> list[Service]:
    """DNS on --port (53; 0 turns DNS off), DHCP on udp/67 when a range is given; --user."""
    service.runs_as = _option(args, "-u", "--user") or service.runs_as
    dns = _options(args, "-p", "--port")
    service.listen_given = bool(dns)
    rows = with_ports(service, network_ports(dns[-1:] or ["53"]))
    if _options(args, "-F", "--dhcp-range"):
        dhcp = replace(service, kind="dhcp", port=67)
        rows = [*(r for r in rows if r.port is not None), dhcp]
    return rows


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


def _statements(record: FileRecord) -> Iterator[tuple[int, str]]:
    """(line number, text without surrounding blanks) of each line of a script or configuration
    file that is neither blank nor a comment."""
    for number, raw in enumerate(record.text(READ_LIMIT).splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line


def scan_script(record: FileRecord, enabled: bool | None) -> list[Service]:
    services = []
    in_stop = False
    for number, line in _statements(record):
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
            prefix_user = _runs_as_prefix(tokens)
            for service in daemons_from_tokens(tokens):
                service.source, service.line, service.enabled = record.path, number, enabled
                service.runs_as = prefix_user or service.runs_as
                services.append(service)
    return services


def scan_inittab(record: FileRecord) -> list[Service]:
    services = []
    for number, line in _statements(record):
        if line.count(":") < 3:
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
            for service in daemons_from_tokens(tokens):
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
            found = daemons_from_tokens(tokens) or (
                [Service(posixpath.basename(tokens[0]), "other", "", 0, " ".join(tokens))] if tokens else []
            )
            for service in found:
                service.source, service.line, service.enabled = record.path, number, enabled
                service.runs_as = user.group(1) if user else "root"
                services.append(service)
    return services


def scan_inetd(record: FileRecord) -> list[Service]:
    services = []
    for number, line in _statements(record):
        parts = line.split()
        if len(parts) < 6:
            continue
        name, user, server, args = parts[0], parts[4].split(".")[0], parts[5], parts[6:]
        program = posixpath.basename(args[0] if server.endswith("tcpd") and args else server)
        kind, port, auth = DAEMONS.get(program, ("other", None, None))
        port = INETD_PORTS.get(name, port if not name.isdigit() else port_number(name))
        service = Service(program, kind, record.path, number, line, runs_as=user, port=port, auth=auth)
        refined = _refine(service, args[1:])[0]  # authentication from its options; inetd owns the port
        services.append(replace(refined, port=port, listen_given=True))
    return services


RC_DIRECTORY = re.compile(r"/rc[0-9S]?\.d$")
INIT_D_SCRIPT = re.compile(r"/etc/init\.d/[^/]+$")
RC_D_SCRIPT = re.compile(r"/etc/rc\.d/[^/]+$")
SYSTEMD_UNIT = re.compile(r"/systemd/system/[^/]+\.service$")
SWEEPS_S_SCRIPTS = re.compile(r"/etc/init\.d/S\?\?\*|/etc/init\.d/S\*")
INIT_D_NAMED = re.compile(r"/etc/init\.d/([\w.-]+)")
S_SCRIPT = re.compile(r"S\d\d")
RCS_FILES = ("/etc/init.d/rcS", "/etc/rc.local", "/etc/rc.d/rcS", "/etc/inittab")


def _enabled_scripts(files: list[FileRecord], rcs_text: str) -> set[str]:
    """The names of the init scripts started at boot: the targets of rcN.d's S links, and the
    init.d scripts the boot scripts name."""
    enabled = set()
    for record in files:
        # the cheap tests first (most entries are no link): only an S link's folder is looked at
        if (
            record.link_target
            and record.path.rpartition("/")[2][:1] in "S"
            and RC_DIRECTORY.search(posixpath.dirname(record.path))
        ):
            enabled.add(posixpath.basename(record.link_target))
    enabled.update(INIT_D_NAMED.findall(rcs_text))
    return enabled


def find_services(files: list[FileRecord], web_configs: dict[str, dict]) -> list[Service]:
    services: list[Service] = []
    # only the regular files whose path can name a service (the last record of a path, in the
    # order the paths first come): every path the tests below take holds one of these, so the
    # image's other entries cost a few substring tests, not regular expressions
    by_path = {
        path: r
        for r in files
        if r.kind == "file"
        and (
            "/etc/" in (path := r.path)
            or "/xinetd.d/" in path
            or "/systemd/system/" in path
            or path.endswith("inetd.conf")
        )
    }
    rcs_text = "".join(r.text(READ_LIMIT) for p, r in by_path.items() if p.endswith(RCS_FILES))
    sweeps_s_scripts = bool(SWEEPS_S_SCRIPTS.search(rcs_text))
    enabled_names = _enabled_scripts(files, rcs_text)
    wants = {  # the links in a *.wants folder (its name and a slash in the path: tested first)
        r.path.rpartition("/")[2]
        for r in files
        if ".wants/" in r.path and r.path.rsplit("/", 2)[-2].endswith(".wants")
    }
    for path, record in sorted(by_path.items()):
        name = path.rpartition("/")[2]
        if name == "inittab" and "/etc/" in path:
            services += scan_inittab(record)
        elif name in ("inetd.conf",) or "/xinetd.d/" in path:
            services += scan_inetd(record) if name == "inetd.conf" else _scan_xinetd(record)
        elif (
            INIT_D_SCRIPT.search(path)
            or path.endswith(("/etc/rc.local", "/etc/rc.d/rcS"))
            or RC_D_SCRIPT.search(path)
        ):
            if name in ("rcS", "rc.local", "rcK"):
                enabled: bool | None = name != "rcK"
            else:
                enabled = name in enabled_names or (sweeps_s_scripts and bool(S_SCRIPT.match(name)))
            if name != "rcK":
                services += scan_script(record, enabled)
        elif SYSTEMD_UNIT.search(path):
            services += scan_systemd(record, name in wants)
    return [row for service in services for row in _configured(service, web_configs.get(service.name))]


def _configured(service: Service, config: dict | None) -> list[Service]:
    """The service with its configuration file's user and, unless its command line says where it
    listens, the file's ports ('port': one port, as older callers give it; 'ports': a list)."""
    if not config:
        return [service]
    service.runs_as = config.get("user", service.runs_as)
    if service.listen_given:
        return [service]
    if "ports" in config:
        return with_ports(service, list(config["ports"]))
    return [replace(service, port=config.get("port", service.port))]


def _scan_xinetd(record: FileRecord) -> list[Service]:
    text = record.text(READ_LIMIT)
    fields = dict(re.findall(r"(?m)^\s*(\w+)\s*=\s*(.+?)\s*$", text))
    if fields.get("disable", "no") == "yes" or "server" not in fields:
        return []
    program = posixpath.basename(fields["server"])
    kind, port, auth = DAEMONS.get(program, ("other", None, None))
    name = re.search(r"(?m)^service\s+(\S+)", text)
    port = (
        port_number(fields["port"])
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
    """Listening ports and user from daemon configuration files: lighttpd, boa, OpenWrt's uhttpd,
    nginx and mosquitto. daemon -> {"ports": [int], "user": str}, each only when the file says."""
    found: dict[str, dict] = {}
    for record in files:
        path = record.path
        # a substring test before any other: most entries of an image are none of these files
        if record.kind != "file" or not (path.endswith(CONFIG_ENDINGS) or "/nginx/" in path):
            continue
        name = path.rpartition("/")[2]
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
        if "ports" in config:  # nginx spreads its listen lines over several files
            known = merged.setdefault("ports", [])
            known += [port for port in config["ports"] if port not in known]
        if "user" in config:
            merged["user"] = config["user"]
    return found


def _config(specs: list[str] | None, user: str | None) -> dict:
    config: dict = {} if specs is None else {"ports": network_ports(specs)}
    if user:
        config["user"] = user
    return config


def _lighttpd_config(text: str) -> dict:
    port = re.search(r"(?m)^\s*server\.port\s*=\s*(\d+)", text)
    bind = re.search(r"(?m)^\s*server\.bind\s*=\s*\"([^\"]*)\"", text)
    user = re.search(r"(?m)^\s*server\.username\s*=\s*\"([^\"]+)\"", text)
    main = port.group(1) if port else "80"
    address = bind.group(1) if bind else ""
    specs = [f"[{address}]:{main}" if ":" in address else f"{address}:{main}"]
    specs += re.findall(r"\$SERVER\[\"socket\"\]\s*==\s*\"([^\"]+)\"", text)
    return _config(specs if port or bind or len(specs) > 1 else None, user.group(1) if user else None)


def _boa_config(text: str) -> dict:
    port = re.search(r"(?m)^\s*Port\s+(\d+)", text)
    user = re.search(r"(?m)^\s*User\s+(\S+)", text)
    return _config([port.group(1)] if port else None, user.group(1) if user else None)


def _uhttpd_config(text: str) -> dict:
    specs = re.findall(r"(?m)^\s*(?:list|option)\s+listen_https?\s+'?\"?([^'\"\s]+)", text)
    return _config(specs or None, None)


def _nginx_config(text: str) -> dict:
    specs = re.findall(r"(?m)^\s*listen\s+([^\s;]+)", text)
    user = re.search(r"(?m)^\s*user\s+([^\s;]+)", text)
    return _config(specs or None, user.group(1) if user else None)


def _mosquitto_config(text: str) -> dict:
    """`listener PORT [ADDRESS]` lines, or the older `port` with `bind_address`."""
    specs = []
    for port, address in re.findall(r"(?m)^\s*listener\s+(\d+)(?:[ \t]+(\S+))?", text):
        specs.append(f"[{address}]:{port}" if ":" in address else f"{address}:{port}")
    old = re.search(r"(?m)^\s*port\s+(\d+)", text)
    if old:
        bind = re.search(r"(?m)^\s*bind_address\s+(\S+)", text)
        specs.append(f"{bind.group(1) if bind else ''}:{old.group(1)}")
    user = re.search(r"(?m)^\s*user\s+(\S+)", text)
    return _config(specs or None, user.group(1) if user else None)


CONFIG_READERS = {
    "lighttpd.conf": ("lighttpd", _lighttpd_config),
    "boa.conf": ("boa", _boa_config),
    "mosquitto.conf": ("mosquitto", _mosquitto_config),
}
# what the path of every file web_server_configs reads ends with, but nginx's
CONFIG_ENDINGS = ("/etc/config/uhttpd", *CONFIG_READERS)
