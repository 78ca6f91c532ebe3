"""HTTP and RTSP authentication headers: Basic, and Digest answered from the server's challenge
(RFC 7616: MD5 or SHA-256, qop=auth or none; RFC 2069 when the challenge names no qop)."""

from __future__ import annotations

import base64
import hashlib
import os
import re

_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_HASHES = {"MD5": hashlib.md5, "MD5-SESS": hashlib.md5, "SHA-256": hashlib.sha256,
           "SHA-256-SESS": hashlib.sha256}


def basic(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def scheme_of(challenges: list[str]) -> str | None:
    """`digest` or `basic` (Digest preferred) from the WWW-Authenticate values, else None."""
    schemes = {value.strip().split(" ", 1)[0].lower() for value in challenges if value.strip()}
    for scheme in ("digest", "basic"):
        if scheme in schemes:
            return scheme
    return None


def challenge(challenges: list[str], scheme: str) -> dict[str, str]:
    """The parameters of the first challenge of `scheme` (keys lower-cased)."""
    for value in challenges:
        head, _, rest = value.strip().partition(" ")
        if head.lower() == scheme:
            return {m[1].lower(): (m[2] if m[2] is not None else m[3]) for m in _PARAM.finditer(rest[:4096])}
    return {}


def digest(
    method: str, uri: str, user: str, password: str, params: dict[str, str], nc: int = 1
) -> str | None:
    """The Authorization header answering a Digest challenge, or None if it asks for what we do not
    speak (an unknown algorithm, qop=auth-int only)."""
    algorithm = params.get("algorithm", "MD5").upper()
    hash_fn = _HASHES.get(algorithm)
    if hash_fn is None:
        return None

    def h(text: str) -> str:
        return hash_fn(text.encode("utf-8")).hexdigest()

    realm, nonce = params.get("realm", ""), params.get("nonce", "")
    qops = [q.strip().lower() for q in params.get("qop", "").split(",") if q.strip()]
    if qops and "auth" not in qops:
        return None
    cnonce = os.urandom(8).hex()
    ha1 = h(f"{user}:{realm}:{password}")
    if algorithm.endswith("-SESS"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    fields = [f'username="{_quoted(user)}"', f'realm="{_quoted(realm)}"', f'nonce="{_quoted(nonce)}"',
              f'uri="{_quoted(uri)}"', f"algorithm={algorithm}"]
    if qops:
        count = f"{nc:08x}"
        response = h(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
        fields += [f'response="{response}"', "qop=auth", f"nc={count}", f'cnonce="{cnonce}"']
    else:
        fields.append(f'response="{h(f"{ha1}:{nonce}:{ha2}")}"')
    if "opaque" in params:
        fields.append(f'opaque="{_quoted(params["opaque"])}"')
    return "Digest " + ", ".join(fields)


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
