"""What makes a compared literal a password: the compared name says so (password, pass, pwd,
secret, token, api/auth/access key, psk...) and the literal is no state, mode or keyword of the
bundled stop list (firmware/data/compared_words.yaml), no variable and no short number."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when built with it: 10x faster

# a name (its last component: `req.body.password` -> `password`) that holds a secret; bare
# `key`, `auth` and `login` are left out: scripts compare them with key names, schemes and users
SECRET_NAME = re.compile(
    r"passw|passwd|pwd|passphrase|passcode|secret|token|credential|psk"
    r"|(?:api|auth|access|private|wpa|wifi|wlan|license|master|admin|root|login)[_-]?key"
    r"|(?:^|[_-])pass(?:$|[_-]|\d)|(?:^|[_-])pw(?:$|[_-]|\d)"
    r"|^(?:user|admin|root|login|auth|db|web|su|old|new|my|http|ftp|telnet|wifi|wlan|sys|dev)pass\d*$"
)
LAST_COMPONENT = re.compile(r"[A-Za-z_][\w-]*")
WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z0-9]+(?![a-z])")
# a name about tokens compares a token only with a token-like literal: parsers compare their
# `token` with keywords all day
TOKEN_LIKE = re.compile(r"(?=.*[0-9])(?=.*[A-Za-z]).{8,}")
MIN_LENGTH = 3
MAX_LENGTH = 128


@cache
def _words(section: str) -> frozenset[str]:
    """A list of firmware/data/compared_words.yaml, case-folded."""
    text = resources.files("workbench.firmware").joinpath("data/compared_words.yaml").read_text("utf-8")
    return frozenset(str(word).casefold() for word in yaml.load(text, Loader=SAFE_LOADER)[section])


def stop_words() -> frozenset[str]:
    return _words("stop_values")


def descriptors() -> frozenset[str]:
    """Last words of a name that describe a secret (`token_type`, `pskMode`): no secret's name."""
    return _words("name_descriptors")


def secret_name(expression: str) -> bool:
    """A compared expression (`$PASS`, `${pw}`, `$_POST['password']`, `req.body.pwd`) names a secret."""
    components = LAST_COMPONENT.findall(expression)
    if not components:
        return False
    last = components[-1]
    if last in ("PWD", "OLDPWD") and expression.lstrip('"').startswith("$"):
        return False  # shell variables: the working folders
    words = WORDS.findall(last)
    if words and words[-1].lower() in descriptors():
        return False
    return bool(SECRET_NAME.search(last.lower()))


def only_token(expression: str) -> bool:
    """The name says token and nothing else that is secret (`token`, `lastToken`, `tokens[0]`)."""
    last = (LAST_COMPONENT.findall(expression) or [""])[-1].lower()
    return "token" in last and not SECRET_NAME.search(last.replace("token", " "))


def compared_with(expression: str, value: str) -> bool:
    """A secret-named expression compared with a literal that may be its value."""
    if not secret_name(expression) or not password_like(value):
        return False
    return not only_token(expression) or TOKEN_LIKE.fullmatch(value) is not None


def password_like(value: str) -> bool:
    """A literal that may be a password: not empty, short, numeric, a variable or a stop word."""
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH or not value.isprintable():
        return False
    if any(c in value for c in "$`\\") or value.startswith(("/", "./", "%", "{{", "<", "-")):
        return False
    if value.isdigit() and len(value) <= 3:
        return False
    if not any(c.isalnum() for c in value):
        return False
    return value.casefold() not in stop_words()
