"""A case's YAML files, parsed once a process: the same bytes give each caller a copy of its own, and
what is wrong with a file is said every time it is read."""

from __future__ import annotations

import pytest

from workbench.case.yamlio import REMEMBER_BELOW, load_yaml_bytes
from workbench.errors import CaseError

TEXT = b"manufacturer: Acme\nopen_ports:\n  - {proto: tcp, port: 443, service: https}\n"


def test_the_same_bytes_again_are_a_copy_of_their_own() -> None:
    first = load_yaml_bytes(TEXT, name="declaration.yaml")
    first["open_ports"].append({"proto": "tcp", "port": 23})  # one caller changes what it was given
    first["manufacturer"] = "changed"
    second = load_yaml_bytes(TEXT, name="another name, the same bytes")
    port = {"proto": "tcp", "port": 443, "service": "https"}
    assert second == {"manufacturer": "Acme", "open_ports": [port]}
    assert load_yaml_bytes(TEXT.replace(b"443", b"8443"), name="x")["open_ports"][0]["port"] == 8443


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"a: [1, 2\n", "invalid YAML: line"),
        (b"a: &x [1]\nb: *x\n", "YAML aliases are not allowed"),
        (b"a: \xff\n", "not UTF-8"),
    ],
)
def test_a_bad_file_is_refused_every_time(data: bytes, said: str) -> None:
    for _ in range(2):
        with pytest.raises(CaseError, match=said):
            load_yaml_bytes(data, name="case.yaml")


def test_a_larger_file_is_parsed_each_time_as_before() -> None:
    big = b"notes:\n" + b"".join(b"  - line %d\n" % i for i in range(REMEMBER_BELOW // 8))
    assert len(big) > REMEMBER_BELOW
    first = load_yaml_bytes(big, name="big.yaml")
    first["notes"].clear()
    assert len(load_yaml_bytes(big, name="big.yaml")["notes"]) == REMEMBER_BELOW // 8
