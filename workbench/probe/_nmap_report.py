"""nmap's XML report, read as hostile input (defusedxml; the device chooses much of its text): the ports,
whether the host timed out, and the ports nmap counted together instead of listing them."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from workbench.probe.clients_base import printable

MAX_XML_BYTES = 64 * 1024 * 1024
TEXT_CHARS = 200


class Report:
    def __init__(self) -> None:
        self.ports: list[dict[str, Any]] | None = None  # None: no readable report
        self.host_timed_out = False
        self.problem = ""
        self.collapsed: list[
            tuple[str, str, str, str]
        ] = []  # nmap's <extraports>: state, proto, reason, ports


def read_report(xml: Path) -> Report:
    """The ports of nmap's XML report, each a dict of its attributes (text as nmap wrote it)."""
    report = Report()
    try:
        size = xml.stat().st_size
        if size > MAX_XML_BYTES:
            report.problem = f"the report is larger than {MAX_XML_BYTES >> 20} MiB"
            return report
        root = ElementTree.parse(str(xml)).getroot()
    except FileNotFoundError:
        report.problem = "nmap wrote no report"
        return report
    except (OSError, ParseError, DefusedXmlException) as exc:
        report.problem = printable(f"{type(exc).__name__}: {exc}", TEXT_CHARS)
        return report
    report.ports = []
    for host in root.iter("host"):
        report.host_timed_out |= host.get("timedout") == "true"
        report.ports += [_port(element) for element in host.iter("port")]
        for extra in host.iter("extraports"):
            report.collapsed += [
                (extra.get("state", ""), why.get("proto", ""), why.get("reason", ""), why.get("ports", ""))
                for why in extra.iter("extrareasons")
            ]
    return report


def collapsed_ports(report: Report, declared: set[tuple[str, int]]) -> list[dict[str, Any]]:
    """Declared ports nmap counted among many of the same state instead of listing them (<extraports>)."""
    found = []
    for state, transport, reason, ranges in report.collapsed:
        for spec in ranges.split(",")[:70000]:
            low, _, high = spec.partition("-")
            if not low.isdigit() or not (high or low).isdigit():
                continue
            span = range(int(low), int(high or low) + 1)
            found += [
                {"transport": t, "port": p, "state": state, "reason": reason}
                for t, p in declared
                if t == transport and p in span
            ]
    return found


def _port(element: Element) -> dict[str, Any]:
    state = element.find("state")
    service = element.find("service")
    banner = next((s.get("output") for s in element.iter("script") if s.get("id") == "banner"), None)
    described = service if service is not None else Element("service")
    return {
        "transport": element.get("protocol", ""),
        "port": int(element.get("portid", "0")) if element.get("portid", "").isdigit() else 0,
        "state": state.get("state", "") if state is not None else "",
        "reason": state.get("reason") if state is not None else None,
        **{key: described.get(key) for key in ("name", "product", "version", "extrainfo", "tunnel")},
        # a name nmap took from its port table, not from the service's answers, is a guess (nmap's "?")
        **(
            {"name": f"{described.get('name')}?"}
            if described.get("method") == "table" and described.get("name")
            else {}
        ),
        "banner": banner,
    }


