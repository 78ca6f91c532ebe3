"""Between a case and the live probe: the plan from the case and the catalogue, the run, the evidence.

`plan_for(case, ...)` reads the target (the guard: only an address the case records), the declared ports,
the accounts the firmware scan names and the catalogue's `live_tests` settings; `probe_case(...)` runs the
plan (workbench.probe.runner) in a scratch folder inside the case and adds the capture and the results
to the case as read-only artefacts made by the probe. The probe engine itself knows no case or catalogue.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import CaseError, WorkbenchError
from workbench.probe.guard import checked_target
from workbench.probe.plan import TEST_ORDER, Credential, ProbePlan, TestPlan

if TYPE_CHECKING:
    from workbench.case import Artefact, Case
    from workbench.probe.vendor_access import VendorAccess

PROFILES = ("quick", "full")
BRUTE_FORCE_REQUIREMENT = "AUTH-05"  # its hands_on_attempts is the number of wrong attempts per login
SECRETS_REQUIREMENT = "SEC-03"  # its sensitive_paths are what the device session lists on the unit
ACCESS_FILE = "test-access.yaml"  # the manufacturer's test access, beside the case (never in a bundle)
FIRMWARE_USERS_FIRST = 12  # pairs for the firmware's own login accounts, tried before the catalogue's list


@dataclass(frozen=True)
class ProbeOutcome:
    results: Artefact
    capture: Artefact
    summary: Any  # the ProbeResults


def plan_for(
    case: Case,
    target: str | None = None,
    profile: str = "quick",
    catalog: str | None = None,
    interface: str | None = None,
    access: Path | None = None,
) -> ProbePlan:
    """The plan for probing the case's device: refuses a target the case does not record (TargetRefused).

    `access` is the manufacturer's test-access file; without it, CASE/test-access.yaml if there is one
    (AccessError when it does not load); with neither, the tests through test access are skipped."""
    from workbench.probe.route import interface_for

    address = str(checked_target(target, case.info.device_ips))  # before anything else
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}")
    settings, notes = live_settings(case, catalog)
    attempts = _hands_on_attempts(case, catalog, notes)
    tests = []
    for name in TEST_ORDER:
        values = dict(settings.get(name) or {})
        if name == "brute_force":
            values["attempts"] = attempts
        if name == "device_session":
            paths = _parameter(case, catalog, SECRETS_REQUIREMENT, "sensitive_paths")
            values["sensitive_paths"] = paths if isinstance(paths, list) else []
        tests.append(
            TestPlan(name, float(values.pop("rate_per_s", 1)), float(values.pop("budget_s", 60)), values)
        )
    declared = []
    if case.declaration is not None:
        declared = sorted({(p.proto, int(p.port)) for p in case.declaration.open_ports})
    pairs = [str(p) for p in (settings.get("default_credentials") or {}).get("pairs") or ()]
    return ProbePlan(
        target=address,
        profile=profile,
        interface=interface or interface_for(address),
        tests=tests,
        declared_ports=declared,
        credentials=credentials(pairs, firmware_users(case)),
        notes=notes,
        access=vendor_access_for(case, access),
    )


def vendor_access_for(case: Case, path: Path | None) -> VendorAccess | None:
    """The manufacturer's test access: the file named, else CASE/test-access.yaml, else None."""
    from workbench.probe.vendor_access import load_access

    chosen = path if path is not None else case.path / ACCESS_FILE
    if path is None and not chosen.exists():
        return None
    return load_access(chosen)


def _parameter(case: Case, catalog: str | None, requirement: str, name: str) -> Any:
    """A requirement's parameter in the case's catalogue, else in the newest bundled edition (None if in
    neither)."""
    from workbench.case import source_to_load
    from workbench.catalog import load_catalog
    from workbench.catalog.loader import newest_edition

    for source in (source_to_load(case.info, catalog), newest_edition()):
        loaded = load_catalog(source)
        value = loaded.get(requirement).parameters.get(name) if requirement in loaded else None
        if value is not None:
            return value
    return None


def live_settings(case: Case, catalog: str | None) -> tuple[dict[str, Any], list[str]]:
    """The catalogue's live_tests settings; a catalogue without them takes the newest bundled edition's."""
    from workbench.case import source_to_load
    from workbench.catalog import load_catalog
    from workbench.catalog.loader import newest_edition

    loaded = load_catalog(source_to_load(case.info, catalog))
    if loaded.live_tests:
        return dict(loaded.live_tests), []
    newest = load_catalog(newest_edition())
    note = (
        f"catalogue {loaded.edition} has no live_tests settings: the probe uses those of the bundled"
        f" edition {newest.edition}"
    )
    return dict(newest.live_tests), [note]


def _hands_on_attempts(case: Case, catalog: str | None, notes: list[str]) -> int:
    value = _parameter(case, catalog, BRUTE_FORCE_REQUIREMENT, "hands_on_attempts")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    notes.append(f"no {BRUTE_FORCE_REQUIREMENT} hands_on_attempts in any catalogue: 20 wrong attempts")
    return 20


def firmware_users(case: Case) -> list[str]:
    """Login-capable account names the firmware scan of the case's images finds (none without an image)."""
    from workbench.analysis import firmware_scan
    from workbench.firmware.schema import TABLES

    users: list[str] = []
    for artefact in case.artefacts(kind="firmware"):
        scan = firmware_scan(case, artefact)
        for row in TABLES["accounts"].rows(scan.tables.get("accounts"), ("user", "login_shell", "locked")):
            user = row["user"] or ""
            if user and row["login_shell"] and not row["locked"] and user not in users:
                users.append(user)
    return users


def credentials(pairs: list[str], users: list[str]) -> list[Credential]:
    """The firmware's own login accounts first (with the catalogue's passwords), then the catalogue's."""
    parsed = [(p.partition(":")[0], p.partition(":")[2]) for p in pairs if ":" in p]
    passwords = list(dict.fromkeys(pw for _, pw in parsed))
    out: list[Credential] = []
    seen: set[tuple[str, str]] = set()
    for user in users:
        mine = [pw for u, pw in parsed if u == user] + ["", user] + passwords
        for password in list(dict.fromkeys(mine))[:FIRMWARE_USERS_FIRST]:
            seen.add((user, password))
            out.append(Credential(user, password, "firmware"))
    out += [Credential(u, pw, "catalogue") for u, pw in parsed if (u, pw) not in seen]
    return out


def probe_case(
    case: Case,
    plan: ProbePlan,
    progress: Callable[[str, str], None] | None = None,
    added_by: str | None = None,
) -> ProbeOutcome:
    """Run the plan and add its capture and results to the case (both read-only, origin probe)."""
    from workbench.probe.runner import run_probe

    scratch = Path(tempfile.mkdtemp(prefix=".probe-", dir=case.path / "cache"))
    try:
        run = run_probe(plan, scratch, progress=progress)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    try:
        added = [
            case.import_artefact(
                path,
                kind,
                origin="probe",
                added_by=added_by,
                note=f"{what} of the live probe of {plan.target} ({plan.profile})",
            )[0]
            for path, kind, what in (
                (run.capture_path, "capture", "capture"),
                (run.results_path, "probe", "results"),
            )
        ]
    except WorkbenchError as exc:  # the device was probed: its evidence is kept for the inspector to add
        raise CaseError(
            f"{exc}; the probe's capture and results are kept in {scratch}", path=str(case.path)
        ) from None
    shutil.rmtree(scratch, ignore_errors=True)
    return ProbeOutcome(results=added[1], capture=added[0], summary=run.results)


def outcome_text(outcome: ProbeOutcome) -> str:
    """What a probe run did, for a terminal: each test's status, the rows, the warnings, what next."""
    from workbench.judgement.status import terminal_text

    results = outcome.summary
    lines = [
        f"Probe of {results.target} done: {outcome.results.name} and {outcome.capture.name} added to the case"
        f" ({results.capture_packets} packets captured)",
        "",
    ]
    for run in results.tests:
        detail = f" - {terminal_text(run.detail)}" if run.detail else ""
        lines.append(f"  {run.name:<20} {run.status:<10}{detail}")
    counts = {name: len(rows) for name, rows in results.tables.items()}
    lines += ["", "Rows: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none")]
    lines += [f"warning: {terminal_text(w)}" for w in results.warnings[:20]]
    lines.append(f"next: workbench run {outcome.results.path.parent.parent} --out evidence/")
    return "\n".join(lines) + "\n"
