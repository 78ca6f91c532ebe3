"""EvidenceContext over a real image: tables carry their artefact, analyses load once."""

from __future__ import annotations

from workbench.checks.context import EvidenceContext


def test_files_table_keeps_each_files_hash_beside_the_images(defective):
    ctx = EvidenceContext.for_case(defective.case_dir, "ATK-05")
    files = ctx.firmware_table("files")
    assert not files.empty
    image_sha = ctx.artefacts("firmware")[0].sha256
    assert set(files["artefact_sha256"]) == {image_sha}  # the image's, as in every other table
    regular = files[files["sha256"].astype(str).str.len() == 64]  # each file's own hash, unrenamed
    assert len(regular) > 10 and image_sha not in set(regular["sha256"])


def test_each_analysis_is_loaded_once_per_context(defective):
    ctx = EvidenceContext.for_case(defective.case_dir, "ATK-05")
    first = ctx.firmwares()
    ctx.firmware_table("binaries")
    ctx.firmware_table("accounts")
    assert ctx.firmwares() is first and first[0][1] is ctx.firmwares()[0][1]
