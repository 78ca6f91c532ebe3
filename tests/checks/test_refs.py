"""Evidence references read back from the text an inspector records: the inverse of a finding's label and
of the widget's attachment form, so that staleness, the carry rule and the CLI read them alike."""

from __future__ import annotations

from pathlib import Path

from workbench.case import Case, CaseInfo
from workbench.checks.base import EvidenceRef
from workbench.checks.refs import attachment_label, ref_fields
from workbench.judgement import cited_artefacts

SHA = "ab" * 32


def test_a_findings_label_reads_back_into_its_parts():
    for ref in (EvidenceRef("fw.img", SHA, path="/etc/shadow", offset=0x1C),
                EvidenceRef("cap.pcap", SHA, packet=12), EvidenceRef("fw.img")):  # fmt: skip
        wanted = {k: v for k, v in {"artefact": ref.artefact, "path": ref.path, "packet": ref.packet,
                                    "offset": ref.offset}.items() if v is not None}  # fmt: skip
        assert ref_fields(ref.label()) == wanted


def test_an_attachment_with_or_without_its_hash_and_free_text():
    assert ref_fields(attachment_label("uart photo.jpg", SHA)) == {
        "artefact": "uart photo.jpg", "attachment": True, "sha256": SHA}  # fmt: skip
    assert ref_fields("Attachment:  notes.txt ") == {"artefact": "notes.txt", "attachment": True}
    assert ref_fields("photo of J3") == {"artefact": "photo of J3"}  # a name the case may not hold
    assert ref_fields({"artefact": "a", "path": "/x"}) == {"artefact": "a", "path": "/x"}
    assert ref_fields("") == {} and ref_fields(None) == {}


def test_a_verdict_hashes_the_attachment_the_widget_cites(tmp_path: Path):
    case = Case.create(tmp_path / "cam", CaseInfo(device="cam", vendor="A", model="M", firmware_version="1",
                                                  level=1, inspectors=["alice"]))  # fmt: skip
    photo = tmp_path / "uart photo.jpg"
    photo.write_bytes(b"\xff\xd8 a photo")
    held = case.add_artefact(photo, "attachment")
    refs = [attachment_label(held.name, held.sha256), "photo of J3"]
    assert cited_artefacts(case, refs) == {held.name: held.sha256}
