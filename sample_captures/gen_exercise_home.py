"""Generate the two home-device exercises of the inspector course (deterministic, byte for byte):

    python sample_captures/gen_exercise_home.py [OUTDIR]   # default: the folder of this script

lockly-l1     Wi-Fi smart door lock "Lockly L1" (★, basics), 192.168.1.60 / 02:00:00:1c:00:60
aquaheat-r2   water-heater remote controller "AquaHeat R2" (★★, basics), 192.168.1.70 / 02:00:00:a2:00:70

Each writes <name>.pcap (twelve minutes of the device's traffic, the inspector's laptop 192.168.1.10
scanning and logging in, the owner's phone 192.168.1.23) and <name>.img (uImage kernel + squashfs).
Built from the camera generators' blocks (gen_capture's Capture, Tcp, DNS and TLS helpers; gen_firmware's
compile_c, write, assemble, build_info, seeded keys): only what those hard-wire to the camera (its
address in DNS and scans, the kernel's name) is done again here, parameterised.

Planted in lockly-l1: the locksmiths' "installer" account (login shell) has the Mirai-list password 1234
(sha512-crypt, so the hash is strong); telnetd started at boot and answering on 23 (undeclared), the
inspector's telnet login with that password in the capture; the phone app unlocking the door over the
local HTTP API with Basic credentials in clear; the cloud client's RSA private key compiled into
/usr/bin/lockd. Done right: strong hashes, TLS 1.3 to every cloud service, signed updates over HTTPS.

Planted in aquaheat-r2: MQTT 3.1.1 without TLS on 1883 with user name and password; an undeclared
analytics service (stats.heatmetrics.example, over TLS); the firmware fetched over plain HTTP by an
updater with an http:// URL and no signature check; a cloud API key compiled into /usr/bin/heatd;
OpenSSL 1.0.2k (in the sample OSV feed). Done right: no default or empty password (root locked, strong
sha512-crypt), no telnet/FTP/debug service, no private key in the image, TLS 1.3 where TLS is used,
only the declared port 443 open.
"""

from __future__ import annotations

import base64
import functools
import random
import struct
import sys
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from passlib import hash as passlib_hash
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen_capture as gc  # noqa: E402
import gen_firmware as gf  # noqa: E402  (puts the repository on sys.path too)
from gen_exercise_common import compile_libssl, main, resolve, write_image  # noqa: E402

from workbench.firmware.uimage import build_header  # noqa: E402

LAPTOP, PHONE = gc.LAPTOP, "192.168.1.23"
LOCK, LOCK_MAC = "192.168.1.60", "02:00:00:1c:00:60"
HEATER, HEATER_MAC = "192.168.1.70", "02:00:00:a2:00:70"
MACS = {LAPTOP: gc.LAPTOP_MAC, PHONE: "02:00:00:00:00:23", LOCK: LOCK_MAC, HEATER: HEATER_MAC}
LOCK_CLOUD = {"api": "203.0.113.41", "mqtt": "203.0.113.42", "update": "203.0.113.43"}
HEAT_CLOUD = {"mqtt": "203.0.113.51", "fw": "203.0.113.52", "api": "203.0.113.53"}
STATS_NAME, STATS_IP = "stats.heatmetrics.example", "198.51.100.88"
SPAN = 720  # twelve minutes (COM-05 asks for at least ten)
SHA512 = passlib_hash.sha512_crypt


# --- capture blocks, parameterised where gen_capture's are the camera's -------------------------
class HomeCapture(gc.Capture):
    """gen_capture's Capture with this LAN's MAC addresses (gen_capture's mac_of knows the camera's)."""

    def emit(self, pkt, gap: float = 0.001) -> int:
        ip = pkt.getlayer(IP)
        if ip is not None:
            pkt[Ether].src = MACS.get(ip.src, gc.GATEWAY_MAC)
            dst = pkt[Ether].dst
            if dst is None or not int(dst.split(":")[0], 16) & 1:  # group addresses stay as given
                pkt[Ether].dst = MACS.get(ip.dst, gc.GATEWAY_MAC)
        return super().emit(pkt, gap)


def port_scan(cap: gc.Capture, target: str, open_ports: set[int]) -> None:
    """The laptop's SYN scan of 1-1024 and a few high ports: SYN/ACK (then RST) or RST."""
    for port in [*range(1, 1025), 1883, 8080, 8443, 8883]:
        sport = 40000 + port
        syn = TCP(sport=sport, dport=port, flags="S", seq=1000 + port, window=1024)
        cap.emit(Ether() / IP(src=LAPTOP, dst=target) / syn, gap=0.0002)
        if port in open_ports:
            reply = TCP(sport=port, dport=sport, flags="SA", seq=5000 + port, ack=1001 + port, window=64240)
        else:
            reply = TCP(sport=port, dport=sport, flags="RA", seq=0, ack=1001 + port, window=0)
        cap.emit(Ether() / IP(src=target, dst=LAPTOP) / reply, gap=0.0002)
        if port in open_ports:
            rst = TCP(sport=sport, dport=port, flags="R", seq=1001 + port, window=0)
            cap.emit(Ether() / IP(src=LAPTOP, dst=target) / rst, gap=0.0002)


def http_exchange(conn: gc.Tcp, request: bytes, status: str, ctype: str, body: bytes) -> list[int]:
    """One request and its response on an open connection; the request's packet numbers."""
    numbers = conn.c(request)
    head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
    conn.s(head.encode() + body)
    return numbers


def mqtt_length(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = n >> 7, n & 0x7F
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_utf8(text: str) -> bytes:
    return struct.pack("!H", len(text)) + text.encode()


def mqtt_packet(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + mqtt_length(len(body)) + body


# --- lockly-l1: capture ---------------------------------------------------------------------------
LOCK_API_USER, LOCK_API_PASSWORD = "owner", "Door2024"


def lock_telnet_login(cap: gc.Capture) -> None:
    """The inspector logs in on the lock's telnet with the installer account's default password."""
    conn = gc.Tcp(cap, LAPTOP, 51023, LOCK, 23)
    conn.open()
    conn.s(b"\xff\xfd\x18\xff\xfd\x20\xff\xfb\x03\xff\xfb\x01")
    conn.c(b"\xff\xfb\x18\xff\xfc\x20\xff\xfd\x03\xff\xfd\x01")
    conn.s(b"\r\nLockly L1 (Linux 4.14.180)\r\nlockly-l1 login: ")
    for ch in b"installer":
        conn.c(bytes([ch]))
        conn.s(bytes([ch]))
    conn.c(b"\r\x00")
    conn.s(b"\r\nPassword: ")
    for ch in b"1234":
        conn.c(bytes([ch]))
    conn.c(b"\r\x00")
    conn.s(b"\r\n\r\nBusyBox built-in shell (ash)\r\n$ ")
    conn.c(b"cat /etc/version\r\n")
    conn.s(b"Lockly L1 firmware 1.4.2\r\n$ ")
    conn.close()


def lock_app_unlock(cap: gc.Capture, cport: int, action: str) -> None:
    """The owner's phone app drives the lock over the local HTTP API, Basic credentials in clear."""
    token = base64.b64encode(f"{LOCK_API_USER}:{LOCK_API_PASSWORD}".encode()).decode()
    body = f'{{"action":"{action}"}}'.encode()
    request = (
        f"POST /api/v1/lock HTTP/1.1\r\nHost: {LOCK}\r\nUser-Agent: LocklyApp/3.2 (Android 14)\r\n"
        f"Authorization: Basic {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    conn = gc.Tcp(cap, PHONE, cport, LOCK, 80)
    conn.open()
    state = "unlocked" if action == "unlock" else "locked"
    http_exchange(conn, request, "200 OK", "application/json", f'{{"state":"{state}"}}'.encode())
    conn.close()


def lockly_capture(path: Path) -> None:
    cap = HomeCapture(path, seed=20260141)
    cloud = {f"{k}.lockly-cloud.example": v for k, v in LOCK_CLOUD.items()}
    for port, (name, address) in enumerate(cloud.items(), start=50101):
        resolve(cap, LOCK, name, address, port)
    mqtt = gc.tls13_open(cap, LOCK, 41100, LOCK_CLOUD["mqtt"], 8883, "mqtt.lockly-cloud.example", ["mqtt"])
    gc.tls13_data(mqtt, 600)
    gc.tls13_session(cap, LOCK, 41101, LOCK_CLOUD["api"], 443, "api.lockly-cloud.example", ["http/1.1"], 2400)
    # the update check and download: HTTPS, the image and its signature
    gc.tls13_session(
        cap, LOCK, 41102, LOCK_CLOUD["update"], 443, "update.lockly-cloud.example", ["http/1.1"], 24000
    )
    events = [(float(s), "keepalive") for s in range(60, SPAN + 1, 60)]
    events += [(120.0, "scan"), (200.0, "telnet"), (260.0, "unlock"), (265.0, "lock"), (590.0, "unlock")]
    events += [(299.0, "dns"), (599.0, "dns")]
    for second, what in sorted(events):
        cap.at(second)
        if what == "keepalive":
            gc.mqtt_keepalive(mqtt)
        elif what == "scan":
            port_scan(cap, LOCK, {23, 80})
        elif what == "telnet":
            lock_telnet_login(cap)
        elif what in ("unlock", "lock"):
            lock_app_unlock(cap, 52000 + int(second), what)
        else:
            resolve(cap, LOCK, "mqtt.lockly-cloud.example", LOCK_CLOUD["mqtt"], 50110 + int(second) // 300)
    cap.close()


# --- aquaheat-r2: capture -------------------------------------------------------------------------
HEAT_SERIAL = "R2-00417"
HEAT_MQTT_USER, HEAT_MQTT_PASSWORD = "r2-00417", "Aqu@Heat!R2"


def heat_mqtt_connect(cap: gc.Capture) -> gc.Tcp:
    """MQTT 3.1.1 to the vendor's broker without TLS: CONNECT with user name and password."""
    conn = gc.Tcp(cap, HEATER, 43100, HEAT_CLOUD["mqtt"], 1883)
    conn.open()
    variable = mqtt_utf8("MQTT") + b"\x04" + b"\xc2" + struct.pack("!H", 60)
    payload = mqtt_utf8(f"aquaheat-{HEAT_SERIAL}") + mqtt_utf8(HEAT_MQTT_USER) + mqtt_utf8(HEAT_MQTT_PASSWORD)
    conn.c(mqtt_packet(0x10, variable + payload))
    conn.s(b"\x20\x02\x00\x00")
    heat_mqtt_status(conn, 55, "boot")
    return conn


def heat_mqtt_status(conn: gc.Tcp, temperature: int, mode: str) -> None:
    topic = mqtt_utf8(f"aquaheat/{HEAT_SERIAL}/state")
    message = f'{{"tank_c":{temperature},"mode":"{mode}","heating":true}}'.encode()
    conn.c(mqtt_packet(0x30, topic + message))


def heat_firmware_download(cap: gc.Capture) -> None:
    """The updater fetches the image over plain HTTP (a uImage, octet-stream)."""
    conn = gc.Tcp(cap, HEATER, 44100, HEAT_CLOUD["fw"], 80)
    conn.open()
    request = (
        b"GET /r2/aquaheat-r2-3.2.bin HTTP/1.1\r\nHost: fw.aquaheat-cloud.example\r\n"
        b"User-Agent: Wget\r\nConnection: close\r\n\r\n"
    )
    kernel = random.Random("aquaheat-r2-update").randbytes(8128)
    body = build_header(kernel, name="AquaHeat R2 3.2", timestamp=1767225600) + kernel
    http_exchange(conn, request, "200 OK", "application/octet-stream", body)
    conn.close()


def aquaheat_capture(path: Path) -> None:
    cap = HomeCapture(path, seed=20260172)
    names = {f"{k}.aquaheat-cloud.example": v for k, v in HEAT_CLOUD.items()} | {STATS_NAME: STATS_IP}
    for port, (name, address) in enumerate(names.items(), start=50201):
        resolve(cap, HEATER, name, address, port)
    mqtt = heat_mqtt_connect(cap)
    gc.tls13_session(
        cap, HEATER, 41201, HEAT_CLOUD["api"], 443, "api.aquaheat-cloud.example", ["http/1.1"], 3000
    )
    heat_firmware_download(cap)
    gc.tls13_session(cap, HEATER, 41202, STATS_IP, 443, STATS_NAME, ["http/1.1"], 900)
    events = [(float(s), "ping") for s in range(60, SPAN + 1, 60)]
    events += [(s + 0.5, "status") for s in (150.0, 300.0, 450.0, 600.0)]
    events += [(180.0, "scan"), (240.0, "web"), (360.0, "stats"), (299.0, "dns"), (599.0, "dns")]
    for second, what in sorted(events):
        cap.at(second)
        if what == "ping":
            mqtt.c(b"\xc0\x00")
            mqtt.s(b"\xd0\x00")
        elif what == "status":
            heat_mqtt_status(mqtt, 55 + int(second) // 150, "eco")
        elif what == "scan":
            port_scan(cap, HEATER, {443})
        elif what == "web":
            gc.tls13_session(cap, LAPTOP, 51270, HEATER, 443, None, ["http/1.1"], 6000)
        elif what == "stats":
            gc.tls13_session(cap, HEATER, 41203, STATS_IP, 443, STATS_NAME, ["http/1.1"], 700)
        else:
            resolve(
                cap, HEATER, "mqtt.aquaheat-cloud.example", HEAT_CLOUD["mqtt"], 50210 + int(second) // 300
            )
    cap.close()


# --- firmware blocks --------------------------------------------------------------------------------
def kernel_payload(banner: str, seed: str) -> bytes:
    filler = random.Random(seed).randbytes(8192)
    return b"\0" * 64 + f"Linux version {banner}\n".encode() + filler


def assemble_image(rootfs: Path, out: Path, name: str, kernel: bytes) -> None:
    """gen_firmware's assemble (its squashfs), with this device's kernel and uImage name in front."""
    with tempfile.TemporaryDirectory() as tmp:
        camera = Path(tmp) / "image"
        gf.assemble(rootfs, camera)
        squash = camera.read_bytes()[gf.SQUASHFS_ALIGN :]
    if squash[:4] != b"hsqs":
        raise RuntimeError("gen_firmware.assemble's layout changed: no squashfs at 0x10000")
    header = build_header(kernel, name=name, arch=24, timestamp=gf.EPOCH, load=0x1000000, entry=0x1000000)
    head = header + kernel
    head += b"\xff" * (-len(head) % gf.SQUASHFS_ALIGN)
    out.write_bytes(head + squash)


def c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def strong_password(seed: str) -> str:
    rng = random.Random(seed)
    return "".join(
        rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789#%+=!") for _ in range(20)
    )


def busybox(root: Path, applets: dict[str, tuple[str, ...]]) -> None:
    """Debian's busybox-static and the applets the scripts use, as symlinks."""
    if not gf.BUSYBOX.exists():
        return
    gf.write(root, "/bin/busybox", gf.BUSYBOX.read_bytes(), mode=0o755)
    for folder, names in applets.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        target = "busybox" if folder == "bin" else "../" * folder.count("/") + "../bin/busybox"
        for applet in names:
            (root / folder / applet).symlink_to(target)


DAEMON = r"""
#include <stdio.h>
#include <string.h>
static const char banner[] = @BANNER@;
static const char secret[] = @SECRET@;
int main(int argc, char **argv) {
    char line[256];
    snprintf(line, sizeof line, "%s %.32s", banner, argc > 1 ? argv[1] : "start");
    puts(line);
    if (argc > 2 && strcmp(argv[2], "--print-credential") == 0) fputs(secret, stdout);
    return 0;
}
"""


def daemon_source(banner: str, secret: str) -> str:
    return DAEMON.replace("@BANNER@", c_string(banner)).replace("@SECRET@", c_string(secret))


# --- lockly-l1: firmware ----------------------------------------------------------------------------
def lockly_accounts(root: Path) -> None:
    """root locked; the locksmiths' installer account has a login shell and the default password 1234
    (sha512-crypt: a strong hash of a well-known password)."""
    gf.write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\n"
        "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
        "installer:x:1000:1000:installer:/home/installer:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )
    root_hash = SHA512.using(salt="L1rootS4", rounds=5000).hash(strong_password("lockly-l1-root"))
    installer_hash = SHA512.using(salt="L1instal", rounds=5000).hash("1234")
    gf.write(
        root,
        "/etc/shadow",
        f"root:!{root_hash}:19700:0:99999:7:::\n"
        "daemon:*:19700:0:99999:7:::\n"
        f"installer:{installer_hash}:19700:0:99999:7:::\n"
        "nobody:*:19700:0:99999:7:::\n",
        mode=0o600,
    )
    gf.write(root, "/etc/group", "root:x:0:\ndaemon:x:1:\ninstaller:x:1000:\nnogroup:x:65534:\n")


def lockly_services(root: Path) -> None:
    gf.write(
        root, "/etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n"
    )
    gf.write(
        root,
        "/etc/init.d/rcS",
        "#!/bin/sh\nmount -a\n# remote help for the locksmith at installation\n"
        "/usr/sbin/telnetd -l /bin/login\n"
        "for i in /etc/init.d/S??* ; do\n    $i start\ndone\n",
        mode=0o755,
    )
    gf.write(root, "/etc/init.d/S40lockd", '#!/bin/sh\n[ "$1" = start ] && /usr/bin/lockd &\n', mode=0o755)
    gf.write(
        root,
        "/etc/init.d/S50httpd",
        "#!/bin/sh\n# the local API for the phone app\n"
        '[ "$1" = start ] && httpd -p 80 -h /www -r "Lockly L1"\n',
        mode=0o755,
    )
    gf.write(root, "/www/index.html", "<html><body>Lockly L1</body></html>\n")
    gf.write(
        root,
        "/www/cgi-bin/api",
        '#!/bin/sh\n# POST /api/v1/lock {"action": "lock"|"unlock"}\nexec /usr/bin/lockd api\n',
        mode=0o755,
    )


def lockly_update(root: Path) -> None:
    """Signed updates over HTTPS only: the right way, kept right (UPD-02 passes)."""
    gf.write(root, "/etc/lockly/release.pub", gf.usign_public_key("lockly-l1-release"))
    gf.write(
        root,
        "/usr/sbin/lock-update",
        "#!/bin/sh\n# Lockly L1 updater: signed images over HTTPS only\n"
        "BASE=https://update.lockly-cloud.example/l1\n"
        'wget -q -O /tmp/fw.bin "$BASE/latest.bin" || exit 1\n'
        'wget -q -O /tmp/fw.bin.sig "$BASE/latest.bin.sig" || exit 1\n'
        "usign -V -m /tmp/fw.bin -x /tmp/fw.bin.sig -P /etc/lockly || exit 1\n"
        "sysupgrade /tmp/fw.bin\n",
        mode=0o755,
    )
    gf.write(
        root,
        "/etc/lockly/cloud.conf",
        "[cloud]\nbroker=mqtts://mqtt.lockly-cloud.example:8883\napi=https://api.lockly-cloud.example/v2\n"
        "ca=/etc/ssl/certs/lockly-ca.pem\n",
    )


def lockly_rootfs(root: Path) -> None:
    gf.write(root, "/etc/version", "Lockly L1 firmware 1.4.2\n")
    gf.write(root, "/etc/hostname", "lockly-l1\n")
    gf.write(root, "/etc/fstab", "proc /proc proc defaults 0 0\ntmpfs /tmp tmpfs defaults 0 0\n")
    lockly_accounts(root)
    lockly_services(root)
    lockly_update(root)
    client_key = gf.seeded_rsa("lockly-l1-cloud-client").private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    # the cloud client's private key compiled into the daemon: the same on every lock
    gf.compile_c(
        root / "usr/bin/lockd", daemon_source("Lockly lockd 1.4.2", client_key.decode()), gf.HARDENED
    )
    gf.compile_c(root / "usr/bin/usign", gf.PROGRAM % "usign", gf.HARDENED)
    busybox(root, {"bin": ("sh", "ash", "login", "mount", "wget"),
                   "sbin": ("getty", "sysupgrade"), "usr/sbin": ("telnetd", "httpd")})  # fmt: skip
    gf.build_info(root, release="release: lockly-l1-1.4.2\n")


# --- aquaheat-r2: firmware -------------------------------------------------------------------------
def heat_api_key() -> str:
    """A Google-style cloud API key (AIza + 35 characters), the same in every unit's heatd."""
    rng = random.Random("aquaheat-r2-api-key")
    return "AIza" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
                            for _ in range(35))  # fmt: skip


def aquaheat_accounts(root: Path) -> None:
    """root locked, the web admin with a strong random password, no other login account."""
    gf.write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\n"
        "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
        "heater:x:100:100:heater service:/var/lib/heater:/sbin/nologin\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )
    root_hash = SHA512.using(salt="R2rootS4", rounds=5000).hash(strong_password("aquaheat-r2-root"))
    gf.write(
        root,
        "/etc/shadow",
        f"root:!{root_hash}:19700:0:99999:7:::\n"
        "daemon:*:19700:0:99999:7:::\nheater:*:19700:0:99999:7:::\nnobody:*:19700:0:99999:7:::\n",
        mode=0o600,
    )
    gf.write(root, "/etc/group", "root:x:0:\ndaemon:x:1:\nheater:x:100:\nnogroup:x:65534:\n")


def aquaheat_services(root: Path) -> None:
    gf.write(
        root, "/etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n"
    )
    gf.write(
        root,
        "/etc/init.d/rcS",
        "#!/bin/sh\nmount -a\nfor i in /etc/init.d/S??* ; do\n    $i start\ndone\n",
        mode=0o755,
    )
    gf.write(root, "/etc/init.d/S40heatd", '#!/bin/sh\n[ "$1" = start ] && /usr/bin/heatd &\n', mode=0o755)
    gf.write(
        root,
        "/etc/init.d/S50uhttpd",
        "#!/bin/sh\n# the set-up page; its TLS key is made on first boot, unique per unit\n"
        "[ -f /data/uhttpd.key ] || px5g selfsigned -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
        "-keyout /data/uhttpd.key -out /data/uhttpd.crt -subj /CN=aquaheat-r2\n"
        '[ "$1" = start ] && uhttpd -f -h /www -s 0.0.0.0:443 -C /data/uhttpd.crt -K /data/uhttpd.key\n',
        mode=0o755,
    )
    gf.write(root, "/www/index.html", "<html><body>AquaHeat R2 set-up</body></html>\n")
    gf.write(
        root,
        "/etc/aquaheat/cloud.conf",
        "[cloud]\nbroker=mqtt://mqtt.aquaheat-cloud.example:1883\napi=https://api.aquaheat-cloud.example/v1\n"
        "# per-unit MQTT credentials are written to /data/mqtt at the factory\ncredentials=/data/mqtt\n",
    )
    gf.write(
        root,
        "/usr/sbin/heat-update",
        "#!/bin/sh\n# AquaHeat R2 updater\nURL=http://fw.aquaheat-cloud.example/r2/aquaheat-r2-latest.bin\n"
        'wget -q -O /tmp/fw.bin "$URL" || exit 1\nmtd write /tmp/fw.bin firmware && reboot\n',
        mode=0o755,
    )


def aquaheat_rootfs(root: Path) -> None:
    gf.write(root, "/etc/version", "AquaHeat R2 firmware 3.1.0\n")
    gf.write(root, "/etc/hostname", "aquaheat-r2\n")
    gf.write(root, "/etc/fstab", "proc /proc proc defaults 0 0\ntmpfs /tmp tmpfs defaults 0 0\n")
    aquaheat_accounts(root)
    aquaheat_services(root)
    for rel in ("usr/bin", "usr/sbin", "usr/lib"):
        (root / rel).mkdir(parents=True, exist_ok=True)
    gf.compile_c(root / "usr/bin/heatd", daemon_source("AquaHeat heatd 3.1.0", heat_api_key()), gf.HARDENED)
    gf.compile_c(root / "usr/sbin/uhttpd", gf.PROGRAM % "uhttpd (OpenWrt)", gf.HARDENED)
    compile_libssl(root, "OpenSSL 1.0.2k  26 Jan 2017")
    gf.build_info(root, release="release: aquaheat-r2-3.1.0\n")


# --- both ----------------------------------------------------------------------------------------
LOCK_KERNEL = "4.14.180 (builder@lockly-build) (gcc version 8.4.0 (Buildroot 2020.02)) #1 SMP"
HEAT_KERNEL = "4.9.118 (builder@aquaheat) (gcc version 7.3.0 (Buildroot 2018.02)) #1 PREEMPT"
IMAGES = (
    ("lockly-l1.img", lockly_rootfs, "Lockly L1 1.4.2 kernel", kernel_payload(LOCK_KERNEL, "lockly")),
    ("aquaheat-r2.img", aquaheat_rootfs, "AquaHeat R2 3.1.0 kernel", kernel_payload(HEAT_KERNEL, "aquaheat")),
)


def generate(outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    lockly_capture(outdir / "lockly-l1.pcap")
    aquaheat_capture(outdir / "aquaheat-r2.pcap")
    written = [outdir / "lockly-l1.pcap", outdir / "aquaheat-r2.pcap"]
    for name, builder, kernel_name, kernel in IMAGES:
        assemble = functools.partial(assemble_image, name=kernel_name, kernel=kernel)
        written.append(write_image(outdir / name, builder, assemble))
    return written


if __name__ == "__main__":
    main(generate, HERE)
