"""The engines' warnings in the reader's language, rendered when shown.

The capture, firmware and probe engines write their warnings in English: into analysis results cached by
the artefact's SHA-256 and the engine's version, and into probe results files, which are evidence. Both
outlive the language they were made in, so a warning is never translated where it is made: whoever shows
one calls `warning_text(message)`, which matches the stored English against the engines' message
templates (`TEMPLATES`, each a gettext message) and renders the template in the current language with the
values it held. A message no template matches is shown as it was stored.

The probe's test details (`TestRun.detail`, its notes joined by "; ") are rendered the same way, note by
note (`detail_text`, templates `DETAILS`), and so are the capture engine's reasons for listing a download
(the `downloads` table's `reason`, its notes joined the same way). A placeholder named `warning` holds
another warning (the probe prefixes its capture's own: `probe capture: ...`), rendered the same way.
The templates must say exactly what the engines write: tests/i18n check them against the warnings real
captures and probe runs produce.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from workbench.i18n import N_, language, tr, use_language

TEMPLATES: tuple[str, ...] = (
    # --- the capture engine (workbench.capture): the `warnings` table's `message`
    N_("malformed {protocol} datagram: {error}"),
    N_("DNS name compression loop: {error}"),
    N_("malformed DNS message: {error}"),
    N_("more resolved addresses than are remembered with their name"),
    N_("PPP PAP packet shorter than its header"),
    N_("PPP PAP packet shorter than its fields"),
    N_("packets cut short by the capture's snap length"),
    N_("frame shorter than an Ethernet header"),
    N_("frame shorter than a Linux cooked header"),
    N_("frame shorter than a Linux cooked v2 header"),
    N_("frame shorter than a loopback header"),
    N_("link type {link} is not supported; packets skipped"),
    N_("link type {link} is not supported"),
    N_("IPv4 header cut short"),
    N_("bad IPv4 version or header length"),
    N_("IPv4 total length beyond the end of the packet"),
    N_("IP fragments (not reassembled; first fragments only)"),
    N_("IPv6 header cut short"),
    N_("IPv6 payload length beyond the end of the packet"),
    N_("TCP header cut short"),
    N_("TCP header length beyond the packet"),
    N_("UDP header cut short"),
    N_("UDP length smaller than its header"),
    N_("UDP length beyond the end of the packet"),
    N_("record claims {size} captured bytes; the rest of the file cannot be trusted"),
    N_("analysis stopped early: {error}"),
    N_(
        "more than {n} flows active at once: the least recently active were written out before they ended"
        " (or lingered): a later packet of one starts a new row"
    ),
    N_("more than {n} listening ports answered a SYN: later ones are not listed"),
    N_("{protocol} analysis failed: {error}"),
    N_("{protocol} parser failed: {error}"),
    N_(
        "too many streams under analysis at once: the least recently active were analysed early, with what"
        " had arrived"
    ),
    N_("compressed stream ends early or is corrupt: {error}"),
    N_("pcap global header is incomplete"),
    N_("file ends inside a packet record header (cut mid-record)"),
    N_("file ends inside packet {n} (cut mid-record)"),
    N_("file ends inside a pcapng block header"),
    N_("pcapng section header with a bad byte-order magic"),
    N_("pcapng block of impossible length {size}; the rest of the file cannot be trusted"),
    N_("file ends inside a pcapng block (cut mid-record)"),
    N_("packet refers to an undeclared interface"),
    N_("pcapng packet claims more bytes than its block holds"),
    N_("TCP segments missing from the capture; stream analysis stopped there"),
    N_("TLS record claims {size} bytes (over 16 KiB + 2048); stream not followed further"),
    N_("malformed TLS handshake message: {error}"),
    N_("{field} {digits} is past 2**63-1: not a size; left unknown"),
    # --- the firmware engine (workbench.firmware): the `warnings` table's `message`
    N_("extraction stopped after {seconds} s"),
    N_("extraction failed: {error}"),
    N_(
        "the extraction worker ended without finishing; the result is partial (see worker.log in the"
        " extraction folder)"
    ),
    N_("{size} bytes: only the first {limit} were searched for findings"),
    N_("symbolic link to {target} points outside the extraction folder: recorded, not followed"),
    # --- the live probe (workbench.probe): ProbeResults.warnings
    N_("probe capture: {warning} (packet {packet})"),
    N_("probe capture: {warning}"),
    N_("probe results: {warning}"),
    N_("tcpdump ended before the probe did: {output}"),
    N_("tcpdump says {n} packet(s) were dropped by the kernel"),
    N_(
        "no packet captured on {interface} although the device answered: the findings have no packet"
        " evidence (wrong --interface?)"
    ),
    N_(
        "catalogue {edition} has no live_tests settings: the probe uses those of the bundled edition"
        " {bundled}"
    ),
    N_("no {requirement} hands_on_attempts in any catalogue: 20 wrong attempts"),
    # --- the capture engine's identification of the device (`device.reason`, workbench.capture.tables_out)
    N_(
        "inferred: the local host with the most flows to remote addresses ({flows}) and packets ({packets});"
        " give the device's IP or MAC to be sure"
    ),
    N_("given"),
    N_("addresses of MAC {macs} seen in the capture"),
    N_("no device given and no local host in the capture"),
)

# --- the live probe's test details (TestRun.detail: its notes and problems, joined by "; ")
DETAILS: tuple[str, ...] = (
    N_("no test access for it: test-access.yaml grants no `{grant}`"),
    N_("port {port} ({protocol}): {outcome} {n} times in a row, given up"),
    N_("port {port} ({protocol}): offers no password login ({methods}): key-only"),
    N_("port {port} ({protocol}): GET / asks for no login ({status})"),
    N_("port {port} ({protocol}): lets clients in without credentials (see the access test)"),
    N_("port {port} ({protocol}): already refusing us ({status}, a lock-out still running)"),
    N_("port {port} ({protocol}): {outcome} from attempt {attempt}, persists"),
    N_("port {port} ({protocol}): {outcome} from attempt {attempt}, did not persist ({now})"),
    N_("port {port} ({protocol}): {outcome} at the last attempt"),
    N_("port {port} ({protocol}): a wrong password was accepted (attempt {attempt})"),
    N_("port {port} ({protocol}): a form login, which the probe does not fill in ({status}); try it by"
       " hand"),
    N_("port {port} ({protocol}): no login it can tell ({status}); try it by hand"),
    N_("port {port} ({protocol}): GET / failed ({error})"),
    N_("port {port} ({protocol}): {status} before any login"),
    N_("user {user}, {n} wrong passwords per service"),
    N_("{n} ports found ({scanned})"),
    N_("version detection cut short at {seconds} s on {ports}"),
    N_("{n} TLS ports tested"),
    N_("port {port}: no answer to a well-formed request after {input}; the {n} inputs after it not sent, it"
       " no longer answers"),
    # --- the capture engine's reasons for listing a download (the `downloads` table's `reason`: its notes
    # joined by "; ", workbench.capture.downloads.judge, datagrams, sink, tables_out)
    N_("path ends with {ext}"),
    N_("content type {content_type}"),
    N_("body starts with {name} magic"),
    N_("path names an update"),
    N_("FTP RETR, refused"),
    N_("TLS connection to {host} (an update server by its name); content not visible"),
)

NESTED = "warning"  # a placeholder holding another warning
FREE = {NESTED, "error", "output"}  # placeholders of free text; any other value is one note ("; " ends it)
_FREE, _VALUE = ".+?", "(?:(?!; ).)+?"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each template as a pattern matching what it says, its placeholders named groups; the templates
    with more fixed words first (the most specific wins)."""
    found = []
    for template in (*TEMPLATES, *DETAILS):
        parts = _PLACEHOLDER.split(template)  # text, name, text, name, ..., text
        pattern = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_FREE if part in FREE else _VALUE})"
            for i, part in enumerate(parts)
        )
        fixed = sum(len(part) for part in parts[::2])
        found.append((fixed, re.compile(pattern, re.DOTALL), template))
    found.sort(key=lambda item: -item[0])
    return tuple((pattern, template) for _fixed, pattern, template in found)


def warning_template(message: str) -> tuple[str, dict[str, str]] | None:
    """The template `message` (an engine's warning, in English) was written from, and its values;
    None when no template matches."""
    for pattern, template in _patterns():
        matched = pattern.fullmatch(message)
        if matched is not None:
            return template, matched.groupdict()
    return None


def warning_text(message: str, lang: str | None = None) -> str:
    """A stored engine warning in the current language (or `lang`); as stored when no template matches
    (or the language is English)."""
    if lang is not None:
        with use_language(lang):
            return warning_text(message)
    if language() == "en" or not isinstance(message, str):
        return message
    found = warning_template(message)
    if found is None:
        return message
    template, values = found
    if NESTED in values:
        values[NESTED] = warning_text(values[NESTED])
    return tr(template, **values)


def detail_text(detail: str, lang: str | None = None) -> str:
    """A probe test's detail (its notes joined by "; ") in the current language (or `lang`): the whole when
    one template says it, else each note rendered as `warning_text` renders a warning."""
    if lang is not None:
        with use_language(lang):
            return detail_text(detail)
    if language() == "en" or not isinstance(detail, str):
        return detail
    parts, shown, start = detail.split("; "), [], 0
    while start < len(parts):  # the longest run of notes one template says, else one note as it is
        end = next((end for end in range(len(parts), start, -1)
                    if warning_template("; ".join(parts[start:end])) is not None), start + 1)
        shown.append(warning_text("; ".join(parts[start:end])))
        start = end
    return "; ".join(shown)


def warning_texts(messages: Iterable[str], lang: str | None = None) -> list[str]:
    """`warning_text` of each message."""
    return [warning_text(m, lang) for m in messages]
