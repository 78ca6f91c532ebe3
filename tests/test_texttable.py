"""The terminal's first rows of a table, laid out without pandas (workbench/commands/texttable.py)."""

from __future__ import annotations

from workbench.commands.texttable import render


def test_columns_are_aligned_cut_and_split_into_blocks_that_fit() -> None:
    rows = [
        {"packet": 1, "host": "カメラ.local", "note": "x" * 100, "ts": 1.5, "tags": ["a", "b"], "ok": None},
        {"packet": 22, "host": "a", "note": "line\nbreak", "ts": 1735689600.000001, "tags": [], "ok": True},
    ]
    text = render(rows, ["packet", "host", "note", "ts", "tags", "ok"], max_width=20, line_width=40)
    blocks = text.split("\n\n")
    lines = [line for block in blocks for line in block.splitlines() if "カ" not in line]
    assert len(blocks) == 2 and all(len(line) <= 40 for line in lines)
    joined = " ".join(text.split())
    assert "xxxxxxxxxxxxxxxxx..." in joined and "line\\nbreak" in joined  # cut; no raw newline in a cell
    assert "[a, b]" in joined and "None" in joined and "1735689600.000001" in joined
    first = blocks[0].splitlines()
    assert first[0].split() == ["packet", "host", "note"] and first[1].split()[:2] == ["1", "カメラ.local"]
    assert len(first[1]) == len(first[2]) - 3  # the wide characters take two columns each


def test_a_table_that_fits_is_one_block_with_a_header_and_a_line_per_row() -> None:
    text = render([{"a": 1, "b": "x"}, {"a": 10, "b": "yy"}], ["a", "b"])
    assert text.splitlines() == [" a  b", " 1  x", "10 yy"]


def test_control_characters_from_a_device_never_reach_the_terminal() -> None:
    rows = [{"host": "cam\x1b]0;pwned\x07", "path": "/fw/a\x1b[2J.bin\r", "user": "ad\x00min\x9b"}]
    text = render(rows, ["host", "path", "user"])
    assert not any(ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) < 0xA0 for c in text)
    assert "cam\\x1b]0;pwned\\x07" in text and "/fw/a\\x1b[2J.bin\\r" in text and "ad\\x00min\\x9b" in text


def test_every_block_of_a_wide_table_starts_with_the_key_column_and_cells_are_cut_by_width() -> None:
    rows = [{"flow_id": i, "a": "x" * 30, "b": "ホスト名" * 20} for i in (1, 2)]
    blocks = render(rows, ["flow_id", "a", "b"], max_width=20, line_width=45).split("\n\n")
    assert [b.splitlines()[0].split() for b in blocks] == [["flow_id", "a"], ["flow_id", "b"]]
    assert [line.split()[0] for line in blocks[1].splitlines()[1:]] == ["1", "2"]
    cut = blocks[1].splitlines()[1].split()[1]
    assert cut.endswith("...") and sum(2 if c in "ホスト名" else 1 for c in cut) <= 20
