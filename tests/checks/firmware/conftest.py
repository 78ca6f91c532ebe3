"""Real firmware images for the firmware checks, built once per test session.

Two squashfs root filesystems of an "Acme C100" camera, made with mksquashfs from real files:
shadow files with real crypt hashes (libpass), keys made with `cryptography`, ELF binaries
compiled by gcc with and without hardening, Debian's busybox-static, inittab and rcS lines, an
update script, wireless configurations. `defective` carries one defect per automatic check;
`clean` carries none. Each becomes a real device case (workbench.case) with a declaration and,
for ATK-06, an OSV feed; checks run through EvidenceContext and the real firmware engine.
"""

from __future__ import annotations

import fcntl
import json
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from rootfs_builder import SQUASHFS_ALIGN, link, mksquashfs, require, with_kernel, write

MAC = "02:00:00:c1:00:50"
SERIAL = "C100-00012345"
MAC_DERIVED_PASSWORD = "c10050"  # last 6 hex digits of the MAC, lower case
ROOT_DEFAULT_PASSWORD = "admin"  # in every common IoT default-password list
STRONG_PASSWORD = "k7#Rq2!vW9zLm4@tY8pX"

_C_SOURCE = r"""
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
const char *component_version = "@VERSION@";
int main(int argc, char **argv) {
    char buf[64];
    strcpy(buf, argc > 1 ? argv[1] : "none");
    memcpy(buf + 8, argv[0], strlen(argv[0]) % 32);
    printf("%s %s %zu\n", component_version, buf, strlen(buf));
    return 0;
}
"""
HARDENED = ["-fstack-protector-strong", "-D_FORTIFY_SOURCE=2", "-O2", "-pie", "-fPIE", "-Wl,-z,relro,-z,now"]
UNHARDENED = ["-fno-stack-protector", "-no-pie", "-z", "execstack", "-Wl,-z,norelro", "-O0"]


def compile_c(out: Path, flags: list[str], version: str = "", *, shared: bool = False) -> Path:
    source = out.with_suffix(".c")
    source.write_text(_C_SOURCE.replace("@VERSION@", version))
    extra = ["-shared", "-fPIC"] if shared else []
    subprocess.run([require("gcc"), *flags, *extra, str(source), "-o", str(out)], check=True)
    source.unlink()
    return out


def yescrypt(password: str) -> str:
    """A yescrypt hash (Debian's default) from the system's libcrypt; libpass has no yescrypt."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("crypt")
    if not name:
        pytest.fail("libcrypt (libcrypt1) is missing")
    crypt = ctypes.CDLL(name).crypt
    crypt.restype, crypt.argtypes = ctypes.c_char_p, (ctypes.c_char_p, ctypes.c_char_p)
    salt = "".join(
        random.Random(password).choice("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        for _ in range(16)
    )
    out = crypt(password.encode(), f"$y$j9T${salt}$".encode()).decode()
    assert out.startswith("$y$"), out
    return out


def _private_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _ssh_host_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )


def _public_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _passwd(extra: str = "") -> str:
    return (
        "root:x:0:0:root:/root:/bin/sh\n"
        "daemon:x:1:1:daemon:/usr/sbin:/sbin/nologin\n"
        "admin:x:1000:1000:admin:/home/admin:/bin/sh\n"
        "cam:x:1001:1001:camera service:/home/cam:/bin/sh\n"
        "www-data:x:33:33:www:/var/www:/bin/false\n" + extra
    )


def build_defective(root: Path, bins: dict[str, Path], outside: Path) -> None:
    """`outside`: a WEP hostapd config outside the image, which an absolute symlink in the image
    points at: a check that followed it out of the extraction folder would report it."""
    from passlib.hash import des_crypt, md5_crypt, sha512_crypt

    write(
        root,
        "/etc/passwd",
        _passwd(
            "svc:" + md5_crypt.hash("svcpass9") + ":1002:1002::/home/svc:/bin/sh\n"
            "support:x:1003:1003::/home/support:/bin/sh\n"
        ),
    )
    write(
        root,
        "/etc/shadow",
        (
            f"root:{des_crypt.hash(ROOT_DEFAULT_PASSWORD)}:19000:0:99999:7:::\n"
            "daemon:*:19000:0:99999:7:::\n"
            "admin::19000:0:99999:7:::\n"
            f"cam:{sha512_crypt.using(rounds=5000).hash(MAC_DERIVED_PASSWORD)}:19000:0:99999:7:::\n"
            "www-data:*:19000:0:99999:7:::\n"
            f"support:{yescrypt(MAC_DERIVED_PASSWORD.upper())}:19000:0:99999:7:::\n"
        ),
        mode=0o644,
    )
    write(
        root,
        "/etc/config/cloud.conf",
        """
        # Acme cloud connector
        server=mqtt.acme-cloud.example
        username=c100
        password=Acm3Cl0udS3cret!
        aws_access_key_id=AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    """,
    )
    write(root, "/etc/ssl/private/device.key", _private_key_pem(), mode=0o644)
    write(root, "/etc/dropbear/dropbear_ed25519_host_key", _ssh_host_key(), mode=0o600)
    write(
        root,
        "/etc/inittab",
        """
        ::sysinit:/etc/init.d/rcS
        ttyS0::respawn:/bin/sh
        ::shutdown:/bin/umount -a -r
    """,
    )
    write(
        root,
        "/etc/init.d/rcS",
        """
        #!/bin/sh
        mount -a
        syslogd
        telnetd -l /bin/sh
        /usr/sbin/dropbear -p 22 -r /etc/dropbear/dropbear_ed25519_host_key
        /usr/sbin/lighttpd -f /etc/lighttpd.conf
        /usr/bin/adbd &
        gdbserver :2345 /usr/bin/camd &
        /usr/bin/camd &
        /usr/sbin/fwupdate &
    """,
        mode=0o755,
    )
    write(
        root,
        "/usr/sbin/fwupdate",
        """
        #!/bin/sh
        # fetch and flash the newest firmware
        wget -O /tmp/fw.bin http://update.acme-cloud.example/c100/firmware.bin
        sysupgrade /tmp/fw.bin
    """,
        mode=0o755,
    )
    write(
        root,
        "/etc/hostapd.conf",
        """
        interface=wlan0
        ssid=AcmeCam-Setup
        wep_default_key=0
        wep_key0="acme1"
        auth_algs=1
    """,
    )
    write(
        root,
        "/etc/wpa_supplicant.conf",
        """
        ctrl_interface=/var/run/wpa_supplicant
        network={
            ssid="AcmeHome"
            key_mgmt=WPA-PSK
            pairwise=TKIP
            psk="not-the-point"
        }
    """,
    )
    write(
        root,
        "/etc/config/wireless",
        """
        config wifi-iface 'setup'
            option device 'radio0'
            option mode 'ap'
            option ssid 'AcmeCam-Setup'
            option encryption 'none'
    """,
    )
    outside.write_text('interface=wlan9\nssid=Outside\nwep_key0="12345"\n')
    (root / "etc/hostapd-phy1.conf").symlink_to(outside)  # absolute: the engine re-roots it
    (root / "etc/hostapd-phy2.conf").symlink_to("../" * 40 + str(outside).lstrip("/"))  # relative escape
    _install_binaries(root, bins, hardened=False)


def build_clean(root: Path, bins: dict[str, Path], outside: Path) -> None:
    from passlib.hash import sha512_crypt

    strong = sha512_crypt.using(rounds=5000)
    write(root, "/etc/passwd", _passwd())
    write(
        root,
        "/etc/shadow",
        (
            f"root:{strong.hash(STRONG_PASSWORD)}:19000:0:99999:7:::\n"
            "daemon:*:19000:0:99999:7:::\n"
            "admin:!:19000:0:99999:7:::\n"
            "cam:!:19000:0:99999:7:::\n"
            "www-data:*:19000:0:99999:7:::\n"
        ),
        mode=0o600,
    )
    write(
        root,
        "/etc/inittab",
        """
        ::sysinit:/etc/init.d/rcS
        ttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100
        ::shutdown:/bin/umount -a -r
    """,
    )
    write(
        root,
        "/etc/init.d/rcS",
        """
        #!/bin/sh
        mount -a
        syslogd
        ntpd -p pool.ntp.org
        /usr/sbin/dropbear -p 22 -R
        /usr/sbin/lighttpd -f /etc/lighttpd.conf
        /usr/bin/camd &
    """,
        mode=0o755,
    )
    write(
        root,
        "/usr/sbin/fwupdate",
        """
        #!/bin/sh
        # fetch, verify and flash the newest firmware
        wget -O /tmp/fw.bin https://update.acme-cloud.example/c100/firmware.bin
        wget -O /tmp/fw.sig https://update.acme-cloud.example/c100/firmware.sig
        usign -V -m /tmp/fw.bin -x /tmp/fw.sig -P /etc/opkg/keys || exit 1
        sysupgrade /tmp/fw.bin
    """,
        mode=0o755,
    )
    write(root, "/etc/opkg/keys/b5043e70f9a75cde", _public_key_pem())
    write(
        root,
        "/etc/hostapd.conf",
        """
        interface=wlan0
        ssid=AcmeCam
        wpa=2
        wpa_key_mgmt=SAE WPA-PSK
        rsn_pairwise=CCMP
        wpa_passphrase_file=/tmp/wpa.psk
    """,
    )
    write(
        root,
        "/etc/config/wireless",
        """
        config wifi-device 'radio0'
            option type 'mac80211'

        config wifi-iface 'default_radio0'
            option device 'radio0'
            option mode 'ap'
            option ssid 'AcmeCam'
            option encryption 'sae-mixed'

        config wifi-iface 'setup'
            option device 'radio0'
            option mode 'ap'
            option ssid 'AcmeCam-Guest'
            option encryption 'psk2+ccmp'
    """,
    )
    _install_binaries(root, bins, hardened=True)


def _install_binaries(root: Path, bins: dict[str, Path], *, hardened: bool) -> None:
    flavour = "new" if hardened else "old"
    for image_path, key in (
        ("/usr/lib/libcrypto.so.1.0.0" if not hardened else "/usr/lib/libcrypto.so.3", f"openssl_{flavour}"),
        ("/usr/sbin/dropbear", f"dropbear_{flavour}"),
        ("/usr/sbin/lighttpd", f"lighttpd_{flavour}"),
        ("/usr/bin/camd", "camd_hardened" if hardened else "camd_none"),
    ):
        target = root / image_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(bins[key], target)
        target.chmod(0o755)
    if hardened:
        shutil.copy(bins["usign"], _mkparent(root / "usr/bin/usign"))
        shutil.copy(bins["static_pie"], _mkparent(root / "sbin/init"))
    else:
        shutil.copy(_require_file("/bin/busybox"), _mkparent(root / "bin/busybox"))
        for applet in ("sh", "telnetd", "syslogd", "wget", "mount"):
            link = root / ("bin" if applet in ("sh", "mount") else "usr/sbin") / applet
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to("/bin/busybox")


def _mkparent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _require_file(path: str) -> Path:
    if not Path(path).is_file():
        pytest.fail(f"{path} is missing (Debian's busybox-static provides it)")
    return Path(path)


OSV_FEED = [
    {
        "id": "CVE-2017-3735",
        "summary": "OpenSSL X.509 IPAddressFamily one-byte overread",
        "affected": [
            {
                "package": {"name": "openssl", "ecosystem": "Generic"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0.2"}, {"fixed": "1.0.2m"}]}],
                "versions": ["1.0.2k"],
            }
        ],
        "database_specific": {"severity": "MEDIUM"},
    },
    {
        "id": "CVE-2016-7406",
        "summary": "Dropbear format string vulnerability in dbclient",
        "affected": [
            {
                "package": {"name": "dropbear", "ecosystem": "Generic"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2016.74"}]}],
                "versions": ["2016.73"],
            }
        ],
        "database_specific": {"severity": "CRITICAL"},
    },
    {
        "id": "CVE-2018-19052",
        "summary": "lighttpd mod_alias path traversal",
        "affected": [
            {
                "package": {"name": "lighttpd", "ecosystem": "Generic"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.4.50"}]}],
                "versions": ["1.4.35"],
            }
        ],
        "database_specific": {"severity": "HIGH"},
    },
]

DEFECTIVE_DECLARATION = {
    "manufacturer": "Acme",
    "model": "C100",
    "firmware_version": "2.1",
    "default_passwords": "unique-per-device",
    "open_ports": [{"proto": "tcp", "port": 80, "service": "http"}],
    "update": {"mechanism": "OTA from vendor cloud", "automatic": True, "signed": True, "transport": "https"},
    "debug_interfaces": [],
    "wireless": ["wifi"],
    "logging": {"enabled": True, "time_source": "ntp"},
}
CLEAN_DECLARATION = {
    "manufacturer": "Acme",
    "model": "C100",
    "firmware_version": "3.0",
    "default_passwords": "user-set",
    "open_ports": [
        {"proto": "tcp", "port": 22, "service": "ssh"},
        {"proto": "tcp", "port": 443, "service": "https"},
    ],
    "update": {
        "mechanism": "OTA from vendor cloud",
        "automatic": True,
        "signed": True,
        "transport": "https",
        "url": "https://update.acme-cloud.example/c100/",
    },
    "debug_interfaces": [],
    "wireless": ["wifi"],
    "logging": {"enabled": True, "time_source": "ntp"},
}


@dataclass
class Device:
    """A device case built from one test image, with helpers to run a check on it."""

    case_dir: Path
    image: Path

    def run(self, requirement_id: str):  # -> CheckResult
        from workbench.checks import get_check
        from workbench.checks.context import EvidenceContext

        ctx = EvidenceContext.for_case(self.case_dir, requirement_id)
        return get_check(requirement_id).run(ctx)


def make_case(
    base: Path,
    name: str,
    image: Path | None,
    declaration: dict | None,
    *,
    feed: list | None = None,
    macs: tuple[str, ...] = (MAC,),
    serial: str | None = SERIAL,
) -> Device:
    from workbench.case import Case, CaseInfo

    info = CaseInfo(
        device="IP camera",
        vendor="Acme",
        model="C100",
        firmware_version="2.1",
        level=3,
        inspectors=["tester"],
        device_macs=list(macs),
        serial_number=serial,
    )
    case = Case.create(base / name, info)
    if image is not None:
        case.add_artefact(image, "firmware")
    if declaration is not None:
        decl = base / f"{name}-declaration.yaml"
        decl.write_text(yaml.safe_dump(declaration, sort_keys=False))
        case.declare(decl)
    if feed is not None:
        feed_path = base / f"{name}-osv.json"
        feed_path.write_text(json.dumps(feed, indent=1))
        case.add_artefact(feed_path, "vuln-feed")
    return Device(case_dir=case.path, image=image or Path())


def build_binaries(out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    return {
        "openssl_old": compile_c(
            out / "libcrypto_old.so", HARDENED, "OpenSSL 1.0.2k  26 Jan 2017", shared=True
        ),
        "openssl_new": compile_c(
            out / "libcrypto_new.so", HARDENED, "OpenSSL 3.0.13 30 Jan 2024", shared=True
        ),
        "dropbear_old": compile_c(out / "dropbear_old", HARDENED, "Dropbear sshd v2016.74"),
        "dropbear_new": compile_c(out / "dropbear_new", HARDENED, "Dropbear sshd v2024.84"),
        "lighttpd_old": compile_c(out / "lighttpd_old", HARDENED, "lighttpd/1.4.35"),
        "lighttpd_new": compile_c(out / "lighttpd_new", HARDENED, "lighttpd/1.4.76"),
        "camd_hardened": compile_c(out / "camd_hardened", HARDENED, "camd 3.0"),
        "camd_none": compile_c(out / "camd_none", UNHARDENED, "camd 2.1"),
        "usign": compile_c(out / "usign", HARDENED, "usign"),
        "static_pie": compile_c(out / "init_static_pie", [*HARDENED, "-static-pie", "-s"], "init"),
    }


def _build_devices(base: Path) -> dict[str, Device]:
    """Compile, pack, make the cases and analyse them (the engine's scan is cached in each case)."""
    from workbench.analysis import prepare
    from workbench.case import Case

    binaries = build_binaries(base / "elf")
    devices = {}
    for name, build, declaration in (
        ("defective", build_defective, DEFECTIVE_DECLARATION),
        ("clean", build_clean, CLEAN_DECLARATION),
    ):
        root = base / f"{name}-root"
        build(root, binaries, base / "outside-hostapd.conf")
        image = mksquashfs(root, base / f"{name}.squashfs")
        devices[name] = make_case(base / "cases", name, image, declaration, feed=OSV_FEED)
        prepare(Case.open(devices[name].case_dir))
    garbage = base / "garbage.bin"  # no known format anywhere: nothing can be extracted
    garbage.write_bytes(random.Random(2026).randbytes(256 * 1024))
    devices["garbage"] = make_case(base / "cases", "garbage", garbage, CLEAN_DECLARATION, feed=OSV_FEED)
    prepare(Case.open(devices["garbage"].case_dir))
    return devices


def built_once(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str, build
) -> dict[str, Device]:
    """`build(folder)` once per test run: with pytest-xdist, the first worker builds under a lock
    in the run's shared temporary folder and the others reuse its cases (read-only for checks)."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    folder = shared / name
    folder.mkdir(exist_ok=True)
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "done.json"
        if done.exists():
            paths = json.loads(done.read_text())
            return {k: Device(case_dir=Path(v["case"]), image=Path(v["image"])) for k, v in paths.items()}
        built = build(folder)
        done.write_text(
            json.dumps({k: {"case": str(d.case_dir), "image": str(d.image)} for k, d in built.items()})
        )
        return built


@pytest.fixture(scope="session")
def devices(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[str, Device]:
    return built_once(tmp_path_factory, worker_id, "firmware-check-devices", _build_devices)


def _build_demo_cases(folder: Path) -> dict[str, Device]:
    """The demo cameras of sample_captures/ as `workbench demo` builds them, firmware side only
    (image, OSV feed, declaration, case.yaml), analysed once."""
    from dataclasses import replace

    from workbench.analysis import prepare
    from workbench.demo import build_case, load_demo_case

    built = {}
    for name in ("defective", "clean"):
        demo = load_demo_case(name)
        demo = replace(demo, artefacts=tuple(a for a in demo.artefacts if a[1] != "capture"))
        case = build_case(demo, folder)
        prepare(case)
        image = next(path for path, kind in demo.artefacts if kind == "firmware")
        built[name] = Device(case_dir=case.path, image=image)
    return built


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[str, Device]:
    from workbench.demo import SAMPLES

    missing = [
        n for n in ("demo_defective.img", "demo_clean.img", "osv-sample.json") if not (SAMPLES / n).is_file()
    ]
    if missing:
        pytest.skip(f"sample data not generated yet: {', '.join(missing)} (sample_captures/gen_firmware.py)")
    return built_once(tmp_path_factory, worker_id, "firmware-check-demo", _build_demo_cases)


@pytest.fixture(scope="session")
def defective(devices: dict[str, Device]) -> Device:
    return devices["defective"]


@pytest.fixture(scope="session")
def clean(devices: dict[str, Device]) -> Device:
    return devices["clean"]


@pytest.fixture(scope="session")
def case_factory(tmp_path_factory: pytest.TempPathFactory):
    """Further cases from a built device: the same image under another declaration, feed or
    identifiers. The image's analysis is derived data keyed by its SHA-256, so the new case starts
    from a copy of the base case's cache (the extraction, and the scan when the feed is the same)
    instead of unpacking the image again. `base=None` makes a case without firmware."""
    folder = tmp_path_factory.mktemp("more-cases")
    counter = iter(range(1000))

    def factory(base: Device | None, declaration: dict | None = None, **kwargs) -> Device:
        name = f"case{next(counter)}"
        kwargs.setdefault("feed", OSV_FEED if base else None)  # the base's feed: its scan is reused
        device = make_case(folder, name, base.image if base else None, declaration, **kwargs)
        if base is not None:
            shutil.copytree(
                base.case_dir / "cache", device.case_dir / "cache", symlinks=True, dirs_exist_ok=True
            )
        return device

    return factory


def _build_layered(base: Path) -> dict[str, Device]:
    """A uImage kernel, the root filesystem and a second squashfs (a factory overlay at
    `/@<offset>`) that holds `etc/hostapd.conf` as well. In the root filesystem that path is an
    link to the current configuration that climbs past the top (as `/..` is `/` on the device); on
    disk it would lead out of the extraction folder, so it is not there, and a reader that searched
    the extraction folder for `etc/hostapd.conf` would take the overlay's WEP file instead."""
    from workbench.analysis import prepare
    from workbench.case import Case

    root, overlay = base / "root", base / "overlay"
    write(root, "/etc/passwd", _passwd())
    write(root, "/bin/busybox", b"\x7fELF" + b"\0" * 60, 0o755)
    write(root, "/usr/share/wifi/ap.conf", "interface=wlan0\nssid=AcmeHome\nwpa=2\nrsn_pairwise=CCMP\n")
    link(root, "/etc/hostapd.conf", "../" * 40 + "usr/share/wifi/ap.conf")
    write(overlay, "/etc/hostapd.conf", 'interface=wlan0\nssid=Factory\nwep_key0="acme1"\n')
    image = with_kernel(mksquashfs(root, base / "root.sqfs"), base / "layered.img", b"\x1f\x8bkernel" * 64)
    data = image.read_bytes()
    data += b"\xff" * (-len(data) % SQUASHFS_ALIGN)
    image.write_bytes(data + mksquashfs(overlay, base / "overlay.sqfs").read_bytes())
    device = make_case(base / "cases", "layered", image, CLEAN_DECLARATION)
    prepare(Case.open(device.case_dir))
    return {"layered": device}


@pytest.fixture(scope="session")
def layered(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Device:
    return built_once(tmp_path_factory, worker_id, "firmware-check-layered", _build_layered)["layered"]
