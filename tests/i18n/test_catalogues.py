"""Every message has a Japanese translation, in line with the sources (scripts/i18n.py check)."""

from __future__ import annotations

import subprocess
import sys

from workbench.i18n import po


def test_japanese_catalogue_is_complete_and_in_line_with_the_sources():
    found = po.problems("ja")
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found[:40])


def test_the_check_command_agrees(tmp_path):
    result = subprocess.run([sys.executable, str(po.ROOT / "scripts" / "i18n.py"), "check"],
                            capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert result.returncode == (1 if po.problems("ja") else 0), result.stdout[-2000:]


def test_compiled_catalogue_is_written():
    written = po.compile_all()
    assert [p.name for p in written] == ["workbench.mo"]
