"""Generate the two ★★★ practice exercises' devices (deterministic, byte for byte on the same toolchain).

    python sample_captures/gen_exercise_practice.py [OUTDIR]     (default: sample_captures/)

homehub-h5.pcap / .img   HomeHub H5 smart-home hub, 192.168.1.60 (02:00:00:48:05:60)
paypoint-p3.pcap / .img  PayPoint P3 payment terminal, 192.168.1.70 (02:00:00:9e:03:70)

Built from the demo camera's building blocks (gen_capture: Capture, Tcp, DNS, NTP and TLS records;
gen_firmware: compile_c, write, assemble, build_info, seeded keys); what those hard-wire to the camera
(its addresses, the image's model name) is given here as parameters. The planted defects and the
places that prove them are in sample_captures/exercises/<exercise>.key.yaml; in short:

HomeHub H5: a signed update whose verifying key is the development key; a web terminal (ttyd) started
by an init script but not listening in the capture; a service password compiled into hubd; a cloud
client that talks TLS 1.3 (nothing to fault in the capture) but runs `curl -k`; an SSH host key in the
image although the init script says keys are made on first boot; miniupnpd on 49152, not declared.
PayPoint P3: TLS 1.2 to the payment gateway (AES-CBC-SHA with RSA key exchange) whose ClientHello
also offers 3DES; card data posted over plain HTTP to an undeclared analytics host; the gateway API
token in a configuration file; the client key world-writable; a debug log with credentials left in
the image; OpenSSL 1.0.2l and BusyBox 1.35 (osv-sample.json has records for both).

Needs mksquashfs, gcc, strip; Debian's busybox-static for the terminal's image; no network.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen_capture as gc  # noqa: E402
import gen_firmware as gf  # noqa: E402
from gen_exercise_common import compile_libssl, main, resolve, write_image  # noqa: E402

HUB, HUB_MAC = "192.168.1.60", "02:00:00:48:05:60"
POS, POS_MAC = "192.168.1.70", "02:00:00:9e:03:70"
HUB_CLOUD, HUB_UPDATE, HUB_CHECK = "203.0.113.60", "203.0.113.61", "203.0.113.62"
PAY_GATEWAY, PAY_TMS, INSIGHT = "203.0.113.70", "203.0.113.71", "198.51.100.70"
HUB_NTP, POS_NTP = "time.homehub.example", "time.paypoint.example"  # both at the demo's NTP address
SPAN = 720  # both captures span twelve minutes (COM-05 asks for ten)
HUB_VERSION, POS_VERSION = "1.4.2", "3.1.0"


@contextlib.contextmanager
def patched(module: ModuleType, **values: Any) -> Iterator[None]:
    """Give a building block's module-level settings (the camera's) other values for a while."""
    saved = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


# --- capture building blocks with the device's address as a parameter -------------------------
def dhcp_request(mac: str, address: str, hostname: str, vendor: str) -> bytes:
    head = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, 0x5A17C0DE, 0, 0, *(b"\0" * 4,) * 4)
    head += bytes.fromhex(mac.replace(":", "")) + b"\0" * 10 + b"\0" * 192 + b"\x63\x82\x53\x63"
    opts = b"\x35\x01\x03\x32\x04" + bytes(int(x) for x in address.split("."))
    opts += bytes([12, len(hostname)]) + hostname.encode() + bytes([60, len(vendor)]) + vendor.encode()
    return head + opts + b"\xff"


def ntp_sync(cap: gc.Capture, device: str, port: int) -> None:
    cap.udp(device, port, gc.NTP_IP, 123, gc.ntp_packet(3, cap.t))
    cap.udp(gc.NTP_IP, 123, device, port, gc.ntp_packet(4, cap.t + 0.02), gap=0.021)


def port_scan(cap: gc.Capture, device: str, ports: list[int], open_ports: set[int]) -> None:
    """The inspector's laptop sends a SYN to every port; open ones answer SYN/ACK, the rest RST."""
    laptop, device_mac = gc.LAPTOP, gc.mac_of(device)
    for port in ports:
        sport = 40000 + (port % 20000)
        syn = gc.TCP(sport=sport, dport=port, flags="S", seq=1000 + port, window=1024)
        cap.emit(
            gc.Ether(src=gc.LAPTOP_MAC, dst=device_mac) / gc.IP(src=laptop, dst=device) / syn, gap=0.0002
        )
        if port in open_ports:
            reply = gc.TCP(
                sport=port, dport=sport, flags="SA", seq=5000 + port, ack=1001 + port, window=64240
            )
        else:
            reply = gc.TCP(sport=port, dport=sport, flags="RA", seq=0, ack=1001 + port, window=0)
        cap.emit(
            gc.Ether(src=device_mac, dst=gc.LAPTOP_MAC) / gc.IP(src=device, dst=laptop) / reply, gap=0.0002
        )
        if port in open_ports:
            rst = gc.TCP(sport=sport, dport=port, flags="R", seq=1001 + port, window=0)
            cap.emit(
                gc.Ether(src=gc.LAPTOP_MAC, dst=device_mac) / gc.IP(src=laptop, dst=device) / rst, gap=0.0002
            )


def mdns_announcement(
    instance: str, service: str, host: str, port: int, address: str, txt: list[str]
) -> bytes:
    rdata = gc._rdata
    records = [gc.dns_name(service) + struct.pack("!HHI", 12, 1, 4500) + rdata(gc.dns_name(instance))]
    srv = struct.pack("!HHH", 0, 0, port) + gc.dns_name(host)
    records.append(gc.dns_name(instance) + struct.pack("!HHI", 33, 0x8001, 120) + rdata(srv))
    txt_data = b"".join(bytes([len(t)]) + t.encode() for t in txt)
    records.append(gc.dns_name(instance) + struct.pack("!HHI", 16, 0x8001, 4500) + rdata(txt_data))
    a_record = bytes(int(x) for x in address.split("."))
    records.append(gc.dns_name(host) + struct.pack("!HHI", 1, 0x8001, 120) + rdata(a_record))
    return struct.pack("!HHHHHH", 0, 0x8400, 0, len(records), 0, 0) + b"".join(records)


# --- the HomeHub H5 capture ----------------------------------------------------------------------
HUB_NAMES = {
    "cloud.homehub.example": HUB_CLOUD,
    "update.homehub.example": HUB_UPDATE,
    "connectivity-check.homehub.example": HUB_CHECK,
}
HUB_OPEN = {22, 53, 80, 443, 49152}
SCANNED = [*range(1, 1025), 1883, 5000, 8080, 8443, 49152]


def hub_capture(path: Path) -> None:
    cap = gc.Capture(path, seed=20250160)
    dhcp = dhcp_request(HUB_MAC, HUB, "homehub-h5", "homehub-h5")
    cap.udp(HUB, 68, "255.255.255.255", 67, dhcp, dst_mac="ff:ff:ff:ff:ff:ff")
    resolve(cap, HUB, HUB_NTP, gc.NTP_IP, 51000)
    ntp_sync(cap, HUB, 51123)
    for port, (name, address) in enumerate(HUB_NAMES.items(), start=51001):
        resolve(cap, HUB, name, address, port)
    txt = ["txtvers=1", "model=H5"]
    announcement = mdns_announcement(
        "HomeHub H5._homehub._tcp.local", "_homehub._tcp.local", "homehub-h5.local", 443, HUB, txt
    )
    cap.udp(HUB, 5353, "224.0.0.251", 5353, announcement, dst_mac="01:00:5e:00:00:fb")
    gc.tls13_session(cap, HUB, 42001, HUB_CHECK, 443, "connectivity-check.homehub.example", ["http/1.1"], 600)
    gc.tls13_session(cap, HUB, 42002, HUB_UPDATE, 443, "update.homehub.example", ["http/1.1"], 3000)
    gc.tls13_session(cap, HUB, 42003, HUB_CLOUD, 443, "cloud.homehub.example", ["http/1.1"], 1800)
    events: list[tuple[float, str]] = [(float(s), "sync") for s in range(120, SPAN + 1, 120)]
    events += [(float(s) + 0.5, "ntp") for s in range(128, SPAN, 128)]
    events += [(s - 2.0, "dns") for s in (300.0, 600.0)]
    events += [(180.0, "scan"), (250.0, "web")]
    for second, what in sorted(events):
        cap.at(second)
        if what == "sync":  # hub-cloud-sync, every two minutes, a new connection each time
            port = 42100 + int(second) // 120
            gc.tls13_session(cap, HUB, port, HUB_CLOUD, 443, "cloud.homehub.example", ["http/1.1"], 900)
        elif what == "ntp":
            ntp_sync(cap, HUB, 51123)
        elif what == "dns":
            resolve(cap, HUB, "cloud.homehub.example", HUB_CLOUD, 51010 + int(second) // 300)
        elif what == "scan":
            port_scan(cap, HUB, SCANNED, HUB_OPEN)
        elif what == "web":  # the owner's browser on the hub's web interface
            gc.tls13_session(cap, gc.LAPTOP, 51300, HUB, 443, None, ["h2", "http/1.1"], 7000)
    cap.close()


# --- the PayPoint P3 capture ---------------------------------------------------------------------
def _cert_name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PayPoint Payments"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])  # fmt: skip


def gateway_chain() -> list[bytes]:
    """The payment gateway's chain as sent: a 2048-bit RSA leaf and its issuing CA, both SHA-256."""
    root_key, ca_key = gc.seeded_rsa_key(2048, seed=3001), gc.seeded_rsa_key(2048, seed=3002)
    leaf_key = gc.seeded_rsa_key(2048, seed=3003)
    ca = (x509.CertificateBuilder().subject_name(_cert_name("PayPoint Issuing CA 2"))
          .issuer_name(_cert_name("PayPoint Root CA")).public_key(ca_key.public_key()).serial_number(0x3002)
          .not_valid_before(dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
          .not_valid_after(dt.datetime(2033, 1, 1, tzinfo=dt.UTC))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(root_key, hashes.SHA256()))  # fmt: skip
    leaf = (x509.CertificateBuilder().subject_name(_cert_name("gateway.paypoint.example"))
            .issuer_name(ca.subject).public_key(leaf_key.public_key()).serial_number(0x3003)
            .not_valid_before(dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(2025, 9, 1, tzinfo=dt.UTC))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("gateway.paypoint.example")]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))  # fmt: skip
    return [c.public_bytes(serialization.Encoding.DER) for c in (leaf, ca)]


# offered by the terminal's OpenSSL 1.0.2 build: AES256-SHA, AES128-SHA, DES-CBC3-SHA, the SCSV
GATEWAY_OFFER = [0x0035, 0x002F, 0x000A, 0x00FF]


def gateway_sale(cap: gc.Capture, port: int, chain: list[bytes]) -> None:
    """One authorisation: TLS 1.2, RSA key exchange, TLS_RSA_WITH_AES_256_CBC_SHA chosen."""
    rng = cap.rng
    conn = gc.Tcp(cap, POS, port, PAY_GATEWAY, 443)
    conn.open()
    exts = [
        gc.sni("gateway.paypoint.example"),
        gc.ext(13, gc.u16s([0x0401, 0x0501, 0x0201])),
        gc.ext(35, b""),
    ]
    conn.c(gc.record(22, 0x0301, gc.client_hello(rng, 0x0303, GATEWAY_OFFER, exts)))
    hello = gc.server_hello(rng, 0x0303, 0x0035, [gc.ext(0xFF01, b"\x00")])
    flight = gc.record(22, 0x0303, hello + gc.certificate_message(chain) + gc.handshake(14, b""))
    conn.s(flight, mss=1200)
    conn.c(gc.record(22, 0x0303, gc.handshake(16, b"\x01\x00" + rng.randbytes(256)))
           + gc.record(20, 0x0303, b"\x01") + gc.record(22, 0x0303, rng.randbytes(64)))  # fmt: skip
    conn.s(gc.record(20, 0x0303, b"\x01") + gc.record(22, 0x0303, rng.randbytes(64)))
    conn.c(gc.record(23, 0x0303, rng.randbytes(432)))  # the authorisation request
    conn.s(gc.record(23, 0x0303, rng.randbytes(304)))  # approved
    conn.close()


def insight_post(cap: gc.Capture, port: int, sale: int) -> None:
    """The 'insight' agent posts the last sale, card number and track data included, in clear."""
    conn = gc.Tcp(cap, POS, port, INSIGHT, 80)
    conn.open()
    card = '"pan":"4111111111111111","exp":"12/27","track2":"4111111111111111=27121010000012300000"'
    body = (
        f'{{"terminal":"P3-00417","merchant":"M-20931","sale":{sale},"amount":"24.90",{card},"entry":"chip"}}'
    )
    body = body.encode()
    conn.c(
        b"POST /v1/ingest HTTP/1.1\r\nHost: metrics.pos-insight.example\r\nUser-Agent: Wget\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    conn.s(b"HTTP/1.1 204 No Content\r\nServer: nginx\r\n\r\n")
    conn.close()


POS_NAMES = {
    "tms.paypoint.example": PAY_TMS,
    "gateway.paypoint.example": PAY_GATEWAY,
    "metrics.pos-insight.example": INSIGHT,
}


def pos_capture(path: Path) -> None:
    cap = gc.Capture(path, seed=20250170)
    chain = gateway_chain()
    dhcp = dhcp_request(POS_MAC, POS, "paypoint-p3", "paypoint-p3")
    cap.udp(POS, 68, "255.255.255.255", 67, dhcp, dst_mac="ff:ff:ff:ff:ff:ff")
    resolve(cap, POS, POS_NTP, gc.NTP_IP, 52000)
    ntp_sync(cap, POS, 52123)
    for port, (name, address) in enumerate(POS_NAMES.items(), start=52001):
        resolve(cap, POS, name, address, port)
    gc.tls13_session(cap, POS, 43001, PAY_TMS, 443, "tms.paypoint.example", ["http/1.1"], 2400)
    gateway_sale(cap, 43002, chain)
    insight_post(cap, 43003, 1)
    events: list[tuple[float, str]] = [(float(s), "sale") for s in (200, 420, 640)]
    events += [(float(s), "insight") for s in (240, 480, SPAN)]
    events += [(float(s) + 0.5, "ntp") for s in range(128, SPAN, 128)]
    events += [(s - 2.0, "dns") for s in (300.0, 600.0)]
    events += [(150.0, "scan")]
    for second, what in sorted(events):
        cap.at(second)
        if what == "sale":
            gateway_sale(cap, 43100 + int(second) // 10, chain)
        elif what == "insight":
            insight_post(cap, 43200 + int(second) // 10, int(second) // 200 + 1)
        elif what == "ntp":
            ntp_sync(cap, POS, 52123)
        elif what == "dns":
            for offset, (name, address) in enumerate(POS_NAMES.items()):
                resolve(cap, POS, name, address, 52010 + offset + int(second) // 100)
        elif what == "scan":
            port_scan(cap, POS, [*range(1, 1025), 8080, 8443], {443})
    cap.close()


# --- firmware building blocks ---------------------------------------------------------------------
def kernel_payload_for(product: str, kernel: str) -> bytes:
    banner = (f"Linux version {kernel} (builder@{product}) (gcc version 12.3.0 (OpenWrt GCC 12.3.0)) "
              "#0 SMP Mon Jan 1 00:00:00 2024\n").encode()  # fmt: skip
    return b"\0" * 64 + banner + hashlib.shake_256(product.encode()).digest(8192)


def assemble_image(rootfs: Path, out: Path, model: str, version: str, product: str, kernel: str) -> None:
    """gen_firmware.assemble with this device's model name and kernel banner instead of the camera's."""
    with patched(gf, MODEL=model, kernel_payload=lambda: kernel_payload_for(product, kernel)):
        gf.assemble(rootfs, out, version)


def dropbear_ed25519_key(seed: str) -> bytes:
    """Dropbear's host key format for Ed25519: string "ssh-ed25519", string (private || public)."""
    private = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    name, blob = b"ssh-ed25519", raw + public
    return struct.pack(">I", len(name)) + name + struct.pack(">I", len(blob)) + blob


def ec_key(seed: str) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big") % (2**255)
    return ec.derive_private_key(scalar, ec.SECP256R1())


def script(*lines: str) -> str:
    return "#!/bin/sh\n" + "".join(line + "\n" for line in lines)


def service(*start: str, comment: str = "") -> str:
    head = [f"# {comment}"] if comment else []
    return script(*head, 'case "$1" in', "  start)", *(f"    {line}" for line in start), "    ;;", "esac")


SHADOW_DAYS = ":19723:0:99999:7:::\n"
RCS = script(
    "mount -a",
    "for i in /etc/init.d/S??* ; do",
    '    "$i" start',
    "done",
    "[ -x /etc/rc.local ] && /etc/rc.local",
)
GETTY = (
    "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n"
    "::shutdown:/bin/umount -a -r\n"
)

# The hub daemon: a service menu on the Zigbee stick's console with a password compiled in.
HUBD = r"""
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    char line[64];
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        puts("HomeHub hubd %s");
        return 0;
    }
    fputs("Service password: ", stdout);
    if (!fgets(line, sizeof line, stdin)) return 1;
    line[strcspn(line, "\n")] = 0;
    if (strcmp(line, "%s") != 0) return 1;
    puts("service menu");
    return 0;
}
"""
HUB_SERVICE_PASSWORD = "H5-fact0ry!"
HUB_DEV_KEY_SEED = "homehub-h5-development-key"


# --- the HomeHub H5 image ---------------------------------------------------------------------------
def hub_accounts(root: Path) -> None:
    gf.write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/ash\nnetwork:x:101:101:network:/var:/bin/false\n"
        "admin:x:1000:1000:admin:/home/admin:/bin/ash\nnobody:x:65534:65534:nobody:/var:/bin/false\n",
    )
    gf.write(root, "/etc/group", "root:x:0:\nnetwork:x:101:\nadmin:x:1000:\nnogroup:x:65534:\n")
    # root has no password (only the owner's admin account logs in); admin is locked until the owner
    # sets its password in the app at set-up (declared: user-set)
    gf.write(
        root,
        "/etc/shadow",
        "root:*"
        + SHADOW_DAYS
        + "network:*"
        + SHADOW_DAYS
        + "admin:!"
        + SHADOW_DAYS
        + "nobody:*"
        + SHADOW_DAYS,
        mode=0o600,
    )


def hub_boot(root: Path) -> None:
    gf.write(root, "/etc/inittab", GETTY)
    gf.write(root, "/etc/init.d/rcS", RCS, mode=0o755)
    gf.write(
        root,
        "/etc/init.d/S10syslog",
        service("syslogd -s 512 -b 4 -O /overlay/log/messages", "klogd"),
        mode=0o755,
    )
    gf.write(root, "/etc/init.d/S20ntpd", service(f"ntpd -p {HUB_NTP}"), mode=0o755)
    gf.write(root, "/etc/init.d/S40dnsmasq", service("dnsmasq -C /etc/dnsmasq.conf"), mode=0o755)
    gf.write(root, "/etc/init.d/S45hostapd", service("hostapd -B /etc/hostapd/hostapd.conf"), mode=0o755)
    gf.write(
        root,
        "/etc/init.d/S50uhttpd",
        service(
            "[ -f /tmp/uhttpd.key ] || "
            "px5g selfsigned -ec -days 3650 -keyout /tmp/uhttpd.key -out /tmp/uhttpd.crt",
            "uhttpd -f -h /www -p 0.0.0.0:80 -s 0.0.0.0:443 -C /tmp/uhttpd.crt -K /tmp/uhttpd.key &",
        ),
        mode=0o755,
    )
    gf.write(
        root,
        "/etc/init.d/S60dropbear",
        service(
            "[ -f /etc/dropbear/dropbear_ed25519_host_key ] || "
            "dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key",
            "dropbear -s -p 22",
            comment="host keys are generated on first boot, unique per device",
        ),
        mode=0o755,
    )
    gf.write(root, "/etc/init.d/S70miniupnpd", service("miniupnpd -f /etc/miniupnpd.conf"), mode=0o755)
    gf.write(
        root,
        "/etc/init.d/S80hubd",
        service("/usr/sbin/hubd --radio /dev/ttyUSB0 &", "/usr/bin/hub-cloud-sync --daemon &"),
        mode=0o755,
    )
    gf.write(
        root,
        "/etc/rc.local",
        script(
            "# engineering builds: the developers' web terminal on the LAN",
            "ttyd -p 7681 -i br-lan /bin/ash -l &",
            "exit 0",
        ),
        mode=0o755,
    )
    gf.write(
        root,
        "/etc/miniupnpd.conf",
        "ext_ifname=eth0\nlisten_on=br-lan\nport=49152\nenable_upnp=yes\nsecure_mode=no\n",
    )
    gf.write(root, "/etc/dnsmasq.conf", "domain-needed\nbogus-priv\nlocal=/lan/\nport=53\n")


def hub_wifi_and_cloud(root: Path) -> None:
    gf.write(
        root,
        "/etc/hostapd/hostapd.conf",
        "interface=wlan0\nbridge=br-lan\nssid=HomeHub-H5\nwpa=2\nwpa_key_mgmt=WPA-PSK SAE\n"
        "rsn_pairwise=CCMP\nieee80211w=1\n# the passphrase is per unit, read from the factory partition\n"
        "wpa_psk_file=/tmp/hostapd.psk\n",
    )
    gf.write(
        root,
        "/usr/bin/hub-cloud-sync",
        script(
            "# HomeHub cloud sync: device state up, automations down, every two minutes",
            "API=https://cloud.homehub.example/v1",
            'ID="$(cat /tmp/sysinfo/unit_id)"',
            "while :; do",
            '    curl -s -k --cacert /etc/ssl/certs/ca-certificates.crt -H "X-Unit: $ID" \\',
            '        -d @/tmp/hub/state.json "$API/sync" -o /tmp/hub/automations.json',
            '    [ "$1" = --daemon ] || break',
            "    sleep 120",
            "done",
        ),
        mode=0o755,
    )
    gf.write(
        root,
        "/etc/ssl/certs/ca-certificates.crt",
        gf.self_signed(gf.seeded_rsa("homehub-root-ca"), "HomeHub Root CA", ca=True, years=25),
    )
    gf.write(
        root, "/etc/dropbear/dropbear_ed25519_host_key", dropbear_ed25519_key("homehub-h5-host"), mode=0o600
    )


def hub_update(root: Path) -> None:
    key = gf.usign_public_key(HUB_DEV_KEY_SEED).replace(
        "Acme C100 release key", "HomeHub H5 development key (engineering builds only)"
    )
    keyid = key.splitlines()[0].rsplit(" ", 1)[-1]  # OpenWrt names a key file by its key id
    gf.write(root, f"/etc/opkg/keys/{keyid}", key)
    gf.write(
        root,
        "/sbin/hub-upgrade",
        script(
            "# HomeHub H5 upgrade: signed images over HTTPS",
            "BASE=https://update.homehub.example/h5",
            'uclient-fetch -q -O /tmp/fw.bin "$BASE/h5-latest.bin" || exit 1',
            'uclient-fetch -q -O /tmp/fw.bin.sig "$BASE/h5-latest.bin.sig" || exit 1',
            "usign -V -m /tmp/fw.bin -x /tmp/fw.bin.sig -P /etc/opkg/keys || exit 1",
            "sysupgrade /tmp/fw.bin",
        ),
        mode=0o755,
    )


def hub_rootfs(root: Path) -> None:
    gf.write(root, "/etc/version", f"HomeHub H5 firmware {HUB_VERSION}\n")
    gf.write(root, "/etc/hostname", "homehub-h5\n")
    gf.write(root, "/www/index.html", "<html><body>HomeHub H5</body></html>\n")
    hub_accounts(root)
    hub_boot(root)
    hub_wifi_and_cloud(root)
    hub_update(root)
    for rel in ("usr/bin", "usr/sbin", "usr/lib", "sbin"):
        (root / rel).mkdir(parents=True, exist_ok=True)
    gf.compile_c(root / "usr/sbin/hubd", HUBD % (HUB_VERSION, HUB_SERVICE_PASSWORD), gf.HARDENED)
    for path, banner in (
        ("usr/sbin/uhttpd", "uhttpd (OpenWrt)"),
        ("usr/sbin/dropbear", "SSH-2.0-dropbear_2024.86"),
        ("usr/sbin/dnsmasq", "dnsmasq-2.90"),
        ("usr/sbin/miniupnpd", "MiniUPnPd 2.3.7"),
        ("usr/bin/usign", "usign"),
        ("usr/bin/curl", "curl/8.9.1"),
        ("usr/bin/ttyd", "ttyd 1.7.4"),
        ("sbin/sysupgrade", "sysupgrade (OpenWrt)"),
    ):
        gf.compile_c(root / path, gf.PROGRAM % banner, gf.HARDENED)
    gf.compile_c(
        root / "usr/lib/libssl.so.3",
        gf.BUFFER_LIBRARY % "OpenSSL 3.0.15 3 Sep 2024",
        [*gf.HARDENED[:4], "-Wl,-z,relro,-z,now", "-Wl,-z,noexecstack", "-Wl,-soname,libssl.so.3"],
        shared=True,
    )
    gf.build_info(root, release=f"release: h5-{HUB_VERSION} (production)\n")


# --- the PayPoint P3 image --------------------------------------------------------------------------
POS_TOKEN = "ppt_live_7Qm2Vx9LcR4sKd8NwF3bHy6Z"
POS_DEBUG_LOG = (
    "2024-11-05 14:02:09 posd[398]: tms: config v41 applied\n"
    "2024-11-05 14:02:11 paygw[412]: POST /v2/authorise terminal=P3-00417 token=" + POS_TOKEN + "\n"
    "2024-11-05 14:02:12 paygw[412]: 200 approved auth=A1B2C3\n"
    "2024-11-05 14:03:40 posd[398]: operator login user=manager password=Mgr-4417x ok\n"
    "2024-11-05 14:03:41 posd[398]: refund mode enabled by manager\n"
)


def pos_accounts(root: Path) -> None:
    gf.write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\npos:x:1000:1000:pos:/home/pos:/bin/false\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )
    gf.write(root, "/etc/group", "root:x:0:\npos:x:1000:\nnogroup:x:65534:\n")
    # root is locked (the merchant's administration is the web interface, with a per-unit password
    # provisioned by the TMS); a trainee finds no stored password in the image
    gf.write(
        root,
        "/etc/shadow",
        "root:!" + SHADOW_DAYS + "pos:*" + SHADOW_DAYS + "nobody:*" + SHADOW_DAYS,
        mode=0o600,
    )


def pos_boot(root: Path) -> None:
    gf.write(root, "/etc/inittab", GETTY)
    gf.write(root, "/etc/init.d/rcS", RCS, mode=0o755)
    gf.write(root, "/etc/init.d/S10syslog", service("syslogd -C128", "klogd"), mode=0o755)
    gf.write(root, "/etc/init.d/S20ntpd", service(f"ntpd -p {POS_NTP}"), mode=0o755)
    gf.write(
        root,
        "/etc/init.d/S50uhttpd",
        service("uhttpd -f -h /www -s 0.0.0.0:443 -C /etc/pos/tls/web.crt -K /data/tls/web.key &"),
        mode=0o755,
    )
    gf.write(
        root,
        "/etc/init.d/S60posd",
        service("/usr/bin/posd -c /etc/pos/gateway.conf &", "/usr/bin/pp-insight &"),
        mode=0o755,
    )


def pos_payment(root: Path) -> None:
    gf.write(
        root,
        "/etc/pos/gateway.conf",
        "[gateway]\nurl=https://gateway.paypoint.example/v2/authorise\nmerchant_id=M-20931\n"
        f"terminal_id=P3-00417\napi_token={POS_TOKEN}\nclient_cert=/etc/pos/tls/client.crt\n"
        "client_key=/etc/pos/tls/client.key\n",
        mode=0o600,
    )
    key = ec_key("paypoint-p3-client")
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    gf.write(root, "/etc/pos/tls/client.key", pem, mode=0o666)
    name = _cert_name("P3 terminal client")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(0x4001).not_valid_before(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(2034, 1, 1, tzinfo=dt.UTC))
            .sign(key, hashes.SHA256(), ecdsa_deterministic=True))  # fmt: skip
    gf.write(root, "/etc/pos/tls/client.crt", cert.public_bytes(serialization.Encoding.PEM))
    gf.write(
        root,
        "/etc/pos/logging.conf",
        "# posd and paygw logging\nlog_level=debug\nlog_requests=full\nlog_file=/var/log/paygw-debug.log\n",
    )
    gf.write(root, "/var/log/paygw-debug.log", POS_DEBUG_LOG)
    gf.write(
        root,
        "/usr/bin/pp-insight",
        script(
            "# PayPoint Insight agent (pilot): sale summaries for the merchant dashboard",
            "URL=http://metrics.pos-insight.example/v1/ingest",
            "tail -F /tmp/posd/sales.jsonl | while read -r sale; do",
            '    wget -q -O /dev/null --header "Content-Type: application/json" --post-data "$sale" "$URL"',
            "done",
        ),
        mode=0o755,
    )


def pos_update(root: Path) -> None:
    public = (
        ec_key("paypoint-p3-release")
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    gf.write(root, "/etc/pos/keys/release.pem", public)
    gf.write(
        root,
        "/usr/sbin/pos-update.sh",
        script(
            "# PayPoint P3 software update, offered by the terminal management system",
            "BASE=https://tms.paypoint.example/p3/firmware",
            'wget -q -O /tmp/p3.bin "$BASE/p3-latest.bin" || exit 1',
            'wget -q -O /tmp/p3.bin.sig "$BASE/p3-latest.bin.sig" || exit 1',
            "openssl dgst -sha256 -verify /etc/pos/keys/release.pem -signature /tmp/p3.bin.sig /tmp/p3.bin"
            " || exit 1",
            "mtd write /tmp/p3.bin firmware && reboot",
        ),
        mode=0o755,
    )


def pos_programs(root: Path) -> None:
    if gf.BUSYBOX.exists():
        gf.write(root, "/bin/busybox", gf.BUSYBOX.read_bytes(), mode=0o755)
        for applet in ("sh", "ash", "ls", "mount", "wget", "tail", "logger"):
            (root / "bin" / applet).symlink_to("busybox")
        (root / "usr/sbin").mkdir(parents=True, exist_ok=True)
        (root / "sbin").mkdir(parents=True, exist_ok=True)
        for applet in ("telnetd", "syslogd", "klogd", "ntpd"):  # telnetd is an applet nothing starts
            (root / "usr/sbin" / applet).symlink_to("../../bin/busybox")
        (root / "sbin/getty").symlink_to("../bin/busybox")
    for rel in ("usr/bin", "usr/sbin", "usr/lib"):
        (root / rel).mkdir(parents=True, exist_ok=True)
    gf.compile_c(root / "usr/bin/posd", gf.PROGRAM % f"PayPoint posd {POS_VERSION}", gf.HARDENED)
    gf.compile_c(root / "usr/sbin/uhttpd", gf.PROGRAM % "uhttpd (OpenWrt)", gf.HARDENED)
    gf.compile_c(root / "usr/bin/openssl", gf.PROGRAM % "OpenSSL 1.0.2l  25 May 2017", gf.HARDENED)
    compile_libssl(root, "OpenSSL 1.0.2l  25 May 2017")


def pos_rootfs(root: Path) -> None:
    gf.write(root, "/etc/version", f"PayPoint P3 software {POS_VERSION}\n")
    gf.write(root, "/etc/hostname", "paypoint-p3\n")
    gf.write(root, "/www/index.html", "<html><body>PayPoint P3 terminal</body></html>\n")
    pos_accounts(root)
    pos_boot(root)
    pos_payment(root)
    pos_update(root)
    pos_programs(root)
    gf.build_info(root, release=f"release: p3-{POS_VERSION}\n")


# --- both devices -------------------------------------------------------------------------------------
IMAGES = (
    ("homehub-h5.img", hub_rootfs, ("HomeHub H5", HUB_VERSION, "homehub-build", "5.15.150")),
    ("paypoint-p3.img", pos_rootfs, ("PayPoint P3", POS_VERSION, "paypoint-build", "4.14.336")),
)


def generate(outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    with patched(gc, MACS={**gc.MACS, HUB: HUB_MAC, POS: POS_MAC}):
        hub_capture(outdir / "homehub-h5.pcap")
        pos_capture(outdir / "paypoint-p3.pcap")
    written = [outdir / "homehub-h5.pcap", outdir / "paypoint-p3.pcap"]
    for name, builder, (model, version, product, kernel) in IMAGES:
        assemble = functools.partial(
            assemble_image, model=model, version=version, product=product, kernel=kernel
        )
        written.append(write_image(outdir / name, builder, assemble))
    return written


if __name__ == "__main__":
    main(generate, HERE)
