"""The HTTP test: `GET /` on every HTTP(S) port — status, Server header, title, the security headers
the answer lacks, and the page's visible text (where the checks look for the model and firmware
version). The page is hostile: at most MAX_READ bytes are read, scripts are dropped, nothing is
rendered, and every string kept is printable and cut."""

from __future__ import annotations

import html
import http.client
import time
from html.parser import HTMLParser
from typing import Any

from workbench.probe import clients_http
from workbench.probe.clients_base import MAX_READ, failure_of, printable
from workbench.probe.clients_run import begin
from workbench.probe.plan import TestPlan
from workbench.probe.results import TestRun
from workbench.probe.services import Service

TEXT_CHARS = 4096
TITLE_CHARS = 200
DEFAULT_SECURITY_HEADERS = ("strict-transport-security", "content-security-policy", "x-content-type-options",
                            "x-frame-options")


class _Visible(HTMLParser):
    """The text a browser would show in the page (script, style, template and head content dropped)."""

    HIDDEN = {"script", "style", "template", "noscript", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.size = 0
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":  # the head ends where the body starts, closed or not
            self._open = [t for t in self._open if t != "head"]
        elif tag in self.HIDDEN and len(self._open) < 100:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._open and self.size < TEXT_CHARS * 2:
            self.text.append(data)
            self.size += len(data)


def visible(body: bytes, charset: str | None) -> tuple[str, str]:
    """(title, visible text) of an HTML page, printable, cut to their limits."""
    try:
        page = body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        page = body.decode("utf-8", errors="replace")
    parser = _Visible()
    try:
        parser.feed(page)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    title = printable(html.unescape(_title(page)), TITLE_CHARS)
    return title, printable(" ".join(parser.text), TEXT_CHARS)


def _title(page: str) -> str:
    """The text between <title> and </title>, tags and all, as a browser reads it (RCDATA): a
    `<script>` there is text of the title, kept as such (and escaped by whoever shows it)."""
    lower = page[:MAX_READ].lower()
    start = lower.find("<title")
    opened = lower.find(">", start) if start >= 0 else -1
    end = lower.find("</title", opened) if opened >= 0 else -1
    return page[opened + 1:end] if end > opened >= 0 else ""


def http_test(target: str, services: list[Service], test: TestPlan) -> tuple[TestRun, list[dict[str, Any]]]:
    running = begin(test)
    wanted = [str(h).lower() for h in test.settings.get("security_headers") or DEFAULT_SECURITY_HEADERS]
    rows: list[dict[str, Any]] = []
    web = [s for s in services if s.protocol in ("http", "https")]
    for service in web:
        if not running.turn():
            break
        started = time.time()
        try:
            answer = clients_http.get(target, service.port, service.tls, running.timeout)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            word, detail = failure_of(exc)
            running.problems.append(f"port {service.port}: GET / {word} ({detail})")
            continue
        finished = time.time()
        charset = _charset(answer.header("content-type") or "")
        title, text = visible(answer.body, charset)
        present = {name for name, _ in answer.headers}
        if answer.truncated:
            running.notes.append(f"port {service.port}: page longer than {MAX_READ} bytes, read that much")
        rows.append({
            "test": test.name, "port": service.port, "scheme": "https" if service.tls else "http",
            "status": answer.status, "server": printable(answer.header("server") or "", TITLE_CHARS),
            "title": title, "missing_headers": [h for h in wanted if h not in present], "text": text,
            "started": started, "finished": finished,
        })
    return running.finish("" if web or running.timed_out else "no HTTP service"), rows


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"\' ')[:40]
    return None
