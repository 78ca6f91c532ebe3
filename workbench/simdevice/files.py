"""What the servers read, written into the work dir at start: certificates and keys made fresh, configs,
the telnet login script and the web pages. Nothing is shared between two starts."""

from __future__ import annotations

import subprocess
from pathlib import Path

MODEL, FIRMWARE = "Acme C100", "2.1"
TOOL_TIMEOUT_S = 60

# The telnet "login" of the defective camera: root/xc3511 and admin with an empty password are let in, no
# attempt is slowed down, and what follows is a FAKE shell that runs nothing (the namespace shares the host's
# files). Input reaches `printf '%s'` only, never eval or a command position.
LOGIN_SCRIPT = r"""#!/bin/sh
# Acme C100 telnet login (simulated device): planted default credentials, a fake shell.
cr=$(printf '\r')
tries=0
while [ "$tries" -lt 3 ]; do
  tries=$((tries + 1))
  printf 'Acme C100 login: '
  IFS= read -r user || exit 0
  stty -echo 2>/dev/null  # before the prompt: a client that answers it at once must not be echoed
  printf 'Password: '
  IFS= read -r pass || exit 0
  stty echo 2>/dev/null
  printf '\n'
  user=${user%"$cr"}
  pass=${pass%"$cr"}
  if { [ "$user" = root ] && [ "$pass" = xc3511 ]; } || { [ "$user" = admin ] && [ -z "$pass" ]; }; then
    printf '\nBusyBox v1.24.1 built-in shell (ash)\n\n'
    while printf '# '; IFS= read -r line; do
      line=${line%"$cr"}
      cmd=${line%% *}
      case "$cmd" in
        '') ;;
        exit|logout) exit 0 ;;
        *) printf 'sh: %s: not found\n' "$cmd" ;;
      esac
    done
    exit 0
  fi
  printf 'Login incorrect\n'
done
"""

INDEX_PAGE = f"""<!DOCTYPE html>
<html><head><title>{MODEL} live view</title></head>
<body><h1>{MODEL}</h1><p>IP camera, firmware {FIRMWARE}</p>
<p><a href="/live.html">Live view</a> (no login needed)</p></body></html>
"""

ADMIN_PAGE = f"""<!DOCTYPE html>
<html><head><title>{MODEL} administration</title></head>
<body><h1>{MODEL} administration</h1><p>firmware {FIRMWARE}</p></body></html>
"""


def run_tool(argv: list[str], workdir: Path) -> None:
    """Run a set-up tool (openssl, dropbearkey); its failure says what it printed."""
    done = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")


def write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def self_signed(workdir: Path, name: str, key_options: list[str], digest: str) -> tuple[Path, Path]:
    """A fresh self-signed certificate for CN=Acme C100: (certificate, key) paths."""
    cert, key = workdir / f"{name}.crt", workdir / f"{name}.key"
    run_tool(["openssl", "req", "-x509", "-nodes", *key_options, f"-{digest}", "-days", "365",
              "-subj", f"/CN={MODEL}/O=Acme", "-keyout", str(key), "-out", str(cert)], workdir)
    key.chmod(0o600)
    return cert, key


def weak_certificate(workdir: Path) -> tuple[Path, Path]:
    """1024-bit RSA signed with SHA-1: what the defective camera presents."""
    return self_signed(workdir, "tls-weak", ["-newkey", "rsa:1024"], "sha1")


def strong_certificate(workdir: Path) -> tuple[Path, Path]:
    """P-256 ECDSA signed with SHA-256: what the clean camera presents."""
    return self_signed(workdir, "tls-strong", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                       "sha256")
