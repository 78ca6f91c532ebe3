"""crypt(3) of the system's libxcrypt through ctypes: C speed for the crypt schemes (SHA-512
crypt is ~100x faster than libpass's pure-Python backend) and the schemes libpass lacks
(yescrypt). `crypt_rn` writes into the caller's buffer, so it is thread-safe, and ctypes
releases the GIL while it runs: hashes can be tested in threads beside other work."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hmac
import threading

# Schemes whose libxcrypt result was checked against libpass (bigcrypt is not one: libxcrypt
# reads it as DES and would answer "no match" where it cannot tell).
SCHEMES = {
    "des_crypt",
    "bsdi_crypt",
    "md5_crypt",
    "sha256_crypt",
    "sha512_crypt",
    "bcrypt",
    "sha1_crypt",
    "sun_md5_crypt",
    "yescrypt",
    "gost_yescrypt",
    "scrypt",
}
_DATA_SIZE = 32768  # sizeof(struct crypt_data) in libxcrypt
_local = threading.local()


@functools.cache
def _function():
    name = ctypes.util.find_library("crypt")
    if not name:
        return None
    try:
        function = ctypes.CDLL(name).crypt_rn
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_char_p
    function.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int)
    return function


def available() -> bool:
    return _function() is not None


def crypt(password: str, setting: str) -> str | None:
    """The hash of password with setting's scheme and salt; None when libxcrypt cannot."""
    function = _function()
    if function is None or "\0" in password or "\0" in setting:
        return None
    buffer = getattr(_local, "buffer", None)
    if buffer is None:
        buffer = _local.buffer = ctypes.create_string_buffer(_DATA_SIZE)
    try:
        out = function(password.encode("utf-8"), setting.encode("ascii"), buffer, _DATA_SIZE)
    except (UnicodeEncodeError, ctypes.ArgumentError):
        return None
    if not out or out.startswith(b"*"):  # "*0"/"*1": unknown scheme or malformed setting
        return None
    return out.decode("ascii", "replace")


def verify(scheme: str, password: str, stored: str) -> bool | None:
    """True/False, or None when this scheme or this stored value cannot be tested here."""
    if scheme not in SCHEMES:
        return None
    computed = crypt(password, stored)
    if computed is None:
        return None
    return hmac.compare_digest(computed.encode(), stored.encode())
