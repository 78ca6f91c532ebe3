"""Which findings of a requirement are new between two cases: word for word first, then by shape, so a
finding measured again (a live probe's timing, a process id) is not a new defect, while one more of the
same kind still is."""

from __future__ import annotations

from workbench.renewal.rows import only_in


def finding(summary: str, severity: str = "high") -> dict:
    return {"summary": summary, "severity": severity, "evidence": []}


def test_a_measurement_that_differs_is_the_same_finding_measured_again():
    old = [finding("busybox (pid 21516) listens on tcp/23 as root"),
           finding("telnet: median 0.087 s, no lockout")]
    new = [finding("busybox (pid 22743) listens on tcp/23 as root"),
           finding("telnet: median 0.14 s, no lockout")]
    assert only_in(new, old) == [] and only_in(old, new) == []


def test_one_more_finding_of_the_same_shape_is_new_and_other_words_are_new():
    old = [finding("busybox (pid 1) listens on tcp/23 as root")]
    more = finding("busybox (pid 9) listens on tcp/8080 as root")
    other = finding("adbd (pid 3) listens on tcp/5555 as root")
    new = [finding("busybox (pid 2) listens on tcp/23 as root"), more, other]
    assert only_in(new, old) == [more, other]
    assert only_in(old, new) == []


def test_words_match_before_shapes_and_severity_counts():
    exact = finding("key of 1024 bits")
    old = [exact, finding("key of 768 bits")]
    new = [finding("key of 1024 bits"), finding("key of 512 bits", "medium")]
    assert only_in(new, old) == [new[1]]  # a different severity is a different finding
    assert only_in(old, new) == [old[1]]


def test_the_same_subject_seen_by_other_evidence_is_not_new_but_a_new_subject_is():
    """ATK-01 words a port's finding by what saw it (capture, live scan, firmware): its subject stays."""
    old = [dict(finding("Port tcp/21 (ftp) is found open by the live port scan but not declared."),
                subject="port tcp/21")]
    seen_otherwise = dict(finding("Port tcp/21 (ftpd) is started at boot by the firmware but not declared."),
                          subject="port tcp/21")
    other_port = dict(finding("Port tcp/22 (dropbear) is started at boot by the firmware but not declared."),
                      subject="port tcp/22")
    assert only_in([seen_otherwise, other_port], old) == [other_port]
    unnamed = finding("Port tcp/21 (ftpd) is started at boot by the firmware but not declared.")
    assert only_in([unnamed], [finding("something else entirely")]) == [unnamed]
