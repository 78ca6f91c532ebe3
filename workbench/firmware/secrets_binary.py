"""A password compiled into a program: in an ELF that imports strcmp (or strncmp, strcasecmp,
strncasecmp), a short literal stored right beside a "Password:" or "login:" prompt string,
as a compiler lays out the string constants of one function (`printf("Password: ");
if (strcmp(buf, "s3cret") == 0)`). A heuristic, kept narrow: a single word of 4 to 32 printable
characters, no path, format, option, message or constant name, and none of the stop words."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from workbench.firmware.secrets_words import password_like

STRCMP_IMPORTS = (b"\x00strcmp\x00", b"\x00strncmp\x00", b"\x00strcasecmp\x00", b"\x00strncasecmp\x00")
# a prompt string ends with one of these (the NUL ends the string), its words before it
PROMPT_ENDS = (b":\x00", b": \x00", b":\n\x00", b": \n\x00", b">\x00", b"> \x00")
PROMPT_WORDS = re.compile(rb"(?:^|[^a-z])(?:password|passwd|passcode|pass ?phrase|login|user ?name)[ \t]*$")
NEIGHBOURS = 3  # strings after the prompt (a compiler lays out a function's strings in order of use)
WINDOW = 192  # bytes after the prompt
MAX_HITS = 16  # per file
WORD = re.compile(rb"[\x21-\x7e]{4,32}")
NOT_A_PASSWORD = re.compile(
    rb"(?i)[/%=:\\]|^\.|\.(?:so|conf|cfg|txt|sh|log|pid|c|h)(?:\.|$)"
    rb"|[a-z]{2,}[-.][a-z]"  # option, key and file names (`body-file`, `Linux-PAM`, `a.enter`)
    rb"|[a-z0-9]_[a-z0-9]|XXXX"  # identifiers (`use_authtok`, `EVP_read`), mkstemp templates
    rb"|passw|phrase|login|user|incorrect|invalid|denied|usage|error|fail|welcome|shell|tty|term|lib"
)
# the name of a constant or environment variable (`TERM`), or a camelCase one (`formatName`)
IDENTIFIER = re.compile(rb"[A-Z0-9_]+|[A-Za-z]*[a-z][A-Z][A-Za-z]*")

# (the prompt, the literal, its offset in the file)
Compiled = tuple[str, str, int]


# any of STRCMP_IMPORTS, in one search (four `in` over a program whose NULs each start a compare)
STRCMP_IMPORT = re.compile(rb"\x00str(?:n?casecmp|n?cmp)\x00")


def imports_strcmp(data: bytes) -> bool:
    return STRCMP_IMPORT.search(data) is not None


def _strings_after(data: bytes, pos: int, limit: int) -> Iterator[tuple[int, bytes]]:
    """(offset, text) of the NUL-terminated printable strings from pos, NUL padding skipped."""
    count = 0
    while pos < limit and count < NEIGHBOURS:
        while pos < limit and data[pos] == 0:
            pos += 1
        end = data.find(b"\x00", pos, limit)
        if end < 0 or end == pos:
            return
        text = data[pos:end]
        if not all(0x20 <= c < 0x7F or c in (9, 10, 13) for c in text):
            return  # the strings end here
        if text.strip():  # "\n" and the like are passed over
            yield pos, text
            count += 1
        pos = end + 1


def _candidate(text: bytes) -> bool:
    return (
        WORD.fullmatch(text) is not None
        and IDENTIFIER.fullmatch(text) is None
        and not NOT_A_PASSWORD.search(text)
        and password_like(text.decode())
    )


def compiled_literals(data: bytes) -> Iterator[Compiled]:
    """Literals beside login prompts in an ELF that imports a string comparison."""
    if not data.startswith(b"\x7fELF") or not imports_strcmp(data):
        return
    seen: set[int] = set()
    for end in _prompt_ends(data):
        start = data.rfind(b"\x00", max(0, end - 64), end) + 1
        if start == 0 or not PROMPT_WORDS.search(data[start:end].split(b":")[0].split(b">")[0].lower()):
            continue
        label = data[start:end].decode("ascii", "replace").strip()
        for offset, text in _strings_after(data, end + 1, min(len(data), end + 1 + WINDOW)):
            if offset not in seen and _candidate(text):
                seen.add(offset)
                yield label, text.decode("ascii"), offset
                if len(seen) >= MAX_HITS:
                    return


def _prompt_ends(data: bytes) -> list[int]:
    """Offsets of the NUL ending each string that ends like a prompt, in order. Where a prompt
    word can be, only: every prompt `compiled_literals` keeps holds one (in any case) starting
    at most 64 bytes before its end, and a word is rarer than the endings (`>\\0` is common in
    machine code: a search of each ending over a whole program took 20 ms a megabyte)."""
    words = _word_starts(data)
    if words is None:  # no pyperscan: every ending, searched over the whole data
        return _ends_between(data, [(0, len(data))])
    spans: list[tuple[int, int]] = []
    for start in words:  # merged windows around the words (sorted)
        low, high = max(0, start - WORD_BEFORE), start + WORD_AFTER
        if spans and low <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], high))
        else:
            spans.append((low, high))
    return _ends_between(data, spans)


def _ends_between(data: bytes, spans: list[tuple[int, int]]) -> list[int]:
    ends: set[int] = set()
    for low, high in spans:
        for suffix in PROMPT_ENDS:
            at = data.find(suffix, low, high)
            while at >= 0:
                ends.add(at + len(suffix) - 1)
                at = data.find(suffix, at + 1, high)
    return sorted(ends)


# A prompt word starts with one of these (PROMPT_WORDS, in any case). A prompt's string starts at
# most 63 bytes before the NUL that ends it (compiled_literals), and its word's first letter is in
# it: the NUL is at most 63 bytes after the word's start, its ending starts at most 5 bytes before.
WORD_PREFIXES = (b"pass", b"login", b"user")
WORD_BEFORE, WORD_AFTER = 8, 64 + 8
_words = threading.local()


def _on_word(starts: list[int], _tag: int, start: int, _end: int) -> Any:
    import pyperscan

    starts.append(start)
    return pyperscan.Scan.Continue


def _word_starts(data: bytes) -> list[int] | None:
    """Where a prompt word's prefix starts (in any case), in order; None without pyperscan."""
    scanner = getattr(_words, "scanner", False)
    if scanner is False:
        scanner = _words.scanner = _word_scanner()
    if scanner is None:
        return None
    scan, starts = scanner
    starts.clear()
    scan.scan(data)
    return sorted(starts)


def _word_scanner() -> tuple[Any, list[int]] | None:
    try:
        import pyperscan

        patterns = [
            pyperscan.Pattern(
                b"".join(b"\\x%02x" % byte for byte in word),
                pyperscan.Flag.CASELESS,
                pyperscan.Flag.SOM_LEFTMOST,
                tag=i,
            )
            for i, word in enumerate(WORD_PREFIXES)
        ]
        starts: list[int] = []
        return pyperscan.BlockDatabase(*patterns).build(starts, _on_word), starts
    except Exception:  # no pyperscan, or a database it refuses: every ending is searched
        return None
