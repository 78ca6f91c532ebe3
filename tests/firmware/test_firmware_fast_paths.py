"""The scan's fast paths give the answers of the slow ones: libxcrypt against libpass on real
hashes, default-password tests in threads, one-pass anchors, URLs found from `://`, byte
counts, the text test; the worker starts without pandas; slow hashes get a partial test."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time

import numpy as np
import pytest
from passlib import hash as passlib_hash

from workbench.firmware import crypthash, libcrypt, secrets, secrets_binary
from workbench.firmware.accounts import Account, DefaultTests
from workbench.firmware.anchors import SMALL, AnchorSet
from workbench.firmware.components import SIGNATURES, lead_of
from workbench.firmware.defaults import default_passwords
from workbench.firmware.entropy import PAIRS_FROM, PAIRS_STEP, byte_counts
from workbench.firmware.filetype import is_text
from workbench.firmware.update import FETCHER_ANCHORS, FETCHER_WORDS, URL, find_urls

HASHES = {
    "des_crypt": passlib_hash.des_crypt.using(salt="ab").hash("admin"),
    "md5_crypt": passlib_hash.md5_crypt.using(salt="saltsalt").hash("admin"),
    "sha256_crypt": passlib_hash.sha256_crypt.using(rounds=5000, salt="s").hash("admin"),
    "sha512_crypt": passlib_hash.sha512_crypt.using(rounds=5000, salt="s").hash("admin"),
    "bsdi_crypt": passlib_hash.bsdi_crypt.using(salt="abcd", rounds=725).hash("admin"),
}


@pytest.mark.parametrize("scheme", sorted(HASHES))
def test_libxcrypt_agrees_with_libpass(scheme):
    assert libcrypt.available(), "libxcrypt (libcrypt.so.1) is part of every Debian system"
    stored = HASHES[scheme]
    assert crypthash.identify(stored) == scheme
    for candidate in ("admin", "Admin", "admin ", "", "ad", "é-ünïcode"):
        expected = getattr(passlib_hash, scheme).verify(candidate, stored)
        assert libcrypt.verify(scheme, candidate, stored) is expected, candidate
        assert crypthash.verify(scheme, candidate, stored) is expected, candidate


def test_yescrypt_is_testable_through_libxcrypt_and_malformed_settings_are_not():
    stored = libcrypt.crypt("admin", "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$")
    assert stored and stored.startswith("$y$")
    assert crypthash.verify("yescrypt", "admin", stored) is True
    assert crypthash.verify("yescrypt", "root", stored) is False
    assert libcrypt.verify("yescrypt", "admin", "$y$garbage") is None
    assert libcrypt.verify("bigcrypt", "admin", HASHES["des_crypt"]) is None  # not trusted to libxcrypt
    assert crypthash.verify("md5_crypt", "ad\0min", HASHES["md5_crypt"]) is False


def test_a_slow_hash_gets_a_partial_test_within_its_cpu_budget():
    slow = passlib_hash.sha512_crypt.using(rounds=400_000, salt="slow").hash("not-in-the-list")
    words = list(default_passwords())
    started = time.thread_time()
    outcome = crypthash.test_candidates("sha512_crypt", slow, words, budget=2.0, partial_budget=0.3)
    spent = time.thread_time() - started
    assert outcome.testable and not outcome.complete and 0 < outcome.tested < len(words)
    assert spent < 1.5  # cut at the partial budget, not the full one
    whole = crypthash.test_candidates("md5_crypt", HASHES["md5_crypt"], ["x", "y", "admin"], budget=2.0)
    assert whole.match == "admin" and whole.complete


def test_default_tests_in_threads_match_the_sequential_answer():
    accounts = [
        Account("/etc/shadow", user, None, None, "/bin/sh", n, stored, crypthash.identify(stored))
        for n, (user, stored) in enumerate(
            [
                ("a", passlib_hash.md5_crypt.using(salt="x").hash("xc3511")),  # early in the list
                ("b", passlib_hash.sha512_crypt.using(rounds=5000, salt="y").hash("7ujMko0admin")),
                ("c", passlib_hash.md5_crypt.using(salt="z").hash("not a default at all")),
                ("d", "!" + passlib_hash.des_crypt.using(salt="qq").hash("vizxv")),  # locked: tested
                ("e", "*"),
            ],
            1,
        )
    ]
    DefaultTests(accounts, budget=5.0).wait()
    found = {a.user: (a.default_match, a.default_tested) for a in accounts}
    assert found == {
        "a": ("xc3511", True),
        "b": ("7ujMko0admin", True),
        "c": (None, True),
        "d": ("vizxv", True),
        "e": (None, False),
    }


def test_anchor_set_finds_what_in_finds():
    rng = random.Random(7)
    anchors = [b"BusyBox v", b"OpenSSL ", b"gh", b"AKIA", b"-----BEGIN", b"\x00\xff"]
    checker = AnchorSet(anchors)
    for size in (0, 10, SMALL - 1, SMALL, 3 * SMALL, 200_000):
        for _ in range(20):
            data = bytearray(rng.randbytes(size))
            for anchor in rng.choices(anchors, k=6):  # some twice: the first one is told
                if size > 100:
                    at = rng.randrange(size - 20)
                    data[at : at + len(anchor)] = anchor
            data = bytes(data)
            assert checker.present(data) == {a for a in anchors if a in data}, size
            assert checker.first(data) == {a: data.find(a) for a in anchors if a in data}, size


def test_urls_from_their_separator_are_the_regex_matches():
    rng = random.Random(3)
    pieces = [
        b"http://a.b/c",
        b"https://x.y/fw.bin",
        b"xhttp://no",
        b"sftp://no",
        b"tftp://1.2.3.4/f",
        b"ftp://h/p",
        b"http://a/b?u=http://c/d",
        b"HTTP://up",
        b"://",
        b"_http://z",
        b"http://[::1]:80/x",
    ]
    for _ in range(2000):
        data = b"".join(rng.choice([*pieces, rng.randbytes(2)]) for _ in range(rng.randint(0, 10)))
        assert [m.span() for m in find_urls(data)] == [m.span() for m in URL.finditer(data)], data


def test_byte_counts_and_text_test():
    rng = random.Random(5)
    sizes = (0, 1, 2, 3, 4097, PAIRS_FROM - 1, PAIRS_FROM, PAIRS_FROM + 1, PAIRS_STEP + 1, 2 * PAIRS_STEP + 3)
    for size in sizes:
        data = rng.randbytes(size)
        assert (byte_counts(data) == np.bincount(np.frombuffer(data, np.uint8), minlength=256)).all()

    def slow_is_text(head: bytes) -> bool:
        if not head or b"\0" in head:
            return False
        sample = head[:4096]
        return sum(32 <= b < 127 or b in (9, 10, 13) or b >= 0xC2 for b in sample) / len(sample) > 0.95

    samples = [b"", b"plain text\n", "ünïcode text".encode(), b"\x01\x02abc", bytes(range(1, 256)) * 20]
    samples += [rng.randbytes(64) for _ in range(50)] + [b"a" * 96 + bytes([rng.randrange(1, 32)]) * 4]
    for head in samples:
        assert is_text(head) is slow_is_text(head), head[:20]


def test_the_extraction_worker_starts_without_pandas():
    code = "import sys, workbench.firmware.worker; print('pandas' in sys.modules, 'lief' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    from workbench.firmware import FirmwareScan, scan_firmware  # still importable by name

    assert callable(scan_firmware) and FirmwareScan.__name__ == "FirmwareScan"


def test_caseless_anchors_and_the_upper_case_aws_secret(tmp_path):
    checker = AnchorSet([b"AKIA", b"Secret_Access"], caseless=[b"secret_access"])
    big = random.Random(9).randbytes(SMALL) + b"x AWS_SECRET_ACCESS_KEY"
    for data in (b"AWS_SECRET_ACCESS_KEY=", big):
        assert checker.present(data) == {b"secret_access"}
    assert checker.present(b"AKIA secret-access") == {b"AKIA"}

    from workbench.firmware.inventory import FileRecord
    from workbench.firmware.secrets import secrets_in

    key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    env = tmp_path / "cloud.env"
    env.write_text(f"# credentials\nAWS_SECRET_ACCESS_KEY={key}\n")  # the usual, upper-case form
    record = FileRecord("/etc/cloud.env", env, "file", env.stat().st_size, 0o600, 0, 0, "config")
    found = [s for s in secrets_in(record, env.read_bytes()) if s.kind == "aws_secret_access_key"]
    assert [(s.value, s.line) for s in found] == [(key, 2)]


def _real_files(limit: int = 80) -> list[bytes]:
    """Programs and libraries of this machine, the larger first (curl, OpenSSL and libc among them)."""
    found = []
    for folder in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/bin"):
        if os.path.isdir(folder):
            for entry in os.scandir(folder):
                if entry.is_file(follow_symlinks=False):
                    found.append((entry.stat().st_size, entry.path))
    found.sort(reverse=True)
    return [open(path, "rb").read(8 << 20) for _, path in found[:limit]]


def test_version_searches_started_near_the_anchor_find_what_a_whole_search_finds():
    crafted = [
        b"x" * 5000 + b"libcurl/7.88.1 and curl/8.0.0",
        b"/curl/1.2.3 " + b"\0" * 300 + b" curl/7.1.2",  # the first anchor's match refused by the lookbehind
        b"curl/" + b"a" * 100 + b"libcurl/1.2.3",
        b"Dnsmasq version 2.89 " + b"dnsmasq-2.80",
        b"\0" * 70000 + b"OpenSSL 3.0.11 19 Sep 2023" + b"OpenSSL 1.1.1",
        b"GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36.",
    ]
    samples = crafted + _real_files()
    assert any(b"curl/" in data for data in samples[len(crafted) :]), "a real library with curl/ in it"
    leads = {sig.name: sig.lead for sig in SIGNATURES}
    assert leads["curl"] == 3 and leads["dnsmasq"] == 1 and leads["busybox"] == 0
    for data in samples:
        for sig in SIGNATURES:
            if sig.anchor not in data:  # versions_in searches only then (the whole search is slow)
                assert sig.search(data) is None
                continue
            whole, near = sig.pattern.search(data), sig.search(data)
            assert (whole and (whole.span(), whole.group(1))) == (near and (near.span(), near.group(1)))


@pytest.mark.parametrize(
    ("pattern", "anchor", "lead"),
    [
        ("(?<![\\w/])(?:lib)?curl/(\\d+)", "curl/", 3),
        ("[Dd]nsmasq[- ](\\d+)", "nsmasq", 1),
        ("(?:dropbear_|Dropbear v)(\\d+)", "ropbear", None),  # inside an alternation
        ("a|bcurl/(\\d+)", "curl/", None),  # the anchor in one branch only
        ("x+curl/(\\d+)", "curl/", None),  # no bound before it
        ("(?i)curl/(\\d+)", "curl/", None),  # any case: the anchor's exact text may come later
        ("abcurl/?(\\d+)", "curl/", None),  # its last character optional
    ],
)
def test_the_lead_before_an_anchor_is_told_only_when_it_is_certain(pattern, anchor, lead):
    assert lead_of(pattern, anchor) == lead


def test_fetcher_words_found_in_the_bytes_are_those_of_the_decoded_text():
    """The update finder tests the bytes for wget, curl, ... instead of the decoded text: the same
    answer, also next to invalid UTF-8 (a byte below 0x80 is always decoded as itself)."""
    rng = random.Random(11)
    pieces = [b"wget", b"cur", b"l", b"fetch", b"tftp", b"uclient-", b"x "]
    pieces += [b"\xff", b"\xc3", b"\xe2\x82", b"\xf0\x9f"]
    samples = [b"", b"\xe2cur\x82l", b"\xc3wget", b"fe\xc3tch", b"t" * 300 + b"\xf0ftpget"]
    samples += [b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    samples += [b"padding " * 40 + sample for sample in samples[:500]]  # hyperscan from 256 bytes
    for data in samples:
        text = data.decode("utf-8", "replace")
        expected = any(word in text for word in FETCHER_WORDS)
        assert bool(FETCHER_ANCHORS.present(data)) is expected, data


def test_in_an_ascii_text_the_keyword_tests_the_assignment_search_skips_always_pass():
    """scan_assignments skips has_keyword for an ASCII text and its candidate lines: a text
    without a keyword gives no candidate line, and every candidate line holds one."""
    rng = random.Random(7)
    pieces = ["password=x", "TOKEN: y", "monKEY", "api_key", "words", "Pwd", " ", "#", "PSK", "\n", "\r\n"]
    pieces += ["\r", "\v", "\x1c", "secreT", "passw", "ord"]
    texts = ["", "nothing here\n", "PASSW\nORD"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(3000)]
    for text in texts:
        lines = list(secrets._candidate_lines(text))
        assert secrets.has_keyword(text) or not lines, repr(text)
        assert all(secrets.has_keyword(line) for _, _, line in lines), repr(text)


def test_prompt_endings_looked_for_near_prompt_words_give_the_whole_search_s_literals(monkeypatch):
    """compiled_literals with the endings searched only around `pass`/`login`/`user` (any case)
    finds what it finds with every ending of the file."""
    rng = random.Random(11)
    pieces = [
        b"\x00",
        b"Password:",
        b"LOGIN: ",
        b"passwd>",
        b"User Name:\n",
        b"s3cr3tPw",
        b"hunter22",
        b"x" * 70,
        b": \x00",
        b">\x00",
        b"\x00strcmp\x00",
        b"%s",
        b"\x00\x00\x00",
        b"\x00Password: \x00s3cr3tPw\x00",
        b"\x00login>\x00hunter22\x00",
    ]
    whole = secrets_binary._ends_between
    found = 0
    for _ in range(3000):
        data = b"\x7fELF" + b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        windowed = list(secrets_binary.compiled_literals(data))
        with monkeypatch.context() as patch:
            patch.setattr(secrets_binary, "_prompt_ends", lambda d: whole(d, [(0, len(d))]))
            assert windowed == list(secrets_binary.compiled_literals(data)), data
        found += len(windowed)
    assert found > 100  # literals were there to find


def test_expressions_rewritten_for_speed_match_as_the_originals():
    rng = random.Random(13)
    aws_before = re.compile(rb"(?<![A-Z0-9])(ASIA[A-Z0-9]{16})(?![A-Z0-9])")
    aws_now = next(p for kind, anchors, p in secrets.TOKEN_PATTERNS if anchors == (b"ASIA",))
    names = [b"\x00", b"str", b"n", b"case", b"cmp", b"x", b"\x00strcmp", b"cmp\x00", b"strncasecmp\x00"]
    for _ in range(5000):
        data = b"".join(
            rng.choice([b"ASIA", b"A", b"0", b"Z", b"a", b" ", b"ASIA0123456789ABCDEF"])
            for _ in range(rng.randint(0, 12))
        )
        assert [m.span(1) for m in aws_now.finditer(data)] == [m.span(1) for m in aws_before.finditer(data)]
        data = b"".join(rng.choice(names) for _ in range(rng.randint(0, 8)))
        expected = any(name in data for name in secrets_binary.STRCMP_IMPORTS)
        assert secrets_binary.imports_strcmp(data) is expected, data


def test_fields_with_no_hash_are_answered_as_the_tries_in_threads_answer_them():
    """A plain text (a configuration's password), an empty, locked or unknown field: answered
    without the threads, exactly as trying every default password in them answers."""
    from workbench.firmware.accounts import _effective
    from workbench.firmware.defaults import default_passwords

    words = default_passwords()
    fields = [
        ("admin", True),  # a listed default, as a configuration holds it
        (words[-1], True),  # the list's last
        ("Tr0ub4dor&3-not-listed", True),
        ("", False),  # empty
        ("*", False),
        ("!", False),
        ("!!", False),
        ("!admin", False),  # locked: what is behind the lock is no hash
        ("$9$unknown-scheme", False),
        (passlib_hash.md5_crypt.using(salt="x").hash("admin"), False),  # a hash: still in threads
    ]
    accounts = [
        Account(
            "/etc/app.conf",
            f"u{n}",
            None,
            None,
            None,
            n,
            stored,
            crypthash.identify(stored, plaintext_allowed=plain),
        )
        for n, (stored, plain) in enumerate(fields)
    ]
    expected = []
    for account in accounts:  # what the threads computed for each: the tries, share by share
        scheme, stored = _effective(account)
        outcomes = [crypthash.test_candidates(scheme, stored, words[k::2], budget=5.0) for k in range(2)]
        matches = [o.match for o in outcomes if o.match is not None]
        expected.append(
            (
                min(matches, key=words.index) if matches else None,
                bool(matches) or all(o.complete for o in outcomes),
            )
        )
    schemes = {_effective(a)[0] for a in accounts}
    assert {"plaintext", "empty", "locked", "unknown", "md5_crypt"} <= schemes
    DefaultTests(accounts, budget=5.0).wait()
    assert [(a.default_match, a.default_tested) for a in accounts] == expected
    assert expected[0] == ("admin", True) and expected[2] == (None, True) and expected[3] == (None, False)
