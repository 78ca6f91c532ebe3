"""Boot services of a firmware image (workbench.firmware.services): the listening [addr:]port forms
of each daemon's command line (IPv4, IPv6 in brackets, loopback-only binds, repeated options),
the configuration files that give ports when the command line does not, and the daemons that
listen on nothing (syslogd, ntpd as a client, crond). Scripts are real files read through
FileRecord; one real squashfs image (mksquashfs) goes through scan_firmware."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from workbench.firmware.inventory import FileRecord
from workbench.firmware.services import (
    daemons_from_tokens,
    find_services,
    parse_listen,
    web_server_configs,
)


def ports_of(command: str) -> list[int | None]:
    return [s.port for s in daemons_from_tokens(shlex.split(command))]


def record(root: Path, path: str, text: str) -> FileRecord:
    disk = root / path.lstrip("/")
    disk.parent.mkdir(parents=True, exist_ok=True)
    disk.write_text(text)
    return FileRecord(path, disk, "file", len(text), 0o755, 0, 0, "text")


def services_of(tmp_path: Path, files: dict[str, str]) -> list[dict]:
    records = [record(tmp_path, path, text) for path, text in files.items()]
    return [s.row() for s in find_services(records, web_server_configs(records))]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("80", ("", 80)),
        ("0.0.0.0:443", ("", 443)),
        ("*:8080", ("", 8080)),
        ("192.168.1.50:2222", ("192.168.1.50", 2222)),
        ("[::]:443", ("", 443)),
        ("[::1]:8080", ("::1", 8080)),
        ("[fe80::1%eth0]:22", ("fe80::1%eth0", 22)),
        (":::22", ("", 22)),
        ("localhost:80", ("localhost", 80)),
        ("::1", None),  # an address without a port
        ("$PORT", None),
        ("0.0.0.0:0", None),
        ("0.0.0.0:70000", None),
        ("", None),
    ],
)
def test_parse_listen(spec, expected):
    assert parse_listen(spec) == expected


@pytest.mark.parametrize(
    ("command", "ports"),
    [
        # uhttpd: -p is HTTP, -s is HTTPS, both repeatable; with -s alone there is no HTTP listener
        ("uhttpd -f -h /www -s 0.0.0.0:443 -C /etc/uhttpd.crt -K /etc/uhttpd.key", [443]),
        ("uhttpd -f -h /www -p 0.0.0.0:80 -p [::]:80 -s 0.0.0.0:443 -s [::]:443", [80, 443]),
        ("uhttpd -p 127.0.0.1:8080 -s [::]:8443", [8443]),  # loopback HTTP is not reachable
        ("uhttpd -p 127.0.0.1:80 -p [::1]:80", [None]),
        ("/usr/sbin/uhttpd -p8080 -h /www", [8080]),
        ("uhttpd -f -h /www", [80]),  # nothing on the command line: the default
        # busybox httpd -p [IP:]PORT
        ("busybox httpd -p 192.168.1.50:8080 -h /www", [8080]),
        ("httpd -h /www", [80]),
        ("mini_httpd -p 8000 -d /www", [8000]),
        ("thttpd -p 8081 -d /www", [8081]),
        # dropbear -p [address:]port, repeatable; 22 by default
        ("dropbear -s -g -p 22", [22]),
        ("dropbear -p [::]:2222 -p 0.0.0.0:2222", [2222]),
        ("dropbear -p 192.168.1.50:22 -p [::1]:2022", [22]),
        ("dropbear -p [::1]:22", [None]),
        ("dropbear -R", [22]),
        ("dropbear -p $SSH_PORT", [None]),  # unknown, not guessed
        # telnetd -p PORT, busybox telnetd -b ADDR[:PORT]
        ("/usr/sbin/telnetd -l /bin/sh -p 2323", [2323]),
        ("telnetd -b 0.0.0.0:2323", [2323]),
        ("telnetd -b 192.168.1.50 -p 24", [24]),
        ("telnetd -b ::1", [None]),
        ("telnetd -F", [23]),
        ("utelnetd -p 2300 -l /bin/login", [2300]),
        # gdbserver and goahead take listeners as positional arguments
        ("gdbserver 0.0.0.0:2345 --multi", [2345]),
        ("gdbserver localhost:2345 /bin/camd", [None]),
        ("goahead -v /web 0.0.0.0:8080 [::]:8443", [8080, 8443]),
        # lighttpd's -p prints its configuration: its port is in lighttpd.conf
        ("lighttpd -p -f /etc/lighttpd.conf", [80]),
    ],
)
def test_listening_ports_from_the_command_line(command, ports):
    assert ports_of(command) == ports


def test_uhttpd_https_only_is_one_row_on_443_and_both_give_two_rows():
    [https] = daemons_from_tokens(shlex.split("uhttpd -f -h /www -s 0.0.0.0:443"))
    assert (https.name, https.kind, https.port) == ("uhttpd", "web", 443)
    rows = daemons_from_tokens(shlex.split("uhttpd -p 80 -s 443 -h /www"))
    assert [(r.name, r.port, r.command) for r in rows] == [
        ("uhttpd", 80, "uhttpd -p 80 -s 443 -h /www"),
        ("uhttpd", 443, "uhttpd -p 80 -s 443 -h /www"),
    ]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("tcpsvd -vE 0 21 ftpd -w /srv/ftp", [("ftpd", "ftp", 21, "root", "ftpd -w /srv/ftp")]),
        ("tcpsvd -c 4 -u ftp:ftp 0.0.0.0 2121 ftpd", [("ftpd", "ftp", 2121, "ftp", "ftpd")]),
        ("udpsvd -vE :: 69 tftpd -c /srv/tftp", [("tftpd", "tftp", 69, "root", "tftpd -c /srv/tftp")]),
        ("udpsvd -v 127.0.0.1 69 tftpd /srv", [("tftpd", "tftp", None, "root", "tftpd /srv")]),
        ("tcpsvd 0 8023 /bin/login", [("login", "other", 8023, "root", "/bin/login")]),
        ("tcpsvd -v 0 21", []),
    ],
)
def test_supervised_daemons_listen_where_the_supervisor_does(command, expected):
    found = daemons_from_tokens(shlex.split(command))
    assert [(s.name, s.kind, s.port, s.runs_as, s.command) for s in found] == expected


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("syslogd", [("syslogd", "syslog", None)]),
        ("syslogd -C64", [("syslogd", "syslog", None)]),
        (
            "/sbin/syslogd -L -R 192.168.1.20:514",
            [("syslogd (remote logging to 192.168.1.20:514)", "syslog", None)],
        ),
        (
            "busybox syslogd -R logs.example.net",
            [("syslogd (remote logging to logs.example.net)", "syslog", None)],
        ),
        ("klogd", [("klogd", "syslog", None)]),
        ("ntpd -p 0.pool.ntp.org -p 1.pool.ntp.org", [("ntpd", "ntp", None)]),  # a client only
        ("ntpd -n -l -p 0.pool.ntp.org", [("ntpd", "ntp", 123)]),  # busybox ntpd serving time
        ("ntpd -nl -p pool.ntp.org", [("ntpd", "ntp", 123)]),
        ("ntpd -g -u ntp:ntp -p /var/run/ntpd.pid", [("ntpd", "ntp", 123)]),  # ISC ntpd
        ("chronyd -f /etc/chrony.conf", [("chronyd", "ntp", None)]),
        ("crond -c /etc/crontabs", [("crond", "cron", None)]),
        ("dnsmasq -C /etc/dnsmasq.conf", [("dnsmasq", "dns", 53)]),
        ("dnsmasq --port=5353", [("dnsmasq", "dns", 5353)]),
        ("dnsmasq -p 0 --dhcp-range=192.168.1.100,192.168.1.200", [("dnsmasq", "dhcp", 67)]),
        ("dnsmasq -F 192.168.1.100,192.168.1.200", [("dnsmasq", "dns", 53), ("dnsmasq", "dhcp", 67)]),
        ("mosquitto -c /etc/mosquitto/mosquitto.conf", [("mosquitto", "mqtt", 1883)]),
        ("mosquitto -p 8883 -d", [("mosquitto", "mqtt", 8883)]),
        ("avahi-daemon -D", [("avahi-daemon", "mdns", 5353)]),
        ("udhcpd -f /etc/udhcpd.conf", [("udhcpd", "dhcp", 67)]),
        ("udhcpd -P 6767 /etc/udhcpd.conf", [("udhcpd", "dhcp", 6767)]),
    ],
)
def test_logging_time_cron_and_lan_daemons(command, expected):
    found = daemons_from_tokens(shlex.split(command))
    assert [(s.name, s.kind, s.port) for s in found] == expected


def test_users_from_the_command_line():
    [dns] = daemons_from_tokens(shlex.split("dnsmasq -u dnsmasq -p 53"))
    [web] = daemons_from_tokens(shlex.split("busybox httpd -p 80 -u www:www -h /www"))
    assert (dns.runs_as, web.runs_as) == ("dnsmasq", "www")


def test_not_a_start():
    for command in ("killall syslogd", "pidof dropbear", "echo uhttpd -p 80", "logger ntpd started"):
        assert daemons_from_tokens(shlex.split(command)) == [], command


def test_init_scripts_give_a_row_per_listener_with_source_and_line(tmp_path):
    rows = services_of(
        tmp_path,
        {
            "/etc/init.d/rcS": "#!/bin/sh\nfor i in /etc/init.d/S??* ; do\n    $i start\ndone\n",
            "/etc/init.d/S10syslog": '#!/bin/sh\n[ "$1" = start ] && syslogd -R 192.168.1.20 && klogd\n',
            "/etc/init.d/S20ntpd": "#!/bin/sh\nntpd -p 0.pool.ntp.org &\n",
            "/etc/init.d/S30cron": '#!/bin/sh\ncase "$1" in\n  start) crond -c /etc/crontabs ;;\n'
            "  stop) killall crond ;;\nesac\n",
            "/etc/init.d/S50uhttpd": "#!/bin/sh\nuhttpd -f -h /www -p [::]:80 -s [::]:443\n",
            "/etc/init.d/S60dropbear": "#!/bin/sh\nstart-stop-daemon -S -x dropbear -- -p [::]:22\n",
        },
    )
    got = [(r["name"], r["kind"], r["source"], r["line"], r["port"], r["enabled"]) for r in rows]
    assert got == [
        ("syslogd (remote logging to 192.168.1.20)", "syslog", "/etc/init.d/S10syslog", 2, None, True),
        ("klogd", "syslog", "/etc/init.d/S10syslog", 2, None, True),
        ("ntpd", "ntp", "/etc/init.d/S20ntpd", 2, None, True),
        ("crond", "cron", "/etc/init.d/S30cron", 3, None, True),
        ("uhttpd", "web", "/etc/init.d/S50uhttpd", 2, 80, True),
        ("uhttpd", "web", "/etc/init.d/S50uhttpd", 2, 443, True),
        ("dropbear", "ssh", "/etc/init.d/S60dropbear", 2, 22, True),
    ]
    assert set(rows[0]) == {"name", "kind", "source", "line", "command", "runs_as", "port", "enabled", "auth"}


def test_openwrt_uhttpd_config_gives_every_listener(tmp_path):
    rows = services_of(
        tmp_path,
        {
            "/etc/init.d/uhttpd": "#!/bin/sh /etc/rc.common\nstart_service() {\n"
            "    procd_open_instance\n    procd_set_param command /usr/sbin/uhttpd -f -h /www\n}\n",
            "/etc/rc.d/S50uhttpd": "",
            "/etc/config/uhttpd": "config uhttpd main\n"
            "\tlist listen_http\t'127.0.0.1:80'\n\tlist listen_http '[::1]:80'\n"
            "\tlist listen_https\t'0.0.0.0:443'\n\tlist listen_https '[::]:443'\n",
        },
    )
    assert [(r["name"], r["port"]) for r in rows] == [("uhttpd", 443)]


def test_command_line_listeners_win_over_the_config(tmp_path):
    rows = services_of(
        tmp_path,
        {
            "/etc/init.d/rcS": "#!/bin/sh\nuhttpd -s 8443 -h /www\n",
            "/etc/config/uhttpd": "config uhttpd main\n\tlist listen_http '0.0.0.0:80'\n",
        },
    )
    assert [(r["name"], r["port"]) for r in rows] == [("uhttpd", 8443)]


@pytest.mark.parametrize(
    ("path", "text", "command", "expected"),
    [
        (
            "/etc/lighttpd/lighttpd.conf",
            'server.port = 8080\nserver.username = "www"\n'
            '$SERVER["socket"] == "[::]:443" { ssl.engine = "enable" }\n',
            "lighttpd -f /etc/lighttpd/lighttpd.conf",
            [(8080, "www"), (443, "www")],
        ),
        (
            "/etc/lighttpd/lighttpd.conf",
            'server.bind = "127.0.0.1"\nserver.port = 8080\n',
            "lighttpd -f /etc/lighttpd/lighttpd.conf",
            [(None, "root")],
        ),
        ("/etc/boa/boa.conf", "Port 8000\nUser nobody\n", "boa -c /etc/boa", [(8000, "nobody")]),
        (
            "/etc/nginx/nginx.conf",
            "user www-data;\nhttp {\n  server {\n    listen 80;\n    listen [::]:443 ssl;\n"
            "    listen 127.0.0.1:8081;\n  }\n}\n",
            "nginx -c /etc/nginx/nginx.conf",
            [(80, "www-data"), (443, "www-data")],
        ),
        (
            "/etc/mosquitto/mosquitto.conf",
            "user mosquitto\nlistener 8883\nlistener 1883 127.0.0.1\n",
            "mosquitto -c /etc/mosquitto/mosquitto.conf",
            [(8883, "mosquitto")],
        ),
        (
            "/etc/mosquitto/mosquitto.conf",
            "port 1884\nbind_address 0.0.0.0\n",
            "mosquitto -c /etc/mosquitto/mosquitto.conf -d",
            [(1884, "root")],
        ),
    ],
)
def test_ports_and_user_from_configuration_files(tmp_path, path, text, command, expected):
    rows = services_of(tmp_path, {path: text, "/etc/init.d/rcS": f"#!/bin/sh\n{command}\n"})
    assert [(r["port"], r["runs_as"]) for r in rows] == expected


def test_inetd_keeps_its_own_port(tmp_path):
    rows = services_of(
        tmp_path,
        {
            "/etc/inetd.conf": "telnet stream tcp nowait root /usr/sbin/telnetd telnetd -p 9999 -l /bin/sh\n"
            "2121 stream tcp nowait ftp /usr/sbin/ftpd ftpd -w\n"
        },
    )
    got = [(r["name"], r["port"], r["runs_as"], r["auth"]) for r in rows]
    assert got == [("telnetd", 23, "root", False), ("ftpd", 2121, "ftp", True)]


def test_hostile_lines_do_not_crash(tmp_path):
    rows = services_of(
        tmp_path,
        {
            "/etc/init.d/rcS": "#!/bin/sh\nuhttpd -p '[::\nuhttpd -s [zz]:443 -p ]:80 -p\n"
            "dropbear -p [::]:99999 -p :\ntcpsvd -u\nsyslogd -R\ntelnetd -b '[' \n"
            "ntpd -p\n" + "dropbear -p 1" * 2000 + "\n",
        },
    )
    assert all(r["port"] is None or 0 < r["port"] < 65536 for r in rows)
    assert {r["name"] for r in rows} <= {"uhttpd", "dropbear", "syslogd", "telnetd", "ntpd"}


def test_a_real_image_reads_https_only_uhttpd_on_443(tmp_path):
    """mksquashfs of a small root filesystem, scanned by the firmware engine end to end."""
    from workbench.firmware.scan import scan_firmware

    if not shutil.which("mksquashfs"):
        pytest.fail("mksquashfs is not installed (squashfs-tools)")
    root = tmp_path / "rootfs"
    files = {
        "etc/inittab": "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n",
        "etc/init.d/rcS": "#!/bin/sh\nfor i in /etc/init.d/S??* ; do\n    $i start\ndone\n",
        "etc/init.d/S10syslog": "#!/bin/sh\nsyslogd -C64 -R 192.168.1.20:514\n",
        "etc/init.d/S20ntpd": "#!/bin/sh\nntpd -p 0.pool.ntp.org\n",
        "etc/init.d/S50uhttpd": "#!/bin/sh\nuhttpd -f -h /www -s 0.0.0.0:443 -s [::]:443\n",
        "etc/init.d/S60dropbear": "#!/bin/sh\ndropbear -s -p [::]:22\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        (root / name).chmod(0o755)
    image = tmp_path / "root.sqsh"
    subprocess.run(
        ["mksquashfs", str(root), str(image), "-noappend", "-all-root", "-quiet", "-no-progress"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    scan = scan_firmware(image, workdir=tmp_path / "work")
    table = scan.tables["services"]
    ports = [None if pd.isna(port) else int(port) for port in table["port"]]
    got = sorted(zip(table["name"], ports, strict=True), key=str)
    assert got == sorted(
        [
            ("getty on ttyS0", None),
            ("syslogd (remote logging to 192.168.1.20:514)", None),
            ("ntpd", None),
            ("uhttpd", 443),
            ("dropbear", 22),
        ],
        key=str,
    )
