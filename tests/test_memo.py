"""PickledMemo: what a process parsed once, handed out again as copies of their own."""

from __future__ import annotations

from workbench.memo import MISSING, PickledMemo


def test_each_get_is_a_copy_and_none_is_a_value() -> None:
    memo = PickledMemo(4)
    value = {"ports": [443]}
    memo.put("a", value)
    value["ports"].append(23)  # the caller's own object changes after put: not what was kept
    first = memo.get("a")
    first["ports"].append(80)
    assert memo.get("a") == {"ports": [443]} and memo.get("a") is not memo.get("a")
    memo.put("empty", None)
    assert memo.get("empty") is None and memo.get("never") is MISSING


def test_the_oldest_goes_first_and_a_large_pickle_is_not_kept() -> None:
    memo = PickledMemo(2, max_pickle=200)
    memo.put(1, "one")
    memo.put(2, "two")
    memo.put(2, "two again")  # a key put again takes no second place
    memo.put(3, "three")
    assert [memo.get(k) for k in (1, 2, 3)] == [MISSING, "two again", "three"]
    memo.put(4, [0.5] * 100)  # 100 floats: a pickle past 200 bytes
    assert memo.get(4) is MISSING and memo.get(3) == "three"


def test_a_case_file_is_parsed_once_a_process(monkeypatch) -> None:
    from workbench.case import yamlio

    parsed = []
    real = yamlio._parsed
    monkeypatch.setattr(yamlio, "_parsed", lambda data, name: parsed.append(name) or real(data, name))
    text = b"model: a camera read once in test_memo\n"
    got = [yamlio.load_yaml_bytes(text, name=n) for n in ("a", "b")]
    assert got == [{"model": "a camera read once in test_memo"}] * 2
    assert parsed == ["a"]
