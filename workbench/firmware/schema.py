"""The firmware engine's tables, declared once: column names in order, Arrow types, a line each.

The engine builds its DataFrames from these declarations (`workbench.firmware.result.frame`), the
case cache's tables are read back through them, the checks read typed rows by them
(`ctx.firmware_rows(name, columns)`) and docs/CONTRACTS.md lists them (scripts/contracts_tables.py).
Paths are image-relative and start with `/` (`/@<offset>/...` for a layer without a mount point,
`/archive.zip!/member` inside an archive).
"""

from __future__ import annotations

import pyarrow as pa

from workbench.tables import Column, TableSchema

TEXT = pa.string()
NUMBER = pa.int64()  # offsets, sizes, ids, line numbers, key sizes
FLAG = pa.bool_()
PORT = pa.uint16()  # as in the capture engine's tables

# binaries: a hardening property as read from the ELF headers, dynamic section and symbols. A
# relocatable object (a kernel module) or a core file has `undeterminable` in every column but
# `stripped`; a static binary has `undeterminable` canary and fortify (no imports to tell by).
HARDENING_VALUES = ("yes", "no", "partial", "full", "undeterminable")
# accounts.weak_hash: workbench.firmware.crypthash.WEAK_SCHEMES, named here without importing it
ENGINE_WEAK_SCHEMES = (
    "apr_md5_crypt",
    "bigcrypt",
    "bsdi_crypt",
    "des_crypt",
    "htdigest",
    "ldap_salted_sha1",
    "ldap_sha1",
    "md5_crypt",
    "plaintext",
    "sun_md5_crypt",
)


def _table(name: str, doc: str, *columns: tuple[str, pa.DataType, str]) -> TableSchema:
    return TableSchema(name, doc, tuple(Column(n, t, d) for n, t, d in columns))


LAYERS = _table(
    "layers",
    "one region of the image that was recognised (a uImage, a file system, an archive...)",
    ("offset", NUMBER, "first byte in the image"),
    ("end", NUMBER, "byte after the last one in the image"),
    ("format", TEXT, "recognised format (`uimage`, `squashfs`, `cpio`, `zip`, `unknown`...)"),
    ("size", NUMBER, "end - offset, in bytes"),
    ("extracted", FLAG, "whether its contents were extracted"),
    ("reason", TEXT, "what was recognised, or why it was not extracted ('' when nothing to say)"),
    ("path", TEXT, "where its contents appear in the image's paths (`/`, `/@0`...); null if none"),
)

FILES = _table(
    "files",
    "one entry of the extracted image (file, folder, link, device...)",
    ("path", TEXT, "image path"),
    ("size", NUMBER, "bytes of a regular file; 0 for anything else"),
    ("mode", TEXT, "permission bits as four octal digits (`0755`); null if unknown"),
    ("uid", NUMBER, "owner's user id; null if unknown"),
    ("gid", NUMBER, "owner's group id; null if unknown"),
    (
        "type",
        TEXT,
        "a regular file's content (`elf`, `script`, `config`, `text`, `key`, `certificate`, "
        "`archive`, `empty`, `data`), else the entry's kind (`directory`, `symlink`, `char_device`...)",
    ),
    ("arch", TEXT, "ELF architecture (`x86_64-64-le`, `arm-32-le`...); null if not an ELF"),
    ("sha256", TEXT, "SHA-256 of the content (hex); null for anything but a regular file"),
    ("entropy", pa.float64(), "Shannon entropy of the content in bits per byte (0..8); null if not a file"),
    ("link_target", TEXT, "target of a symbolic link as written; null otherwise"),
)

ACCOUNTS = _table(
    "accounts",
    "one account or stored password (passwd/shadow entry, web server password file, config file)",
    ("source", TEXT, "image path of the file that defines it"),
    ("user", TEXT, "account name"),
    ("uid", NUMBER, "user id; null where the source has none"),
    ("gid", NUMBER, "group id; null where the source has none"),
    ("shell", TEXT, "login shell; null where the source has none"),
    ("login_shell", FLAG, "the shell allows a login (not nologin/false); null without a shell"),
    (
        "hash_scheme",
        TEXT,
        "how the password is stored, in the engine's names: `des_crypt`, `bsdi_crypt`, `bigcrypt`, "
        "`md5_crypt`, `apr_md5_crypt`, `bcrypt`, `sha256_crypt`, `sha512_crypt`, `yescrypt`, "
        "`gost_yescrypt`, `scrypt`, `sha1_crypt`, `sun_md5_crypt`, `ldap_sha1`, `ldap_salted_sha1`, "
        "`htdigest`, `plaintext`, `empty`, `locked` (no hash behind the lock), `unknown`",
    ),
    (
        "weak_hash",
        FLAG,
        "engine fact, by its fixed list (crypthash.WEAK_SCHEMES): hash_scheme is one of "
        f"{', '.join(f'`{s}`' for s in ENGINE_WEAK_SCHEMES)}; a check judges by the catalogue's weak_schemes",
    ),
    ("empty", FLAG, "no password at all"),
    ("locked", FLAG, "the password is locked (`!`/`*`)"),
    (
        "default_password",
        FLAG,
        "engine fact, by its bundled list (firmware/data/default_passwords.txt): the password is one "
        "of them (an empty one counts); false: all tested, none matched; null: not (fully) tested",
    ),
    ("password_hint", TEXT, "the matching default or plaintext password, masked unless revealed"),
    ("line", NUMBER, "line number in the source file"),
)

KEYS = _table(
    "keys",
    "one private key, public key or certificate found in a file",
    ("path", TEXT, "image path of the file"),
    ("offset", NUMBER, "byte offset in the file"),
    ("kind", TEXT, "`private_key`|`certificate`|`public_key`|`ssh_host_key`"),
    ("format", TEXT, "`PEM`, `DER`, `OpenSSH`, `dropbear`..."),
    ("key_type", TEXT, "`RSA`, `EC`, `DSA`, `Ed25519`...; null if unreadable (e.g. encrypted)"),
    ("key_bits", NUMBER, "key size in bits; null if unknown"),
    ("subject", TEXT, "certificate subject (RFC 4514); null for keys"),
    ("issuer", TEXT, "certificate issuer (RFC 4514); null for keys"),
    ("not_before", TEXT, "certificate validity start, ISO 8601 with offset; null for keys"),
    ("not_after", TEXT, "certificate validity end, ISO 8601 with offset; null for keys"),
    ("self_signed", FLAG, "certificate issued by itself (signature verified); null for keys"),
    ("encrypted", FLAG, "a private key protected by a passphrase"),
)

SECRETS = _table(
    "secrets",
    "one credential-like value in a file (API key, token, password assignment...)",
    ("path", TEXT, "image path of the file"),
    ("offset", NUMBER, "byte offset in the file"),
    ("line", NUMBER, "line number in the file; null in a binary file"),
    ("kind", TEXT, "what it looks like (`aws_access_key_id`, `password`, `private_token`...)"),
    ("name", TEXT, "the variable or key it is assigned to; null if none"),
    ("value", TEXT, "the value, masked unless the scan revealed secrets"),
)

BINARIES = _table(
    "binaries",
    "one ELF executable or library and its hardening",
    ("path", TEXT, "image path"),
    ("arch", TEXT, "ELF architecture (`x86_64-64-le`...)"),
    ("nx", TEXT, "non-executable stack and data: `yes`|`no`|`undeterminable`"),
    ("pie", TEXT, "position-independent (`no` with text relocations): `yes`|`no`|`undeterminable`"),
    ("relro", TEXT, "read-only relocations: `full`|`partial`|`no`|`undeterminable`"),
    ("canary", TEXT, "imports a stack protector symbol: `yes`|`no`|`undeterminable`"),
    ("fortify", TEXT, "imports a `_chk` fortified function: `yes`|`no`|`undeterminable`"),
    ("stripped", TEXT, "no `.symtab` section: `yes`|`no`"),
    ("static", TEXT, "statically linked: `yes`|`no`|`undeterminable`"),
    ("rpath", TEXT, "DT_RPATH as written; null if none"),
    ("runpath", TEXT, "DT_RUNPATH as written; null if none"),
)

COMPONENTS = _table(
    "components",
    "one software component identified in the image (the SBOM)",
    ("name", TEXT, "component name (`busybox`, `openssl`, `linux_kernel`...)"),
    ("version", TEXT, "version string; null if not found"),
    ("path", TEXT, "image path where it was identified"),
    ("evidence", TEXT, "what identified it (a version string, a package database entry...)"),
    ("purl", TEXT, "package URL"),
    ("cpe", TEXT, "CPE 2.3 name; null without a version"),
)

VULNERABILITIES = _table(
    "vulnerabilities",
    "one known vulnerability of a component, from the OSV feeds given to the scan",
    ("component", TEXT, "component name"),
    ("version", TEXT, "component version"),
    ("vuln_id", TEXT, "OSV / CVE identifier"),
    ("summary", TEXT, "the feed's summary (first line, at most 500 characters)"),
    ("severity", TEXT, "the feed's severity label, or `RATING (score)` from a CVSS 3 vector; null"),
    ("fixed_in", TEXT, "first fixed version; null if none known"),
    ("path", TEXT, "image path of the component"),
)

SERVICES = _table(
    "services",
    "one program the image starts (init script, inittab, inetd, cron, supervisor...)",
    ("name", TEXT, "program name (`dropbear`, `telnetd`, `lighttpd`...)"),
    ("kind", TEXT, "what it offers (`ssh`, `telnet`, `web`, `ftp`, `console`, `cron`...)"),
    ("source", TEXT, "image path of the file that starts it"),
    ("line", NUMBER, "line number in that file"),
    ("command", TEXT, "the command line as written"),
    ("runs_as", TEXT, "user it runs as; null if unknown"),
    ("port", PORT, "listening port; null if none or unknown"),
    ("enabled", FLAG, "started at boot (false: present but disabled)"),
    ("auth", FLAG, "asks for authentication; null if unknown"),
)

UPDATE = _table(
    "update",
    "one piece of the update mechanism (tool, download URL, public key, signature verifier)",
    ("kind", TEXT, "`tool`|`url`|`public_key`|`verifier`"),
    ("path", TEXT, "image path where it was found"),
    ("value", TEXT, "the tool's name, the URL, the key's path..."),
    ("secure", FLAG, "a URL over TLS / a verifier present; null where it does not apply"),
    ("detail", TEXT, "what was seen"),
)

WARNINGS = _table(
    "warnings",
    "one problem met while extracting or reading the image (the scan went on)",
    ("kind", TEXT, "`limit`, `symlink_escape`, `confinement`, `parse`, `scan_limit`..."),
    ("path", TEXT, "image path concerned; null if none"),
    ("message", TEXT, "what happened"),
)

TABLES: dict[str, TableSchema] = {
    t.name: t
    for t in (
        LAYERS,
        FILES,
        ACCOUNTS,
        KEYS,
        SECRETS,
        BINARIES,
        COMPONENTS,
        VULNERABILITIES,
        SERVICES,
        UPDATE,
        WARNINGS,
    )
}


def contract_markdown() -> str:
    """The firmware tables as docs/CONTRACTS.md lists them (between its firmware-tables markers,
    rewritten by scripts/contracts_tables.py)."""
    return "\n\n".join(table.markdown() for table in TABLES.values())
