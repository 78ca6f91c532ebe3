"""No message handed to gettext is built at run time: an f-string, a concatenation or a `.format()`
as the message cannot be extracted, so it would stay English (values belong in named placeholders).
A name is fine: it holds a text marked with `N_` where it is defined."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = {"_": 1, "N_": 1, "tr": 1, "ntr": 2}


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else None


def _built(message: ast.expr) -> bool:
    if isinstance(message, ast.JoinedStr | ast.BinOp):
        return True
    method = message.func if isinstance(message, ast.Call) else None
    return isinstance(method, ast.Attribute) and method.attr in {"format", "join", "replace", "strip"}


def _offenders(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "workbench.i18n"
        for alias in node.names
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _name(node.func) not in imported & set(NAMES):
            continue
        messages = node.args[: NAMES[_name(node.func)]]
        if not messages or any(_built(a) for a in messages):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)[:90]}")
    return found


def test_messages_are_string_literals():
    sources = [*ROOT.joinpath("workbench").rglob("*.py"), ROOT / "scripts" / "build_notebooks.py"]
    offenders = [line for path in sources for line in _offenders(path)]
    assert not offenders, "messages that gettext cannot extract:\n" + "\n".join(offenders)


def test_the_rule_finds_a_built_message(tmp_path):
    source = tmp_path / "module.py"
    source.write_text(
        'from workbench.i18n import _, tr\nA = _("fixed")\nB = tr(f"user {name}")\nC = _("a" + b)\n'
    )
    found = _offenders(source, tmp_path)
    assert [line.split(":")[1] for line in found] == ["3", "4"]
