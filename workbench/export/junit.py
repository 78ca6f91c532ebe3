"""JUnit XML of a bundle (junitparser), for CI systems: one test case per requirement.

One test suite per level (★, ★★, ★★★), each holding the requirements of that level: the scheme
certifies levels, so a CI page shows at once which star broke, and a requirement appears once
(a level's roll-up, which includes the lower levels, is the suite's `level_result` property).

    FAIL                                     <failure>  message = the reasons, text = the findings
                                                        with their evidence labels
    ERROR                                    <error>    message = what failed
    PENDING, INCONCLUSIVE, a stale verdict   <skipped>  message = why it is not decided
    PASS, NOT_APPLICABLE                     passed; system-out says which (and why N/A)

Every string passes through xml_text (XML 1.0 cannot carry most control characters).
"""

from __future__ import annotations

import io
from datetime import UTC

from junitparser import Error, Failure, JUnitXml, JUnitXmlError, Skipped, TestCase, TestSuite
from junitparser.junitparser import etree

from workbench.errors import BundleError
from workbench.export.content import read_content
from workbench.export.items import BundleContent, FindingItem, RequirementItem
from workbench.export.text import one_line, xml_text
from workbench.sealed import BundleView

FILENAME = "results.junit.xml"
STARS = {1: "★", 2: "★★", 3: "★★★"}


def build_junit(view: BundleView) -> str:
    """The bundle's JUnit XML, parsed back before it is returned."""
    content = read_content(view)
    xml = JUnitXml(name=xml_text(one_line(f"{content.case.get('vendor', '')} {content.case.get('model', '')} "
                                          f"— {content.name}")))
    for level in sorted({r.level for r in content.requirements}):
        xml.add_testsuite(_suite(content, level))
    xml.update_statistics()
    etree.indent(xml._elem)  # whitespace between elements only; element text is left as it is
    buffer = io.BytesIO()
    xml.write(buffer)
    text = buffer.getvalue().decode("utf-8") + "\n"
    validate_junit(text, len(content.requirements))
    return text


def validate_junit(text: str, cases: int | None = None) -> JUnitXml:
    """Parse `text` back with junitparser; BundleError when it is not JUnit XML (of `cases` cases)."""
    try:
        parsed = JUnitXml.fromstring(text.encode("utf-8"))
        found = sum(len(suite) for suite in parsed)
    except (etree.ParseError, JUnitXmlError, ValueError) as exc:
        raise BundleError(f"not readable JUnit XML: {exc}") from None
    if cases is not None and found != cases:
        raise BundleError(f"the JUnit XML holds {found} test cases, not {cases}")
    return parsed


def _suite(content: BundleContent, level: int) -> TestSuite:
    suite = TestSuite(xml_text(f"level {level} {STARS.get(level, '')}".strip()))
    suite.timestamp = content.started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")  # JUnit: UTC, no offset
    suite.hostname = "inspector-workbench"
    for name, value in (("bundle", content.name), ("catalogue_edition", content.edition),
                        ("level_result", content.levels.get(level, "not judged")),
                        ("workbench_version", content.workbench_version)):
        suite.add_property(name, xml_text(one_line(value)))
    suite.add_testcases([_case(req) for req in content.requirements if req.level == level])
    return suite


def _case(req: RequirementItem) -> TestCase:
    case = TestCase(xml_text(one_line(f"{req.id} {req.title}")), f"level{req.level}.{req.id}", req.seconds)
    reasons = "; ".join(req.reasons)
    outcome = req.outcome
    if outcome == "fail":
        failure = Failure(xml_text(one_line(reasons or "FAIL")), "FAIL")
        failure.text = xml_text(_findings_text(req.findings) or reasons)
        case.result = [failure]
    elif outcome == "error":
        case.result = [Error(xml_text(one_line(req.error or reasons or "the check or its notebook failed")),
                             "ERROR")]
    elif outcome == "pending":
        case.result = [Skipped(xml_text(one_line(_why_pending(req))), req.verdict)]
    case.system_out = xml_text(_summary(req))
    return case


def _why_pending(req: RequirementItem) -> str:
    if req.stale:
        why = "; ".join(req.stale_reasons) or "the evidence changed since"
        return f"the {req.verdict} verdict is stale: {why}"
    return f"{req.verdict}: " + ("; ".join(req.reasons) or "an inspector's verdict is needed")


def _findings_text(findings: tuple[FindingItem, ...]) -> str:
    lines = []
    for finding in findings:
        lines.append(f"- {finding.summary}")
        lines += [f"    evidence: {ref.label()}" + (f" ({ref.note})" if ref.note else "")
                  for ref in finding.evidence]
    return "\n".join(lines)


def _summary(req: RequirementItem) -> str:
    words = {"not_applicable": "NOT APPLICABLE (counts as met: the level may pass on it)"}
    lines = [f"verdict: {words.get(req.outcome, req.verdict)} ({req.source})"]
    if req.inspector and req.source == "inspector":
        who, why = req.inspector.get("inspector", ""), req.inspector.get("rationale", "")
        lines.append(f"recorded by {who}: {why}")
    lines += [f"reason: {r}" for r in req.reasons]
    if req.page:
        lines.append(f"page: {req.page}")
    if req.outcome in ("pass", "not_applicable") and req.findings:
        lines.append(_findings_text(req.findings))
    return "\n".join(lines)
