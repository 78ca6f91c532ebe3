"""Generate notebooks/<ID>.ipynb (one per requirement) and notebooks/00-case-overview.ipynb.

Every requirement notebook has the same shape, from one template; only the analysis section
(step 4) and the declaration fields compared in step 5 differ, from the small spec below. The
requirement's own text is never written here: the notebooks render it from the catalogue.

    python scripts/build_notebooks.py           # write the notebooks
    python scripts/build_notebooks.py --check   # exit 1 if a committed notebook differs

tests/notebooks checks that the committed notebooks equal what this script produces.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks"
OVERVIEW = "00-case-overview"


# --- building blocks of an analysis section ----------------------------------------------------
def _py(value: object) -> str:
    """Python source for a literal, strings in double quotes."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    return repr(value)


def table(
    var: str,
    kind: str,
    name: str,
    columns: list[str],
    title: str,
    where: dict[str, object] | None = None,
    empty: str = "",
) -> str:
    """A code cell showing one engine table (escaped, filtered) and keeping it in `var`."""
    cols = textwrap.fill(
        ", ".join(_py(c) for c in columns),
        92,
        initial_indent=" " * 8,
        subsequent_indent=" " * 8,
        break_long_words=False,
        break_on_hyphens=False,
    )
    lines = [
        f"{var} = ui.evidence_table(",
        f"    session, {_py(kind)}, {_py(name)},",
        f"    columns=[\n{cols},\n    ],",
    ]
    if where:
        lines.append(f"    where={_py(where)},")
    lines.append(f"    title={_py(title)},")
    if empty:
        lines.append(f"    empty={_py(empty)},")
    lines.append(")")
    return "\n".join(lines)


PROCEDURE_MD = (
    "### What to examine and attach\n\n"
    "This part is yours: the workbench cannot see it in a capture or an image. Work through the "
    "inspection method as a checklist. For every document, photo, screenshot or web page you rely on, "
    "add it to the case as an attachment for this requirement, so the verdict can be audited later "
    "(for a web page, save it as PDF or screenshot and note the URL and the date you read it):\n\n"
    "`workbench case add CASE FILE --kind attachment --requirement {rid}`\n\n"
    "Re-run the notebook after adding: the attachments table below lists what the case holds."
)
PROCEDURE_CODE = "ui.show_checklist(session)\nui.show_attachments(session)"


@dataclass
class Spec:
    """The requirement-specific part of a notebook."""

    intro: str  # how to read this notebook's analysis
    steps: list[tuple[str, str]] = field(default_factory=list)  # (markdown, code) pairs
    declared: list[str] = field(default_factory=list)  # declaration fields compared in step 5
    procedure: bool = False  # add the checklist and attachments cells


FLOW_COLUMNS = [
    "first_packet",
    "transport",
    "client_ip",
    "server_ip",
    "server_port",
    "server_name",
    "sni",
    "app_proto",
    "encrypted",
    "bytes_c2s",
    "bytes_s2c",
]
SERVICE_COLUMNS = ["name", "kind", "source", "line", "command", "runs_as", "port", "enabled", "auth"]
OPEN_PORT_COLUMNS = ["device_ip", "transport", "port", "service", "evidence", "first_packet", "clients"]
ACCOUNT_COLUMNS = [
    "source",
    "line",
    "user",
    "uid",
    "shell",
    "login_shell",
    "hash_scheme",
    "weak_hash",
    "empty",
    "locked",
    "default_password",
    "password_hint",
]
UPDATE_COLUMNS = ["kind", "path", "value", "secure", "detail"]
REMOTE = {"device_role": "client", "remote_is_local": False}

MANUAL_INTRO = (
    "This requirement is judged by an inspector following the inspection method: there is no table "
    "to read. The checklist below turns the method into steps; what the manufacturer declared is "
    "compared in step 5."
)


def procedural(declared: list[str], intro: str = MANUAL_INTRO) -> Spec:
    return Spec(intro=intro, declared=declared, procedure=True)


SPECS: dict[str, Spec] = {
    "AUTH-01": Spec(
        intro="The accounts found in the image's `passwd` and `shadow` files. What matters are accounts "
        "someone can log in to (`login_shell` true).",
        steps=[
            (
                "An `empty` password, or `default_password` true (the password is in the bundled list of "
                "common IoT defaults), means every unit ships with the same way in. `password_hint` is "
                "masked; `source` and `line` say where the entry is in the image.",
                table("accounts", "firmware", "accounts", ACCOUNT_COLUMNS, "Accounts in the image"),
            )
        ],
        declared=["default_passwords"],
    ),
    "AUTH-02": Spec(
        intro="How each account's password is stored. DES crypt, MD5-crypt (`$1$`), `apr1`, `{SHA}`, "
        "a plaintext password or a hash placed in `passwd` itself can be cracked or read; SHA-crypt "
        "(`$5$`, `$6$`), bcrypt (`$2b$`) and yescrypt (`$y$`) are the strong schemes.",
        steps=[
            (
                "One row per account; `weak_hash` marks the schemes above.",
                table("accounts", "firmware", "accounts", ACCOUNT_COLUMNS, "Accounts and their hash schemes"),
            ),
            (
                "How many accounts use each scheme:",
                'ui.plots.value_counts(accounts, "hash_scheme", "Password hash schemes")',
            ),
        ],
    ),
    "AUTH-03": Spec(
        intro="A password derived from something printed on the box or visible on the network (MAC "
        "address, serial number, model) is as good as public. The check derives candidates from the "
        "identifiers below and tries them against every password hash in the image.",
        steps=[
            ("The device's identifiers, as recorded in `case.yaml`:", "ui.show_device(session.case)"),
            (
                "The accounts whose hashes were tried:",
                table("accounts", "firmware", "accounts", ACCOUNT_COLUMNS, "Accounts in the image"),
            ),
        ],
        declared=["default_passwords"],
    ),
    "AUTH-04": procedural(["default_passwords"]),
    "AUTH-05": Spec(
        intro="Repeated login attempts in the capture show whether the device slows down or locks out "
        "an attacker guessing passwords. The capture only gives indicators: the decisive test is "
        "yours, hands-on.",
        steps=[
            (
                "Every login seen in the capture (`packets` are Wireshark's packet numbers): many rows "
                "for one server and user, close in time, are a guessing attempt.",
                table(
                    "logins",
                    "capture",
                    "credentials",
                    ["packets", "protocol", "client_ip", "server_ip", "server_port", "username", "detail"],
                    "Login attempts seen in the capture",
                ),
            ),
            (
                "Attempts per protocol:",
                'ui.plots.value_counts(logins, "protocol", "Login attempts per protocol")',
            ),
        ],
        procedure=True,
    ),
    "AUTH-06": Spec(
        intro="A network service that answers without asking who is there: an anonymous FTP login "
        "accepted, a telnet shell without a login prompt.",
        steps=[
            (
                "Logins seen in the capture; a user name `anonymous` or `ftp` accepted by an FTP server "
                "is an anonymous login.",
                table(
                    "logins",
                    "capture",
                    "credentials",
                    ["packets", "protocol", "server_ip", "server_port", "username", "detail"],
                    "Logins seen in the capture",
                ),
            ),
            (
                "The device's open ports: each is a service to ask about authentication.",
                table("ports", "capture", "open_ports", OPEN_PORT_COLUMNS, "Open ports of the device"),
            ),
        ],
        declared=["open_ports", "services"],
    ),
    "VULN-01": procedural(["disclosure"]),
    "UPD-01": Spec(
        intro="Whether the device can be updated at all: update tools, update URLs and keys found in "
        "the image, against the update mechanism the manufacturer declares.",
        steps=[
            (
                "`kind` says what was found: an update `tool`, an update `url`, a `public_key` or a "
                "signature `verifier`.",
                table("update", "firmware", "update", UPDATE_COLUMNS, "Update machinery in the image"),
            )
        ],
        declared=["update"],
        procedure=True,
    ),
    "UPD-02": Spec(
        intro="An update fetched over plain HTTP, FTP or TFTP can be replaced on the way. Two sources: "
        "downloads seen in the capture, and update URLs written in the image.",
        steps=[
            (
                "Downloads in the capture: `looks_like_firmware` (path, content type, size and magic "
                "bytes) and `encrypted` decide.",
                table(
                    "downloads",
                    "capture",
                    "downloads",
                    [
                        "packets",
                        "protocol",
                        "host",
                        "path",
                        "content_type",
                        "size",
                        "magic",
                        "looks_like_firmware",
                        "encrypted",
                        "reason",
                    ],
                    "Downloads seen in the capture",
                ),
            ),
            (
                "Update URLs in the image: `secure` false is an `http://`, `ftp://` or `tftp://` URL.",
                table(
                    "urls",
                    "firmware",
                    "update",
                    UPDATE_COLUMNS,
                    "Update URLs in the image",
                    where={"kind": "url"},
                ),
            ),
        ],
        declared=["update"],
    ),
    "UPD-03": procedural(["support_period"]),
    "UPD-04": Spec(
        intro="An update tool alone lets anyone who can reach it install their own software. Look for "
        "what verifies an update before it is installed: a signature verifier, a public key.",
        steps=[
            (
                "All update machinery in the image; a `tool` without any `verifier` or `public_key` "
                "is the typical failure.",
                table("update", "firmware", "update", UPDATE_COLUMNS, "Update machinery in the image"),
            ),
            (
                "Public keys in the image (a key used to verify updates is usually one of these):",
                table(
                    "public_keys",
                    "firmware",
                    "keys",
                    ["path", "offset", "kind", "key_type", "key_bits"],
                    "Public keys in the image",
                    where={"kind": "public_key"},
                ),
            ),
        ],
        declared=["update"],
        procedure=True,
    ),
    "UPD-05": procedural(["update"]),
    "UPD-06": Spec(
        intro="A user must be able to tell which model and software version they have. Compare what "
        "the case records with what the device says about itself on the network.",
        steps=[
            ("The device as recorded in `case.yaml`:", "ui.show_device(session.case)"),
            (
                "What the device announces (discovery protocols carry model and version strings):",
                table(
                    "announced",
                    "capture",
                    "discovery",
                    ["packet", "protocol", "name", "model", "version", "server", "banner"],
                    "Model and version announced on the network",
                ),
            ),
        ],
        procedure=True,
    ),
    "SEC-01": Spec(
        intro="Credentials and tokens written into the software are the same on every unit and can "
        "be read by anyone who downloads the firmware.",
        steps=[
            (
                "Each row is a secret with its place in the image (`path`, `line`, `offset`); values "
                "are masked.",
                table(
                    "secrets",
                    "firmware",
                    "secrets",
                    ["path", "line", "offset", "kind", "name", "value"],
                    "Secrets found in the image",
                ),
            ),
            ("Secrets by kind:", 'ui.plots.value_counts(secrets, "kind", "Secrets by kind")'),
        ],
    ),
    "SEC-02": Spec(
        intro="A private key in the firmware image is shared by every unit: whoever extracts it can "
        "impersonate any of them or decrypt their traffic.",
        steps=[
            (
                "Keys and certificates in the image; an unencrypted `private_key` or `ssh_host_key` is "
                "the failure.",
                table(
                    "keys",
                    "firmware",
                    "keys",
                    [
                        "path",
                        "offset",
                        "kind",
                        "format",
                        "key_type",
                        "key_bits",
                        "encrypted",
                        "subject",
                        "self_signed",
                    ],
                    "Keys and certificates in the image",
                ),
            ),
            ("Keys by kind:", 'ui.plots.value_counts(keys, "kind", "Keys and certificates by kind")'),
        ],
    ),
    "SEC-03": Spec(
        intro="Secrets the device must store (password hashes, keys) should be readable only by "
        "the processes that need them.",
        steps=[
            (
                "`world_readable` true means any process on the device, however unprivileged, can read "
                "the file.",
                "sensitive = ui.show_sensitive_files(session)",
            )
        ],
        procedure=True,
    ),
    "COM-01": Spec(
        intro="Credentials sent without encryption can be read by anyone on the path. The capture "
        "engine finds them by payload (telnet, FTP, HTTP Basic, MQTT CONNECT), not only by port.",
        steps=[
            (
                "Each row is a login seen in clear: open the capture in Wireshark at the `packets` "
                "listed to see it. Secrets are masked.",
                table(
                    "credentials",
                    "capture",
                    "credentials",
                    [
                        "packets",
                        "protocol",
                        "client_ip",
                        "server_ip",
                        "server_port",
                        "username",
                        "secret",
                        "detail",
                    ],
                    "Credentials seen in clear",
                    empty="No credentials seen in clear in the capture.",
                ),
            ),
            (
                "Credentials in clear, per protocol:",
                'ui.plots.value_counts(credentials, "protocol", "Credentials in clear, per protocol")',
            ),
        ],
    ),
    "COM-02": Spec(
        intro="Each TLS handshake: the versions and ciphers the client offered, and what the server "
        "chose. The floor comes from the catalogue's parameters for this requirement.",
        steps=[
            (
                "`chosen_version` and `chosen_cipher` are what the connection used; `weaknesses` names "
                "what falls below the floor.",
                table(
                    "tls",
                    "capture",
                    "tls",
                    [
                        "packet",
                        "client_ip",
                        "server_ip",
                        "server_port",
                        "sni",
                        "offered_versions",
                        "chosen_version",
                        "chosen_cipher",
                        "weaknesses",
                    ],
                    "TLS handshakes",
                    empty="No TLS handshake in the capture.",
                ),
            ),
            ("Versions offered and chosen:", "ui.plots.tls_versions(tls)"),
        ],
        declared=["tls"],
    ),
    "COM-03": Spec(
        intro="The certificates servers presented in the captured handshakes: validity dates, key "
        "size, signature algorithm, and whether they are self-signed.",
        steps=[
            (
                "One row per certificate, with the packet of its handshake:",
                "certificates = ui.show_certificates(session)",
            ),
            (
                "Key sizes:",
                'ui.plots.value_counts(certificates, "key_bits", "Certificate key sizes", "bits")',
            ),
        ],
        declared=["tls"],
    ),
    "COM-04": Spec(
        intro="Flows the device opens to remote (non-local) services. An application protocol in clear "
        "(HTTP, MQTT, telnet, FTP, CoAP) to the internet is the failure.",
        steps=[
            (
                "Device-initiated flows to remote addresses; `encrypted` false with an `app_proto` is "
                "cleartext.",
                table(
                    "flows",
                    "capture",
                    "flows",
                    FLOW_COLUMNS,
                    "Flows from the device to remote services",
                    where=REMOTE,
                ),
            ),
            (
                "Where the bytes go, over time and per destination (all of the device's remote traffic):",
                "ui.plots.traffic(session)",
            ),
        ],
        declared=["cloud_endpoints"],
    ),
    "COM-05": Spec(
        intro="Every remote service the device contacts should be in the declaration's "
        "`cloud_endpoints`: names looked up, and addresses connected to.",
        steps=[
            (
                "Names the device looked up:",
                table(
                    "dns",
                    "capture",
                    "dns",
                    ["packet", "client_ip", "qname", "qtype", "answers", "rcode"],
                    "DNS queries",
                ),
            ),
            (
                "Flows the device opened to remote services:",
                table(
                    "flows",
                    "capture",
                    "flows",
                    FLOW_COLUMNS,
                    "Flows from the device to remote services",
                    where=REMOTE,
                ),
            ),
            ("Traffic over time and bytes per destination:", "ui.plots.traffic(session)"),
        ],
        declared=["cloud_endpoints"],
    ),
    "ATK-01": Spec(
        intro="Every port the device opens is attack surface. Two sources: ports seen open in the "
        "capture (a port scan answered with SYN-ACK, or a service that served a client), and services "
        "the firmware starts at boot.",
        steps=[
            (
                "Open ports in the capture; `evidence` says how each was seen:",
                table("ports", "capture", "open_ports", OPEN_PORT_COLUMNS, "Open ports of the device"),
            ),
            (
                "Services started at boot (firmware):",
                table("services", "firmware", "services", SERVICE_COLUMNS, "Services started at boot"),
            ),
        ],
        declared=["open_ports", "services"],
    ),
    "ATK-02": Spec(
        intro="Telnet, FTP, TFTP, rlogin and rsh send everything in clear and are the first thing "
        "botnets try.",
        steps=[
            (
                "Services started at boot (firmware):",
                table("services", "firmware", "services", SERVICE_COLUMNS, "Services started at boot"),
            ),
            (
                "Open ports in the capture:",
                table("ports", "capture", "open_ports", OPEN_PORT_COLUMNS, "Open ports of the device"),
            ),
        ],
        declared=["services", "open_ports"],
    ),
    "ATK-03": Spec(
        intro="Debug services (adbd, gdbserver, a root shell on the serial console) left on in "
        "production give full control of the device.",
        steps=[
            (
                "Services started at boot; look at `kind`, `command` and `auth`:",
                table("services", "firmware", "services", SERVICE_COLUMNS, "Services started at boot"),
            )
        ],
        declared=["debug_interfaces"],
    ),
    "ATK-04": Spec(
        intro="Discovery protocols (SSDP/UPnP, mDNS, LLMNR, NetBIOS) answer anyone on the network. "
        "Serial numbers and exact software versions in them help an attacker pick a target.",
        steps=[
            (
                "Each announcement and what it `disclosed`:",
                table(
                    "discovery",
                    "capture",
                    "discovery",
                    [
                        "packet",
                        "protocol",
                        "src_ip",
                        "name",
                        "server",
                        "model",
                        "serial",
                        "version",
                        "disclosed",
                        "banner",
                    ],
                    "Discovery announcements",
                ),
            ),
            (
                "What is disclosed, how often:",
                'ui.plots.value_counts(discovery, "disclosed", "Disclosed fields")',
            ),
        ],
        declared=["discovery_protocols"],
    ),
    "ATK-05": Spec(
        intro="Hardening makes a memory-corruption bug much harder to exploit: NX (no executable "
        "stack), PIE (randomised addresses), RELRO, stack canaries, FORTIFY. `undeterminable` means "
        "the binary (stripped or static) does not allow a decision.",
        steps=[
            (
                "One row per ELF binary in the image:",
                table(
                    "binaries",
                    "firmware",
                    "binaries",
                    [
                        "path",
                        "arch",
                        "nx",
                        "pie",
                        "relro",
                        "canary",
                        "fortify",
                        "stripped",
                        "static",
                        "rpath",
                        "runpath",
                    ],
                    "Binary hardening",
                ),
            ),
            ("Hardening properties across all binaries:", "ui.plots.hardening(binaries)"),
        ],
    ),
    "ATK-06": Spec(
        intro="Components (libraries, daemons) with their versions, matched against the vulnerability "
        "feed added to the case. Without a feed the check cannot decide; add one with "
        "`workbench case add CASE feed.json --kind vuln-feed` (an OSV JSON export).",
        steps=[
            (
                "Components identified in the image, with the evidence of their version:",
                table(
                    "components",
                    "firmware",
                    "components",
                    ["name", "version", "path", "evidence", "purl"],
                    "Components",
                ),
            ),
            (
                "Known vulnerabilities of those components (from the feed):",
                table(
                    "vulnerabilities",
                    "firmware",
                    "vulnerabilities",
                    ["component", "version", "vuln_id", "severity", "fixed_in", "summary", "path"],
                    "Known vulnerabilities",
                ),
            ),
            (
                "Vulnerabilities by severity:",
                'ui.plots.value_counts(vulnerabilities, "severity", "By severity")',
            ),
        ],
    ),
    "ATK-07": Spec(
        intro="A network service running as root turns any bug in it into full control of the device.",
        steps=[
            (
                "Services started at boot with the user they run as (`runs_as`):",
                table("services", "firmware", "services", SERVICE_COLUMNS, "Services started at boot"),
            ),
            ("Services per user:", 'ui.plots.value_counts(services, "runs_as", "Services per user")'),
        ],
        procedure=True,
    ),
    "ATK-08": procedural(["debug_interfaces"]),
    "INT-01": Spec(
        intro="Verified boot checks the software before running it. The image gives indicators: signed "
        "image headers, verification tools, public keys; the decision needs the inspector.",
        steps=[
            (
                "The layers of the image (headers, file systems, compressed blobs):",
                table(
                    "layers",
                    "firmware",
                    "layers",
                    ["offset", "end", "format", "size", "extracted", "reason"],
                    "Layers of the image",
                ),
            ),
            (
                "Verifiers and public keys in the image:",
                table(
                    "verifiers",
                    "firmware",
                    "update",
                    UPDATE_COLUMNS,
                    "Verifiers and public keys",
                    where={"kind": ["verifier", "public_key"]},
                ),
            ),
            (
                "Entropy along the image (flat near 8: compressed or encrypted):",
                "ui.plots.entropy_profile(session)",
            ),
        ],
        procedure=True,
    ),
    "DATA-01": procedural(["personal_data"]),
    "DATA-02": procedural(["sensors"]),
    "DEL-01": procedural(["erase"]),
    "RES-01": procedural([]),
    "LOG-01": Spec(
        intro="Security events are only useful with a reliable time: look for a syslog configuration "
        "and for NTP in the image and the capture.",
        steps=[
            (
                "Logging and time services started at boot:",
                table(
                    "services",
                    "firmware",
                    "services",
                    SERVICE_COLUMNS,
                    "Logging and time services",
                    where={"name~": "syslog|klog|ntp|chrony|timesync"},
                ),
            ),
            (
                "NTP (port 123) and syslog (port 514) traffic in the capture:",
                table(
                    "flows",
                    "capture",
                    "flows",
                    FLOW_COLUMNS,
                    "Time and logging traffic",
                    where={"server_port": [123, 514]},
                ),
            ),
        ],
        declared=["logging"],
        procedure=True,
    ),
    "TEL-01": Spec(
        intro="Where the device sends data, and how much: compare it with what the manufacturer "
        "discloses about telemetry and personal data.",
        steps=[
            (
                "Flows the device opened to remote services:",
                table(
                    "flows",
                    "capture",
                    "flows",
                    FLOW_COLUMNS,
                    "Flows from the device to remote services",
                    where=REMOTE,
                ),
            ),
            ("Traffic over time and bytes per destination:", "ui.plots.traffic(session)"),
        ],
        declared=["cloud_endpoints", "personal_data"],
        procedure=True,
    ),
    "INST-01": procedural([]),
    "INPUT-01": Spec(
        intro="Every interface that accepts input (web pages, APIs) must validate it. The capture "
        "shows which interfaces exist; testing them is the inspector's work.",
        steps=[
            (
                "Services the device served in the capture:",
                table(
                    "served",
                    "capture",
                    "flows",
                    FLOW_COLUMNS,
                    "Services the device served",
                    where={"device_role": "server"},
                ),
            ),
            (
                "Open ports of the device:",
                table("ports", "capture", "open_ports", OPEN_PORT_COLUMNS, "Open ports of the device"),
            ),
        ],
        procedure=True,
    ),
    "WIFI-01": Spec(
        intro="WEP, TKIP and open networks are broken or unprotected. The check reads the wireless "
        "configurations in the image (`wpa_supplicant`, `hostapd`).",
        steps=[
            (
                "Wireless configuration files in the image:",
                table(
                    "wireless",
                    "firmware",
                    "files",
                    ["path", "size", "mode", "sha256"],
                    "Wireless configuration files",
                    where={"path~": r"wpa_supplicant|hostapd"},
                ),
            )
        ],
        declared=["wireless"],
        procedure=True,
    ),
}


# --- the template --------------------------------------------------------------------------------
INTRO = """# {rid}: inspection walk-through

This notebook walks you through one requirement, in the same steps as every other requirement
notebook of the workbench:

1. the requirement, its level and where it comes from;
2. its pass criteria and the inspection method;
3. the evidence in the case, and what is missing;
4. the analysis: tables and plots of the evidence that matter here;
5. what the manufacturer declared, against what was observed;
6. the verdict the check proposes, with its reasons;
7. your verdict, recorded in the case;
8. the outcome, published for the evidence bundle.

Run all cells from the top. Nothing here changes the evidence: the only thing written to the case
is the verdict you record in step 7. The batch (`workbench run`) runs this same notebook with
`interactive = False`."""

PARAMETERS = """case_dir: str = ""  # path to the device case folder (made with `workbench case new`)
requirement_id: str = "{rid}"  # id of the catalogue requirement this notebook inspects
catalog: str = ""  # catalogue edition or YAML path; empty: the edition the case names
interactive: bool = True  # True: the verdict widget; False (batch): the recorded verdict, read-only"""

SETUP = """from workbench import ui
from workbench.notebook import open_check

session = open_check(case_dir, requirement_id, catalog, interactive=interactive)"""

STEP1 = """## 1. The requirement

The statement below is the catalogue's, word for word. The stars give the level (★ basic, ★★ standard,
★★★ high; a device targeting a level must meet every requirement up to it). *Automation* says who
decides: the check alone, the check with you, or you. The mappings tell you which clause of each scheme
this requirement answers, useful when a report must cite the scheme the device is certified under.
Read *why it exists* and *what a typical failure looks like* before the analysis: they tell you what
you are looking for."""

STEP2 = """## 2. Pass criteria and inspection method

The criteria are what must hold for a PASS. The method is the procedure an inspector follows; the check
automates the parts that the evidence allows."""

STEP3 = """## 3. Evidence

Every artefact was hashed (SHA-256) when it entered the case and is read-only since. The first table
says which kinds of evidence this requirement uses and whether the case has them; a missing kind makes
the check INCONCLUSIVE, with the command that adds it."""

STEP4 = """## 4. Analysis

{intro}

Tables show at most 200 rows; every value from a capture or an image is shown as text, never
interpreted. An empty table says so."""

STEP5 = """## 5. Declared versus observed

Following ETSI TS 103 701, the inspection is two-sided: nothing found on the device that the
declaration omits, and nothing in the declaration that the evidence contradicts. Left: the
manufacturer's declaration (`declaration.yaml`); right: what the check observed."""

STEP6 = """## 6. Proposed verdict

What the check concludes, with its reasons and the findings behind them. Each finding points at its
evidence (packet number, file path, offset) so you can verify it yourself, in Wireshark or in the
extracted image. INCONCLUSIVE names the evidence to add; NEEDS_INSPECTOR means the decision is yours."""

STEP7 = """## 7. Your verdict

Choose a verdict, write your rationale (what you examined, what you saw, why it meets or fails the
criteria), list the evidence you relied on, and press **Record verdict**. It is written to the case's
verdict store with your name, the time and the SHA-256 of the artefacts judged; re-running this
notebook shows it again and never overwrites it. If the evidence changes later, it is marked stale.
An automatic requirement's verdict stands without you, unless you record one. After recording, run
the last cell again: the published outcome then carries your verdict."""

STEP8 = """## 8. Publish

The outcome, as the batch reads it into the evidence bundle."""


def _id(slug: str, number: int) -> str:
    return f"{slug.lower()}-{number:02d}"


def _cells(slug: str, parts: list[tuple[str, str]]) -> list[nbformat.NotebookNode]:
    cells = []
    for number, (kind, source) in enumerate(parts):
        if kind == "md":
            cells.append(new_markdown_cell(source, id=_id(slug, number)))
        else:
            cell = new_code_cell(source, id=_id(slug, number))
            if kind == "parameters":
                cell.metadata["tags"] = ["parameters"]
            cells.append(cell)
    return cells


def _notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def requirement_notebook(rid: str, spec: Spec) -> nbformat.NotebookNode:
    parts: list[tuple[str, str]] = [
        ("md", INTRO.format(rid=rid)),
        ("parameters", PARAMETERS.format(rid=rid)),
        ("code", SETUP),
        ("md", STEP1),
        ("code", "ui.show_requirement(session.requirement)"),
        ("md", STEP2),
        ("code", "ui.show_criteria(session.requirement)"),
        ("md", STEP3),
        ("code", "ui.show_evidence(session)"),
        ("md", STEP4.format(intro=spec.intro)),
    ]
    for markdown, code in spec.steps:
        parts += [("md", markdown), ("code", code)]
    if spec.procedure:
        parts += [("md", PROCEDURE_MD.format(rid=rid)), ("code", PROCEDURE_CODE)]
    parts += [
        ("md", STEP5),
        ("code", f"ui.show_declared_vs_observed(session, fields={_py(spec.declared)})"),
        ("md", STEP6),
        ("code", "ui.show_proposal(session)"),
        ("md", STEP7),
        ("code", "verdict_form = ui.verdict_panel(session)"),
        ("md", STEP8),
        ("code", "outcome = session.publish()"),
    ]
    return _notebook(_cells(rid, parts))


OVERVIEW_PARTS: list[tuple[str, str]] = [
    (
        "md",
        """# Case overview

Where the inspection of this device stands: the device, the evidence in the case, the progress of every
requirement of the catalogue, whether each level can be declared met, and what evidence to add next.
Open the requirement notebooks (one per requirement, named by its id) to inspect and record verdicts;
re-run this notebook to see the progress.""",
    ),
    (
        "parameters",
        """case_dir: str = ""  # path to the device case folder (made with `workbench case new`)
catalog: str = ""  # catalogue edition or YAML path; empty: the edition the case names
interactive: bool = True  # False when the batch runs this notebook""",
    ),
    (
        "code",
        """from workbench import ui
from workbench.notebook import open_case

overview = open_case(case_dir, catalog, interactive=interactive)""",
    ),
    (
        "md",
        """## The device

As recorded in `case.yaml` when the case was created.""",
    ),
    ("code", "ui.show_device(overview.case)"),
    (
        "md",
        """## Evidence in the case

Every artefact with its kind, size and SHA-256 (computed when it was added; artefacts are read-only).
Add more with `workbench case add CASE FILE --kind capture|firmware|vuln-feed|attachment`.""",
    ),
    ("code", "ui.show_artefacts(overview.case)"),
    (
        "md",
        """## Progress

Per level, how many requirements have a verdict recorded by an inspector, an automatic verdict (fully
automatic checks), or are pending. Then one row per requirement: what its check proposes and the final
verdict. A stale verdict was recorded on evidence that has changed since: re-examine it.""",
    ),
    ("code", "ui.show_progress(overview)"),
    (
        "md",
        """## Readiness per level

A level includes all lower ones. It *conforms* when every requirement up to it is PASS or
NOT_APPLICABLE, with no stale verdict; one FAIL means it does not conform; anything else is open.""",
    ),
    ("code", "ui.show_readiness(overview)"),
    (
        "md",
        """## What to add next

The evidence the checks lack, which requirements need it, and how to add it; then the requirements
still waiting for an inspector's verdict.""",
    ),
    ("code", "ui.show_evidence_to_add(overview)"),
]


def overview_notebook() -> nbformat.NotebookNode:
    return _notebook(_cells(OVERVIEW, OVERVIEW_PARTS))


def render_all() -> dict[str, str]:
    """File name -> notebook JSON text, for every notebook this script owns."""
    notebooks = {f"{OVERVIEW}.ipynb": overview_notebook()}
    for rid, spec in SPECS.items():
        notebooks[f"{rid}.ipynb"] = requirement_notebook(rid, spec)
    texts = {}
    for name, nb in notebooks.items():
        nbformat.validate(nb)
        texts[name] = nbformat.writes(nb) + "\n"
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed notebooks")
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write into (default: notebooks/)")
    args = parser.parse_args(argv)
    texts = render_all()
    if args.check:
        stale = [
            n for n, t in texts.items() if not (args.out / n).is_file() or (args.out / n).read_text() != t
        ]
        extra = sorted(p.name for p in args.out.glob("*.ipynb") if p.name not in texts)
        for name in stale:
            print(f"differs from the generator: notebooks/{name}")
        for name in extra:
            print(f"not produced by the generator: notebooks/{name}")
        return 1 if stale or extra else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (args.out / name).write_text(text)
    print(f"wrote {len(texts)} notebooks to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
