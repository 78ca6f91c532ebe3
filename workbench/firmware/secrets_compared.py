"""Passwords compared rather than assigned, in scripts and CGI programs: shell tests
(`[ "$PASS" = "x" ]`, `[[ $pw == x ]]`, `test "$p" = x`), shell `case` patterns, Lua, PHP and
JavaScript comparisons (`==`, `===`, `~=`, `!=`, `!==`) and strcmp-style calls
(`strcmp($pw, "x") == 0`, `hash_equals`). A literal is reported when the compared name says
secret and the literal may be a password (secrets_words); its offset is the byte offset of its
first character in the file."""

from __future__ import annotations

import re
from collections.abc import Iterator

from workbench.firmware.anchors import AnchorSet, Leftmost
from workbench.firmware.secrets_words import compared_with, secret_name

# where a line can hold such a comparison: the compared name holds one of these (lower case)
KEYWORD_WORDS = (b"pass", b"pw", b"secret", b"token", b"key", b"psk", b"cred")
KEYWORDS = re.compile(b"|".join(KEYWORD_WORDS))  # what Leftmost finds
KEYWORD_ANCHORS = AnchorSet(KEYWORD_WORDS)
# A line is searched for comparisons when it holds one of KEYWORD_WORDS; a literal is reported
# when the compared name's last component, made lower case, holds a match of SECRET_NAME
# (secrets_words), and each of those holds a keyword besides `key` or one of these before `key`:
# a line with `key` alone (`monkey`, `keys`: 9 in 20 of the lines with a keyword in programs)
# compares no secret, and is not looked at. Of characters besides ASCII, lower() makes an ASCII
# letter of the Kelvin sign (k) and of U+0130 (i, and a dot after it: no match of SECRET_NAME);
# a line with a Kelvin sign is looked at whenever it holds a keyword.
SECRET_KEY_PREFIXES = (
    b"api", b"auth", b"access", b"private", b"wpa", b"wifi", b"wlan", b"license", b"master", b"admin",
    b"root", b"login",
)  # fmt: skip
KEY_PREFIXES = tuple(prefix + joint for prefix in SECRET_KEY_PREFIXES for joint in (b"", b"_", b"-"))
KELVIN = "\u212a".encode()
SEARCH_WORDS = (*KEYWORD_WORDS, KELVIN)
SEARCH_ANCHORS = AnchorSet(SEARCH_WORDS)
COMMENT = (b"#", b"//", b"--", b";", b"/*", b"* ")
QUOTED = rb"\"[^\"\n]*\"|'[^'\n]*'"
SHELL_WORD = QUOTED + rb"|[^\s\]'\";&|)]+"
SHELL_TEST = re.compile(
    rb"(?:\[\[?|(?<![\w-])(?:test|-a|-o)|&&|\|\||!)\s+("
    + SHELL_WORD
    + rb")\s+(?:==?|!=)\s+("
    + SHELL_WORD
    + rb")"
)
VARIABLE = (
    rb"(?<![\w$\"'])\"?\$?\{?[A-Za-z_]\w*\}?"
    rb"(?:(?:\.|->|::)[A-Za-z_]\w*|\[\s*(?:'[^'\n]*'|\"[^\"\n]*\"|\w+)\s*\])*\"?"
)
OPERATOR = rb"\s*(?:===?|!==?|~=)\s*"
COMPARISON = re.compile(
    rb"("
    + VARIABLE
    + rb")"
    + OPERATOR
    + rb"("
    + QUOTED
    + rb")|("
    + QUOTED
    + rb")"
    + OPERATOR
    + rb"("
    + VARIABLE
    + rb")"
)
STRCMP = re.compile(
    rb"\b(?:strn?(?:case)?cmp|strcoll|hash_equals|compare_digest)\s*\(\s*("
    + VARIABLE
    + rb"|"
    + QUOTED
    + rb")\s*,\s*("
    + VARIABLE
    + rb"|"
    + QUOTED
    + rb")"
)
CASE_HEAD = re.compile(rb"\bcase\s+(\"?\$\{?\w+\}?\"?)\s+in\b")
CASE_END = re.compile(rb"\besac\b")
CASE_WORD = QUOTED + rb"|[^\s()|;\"'#]+"
CASE_ITEM = re.compile(
    rb"(?:^|;;)[ \t]*\(?[ \t]*((?:" + CASE_WORD + rb")(?:[ \t]*\|[ \t]*(?:" + CASE_WORD + rb"))*)[ \t]*\)",
    re.M,
)
CASE_ALTERNATIVE = re.compile(CASE_WORD)
SHELL_VARIABLE = re.compile(rb"\$\{?[A-Za-z_]\w*\}?")
CASE_BODY_LIMIT = 1 << 16

# (the compared expression, the literal, the literal's offset in the file)
Comparison = tuple[str, str, int]


def _operand(word: bytes, start: int, bare_is_literal: bool) -> tuple[str, str, int] | None:
    """("var" | "lit", text, offset of the text): a quoted `"$X"` is the variable X; a quoted
    text without `$` a literal; a bare word a variable, or in a shell test a literal."""
    if len(word) >= 2 and word[:1] in b"\"'" and word[-1:] == word[:1]:
        inner = word[1:-1]
        if SHELL_VARIABLE.fullmatch(inner):
            return "var", inner.decode("ascii"), start + 1
        if b"$" in inner or b"`" in inner:
            return None  # a text built from variables: no literal
        return "lit", inner.decode("utf-8", "replace"), start + 1
    text = word.strip(b'"')
    if text.startswith(b"$") or not bare_is_literal:
        return "var", text.decode("utf-8", "replace"), start
    return "lit", word.decode("utf-8", "replace"), start


def _pair(a: bytes, a_start: int, b: bytes, b_start: int, bare_is_literal: bool) -> Comparison | None:
    left, right = _operand(a, a_start, bare_is_literal), _operand(b, b_start, bare_is_literal)
    if left is None or right is None or {left[0], right[0]} != {"var", "lit"}:
        return None
    (_, name, _), (_, value, offset) = (left, right) if left[0] == "var" else (right, left)
    if not compared_with(name, value):
        return None
    return name, value, offset


# what a line must hold for each expression to match in it (each skipped where it cannot):
SHELL_OPERATOR = re.compile(rb"\s!?=")  # SHELL_TEST's operator, after its blank
COMPARISON_OPERATORS = (b"==", b"!=", b"~=")  # every operator of COMPARISON holds one
STRCMP_NAMES = (b"cmp", b"coll", b"_equals", b"compare_digest")  # every function STRCMP names


def _in_line(line: bytes, base: int) -> Iterator[Comparison]:
    if SHELL_OPERATOR.search(line):
        for match in SHELL_TEST.finditer(line):
            found = _pair(match[1], base + match.start(1), match[2], base + match.start(2), True)
            if found:
                yield found
    if any(operator in line for operator in COMPARISON_OPERATORS):
        for match in COMPARISON.finditer(line):
            groups = (1, 2) if match[1] is not None else (3, 4)
            a, b = groups
            found = _pair(match[a], base + match.start(a), match[b], base + match.start(b), False)
            if found:
                yield found
    if not any(name in line for name in STRCMP_NAMES):
        return
    for match in STRCMP.finditer(line):
        found = _pair(match[1], base + match.start(1), match[2], base + match.start(2), False)
        if found:
            yield found


def _case_patterns(data: bytes, name: str, body_start: int) -> Iterator[Comparison]:
    """The literal patterns of a `case "$pw" in ... esac` whose word names a secret."""
    end = CASE_END.search(data, body_start, body_start + CASE_BODY_LIMIT)
    body = data[body_start : end.start() if end else min(len(data), body_start + CASE_BODY_LIMIT)]
    for item in CASE_ITEM.finditer(body):
        for word in CASE_ALTERNATIVE.finditer(item[1]):
            text = word[0]
            if any(c in text for c in b"*?[$`"):
                continue
            kind, value, offset = _operand(text, body_start + item.start(1) + word.start(), True) or (
                "",
                "",
                0,
            )
            if kind == "lit" and compared_with(name, value):
                yield name, value, offset


def compared_literals(data: bytes) -> Iterator[Comparison]:
    """Every literal the text compares a secret-named variable with, in order of the lines."""
    lowered = data.lower()  # the first finds of the words in one pass, the next ones by find
    search = Leftmost(lowered, SEARCH_WORDS, SEARCH_ANCHORS.first(lowered)).search
    seen: set[int] = set()
    at = search(0)
    while at >= 0:
        if lowered.startswith(b"key", at) and not lowered.endswith(KEY_PREFIXES, 0, at):
            at = search(at + 1)  # `key` that names no secret: the line's other words, if any
            continue
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end < 0 else end
        line = data[start:end]
        if lowered.startswith(KELVIN, at) and not any(word in lowered[start:end] for word in KEYWORD_WORDS):
            pass  # a Kelvin sign in a line without a keyword: not looked at
        elif not line.lstrip().startswith(COMMENT):
            # every operator of SHELL_TEST and COMPARISON holds "=", STRCMP a "(", CASE_HEAD "case"
            found = list(_in_line(line, start)) if b"=" in line or b"(" in line else []
            head = CASE_HEAD.search(line) if b"case" in line else None
            if head and secret_name(head[1].decode("utf-8", "replace")):
                found += _case_patterns(
                    data, head[1].decode("utf-8", "replace").strip('"'), start + head.end()
                )
            for comparison in found:
                if comparison[2] not in seen:
                    seen.add(comparison[2])
                    yield comparison
        at = search(end + 1)
