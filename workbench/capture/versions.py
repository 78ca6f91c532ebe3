"""`TlsVersion`: a TLS/DTLS protocol version as its wire code, with the name people use for it.

The tls table stores codes (`uint16`); `.label` is for display and `TlsVersion.parse` reads a
catalogue value ("TLS 1.2"). A code the enum does not know (a TLS 1.3 draft, garbage) stays an int;
`label(code)` names any code.
"""

from __future__ import annotations

from enum import IntEnum


class TlsVersion(IntEnum):
    SSL_2_0 = 0x0002  # the version field of an SSLv2 ClientHello
    SSL_3_0 = 0x0300
    TLS_1_0 = 0x0301
    TLS_1_1 = 0x0302
    TLS_1_2 = 0x0303
    TLS_1_3 = 0x0304
    DTLS_1_0 = 0xFEFF
    DTLS_1_2 = 0xFEFD
    DTLS_1_3 = 0xFEFC

    @property
    def label(self) -> str:
        """Its name: "TLS 1.2", "SSL 3.0", "DTLS 1.2"."""
        protocol, major, minor = self.name.split("_")
        return f"{protocol} {major}.{minor}"

    @property
    def is_dtls(self) -> bool:
        return self.name.startswith("DTLS")

    @classmethod
    def parse(cls, text: str) -> TlsVersion:
        """A version from its name ("TLS 1.2", "tls1.2", "TLSv1.2", "SSLv3"), a bare number as
        declarations write it ("1.2" is TLS 1.2, "3.0" SSL 3.0), or its code ("0x0303")."""
        cleaned = text.strip().upper().replace("V", " ").replace("_", " ")
        if cleaned.startswith("0X"):
            try:
                return cls(int(cleaned, 16))
            except ValueError:
                raise ValueError(f"not a TLS version: {text!r}") from None
        if cleaned[:1].isdigit():
            cleaned = ("TLS " if cleaned.startswith("1") else "SSL ") + cleaned
        for protocol in ("DTLS", "TLS", "SSL"):
            if cleaned.startswith(protocol):
                number = cleaned[len(protocol) :].strip()
                number = number if "." in number else f"{number}.0"
                for version in cls:
                    if version.label == f"{protocol} {number}":
                        return version
        raise ValueError(f"not a TLS version: {text!r}")


def label(code: int | None) -> str | None:
    """The name of any version code: the enum's label, a TLS 1.3 draft, else the hex code."""
    if code is None:
        return None
    if code in _CODES:
        return TlsVersion(code).label
    if code == 0x0200:  # SSL 2.0 as some implementations write it
        return TlsVersion.SSL_2_0.label
    if code >> 8 == 0x7F:
        return f"TLS 1.3 (draft {code & 0xFF})"
    return f"0x{code:04x}"


_CODES = frozenset(TlsVersion)
