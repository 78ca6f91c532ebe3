"""A lab's private signing key never enters a case (it would travel in every bundle made with
--with-artefacts); its public key may, as any document."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.case import Case, CaseInfo
from workbench.errors import CaseError
from workbench.signing import create_key_pair


def test_a_private_key_is_refused_and_its_public_key_accepted(tmp_path: Path) -> None:
    private, public, _ = create_key_pair(tmp_path / "keys" / "ines", lab="Acme Lab", inspector="Ines")
    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=1)
    case = Case.create(tmp_path / "cam", info)
    for kind in ("attachment", "firmware"):
        with pytest.raises(CaseError, match="private signing key never enters a case"):
            case.add_artefact(private, kind)
    assert [a.name for a in case.artefacts()] == []
    assert not [p for p in case.artefacts_dir.iterdir()]  # no temporary copy left behind
    assert case.add_artefact(public, "attachment").name == "ines.pub.json"


@pytest.mark.parametrize("url", ['https://a.example/"<script>', "javascript:alert(1)", "https://a.example/{x}",
                                 "https://a.example/\x1b[31m", "ftp://a.example/"])
def test_a_product_url_is_a_plain_http_address(url: str) -> None:
    from pydantic import ValidationError

    fields = {"device": "IP camera", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1}
    with pytest.raises(ValidationError):
        CaseInfo(**fields, product_url=url)
    CaseInfo(**fields, product_url="https://acme.example/c100?x=1&y=2")
