"""The plan of a probe run: the target, the tests in order, each with its ports, rate and budget.

Built by `workbench probe` from the case (target, declared ports, accounts) and the catalogue's
`live_tests` settings; printed by `--dry-run`; stored in the results. The engine reads a plan and
nothing of the catalogue or the case.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.i18n import N_, _, tr

if TYPE_CHECKING:
    from workbench.probe.vendor_access import VendorAccess

TEST_ORDER = (
    "port_scan", "tls_scan", "access", "http", "robustness", "password_change",
    "default_credentials", "brute_force", "device_session", "update",
)  # fmt: skip
# Wrong passwords come late (default credentials, then brute force): a device that locks a client out stays
# locked a while, so the password change (which needs the right one) goes before them; the session reads the
# unit's log after them, to find the failed logins they left there; the update goes very last, since it
# changes the software every other test must see as the case has it (and may restart the unit).
ACCESS_TESTS = ("password_change", "update", "device_session")  # need test-access.yaml
TOOLS = {
    "port_scan": "nmap",
    "tls_scan": "sslyze",
    "access": "http.client, telnetlib, ftplib, paho-mqtt, paramiko",
    "http": "http.client",
    "default_credentials": "telnetlib, paramiko, ftplib, http.client, paho-mqtt",
    "brute_force": "telnetlib, paramiko, ftplib, http.client, paho-mqtt",
    "robustness": "socket",
    "password_change": "http.client, rtsp (Digest)",
    "update": "paramiko (SSH)",
    "device_session": "paramiko (SSH)",
}
WHAT = {  # what a test does, in a few words (the plan's WHAT column); port_scan and those with counts below
    "tls_scan": N_("versions, suites, certificate, Heartbleed, ROBOT, renegotiation, compression"),
    "access": N_("each service without credentials"),
    "http": N_("GET / on each web port: headers, title, text"),
    "robustness": N_("malformed inputs to HTTP, RTSP, MQTT; still serving after?"),
    "password_change": N_("change the password as documented; new works, old refused; restore"),
    "update": N_("install the update with one byte changed, then the genuine one; CHANGES THE UNIT"),
    "device_session": N_("on the unit: listeners and their users, sensitive files' modes, log, clock"),
}


@dataclass(frozen=True)
class Credential:
    user: str
    password: str
    source: str  # catalogue, declaration, firmware

    def masked(self) -> str:
        return mask(self.password)


def mask(password: str) -> str:
    """A password as reports show it: its first character and its length (empty shown as such)."""
    return "(empty)" if not password else f"{password[0]}{'*' * (len(password) - 1)} ({len(password)})"


@dataclass
class TestPlan:
    name: str
    rate_per_s: float
    budget_s: float
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def tool(self) -> str:
        return TOOLS.get(self.name, "")

    def describe(self, profile: str) -> str:
        """What the test does, in a few words (the plan's WHAT column), in the current language."""
        s = self.settings
        if self.name == "port_scan":
            if profile == "full":
                return tr(
                    "every TCP port, top {udp} UDP ports, versions; + declared",
                    udp=s.get("full_udp_top_ports"),
                )
            return tr(
                "top {tcp} TCP and {udp} UDP ports, versions; + declared",
                tcp=s.get("quick_tcp_top_ports"),
                udp=s.get("quick_udp_top_ports"),
            )
        if self.name == "default_credentials":
            return tr(
                "at most {n} a service; the first accepted ends it", n=s.get("max_attempts_per_service")
            )
        if self.name == "brute_force":
            return tr("{n} wrong attempts per login service, timed", n=s.get("attempts"))
        return _(WHAT[self.name]) if self.name in WHAT else ""


@dataclass
class ProbePlan:
    target: str
    profile: str  # quick or full
    interface: str  # where the evidence capture is taken
    tests: list[TestPlan]
    declared_ports: list[tuple[str, int]] = field(default_factory=list)  # (transport, port)
    credentials: list[Credential] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # defaults taken, settings missing
    access: VendorAccess | None = None  # test-access.yaml: what the manufacturer grants (secrets inside)
    scrub: set[str] = field(default_factory=set)  # secrets made during the run (a new password): not written

    def test(self, name: str) -> TestPlan | None:
        return next((t for t in self.tests if t.name == name), None)

    def access_line(self) -> str:
        """What the manufacturer's test access lets the probe do, in one line (and its warnings, a line
        each), in the current language."""
        grants = self.access.grants() if self.access is not None else []
        if grants:
            line = tr("Test access: {grants}", grants="; ".join(grants))
        else:
            line = _("Test access: none granted (test-access.yaml): the tests on the unit are skipped")
        if self.access is not None and self.access.update is not None:
            line += "\n" + _(
                "warning: the update test installs the manufacturer's update (the unit is left at its"
                " version), and first an image with one byte changed, which a unit that does not check"
                " may install"
            )
        change = self.access.password_change if self.access is not None else None
        clear = {"http", "telnet", "ftp", "mqtt"} & set(change.applies_to) if change is not None else set()
        if change is not None and (not change.tls or clear):
            line += "\n" + _(
                "warning: the device password crosses the network in clear (the capture holds it)"
            )
        return line

    def expected_seconds(self) -> float:
        """An upper bound: every test's budget (most finish well before it)."""
        return sum(t.budget_s for t in self.tests)

    def to_json(self) -> dict[str, Any]:
        access, self.access = self.access, None
        try:
            data = asdict(self)
        finally:
            self.access = access
        data.pop("scrub", None)
        data["access"] = access.public() if access is not None else None
        data["credentials"] = [
            {"user": c.user, "password": c.masked(), "source": c.source} for c in self.credentials
        ]
        return data
