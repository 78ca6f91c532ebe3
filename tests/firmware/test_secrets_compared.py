"""Passwords compared rather than assigned, found in a real squashfs image: shell tests, `test`
and `case` patterns in CGI scripts, Lua, PHP and JavaScript comparisons, strcmp-style calls, and
a literal beside a "Password:" prompt in an ELF compiled here that imports strcmp. Each at its
byte offset in the file, masked unless revealed; the look-alikes (empty strings, variables, `$1`,
short numbers, stop words, names that are no secret's) give nothing; SEC-01 fails on them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from rootfs_builder import mksquashfs, require, write

from workbench.firmware import scan_firmware
from workbench.firmware.crypthash import mask

# (image path, file content, [(literal, kind, name)]): every literal occurs once in its file
POSITIVES = [
    (
        "/www/cgi-bin/login.cgi",
        """
        #!/bin/sh
        read -r QUERY
        PASS=$(echo "$QUERY" | sed 's/.*pass=//')
        if [ "$PASS" = "Cg1Secret!" ]; then echo "Status: 200"; fi
        [ "$USER" = "admin" -a "$password" == 'Sq2Secret' ] && logger ok
        test "$passwd" = TestLit42 && logger ok
        [[ $pw == bare1word ]] && logger ok
        [ "sw4pped!" = "${PASSWORD}" ] && logger ok
        """,
        [
            ("Cg1Secret!", "compared_password", "$PASS"),
            ("Sq2Secret", "compared_password", "$password"),
            ("TestLit42", "compared_password", "$passwd"),
            ("bare1word", "compared_password", "$pw"),
            ("sw4pped!", "compared_password", "${PASSWORD}"),
        ],
    ),
    (
        "/etc/init.d/unlock",
        """
        #!/bin/sh
        case "$pw" in
            secret123) echo unlocked ;;
            "Qu0ted-pw"|'0ther-pw') echo unlocked ;;
            *) echo locked ;;
        esac
        """,
        [
            ("secret123", "compared_password", "$pw"),
            ("Qu0ted-pw", "compared_password", "$pw"),
            ("0ther-pw", "compared_password", "$pw"),
        ],
    ),
    (
        "/usr/lib/lua/luci/auth.lua",
        """
        local function check(user, pass)
          if pass == "LuaS3cret" then return true end
          if "Lu4Rev" == pass then return true end
          return false
        end
        """,
        [("LuaS3cret", "compared_password", "pass"), ("Lu4Rev", "compared_password", "pass")],
    ),
    (
        "/www/login.php",
        """
        <?php
        if ($_POST['password'] == 'PhpS3cret') { login(); }
        if (strcmp($pw, "StrcmpS3cret") == 0) { login(); }
        if ($password === "Tr1pleEq") { login(); }
        if (hash_equals("Ha5hEqual", $admin_pass)) { login(); }
        ?>
        """,
        [
            ("PhpS3cret", "compared_password", "$_POST['password']"),
            ("StrcmpS3cret", "compared_password", "$pw"),
            ("Tr1pleEq", "compared_password", "$password"),
            ("Ha5hEqual", "compared_password", "$admin_pass"),
        ],
    ),
    (
        "/www/js/login.js",
        """
        function check(form) {
          if (form.password === "JsS3cret9") { return true; }
          if (pwd == 'JsPwd77') { return true; }
          if (req.headers.api_key !== "k3y-for-the-api") { return false; }
          if (token === "a1b2c3d4e5f6") { return true; }
          return false;
        }
        """,
        [
            ("JsS3cret9", "compared_password", "form.password"),
            ("JsPwd77", "compared_password", "pwd"),
            ("k3y-for-the-api", "compared_secret", "req.headers.api_key"),
            ("a1b2c3d4e5f6", "compared_token", "token"),
        ],
    ),
]

# comparisons that are no hard-coded password: none of these files may give a row
NEGATIVES = {
    "/www/cgi-bin/check.cgi": """
        #!/bin/sh
        [ "$PASS" = "" ] && exit 1
        [ "$password" = "$1" ] && exit 0
        [ "$password" = "$stored" ] && exit 0
        [ "x$PASS" = "x" ] && exit 1
        [ "$PASS" = "123" ] && exit 1
        [ "$pass_mode" = "plain" ] && exit 1
        [ "$PWD" = "/tmp" ] && cd /
        [ "$enable_password" = "yes" ] && exit 0
        [ "$PASSWORD" != "off" ] && exit 0
        test "$passwd" = true && exit 0
        [ "$user" = "operator7" ] && exit 0
        [ "$key" = "hostname" ] && exit 0
        # [ "$PASS" = "commented1" ] && exit 0
        case "$key" in hostname) echo h ;; esac
        case "$password" in "") echo empty ;; *) echo set ;; esac
        """,
    "/usr/lib/lua/luci/util.lua": """
        if pass == nil then return end
        if password == "" then return end
        if pass ~= "on" then return end
        if token == "function" then return end
        """,
    "/www/js/form.js": """
        if (token === "function") { parse(); }
        if (input.type === "password") { mask(); }
        if (password === undefined) { ask(); }
        if (pwd == "") { ask(); }
        if (tokenType === "punctuator1") { parse(); }
        """,
    "/www/form.php": """
        <?php
        if ($_POST['password'] == '') { fail(); }
        if (strcmp($pw, $stored) == 0) { login(); }
        if ($password === "true") { login(); }
        ?>
        """,
}

ELF_PASSWORD = "Cam3raP4ss"
LOGIN_C = r"""
#include <stdio.h>
#include <string.h>
int main(void) {
    char buf[64];
    printf("Password: ");
    if (!fgets(buf, sizeof buf, stdin)) return 1;
    buf[strcspn(buf, "\n")] = 0;
    if (strcmp(buf, "@PASSWORD@") == 0) { puts("Access granted"); return 0; }
    puts("Login incorrect");
    return 1;
}
"""
# the prompt beside a path and messages only: nothing to report
READS_FILE_C = r"""
#include <stdio.h>
#include <string.h>
int main(void) {
    char buf[64], want[64] = "";
    FILE *f;
    printf("Password: ");
    if (!fgets(buf, sizeof buf, stdin)) return 1;
    f = fopen("/etc/camera.pass", "r");
    if (f && fgets(want, sizeof want, f)) fclose(f);
    if (strcmp(buf, want) == 0) { puts("Access granted"); return 0; }
    printf("Login incorrect for %s\n", buf);
    return 1;
}
"""
# a literal beside the prompt, but no strcmp-style import: memcmp is not what the heuristic reads
MEMCMP_C = r"""
#include <stdio.h>
#include <string.h>
int main(void) {
    char buf[64];
    printf("Password: ");
    if (!fgets(buf, sizeof buf, stdin)) return 1;
    if (memcmp(buf, "N0tStrcmp", 9) == 0) { puts("Access granted"); return 0; }
    puts("Login incorrect");
    return 1;
}
"""


def _compile(folder: Path, name: str, source: str) -> Path:
    c_file = folder / f"{name}.c"
    c_file.write_text(source)
    out = folder / name
    subprocess.run([require("cc"), "-O0", str(c_file), "-o", str(out)], check=True)
    return out


def _imports(binary: Path) -> str:
    return subprocess.run(
        [require("readelf"), "--dyn-syms", "-W", str(binary)], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two images: every form (positives and negatives), and the negatives alone."""
    base = tmp_path_factory.mktemp("compared")
    elves = base / "elf"
    elves.mkdir()
    binaries = {
        "/usr/sbin/camlogin": _compile(elves, "camlogin", LOGIN_C.replace("@PASSWORD@", ELF_PASSWORD)),
        "/usr/sbin/fileauth": _compile(elves, "fileauth", READS_FILE_C),
        "/usr/sbin/memauth": _compile(elves, "memauth", MEMCMP_C),
    }
    assert " strcmp" in _imports(binaries["/usr/sbin/camlogin"])
    assert " strcmp" not in _imports(binaries["/usr/sbin/memauth"])
    images, contents = {}, {}
    for name, files in (("all", [*POSITIVES, *((p, t, []) for p, t in NEGATIVES.items())]), ("clean", None)):
        root = base / f"{name}-root"
        write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        for path, text, _ in files or [(p, t, []) for p, t in NEGATIVES.items()]:
            contents[path] = write(root, path, text, 0o755).read_bytes()
        for path, binary in binaries.items():
            if name == "all" or path != "/usr/sbin/camlogin":
                target = root / path.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(binary.read_bytes())
                target.chmod(0o755)
                contents[path] = binary.read_bytes()
        images[name] = mksquashfs(root, base / f"{name}.sqfs")
    return base, images, contents


@pytest.fixture(scope="module")
def scans(built, tmp_path_factory):
    _base, images, _contents = built
    work = tmp_path_factory.mktemp("scans")
    masked = scan_firmware(images["all"], workdir=work)
    revealed = scan_firmware(images["all"], workdir=work, reveal_secrets=True)
    return masked, revealed


def _rows(scan) -> list[dict]:
    return scan.to_json()["secrets"]


@pytest.mark.parametrize("path", [p for p, _, _ in POSITIVES])
def test_each_form_found_at_the_literal_with_its_line_masked(scans, built, path):
    masked, revealed = scans
    content = built[2][path]
    expected = next(found for p, _, found in POSITIVES if p == path)
    rows = sorted((r for r in _rows(masked) if r["path"] == path), key=lambda r: r["offset"])
    clear = {r["offset"]: r["value"] for r in _rows(revealed) if r["path"] == path}
    assert len(rows) == len(expected), rows
    for literal, kind, name in expected:
        offset = content.index(literal.encode())
        row = next((r for r in rows if r["offset"] == offset), None)
        assert row is not None, (literal, rows)
        assert content[row["offset"] : row["offset"] + len(literal)] == literal.encode()
        assert (row["kind"], row["name"]) == (kind, name)
        assert row["line"] == content[:offset].count(b"\n") + 1
        if kind == "compared_password":
            assert row["value"] == literal[:2] + "***"
        else:  # a token or key: more of it shown, never all
            assert row["value"] == mask(literal) and literal not in row["value"] and "*" in row["value"]
        assert clear[offset] == literal


def test_literal_beside_the_prompt_of_an_elf_that_imports_strcmp(scans, built):
    masked, revealed = scans
    content = built[2]["/usr/sbin/camlogin"]
    rows = [r for r in _rows(masked) if r["path"] == "/usr/sbin/camlogin"]
    assert rows == [
        {
            "path": "/usr/sbin/camlogin",
            "offset": content.index(ELF_PASSWORD.encode() + b"\x00"),
            "line": None,
            "kind": "strcmp_password",
            "name": "Password:",
            "value": ELF_PASSWORD[:2] + "***",
        }
    ]
    assert [r["value"] for r in _rows(revealed) if r["path"] == "/usr/sbin/camlogin"] == [ELF_PASSWORD]


def test_look_alikes_give_nothing(scans, built):
    masked, _revealed = scans
    quiet = {*NEGATIVES, "/usr/sbin/fileauth", "/usr/sbin/memauth"}
    assert [r for r in _rows(masked) if r["path"] in quiet] == []
    assert b"N0tStrcmp" in built[2]["/usr/sbin/memauth"]  # the literal is there, beside the prompt
    assert "/usr/sbin/memauth" in set(masked.tables["files"]["path"])


def test_comparisons_are_not_read_as_assignments(scans):
    """`password == ""` and `password === undefined` once gave a password '=' or '=='."""
    _masked, revealed = scans
    values = [r["value"] for r in _rows(revealed)]
    assert not [v for v in values if v.strip("=~!<>") == ""], values
    assert {r["kind"] for r in _rows(revealed)} <= {
        "compared_password",
        "compared_secret",
        "compared_token",
        "strcmp_password",
    }


def _case(base: Path, name: str, image: Path):
    from workbench.analysis import prepare
    from workbench.case import Case, CaseInfo

    info = CaseInfo(device="IP camera", vendor="Acme", model="C200", firmware_version="1.0", level=2)
    case = Case.create(base / name, info)
    case.add_artefact(image, "firmware")
    prepare(Case.open(case.path))
    return case.path


def _sec_01(case_dir: Path):
    from workbench.checks import get_check
    from workbench.checks.context import EvidenceContext

    return get_check("SEC-01").run(EvidenceContext.for_case(case_dir, "SEC-01"))


def test_sec_01_fails_on_compared_passwords_and_passes_the_look_alikes(built):
    from workbench.checks import Verdict

    base, images, _contents = built
    failed = _sec_01(_case(base / "cases", "compared", images["all"]))
    assert failed.verdict is Verdict.FAIL, failed.reasons
    kinds = {f.data["kind"] for f in failed.findings}
    assert {"compared_password", "compared_secret", "compared_token", "strcmp_password"} <= kinds
    paths = {e.path for f in failed.findings for e in f.evidence}
    assert {p for p, _, _ in POSITIVES} | {"/usr/sbin/camlogin"} <= paths
    text = yaml.safe_dump([[f.summary, f.data] for f in failed.findings])
    assert not [lit for _, _, found in POSITIVES for lit, _, _ in found if lit in text]
    assert ELF_PASSWORD not in text
    passed = _sec_01(_case(base / "cases", "look-alikes", images["clean"]))
    assert passed.verdict is Verdict.PASS, [f.summary for f in passed.findings]
    assert "compared in a script or program" in passed.reasons[0]
