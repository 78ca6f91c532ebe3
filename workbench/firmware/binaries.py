"""ELF hardening per binary with lief (light parser configuration): NX, PIE, RELRO, stack
canary, FORTIFY, stripped, static, RPATH/RUNPATH.

Canary and FORTIFY are read from the binary's imported symbols. A static binary has no
imports (and a stripped one no symbol table): its libc's own `__stack_chk_fail` or `*_chk`
functions say nothing about the program, so the answer there is "undeterminable", never a
guess. Only real glibc fortified functions count as FORTIFY, never `__stack_chk_fail`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from workbench.firmware.inventory import FileRecord

CANARY_SYMBOLS = {
    "__stack_chk_fail",
    "__stack_chk_guard",
    "__stack_chk_fail_local",
    "__intel_security_cookie",
}
FORTIFIED = {
    f"__{name}_chk"
    for name in [
        "asprintf",
        "confstr",
        "dprintf",
        "explicit_bzero",
        "fdelt",
        "fgets",
        "fgets_unlocked",
        "fgetws",
        "fgetws_unlocked",
        "fprintf",
        "fread",
        "fread_unlocked",
        "fwprintf",
        "getcwd",
        "getdomainname",
        "getgroups",
        "gethostname",
        "getlogin_r",
        "gets",
        "getwd",
        "longjmp",
        "mbsnrtowcs",
        "mbsrtowcs",
        "mbstowcs",
        "memcpy",
        "memmove",
        "mempcpy",
        "memset",
        "obstack_printf",
        "obstack_vprintf",
        "poll",
        "ppoll",
        "pread64",
        "pread",
        "printf",
        "ptsname_r",
        "read",
        "readlink",
        "readlinkat",
        "realpath",
        "recv",
        "recvfrom",
        "snprintf",
        "sprintf",
        "stpcpy",
        "stpncpy",
        "strcat",
        "strcpy",
        "strlcat",
        "strlcpy",
        "strncat",
        "strncpy",
        "swprintf",
        "syslog",
        "ttyname_r",
        "vasprintf",
        "vdprintf",
        "vfprintf",
        "vfwprintf",
        "vprintf",
        "vsnprintf",
        "vsprintf",
        "vswprintf",
        "vsyslog",
        "vwprintf",
        "wcpcpy",
        "wcpncpy",
        "wcrtomb",
        "wcscat",
        "wcscpy",
        "wcsncat",
        "wcsncpy",
        "wcsnrtombs",
        "wcsrtombs",
        "wcstombs",
        "wctomb",
        "wmemcpy",
        "wmemmove",
        "wmempcpy",
        "wmemset",
        "wprintf",
    ]
}
UNDETERMINABLE = "undeterminable"


@dataclass
class Hardening:
    path: str
    arch: str | None
    nx: str
    pie: str
    relro: str
    canary: str
    fortify: str
    stripped: str
    static: str
    rpath: str | None
    runpath: str | None

    def row(self) -> dict:
        return dict(self.__dict__)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _parser_config():
    import lief

    config = lief.ELF.ParserConfig()
    config.parse_relocations = False
    config.parse_overlay = False
    config.parse_symbol_versions = False
    config.parse_notes = False
    # the symbol table is only looked for (`stripped`), never read: its symbols took 60% of the time
    config.parse_symtab_symbols = False
    return config


def analyse(path: str, disk: str, arch: str | None, config) -> Hardening | None:
    import lief

    binary = lief.ELF.parse(disk, config)
    if binary is None:
        return None
    etype = binary.header.file_type
    if etype not in (lief.ELF.Header.FILE_TYPE.EXEC, lief.ELF.Header.FILE_TYPE.DYN):
        u = UNDETERMINABLE  # relocatable objects (kernel modules) and cores have no load segments
        return Hardening(path, arch, u, u, u, u, u, _yes(not binary.has_section(".symtab")), u, None, None)
    dynamic = {entry.tag: entry for entry in binary.dynamic_entries}
    tags = lief.ELF.DynamicEntry.TAG
    has_dynamic = any(seg.type == lief.ELF.Segment.TYPE.DYNAMIC for seg in binary.segments)
    library = tags.SONAME in dynamic or ".so" in path.rsplit("/", 1)[-1]
    static = not has_dynamic or (not binary.has_interpreter and tags.NEEDED not in dynamic and not library)
    stripped = not binary.has_section(".symtab")

    gnu_relro = any(seg.type == lief.ELF.Segment.TYPE.GNU_RELRO for seg in binary.segments)
    bind_now = tags.BIND_NOW in dynamic
    if tags.FLAGS in dynamic and dynamic[tags.FLAGS].value & 0x8:  # DF_BIND_NOW
        bind_now = True
    if tags.FLAGS_1 in dynamic and dynamic[tags.FLAGS_1].value & 0x1:  # DF_1_NOW
        bind_now = True
    relro = "full" if gnu_relro and bind_now else "partial" if gnu_relro else "no"

    pie = "no" if etype == lief.ELF.Header.FILE_TYPE.EXEC else "no" if tags.TEXTREL in dynamic else "yes"

    if static:
        canary = fortify = UNDETERMINABLE
    else:
        imported = {sym.name for sym in binary.dynamic_symbols if sym.imported or sym.shndx == 0}
        canary = _yes(bool(imported & CANARY_SYMBOLS))
        fortify = _yes(bool(imported & FORTIFIED))
    rpath = dynamic[tags.RPATH].rpath if tags.RPATH in dynamic else None
    runpath = dynamic[tags.RUNPATH].runpath if tags.RUNPATH in dynamic else None
    return Hardening(
        path,
        arch,
        _yes(binary.has_nx),
        pie,
        relro,
        canary,
        fortify,
        _yes(stripped),
        _yes(static),
        rpath,
        runpath,
    )


def quiet_lief() -> None:
    import lief

    lief.logging.set_level(lief.logging.LEVEL.ERROR) if hasattr(lief, "logging") else None
    logging.getLogger("lief").setLevel(logging.ERROR)


def hardening_of(record: FileRecord, config) -> tuple[Hardening | None, str | None]:
    """One ELF file's hardening, or why it could not be read."""
    try:
        result = analyse(record.path, str(record.disk), record.arch, config)
    # lief parses hostile input natively and its bindings raise whatever C++ threw (RuntimeError,
    # ValueError, IndexError, OverflowError...): one malformed ELF must not end the scan, it
    # becomes a `parse` warning
    except Exception as exc:
        return None, f"ELF not parsed: {exc}"
    if result is None:
        return None, "ELF not parsed (malformed headers)"
    return result, None


def is_binary(record: FileRecord) -> bool:
    return record.kind == "file" and record.type == "elf" and record.disk is not None
