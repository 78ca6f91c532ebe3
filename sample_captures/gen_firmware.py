"""Generate the demo firmware images of the Acme C100 IP camera (firmware 2.1, and the defective
camera's update 2.2) and a sample OSV feed, deterministically: re-running writes byte-identical files
on the same toolchain.

    python sample_captures/gen_firmware.py [OUTDIR]      (default: sample_captures/)

demo_defective.img     uImage kernel + squashfs root filesystem full of classic IoT defects
demo_defective_v2.img  the vendor's update 2.2 of it: three defects fixed, one new (see
                       cases/defective-v2/expected-changes.yaml), ordinary changes, most files as in 2.1
demo_clean.img         the same layout done right
osv-sample.json        a handful of OSV records for the components of the defective image

Needs mksquashfs (squashfs-tools), gcc and Debian's busybox-static; no network.
Keys are derived from fixed seeds (RSA from seeded primes, RSA signatures are deterministic),
file times are fixed with -all-time/-mkfs-time, owners with -all-root, the input is sorted.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import NameOID
from passlib import hash as passlib_hash

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from workbench.firmware.uimage import build_header  # noqa: E402

MODEL, VERSION, VERSION_V2 = "Acme C100", "2.1", "2.2"
MAC, SERIAL = "02:00:00:c1:00:50", "C100-00012345"
EPOCH = 1514764800  # 2018-01-01T00:00:00Z
BUSYBOX = Path("/bin/busybox")
SQUASHFS_ALIGN = 0x10000

# Dropped into C programs so that each binary carries a real version string.
PROGRAM = r"""
#include <stdio.h>
#include <string.h>
static const char banner[] = "%s";
int main(int argc, char **argv) {
    char buf[128];
    strcpy(buf, argc > 1 ? argv[1] : "none");
    printf("%%s %%s\n", banner, buf);
    return 0;
}
"""
LIBRARY = r"""
const char *version_text(void) { return "%s"; }
"""
# A library with real work on the stack: -fstack-protector-strong only instruments functions with
# local arrays (a library of string constants gets no canary, and the scan rightly says so), and
# _FORTIFY_SOURCE only checks calls whose buffer size is known.
BUFFER_LIBRARY = r"""
#include <stdio.h>
#include <string.h>
const char *version_text(void) { return "%s"; }
int peer_name(char *out, unsigned long size, const char *host, int port) {
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%%s:%%d", host, port);
    if (n < 0 || (unsigned long) n >= size) return -1;
    memcpy(out, buf, (unsigned long) n + 1);
    return n;
}
"""
HARDENED = [
    "-O2",
    "-fstack-protector-strong",
    "-D_FORTIFY_SOURCE=2",
    "-fPIE",
    "-pie",
    "-Wl,-z,relro,-z,now",
    "-Wl,-z,noexecstack",
]
UNHARDENED = ["-O0", "-fno-stack-protector", "-no-pie", "-z", "execstack", "-Wl,-z,norelro"]


# --- deterministic key material -------------------------------------------------------------
def _probable_prime(n: int) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def seeded_rsa(seed: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    rng = random.Random(seed)
    e = 65537

    def prime() -> int:
        while True:
            candidate = rng.getrandbits(bits // 2) | (3 << (bits // 2 - 2)) | 1
            if _probable_prime(candidate) and (candidate - 1) % e:
                return candidate

    p, q = prime(), prime()
    while q == p:
        q = prime()
    phi = (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=d % (p - 1),
        dmq1=d % (q - 1),
        iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key()


def self_signed(key: rsa.RSAPrivateKey, common_name: str, *, ca: bool, years: int) -> bytes:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme Devices"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    start = dt.datetime.fromtimestamp(EPOCH, dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int(hashlib.sha256(common_name.encode()).hexdigest()[:16], 16))
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _mpint(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")
    return struct.pack(">I", len(raw)) + raw


def dropbear_rsa_key(key: rsa.RSAPrivateKey) -> bytes:
    """Dropbear's own host key format: string "ssh-rsa", mpint e, n, d, p, q."""
    n = key.private_numbers()
    body = b"ssh-rsa"
    return (
        struct.pack(">I", len(body))
        + body
        + _mpint(n.public_numbers.e)
        + _mpint(n.public_numbers.n)
        + _mpint(n.d)
        + _mpint(n.p)
        + _mpint(n.q)
    )


def usign_public_key(seed: str) -> str:
    public = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest()).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    keynum = hashlib.sha256(raw).digest()[:8]
    return (
        f"untrusted comment: Acme C100 release key {keynum.hex()}\n"
        + base64.b64encode(b"Ed" + keynum + raw).decode()
        + "\n"
    )


# --- building blocks ------------------------------------------------------------------------
def compile_c(out: Path, source: str, flags: list[str], *, shared: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "prog.c"
        src.write_text(source)
        extra = ["-shared", "-fPIC"] if shared else []
        cmd = [
            "gcc",
            "-g0",
            "-frandom-seed=acme",
            "-ffile-prefix-map=" + tmp + "=.",
            *flags,
            *extra,
            "-o",
            str(out),
            str(src),
        ]
        subprocess.run(cmd, check=True, capture_output=True)
    subprocess.run(["strip", "--strip-unneeded" if shared else "--strip-all", str(out)], check=True)


def write(root: Path, rel: str, content: str | bytes, mode: int = 0o644) -> None:
    path = root / rel.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    os.chmod(path, mode)


def kernel_payload() -> bytes:
    banner = (
        b"Linux version 3.10.14 (builder@acme-build) (gcc version 4.9.4 (Buildroot 2016.08)) "
        b"#1 PREEMPT Mon Jan 1 00:00:00 UTC 2018\n"
    )
    filler = bytes(random.Random("kernel").getrandbits(8) for _ in range(8192))
    return b"\0" * 64 + banner + filler


def assemble(rootfs: Path, out: Path, version: str = VERSION) -> None:
    for path in sorted(rootfs.rglob("*"), reverse=True):
        if path.is_dir() and not path.is_symlink():
            os.chmod(path, 0o755)
    with tempfile.TemporaryDirectory() as tmp:
        squash = Path(tmp) / "root.sqsh"
        subprocess.run(
            [
                "mksquashfs",
                str(rootfs),
                str(squash),
                "-noappend",
                "-all-root",
                "-all-time",
                str(EPOCH),
                "-mkfs-time",
                str(EPOCH),
                "-comp",
                "xz",
                "-Xbcj",
                "x86",
                "-no-xattrs",
                "-processors",
                "1",
                "-quiet",
                "-no-progress",
            ],
            check=True,
            capture_output=True,
        )
        kernel = kernel_payload()
        header = build_header(
            kernel,
            name=f"{MODEL} {version} kernel",
            arch=24,
            timestamp=EPOCH,
            load=0x1000000,
            entry=0x1000000,
        )
        head = header + kernel
        head += b"\xff" * (-len(head) % SQUASHFS_ALIGN)
        out.write_bytes(head + squash.read_bytes())


def build_info(root: Path, release: str = "") -> None:
    gcc = subprocess.run(
        ["gcc", "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    mks = subprocess.run(["mksquashfs", "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    busybox = hashlib.sha256(BUSYBOX.read_bytes()).hexdigest() if BUSYBOX.exists() else "absent"
    write(root, "/etc/build-info", f"{release}gcc: {gcc}\nmksquashfs: {mks}\nbusybox-sha256: {busybox}\n")


COMMON_FILES = {
    "/etc/version": f"{MODEL} firmware {VERSION}\n",
    "/etc/hostname": "acme-c100\n",
    "/etc/group": "root:x:0:\ndaemon:x:1:\nadmin:x:1000:\nsupport:x:1001:\nnogroup:x:65534:\n",
    "/etc/fstab": "proc /proc proc defaults 0 0\ntmpfs /tmp tmpfs defaults 0 0\n",
    "/www/index.html": "<html><body>Acme C100</body></html>\n",
}


# --- the defective image --------------------------------------------------------------------
def defective_rootfs(root: Path) -> None:
    for rel, text in COMMON_FILES.items():
        write(root, rel, text)
    write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\n"
        "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
        "admin:x:1000:1000:admin:/home/admin:/bin/sh\n"
        "support:x:1001:1001:support:/home/support:/bin/sh\n"
        f"service:{passlib_hash.md5_crypt.using(salt='C100svc1').hash('service')}:1002:1002::/home/service:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )
    mac_password = MAC.replace(":", "")[-6:]  # c10050: derived from the MAC on the label
    write(
        root,
        "/etc/shadow",
        f"root:{passlib_hash.des_crypt.using(salt='Ac').hash('xc3511')}:17532:0:99999:7:::\n"
        "daemon:*:17532:0:99999:7:::\n"
        "admin::17532:0:99999:7:::\n"
        f"support:{passlib_hash.sha512_crypt.using(salt='C100supp', rounds=5000).hash(mac_password)}"
        ":17532:0:99999:7:::\n"
        "nobody:*:17532:0:99999:7:::\n",
        mode=0o644,
    )
    write(
        root,
        "/etc/config/cloud.conf",
        "# Acme cloud connector\n[cloud]\nserver=mqtt://cloud.acme-cloud.example:1883\n"
        "username=c100-device\npassword=Acme@Cloud2019\n"
        "aws_access_key_id=AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    device_key = seeded_rsa("acme-c100-device-key")
    write(
        root,
        "/etc/ssl/private/device.key",
        device_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
        mode=0o644,
    )
    write(root, "/etc/ssl/certs/device.crt", self_signed(device_key, "acme-c100.local", ca=False, years=20))
    write(
        root,
        "/etc/dropbear/dropbear_rsa_host_key",
        dropbear_rsa_key(seeded_rsa("acme-c100-dropbear", bits=1024)),
        mode=0o600,
    )
    write(
        root,
        "/etc/inittab",
        "::sysinit:/etc/init.d/rcS\n"
        "ttyS0::respawn:/bin/sh\n"
        "::ctrlaltdel:/sbin/reboot\n"
        "::shutdown:/bin/umount -a -r\n",
    )
    write(
        root,
        "/etc/init.d/rcS",
        "#!/bin/sh\n"
        "mount -a\n"
        "/usr/sbin/telnetd -l /bin/sh -p 2323 &\n"
        "tcpsvd -vE 0 21 ftpd -w /srv/ftp &\n"
        "udpsvd -vE 0 69 tftpd -c /srv/tftp &\n"
        "for i in /etc/init.d/S??* ; do\n    $i start\ndone\n",
        mode=0o755,
    )
    write(
        root,
        "/etc/init.d/S50lighttpd",
        '#!/bin/sh\ncase "$1" in\n  start) lighttpd -f /etc/lighttpd/lighttpd.conf ;;\n'
        "  stop) killall lighttpd ;;\nesac\n",
        mode=0o755,
    )
    write(
        root,
        "/etc/init.d/S60dropbear",
        '#!/bin/sh\n[ "$1" = start ] && dropbear -r /etc/dropbear/dropbear_rsa_host_key -p 22\n',
        mode=0o755,
    )
    write(
        root,
        "/etc/init.d/S90debug",
        "#!/bin/sh\n# factory debugging, left enabled\nadbd &\ngdbserver 0.0.0.0:2345 --multi &\n",
        mode=0o755,
    )
    write(
        root,
        "/etc/lighttpd/lighttpd.conf",
        'server.document-root = "/www"\nserver.port = 80\nserver.tag = "lighttpd/1.4.35"\n'
        'auth.backend = "plain"\nauth.backend.plain.userfile = "/etc/lighttpd/lighttpd.user"\n',
    )
    write(root, "/etc/lighttpd/lighttpd.user", "admin:admin\n")
    write(
        root,
        "/usr/sbin/fw_update.sh",
        "#!/bin/sh\n# Acme C100 firmware updater\n"
        "URL=http://update.acme-cloud.example/fw/c100.bin\n"
        'wget -q -O /tmp/fw.bin "$URL" || exit 1\n'
        "mtd write /tmp/fw.bin firmware && reboot\n",
        mode=0o755,
    )
    if BUSYBOX.exists():
        write(root, "/bin/busybox", BUSYBOX.read_bytes(), mode=0o755)
        for applet in ("sh", "ash", "ls", "mount", "wget"):
            (root / "bin" / applet).symlink_to("busybox")
        (root / "usr/sbin").mkdir(parents=True, exist_ok=True)
        for applet in ("telnetd", "tcpsvd", "udpsvd", "ftpd", "tftpd"):
            (root / "usr/sbin" / applet).symlink_to("../../bin/busybox")
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    (root / "usr/lib").mkdir(parents=True, exist_ok=True)
    compile_c(root / "usr/bin/camd", PROGRAM % "Acme camd 2.1", HARDENED)
    compile_c(root / "usr/sbin/lighttpd", PROGRAM % "lighttpd/1.4.35", UNHARDENED)
    compile_c(
        root / "usr/sbin/dropbear", PROGRAM % "SSH-2.0-dropbear_2016.74", ["-O2", "-fno-stack-protector"]
    )
    compile_c(
        root / "usr/lib/libssl.so.1.0.0",
        LIBRARY % "OpenSSL 1.0.2k  26 Jan 2017",
        ["-O2", "-Wl,-soname,libssl.so.1.0.0"],
        shared=True,
    )
    (root / "lib/modules/3.10.14").mkdir(parents=True, exist_ok=True)
    build_info(root)


# --- the defective camera's update 2.2 -----------------------------------------------------
# 2.1 with three defects fixed (firmware-only ones: the re-inspection reuses 2.1's capture),
# one new, a component updated and ordinary changes; every other file is byte-identical to 2.1,
# so the findings that stand keep their text and the verdicts citing unchanged files can carry over.
def defective_v2_rootfs(root: Path) -> None:
    defective_rootfs(root)
    write(root, "/etc/version", f"{MODEL} firmware {VERSION_V2}\n")
    build_info(root, release=f"release: c100-{VERSION_V2} (2026-02-20)\n")
    _v2_fixed_passwords(root)
    # SEC-01 fixed: no cloud credentials in the image (the connector reads per-unit ones).
    write(
        root,
        "/etc/config/cloud.conf",
        "# Acme cloud connector\n[cloud]\nserver=mqtt://cloud.acme-cloud.example:1883\n"
        "# per-unit credentials are written to /data/cloud/ at the factory\n"
        "credential_dir=/data/cloud\n",
    )
    # ATK-06 in part: dropbear updated past OSV-DEMO-2024-0002 (openssl, lighttpd, busybox unchanged).
    compile_c(
        root / "usr/sbin/dropbear", PROGRAM % "SSH-2.0-dropbear_2019.78", ["-O2", "-fno-stack-protector"]
    )
    compile_c(root / "usr/bin/camd", PROGRAM % f"Acme camd {VERSION_V2}", HARDENED)
    # The new defect (ATK-05): a motion-detection helper built with an executable stack.
    execstack = [flag for flag in HARDENED if flag != "-Wl,-z,noexecstack"] + ["-Wl,-z,execstack"]
    compile_c(root / "usr/bin/motiond", PROGRAM % "Acme motiond 1.0", execstack)
    # Ordinary changes: a web page changed and one added, a configuration value.
    write(
        root,
        "/www/index.html",
        '<html><body>Acme C100 <a href="motion.html">Motion detection</a></body></html>\n',
    )
    write(root, "/www/motion.html", "<html><body>Motion detection: <b>off</b></body></html>\n")
    write(root, "/etc/fstab", "proc /proc proc defaults 0 0\ntmpfs /tmp tmpfs defaults,size=16m 0 0\n")


def _v2_fixed_passwords(root: Path) -> None:
    """AUTH-02 fixed: every stored password sha512-crypt (the md5-crypt service account in passwd is
    gone, the web users moved to an htpasswd file readable by root only); AUTH-03 fixed: support's
    password is random. Root and the web admin keep their default passwords, admin its empty one
    (AUTH-01 still fails)."""
    sha512 = passlib_hash.sha512_crypt
    support = "".join(
        random.Random("acme-c100-v2-support").choice("abcdefghkmnpqrstuvwxyz23456789") for _ in range(16)
    )
    write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\n"
        "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
        "admin:x:1000:1000:admin:/home/admin:/bin/sh\n"
        "support:x:1001:1001:support:/home/support:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )
    write(
        root,
        "/etc/shadow",
        f"root:{sha512.using(salt='C100root', rounds=5000).hash('xc3511')}:17532:0:99999:7:::\n"
        "daemon:*:17532:0:99999:7:::\n"
        "admin::17532:0:99999:7:::\n"
        f"support:{sha512.using(salt='C100supp', rounds=5000).hash(support)}:17532:0:99999:7:::\n"
        "nobody:*:17532:0:99999:7:::\n",
        mode=0o644,
    )
    write(
        root,
        "/etc/lighttpd/lighttpd.conf",
        'server.document-root = "/www"\nserver.port = 80\nserver.tag = "lighttpd/1.4.35"\n'
        'auth.backend = "htpasswd"\nauth.backend.htpasswd.userfile = "/etc/lighttpd/lighttpd.user"\n',
    )
    write(
        root,
        "/etc/lighttpd/lighttpd.user",
        f"admin:{sha512.using(salt='C100web0', rounds=5000).hash('admin')}\n",
        mode=0o600,
    )


# --- the clean image ------------------------------------------------------------------------
def clean_rootfs(root: Path) -> None:
    for rel, text in COMMON_FILES.items():
        write(root, rel, text)
    rng = random.Random("acme-c100-clean")
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789#%+=!"
    strong = "".join(rng.choice(alphabet) for _ in range(20))
    write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\n"
        "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
        "admin:x:1000:1000:admin:/home/admin:/bin/sh\n"
        "www-data:x:33:33:www-data:/www:/usr/sbin/nologin\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )
    write(
        root,
        "/etc/shadow",
        "root:!"
        + passlib_hash.sha512_crypt.using(salt="C100root", rounds=5000).hash(strong)
        + ":17532:0:99999:7:::\n"
        "daemon:*:17532:0:99999:7:::\n"
        # yescrypt of another strong random password (computed once with libxcrypt)
        "admin:$y$j9T$C100cleanSaltX1$12PdKIMRuGEkdoVSOIKLnhhoQjXKXpKhriVieb97m2/:17532:0:99999:7:::\n"
        "www-data:*:17532:0:99999:7:::\n"
        "nobody:*:17532:0:99999:7:::\n",
        mode=0o600,
    )
    write(
        root,
        "/etc/inittab",
        "::sysinit:/etc/init.d/rcS\n"
        "ttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n"
        "::ctrlaltdel:/sbin/reboot\n",
    )
    write(
        root,
        "/etc/init.d/rcS",
        "#!/bin/sh\nmount -a\nfor i in /etc/init.d/S??* ; do\n    $i start\ndone\n",
        mode=0o755,
    )
    # Logging to a RAM ring buffer (logread) and time from the pool the capture shows it polling.
    write(root, "/etc/init.d/S10syslog", '#!/bin/sh\n[ "$1" = start ] && syslogd -C64 && klogd\n', mode=0o755)
    write(root, "/etc/init.d/S20ntpd", '#!/bin/sh\n[ "$1" = start ] && ntpd -p 0.pool.ntp.org\n', mode=0o755)
    write(
        root,
        "/etc/init.d/S50uhttpd",
        '#!/bin/sh\n[ "$1" = start ] && '
        "uhttpd -f -h /www -s 0.0.0.0:443 -C /etc/uhttpd.crt -K /etc/uhttpd.key\n",
        mode=0o755,
    )
    write(
        root,
        "/etc/init.d/S60dropbear",
        "#!/bin/sh\n# host keys are generated on first boot, unique per device\n"
        "[ -f /etc/dropbear/dropbear_ed25519_host_key ] || "
        "dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key\n"
        '[ "$1" = start ] && dropbear -s -g -p 22\n',
        mode=0o755,
    )
    write(
        root,
        "/etc/ssl/certs/acme-root-ca.pem",
        self_signed(seeded_rsa("acme-root-ca"), "Acme Devices Root CA", ca=True, years=25),
    )
    write(root, "/etc/opkg/keys/acme-release.pub", usign_public_key("acme-release-key"))
    write(
        root,
        "/sbin/acme-upgrade",
        "#!/bin/sh\n# Acme C100 firmware upgrade: signed images over HTTPS only\n"
        "BASE=https://update.acme-cloud.example/fw\n"
        'uclient-fetch -q -O /tmp/fw.bin "$BASE/c100.bin" || exit 1\n'
        'uclient-fetch -q -O /tmp/fw.bin.sig "$BASE/c100.bin.sig" || exit 1\n'
        "usign -V -m /tmp/fw.bin -x /tmp/fw.bin.sig -P /etc/opkg/keys || exit 1\n"
        "sysupgrade /tmp/fw.bin\n",
        mode=0o755,
    )
    for rel in ("usr/bin", "usr/sbin", "usr/lib"):
        (root / rel).mkdir(parents=True, exist_ok=True)
    compile_c(root / "usr/bin/camd", PROGRAM % "Acme camd 2.1", HARDENED)
    compile_c(root / "usr/sbin/uhttpd", PROGRAM % "uhttpd (OpenWrt)", HARDENED)
    compile_c(root / "usr/sbin/dropbear", PROGRAM % "SSH-2.0-dropbear_2024.86", HARDENED)
    compile_c(root / "usr/bin/usign", PROGRAM % "usign", HARDENED)
    compile_c(
        root / "usr/lib/libssl.so.3",
        BUFFER_LIBRARY % "OpenSSL 3.0.15 3 Sep 2024",
        [*HARDENED[:4], "-Wl,-z,relro,-z,now", "-Wl,-z,noexecstack", "-Wl,-soname,libssl.so.3"],
        shared=True,
    )
    build_info(root)


# --- the OSV feed ---------------------------------------------------------------------------
def osv_feed() -> list[dict]:
    def record(
        ident: str,
        name: str,
        summary: str,
        events: list[dict],
        *,
        aliases=(),
        severity=None,
        versions=None,
        kind: str = "ECOSYSTEM",
    ) -> dict:
        entry = {
            "package": {"ecosystem": "Generic", "name": name, "purl": f"pkg:generic/{name}"},
            "ranges": [{"type": kind, "events": events}],
        }
        if versions:
            entry["versions"] = versions
        data = {
            "schema_version": "1.6.0",
            "id": ident,
            "modified": "2024-06-01T00:00:00Z",
            "published": "2024-06-01T00:00:00Z",
            "aliases": list(aliases),
            "summary": summary,
            "details": summary + " (Inspector Workbench demo record.)",
            "affected": [entry],
        }
        if severity:
            data["severity"] = [{"type": "CVSS_V3", "score": severity}]
        return data

    return [
        record(
            "OSV-DEMO-2024-0001",
            "openssl",
            "OpenSSL one-byte overread parsing the IPAddressFamily extension of X.509 certificates",
            [{"introduced": "1.0.2"}, {"fixed": "1.0.2m"}],
            aliases=["CVE-2017-3735"],
            severity="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
        ),
        record(
            "OSV-DEMO-2024-0002",
            "dropbear",
            "Dropbear double free in server_userauth when a login is refused",
            [{"introduced": "0"}, {"fixed": "2017.75"}],
            aliases=["CVE-2017-9078"],
            versions=["2016.72", "2016.73", "2016.74"],
            severity="CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
        ),
        record(
            "OSV-DEMO-2024-0003",
            "lighttpd",
            "lighttpd log injection through a basic HTTP authentication string without a colon",
            [{"introduced": "0"}, {"fixed": "1.4.36"}],
            aliases=["CVE-2015-3200"],
            severity="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N",
        ),
        record(
            "OSV-DEMO-2024-0004",
            "busybox",
            "BusyBox before 1.36.0: illustrative record for a shell applet memory-safety flaw",
            [{"introduced": "1.20.0"}, {"fixed": "1.36.0"}],
            kind="SEMVER",
            severity="CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
        ),
        record(
            "OSV-DEMO-2024-0005",
            "openssl",
            "Illustrative record for OpenSSL 3.0 before 3.0.14 (does not affect 3.0.15)",
            [{"introduced": "3.0.0"}, {"fixed": "3.0.14"}],
        ),
    ]


def generate(outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    images = (
        ("demo_defective.img", defective_rootfs, VERSION),
        ("demo_defective_v2.img", defective_v2_rootfs, VERSION_V2),
        ("demo_clean.img", clean_rootfs, VERSION),
    )
    for name, builder, version in images:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "rootfs"
            root.mkdir()
            builder(root)
            assemble(root, outdir / name, version)
            shutil.rmtree(root)
        written.append(outdir / name)
    feed = outdir / "osv-sample.json"
    feed.write_text(json.dumps(osv_feed(), indent=2, sort_keys=True) + "\n")
    written.append(feed)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for path in generate(target):
        print(f"{path}  {path.stat().st_size} bytes  sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")
