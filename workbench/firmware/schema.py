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

_str = pa.string()
_int = pa.int64()
_bool = pa.bool_()
_float = pa.float64()

# binaries: a hardening property as read from the ELF headers, dynamic section and symbols. A
# relocatable object (a kernel module) or a core file has `undeterminable` in every column but
# `stripped`; a static binary has `undeterminable` canary and fortify (no imports to tell by).
HARDENING_VALUES = ("yes", "no", "partial", "full", "undeterminable")

LAYERS = TableSchema(
    "layers",
    "one region of the image that was recognised (a uImage, a file system, an archive...)",
    (
        Column("offset", _int, "first byte in the image"),
        Column("end", _int, "byte after the last one in the image"),
        Column("format", _str, "recognised format (`uimage`, `squashfs`, `cpio`, `zip`, `unknown`...)"),
        Column("size", _int, "end - offset, in bytes"),
        Column("extracted", _bool, "whether its contents were extracted"),
        Column("reason", _str, "what was recognised, or why it was not extracted ('' when nothing to say)"),
        Column("path", _str, "where its contents appear in the image's paths (`/`, `/@0`...); null if none"),
    ),
)

FILES = TableSchema(
    "files",
    "one entry of the extracted image (file, folder, link, device...)",
    (
        Column("path", _str, "image path"),
        Column("size", _int, "bytes of a regular file; 0 for anything else"),
        Column("mode", _str, "permission bits as four octal digits (`0755`); null if unknown"),
        Column("uid", _int, "owner's user id; null if unknown"),
        Column("gid", _int, "owner's group id; null if unknown"),
        Column(
            "type",
            _str,
            "a regular file's content (`elf`, `script`, `config`, `text`, `key`, `certificate`, "
            "`archive`, `empty`, `data`), else the entry's kind (`directory`, `symlink`, `char_device`...)",
        ),
        Column("arch", _str, "ELF architecture (`x86_64-64-le`, `arm-32-le`...); null if not an ELF"),
        Column("sha256", _str, "SHA-256 of the content (hex); null for anything but a regular file"),
        Column(
            "entropy", _float, "Shannon entropy of the content in bits per byte (0..8); null if not a file"
        ),
        Column("link_target", _str, "target of a symbolic link as written; null otherwise"),
    ),
)

ACCOUNTS = TableSchema(
    "accounts",
    "one account or stored password (passwd/shadow entry, web server password file, config file)",
    (
        Column("source", _str, "image path of the file that defines it"),
        Column("user", _str, "account name"),
        Column("uid", _int, "user id; null where the source has none"),
        Column("gid", _int, "group id; null where the source has none"),
        Column("shell", _str, "login shell; null where the source has none"),
        Column("login_shell", _bool, "the shell allows a login (not nologin/false); null without a shell"),
        Column(
            "hash_scheme",
            _str,
            "how the password is stored (`sha512_crypt`, `des_crypt`, `plaintext`, `empty`, `locked`...)",
        ),
        Column(
            "weak_hash",
            _bool,
            "engine fact: hash_scheme is in the engine's fixed list of weak schemes "
            "(workbench.firmware.crypthash.WEAK_SCHEMES); checks judge by the catalogue's weak_schemes",
        ),
        Column("empty", _bool, "no password at all"),
        Column("locked", _bool, "the password is locked (`!`/`*`)"),
        Column(
            "default_password",
            _bool,
            "engine fact: the password equals one of the bundled default "
            "passwords (empty counts); false: tested, none matched; null: not tested",
        ),
        Column("password_hint", _str, "the matching default or plaintext password, masked unless revealed"),
        Column("line", _int, "line number in the source file"),
    ),
)

KEYS = TableSchema(
    "keys",
    "one private key, public key or certificate found in a file",
    (
        Column("path", _str, "image path of the file"),
        Column("offset", _int, "byte offset in the file"),
        Column("kind", _str, "`private_key`|`certificate`|`public_key`|`ssh_host_key`"),
        Column("format", _str, "`PEM`, `DER`, `OpenSSH`, `dropbear`..."),
        Column("key_type", _str, "`RSA`, `EC`, `DSA`, `Ed25519`...; null if unreadable (e.g. encrypted)"),
        Column("key_bits", _int, "key size in bits; null if unknown"),
        Column("subject", _str, "certificate subject (RFC 4514); null for keys"),
        Column("issuer", _str, "certificate issuer (RFC 4514); null for keys"),
        Column("not_before", _str, "certificate validity start, ISO 8601 with offset; null for keys"),
        Column("not_after", _str, "certificate validity end, ISO 8601 with offset; null for keys"),
        Column("self_signed", _bool, "certificate issued by itself (signature verified); null for keys"),
        Column("encrypted", _bool, "a private key protected by a passphrase"),
    ),
)

SECRETS = TableSchema(
    "secrets",
    "one credential-like value in a file (API key, token, password assignment...)",
    (
        Column("path", _str, "image path of the file"),
        Column("offset", _int, "byte offset in the file"),
        Column("line", _int, "line number in the file; null in a binary file"),
        Column("kind", _str, "what it looks like (`aws_access_key_id`, `password`, `private_token`...)"),
        Column("name", _str, "the variable or key it is assigned to; null if none"),
        Column("value", _str, "the value, masked unless the scan revealed secrets"),
    ),
)

BINARIES = TableSchema(
    "binaries",
    "one ELF executable or library and its hardening",
    (
        Column("path", _str, "image path"),
        Column("arch", _str, "ELF architecture (`x86_64-64-le`...)"),
        Column("nx", _str, "non-executable stack and data: `yes`|`no`|`undeterminable`"),
        Column("pie", _str, "position-independent (`no` with text relocations): `yes`|`no`|`undeterminable`"),
        Column("relro", _str, "read-only relocations: `full`|`partial`|`no`|`undeterminable`"),
        Column("canary", _str, "imports a stack protector symbol: `yes`|`no`|`undeterminable`"),
        Column("fortify", _str, "imports a `_chk` fortified function: `yes`|`no`|`undeterminable`"),
        Column("stripped", _str, "no `.symtab` section: `yes`|`no`"),
        Column("static", _str, "statically linked: `yes`|`no`|`undeterminable`"),
        Column("rpath", _str, "DT_RPATH as written; null if none"),
        Column("runpath", _str, "DT_RUNPATH as written; null if none"),
    ),
)

COMPONENTS = TableSchema(
    "components",
    "one software component identified in the image (the SBOM)",
    (
        Column("name", _str, "component name (`busybox`, `openssl`, `linux_kernel`...)"),
        Column("version", _str, "version string; null if not found"),
        Column("path", _str, "image path where it was identified"),
        Column("evidence", _str, "what identified it (a version string, a package database entry...)"),
        Column("purl", _str, "package URL"),
        Column("cpe", _str, "CPE 2.3 name; null without a version"),
    ),
)

VULNERABILITIES = TableSchema(
    "vulnerabilities",
    "one known vulnerability of a component, from the OSV feeds given to the scan",
    (
        Column("component", _str, "component name"),
        Column("version", _str, "component version"),
        Column("vuln_id", _str, "OSV / CVE identifier"),
        Column("summary", _str, "the feed's summary (first line, at most 500 characters)"),
        Column("severity", _str, "the feed's severity label, or `RATING (score)` from a CVSS 3 vector; null"),
        Column("fixed_in", _str, "first fixed version; null if none known"),
        Column("path", _str, "image path of the component"),
    ),
)

SERVICES = TableSchema(
    "services",
    "one program the image starts (init script, inittab, inetd, cron, supervisor...)",
    (
        Column("name", _str, "program name (`dropbear`, `telnetd`, `lighttpd`...)"),
        Column("kind", _str, "what it offers (`ssh`, `telnet`, `web`, `ftp`, `console`, `cron`...)"),
        Column("source", _str, "image path of the file that starts it"),
        Column("line", _int, "line number in that file"),
        Column("command", _str, "the command line as written"),
        Column("runs_as", _str, "user it runs as; null if unknown"),
        Column("port", _int, "listening port; null if none or unknown"),
        Column("enabled", _bool, "started at boot (false: present but disabled)"),
        Column("auth", _bool, "asks for authentication; null if unknown"),
    ),
)

UPDATE = TableSchema(
    "update",
    "one piece of the update mechanism (tool, download URL, public key, signature verifier)",
    (
        Column("kind", _str, "`tool`|`url`|`public_key`|`verifier`"),
        Column("path", _str, "image path where it was found"),
        Column("value", _str, "the tool's name, the URL, the key's path..."),
        Column("secure", _bool, "a URL over TLS / a verifier present; null where it does not apply"),
        Column("detail", _str, "what was seen"),
    ),
)

WARNINGS = TableSchema(
    "warnings",
    "one problem met while extracting or reading the image (the scan went on)",
    (
        Column("kind", _str, "`limit`, `symlink_escape`, `confinement`, `parse`, `scan_limit`..."),
        Column("path", _str, "image path concerned; null if none"),
        Column("message", _str, "what happened"),
    ),
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
