"""`workbench case new|add|declare|verdict|status` (and compare|renew|carry, in case_renewal)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workbench.case.artefacts import KINDS, kind_name
from workbench.case.case import Case, current_user
from workbench.case.catalogref import CatalogRef, provenance, source_to_load
from workbench.case.exercise import answers_hidden, hidden_note
from workbench.case.info import CaseInfo
from workbench.case.verdicts import RECORDABLE
from workbench.case.yamlio import describe_validation
from workbench.checks.refs import ref_fields
from workbench.commands import case_renewal
from workbench.commands.caselang import in_case_language
from workbench.errors import CaseError, WorkbenchError
from workbench.i18n import LANGUAGES, ntr, tr, use_language
from workbench.judgement.staleness import cited_artefacts
from workbench.judgement.status import case_status, format_status, terminal_text


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    case = subparsers.add_parser("case", help="create and fill a device case", description=__doc__)
    sub = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)

    new = sub.add_parser("new", parents=[common], help="create a device case folder")
    new.add_argument("path", metavar="CASE", help="folder to create (must not exist or be empty)")
    new.add_argument("--device", required=True, help='kind of device, e.g. "IP camera"')
    new.add_argument("--vendor", required=True)
    new.add_argument("--model", required=True)
    new.add_argument("--firmware-version", required=True)
    new.add_argument("--level", required=True, type=int, choices=(1, 2, 3), help="target level (stars)")
    new.add_argument("--inspector", action="append", default=[], metavar="NAME", help="repeatable")
    new.add_argument("--device-ip", action="append", default=[], metavar="IP", help="repeatable")
    new.add_argument("--device-mac", action="append", default=[], metavar="MAC", help="repeatable")
    new.add_argument("--serial", default=None, metavar="S", help="the unit's serial number")
    new.add_argument("--product-name", default=None, metavar="NAME",
                     help="the name the product is sold under (the scheme's registry; default: the model)")
    new.add_argument("--product-url", default=None, metavar="URL",
                     help="the product's public page (http/https)")
    new.add_argument("--catalog-edition", default=None, metavar="E", help="default: newest bundled edition")
    new.add_argument("--lang", default=None, choices=LANGUAGES, metavar="LANG",
                     help="the case's language: en or ja (notebooks, bundle pages, summaries; default: en)")
    new.set_defaults(func=cmd_new)

    add = sub.add_parser("add", parents=[common], help="copy an evidence file into the case")
    add.add_argument("path", metavar="CASE")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--kind", required=True, choices=KINDS)
    add.add_argument("--name", default=None, help="name in the case (default: the file's name)")
    add.add_argument(
        "--requirement", default=None, metavar="ID", help="attachments: the requirement documented"
    )
    add.add_argument("--note", default=None, metavar="TEXT")
    add.add_argument("--by", default=None, metavar="NAME", help="who adds it (default: $USER)")
    add.set_defaults(func=cmd_add)

    declare = sub.add_parser(
        "declare",
        parents=[common],
        help="set the manufacturer's declaration, or convert a flat one to the ICS/IXIT form",
        description="Set the case's declaration from FILE; or, with --convert, write the two-part form "
        "(ETSI TS 103 701's ICS and IXIT) of a flat declaration to --out without changing the case.",
    )
    declare.add_argument("path", metavar="CASE")
    declare.add_argument(
        "file", metavar="FILE", nargs="?", help="declaration YAML (validated before it is copied in)"
    )
    declare.add_argument("--by", default=None, metavar="NAME")
    declare.add_argument(
        "--convert",
        nargs="?",
        const="",
        default=None,
        metavar="FLAT",
        help="convert the flat declaration FLAT (or FILE; none: the case's own) to the ICS/IXIT form: "
        "every flat field an IXIT entry, every provision the case's catalogue maps in the ICS (to confirm)",
    )
    declare.add_argument(
        "--out", default=None, metavar="NEW", help="with --convert: the new file to write (never overwritten)"
    )
    declare.set_defaults(func=cmd_declare)

    verdict = sub.add_parser("verdict", parents=[common], help="record an inspector's verdict")
    verdict.add_argument("path", metavar="CASE")
    verdict.add_argument("requirement_id", metavar="ID")
    verdict.add_argument("--verdict", required=True, type=str.upper, choices=RECORDABLE)
    verdict.add_argument("--rationale", default="", help="why (required for FAIL and NOT_APPLICABLE)")
    verdict.add_argument("--inspector", required=True, metavar="NAME")
    verdict.add_argument("--evidence", action="append", default=[], metavar="REF", help="repeatable")
    verdict.set_defaults(func=cmd_verdict)

    address = sub.add_parser("address", parents=[common], help="record another IP address of the device")
    address.add_argument("path", metavar="CASE")
    address.add_argument(
        "ip", metavar="IP", help="an address of the device (the live probe targets only these)"
    )
    address.set_defaults(func=cmd_address)

    status = sub.add_parser(
        "status",
        parents=[common],
        help="what is decided, stale or pending (with --catalog E: what edition E makes stale)",
    )
    status.add_argument("path", metavar="CASE")
    status.add_argument("--level", type=int, choices=(1, 2, 3), default=None, help="default: the case's")
    status.add_argument("--format", choices=("table", "json"), default="table")
    status.add_argument("--lang", default=None, choices=LANGUAGES, metavar="LANG",
                        help="en or ja (default: the case's language)")
    status.set_defaults(func=cmd_status)

    case_renewal.register(sub, common)  # compare, renew, carry


def cmd_address(args: argparse.Namespace) -> int:
    import ipaddress

    from workbench.probe.guard import address_problem

    try:
        address = ipaddress.ip_address(args.ip.strip())
    except ValueError:
        raise CaseError(
            f"{args.ip.strip()!r} is not an IP address (a scoped IPv6 address is not supported)"
        ) from None
    problem = address_problem(address)
    if getattr(address, "scope_id", None):
        problem = "a scoped IPv6 address (with %interface) is not supported; give a global or ULA address"
    if problem:
        raise CaseError(f"refusing to record {address} as the device's address: {problem}")
    with in_case_language(args.path) as case:
        added = case.record_device_ip(str(address))
        said = {"address": address, "addresses": ", ".join(case.info.device_ips)}
        if added:
            print(tr("{address} recorded; the device's addresses: {addresses}", **said))
        else:
            print(tr("{address} already recorded; the device's addresses: {addresses}", **said))
    return 0


def _catalog(source: str | Path | None) -> Any:
    try:
        from workbench.catalog import load_catalog
    except ImportError:
        raise CaseError("the requirement catalogue (workbench.catalog) is not installed") from None
    return load_catalog(source)


def _case_catalog(args: argparse.Namespace, case: Case) -> Any:
    """The --catalog given, else the catalogue the case was created with (a lab's by its path)."""
    return _catalog(source_to_load(case.info, args.catalog))


def _requirement(catalog: Any, requirement_id: str) -> Any:
    try:
        return catalog.get(requirement_id)
    except (WorkbenchError, KeyError):
        raise CaseError(
            f"unknown requirement id {requirement_id!r} in catalogue {getattr(catalog, 'edition', '?')}"
        ) from None


def cmd_new(args: argparse.Namespace) -> int:
    fields: dict[str, Any] = {
        "device": args.device,
        "vendor": args.vendor,
        "model": args.model,
        "firmware_version": args.firmware_version,
        "level": args.level,
        "inspectors": args.inspector,
        "device_ips": args.device_ip,
        "device_macs": args.device_mac,
        "serial_number": args.serial,
        "product_name": args.product_name,
        "product_url": args.product_url,
        "language": args.lang,
    }
    ref = CatalogRef.of(_catalog(args.catalog_edition or args.catalog))
    fields.update(catalog_edition=ref.edition, catalog_source=ref.source, catalog_sha256=ref.sha256)
    try:
        info = CaseInfo.model_validate(fields)
    except ValidationError as exc:
        raise CaseError(describe_validation(exc), path=args.path) from None
    case = Case.create(args.path, info)
    with use_language(info.language):
        print(tr("created case {path} ({vendor} {model}, level {level}, catalogue {edition})",
                 path=case.path, vendor=info.vendor, model=info.model, level=info.level,
                 edition=info.catalog_edition))
        print(tr("catalogue source {source}, content sha256 {sha256}", source=ref.source, sha256=ref.sha256))
        command = f"workbench case add {args.path} FILE --kind capture|firmware|vuln-feed|attachment"
        print(tr("next: {command}", command=command))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    with in_case_language(args.path) as case:
        return _add(args, case)


def _add(args: argparse.Namespace, case: Case) -> int:
    if args.requirement is not None:
        _requirement(_case_catalog(args, case), args.requirement)
    artefact, new = case.import_artefact(
        args.file,
        args.kind,
        args.name,
        requirement=args.requirement,
        note=args.note,
        added_by=current_user(args.by),
    )
    if new:
        print(tr("added {name} ({kind}, {size} bytes, sha256 {sha256})", name=artefact.name,
                 kind=kind_name(artefact.kind), size=artefact.size, sha256=artefact.sha256))
    else:
        print(tr("{file}: already in the case as {name} ({kind}, sha256 {sha256}); nothing added",
                 file=args.file, name=artefact.name, kind=kind_name(artefact.kind), sha256=artefact.sha256))
    return 0


def cmd_declare(args: argparse.Namespace) -> int:
    if args.convert is not None:
        return cmd_convert(args)
    if args.out is not None:
        raise CaseError("--out goes with --convert (to set the case's declaration, give only FILE)")
    if not args.file:
        raise CaseError("name the declaration FILE to set (or --convert a flat one)")
    with in_case_language(args.path) as case:
        _, changed = case.declare(args.file, added_by=args.by)
        digest = case.declaration_sha256()
        if changed:
            print(tr("declaration set from {file} (sha256 {sha256})", file=args.file, sha256=digest))
        else:
            print(tr("{file}: this declaration is already the case's (sha256 {sha256}); nothing changed",
                     file=args.file, sha256=digest))
        declaration = case.declaration
        unconfirmed = [p for p, e in declaration.ics.items() if e.to_confirm] if declaration else []
        if unconfirmed:
            ids = ", ".join(unconfirmed[:5]) + (", …" if len(unconfirmed) > 5 else "")
            print(ntr("warning: {n} ICS entry still marked 'to confirm' ({ids}): the manufacturer confirms "
                      "each, or declares it not applicable with a justification",
                      "warning: {n} ICS entries still marked 'to confirm' ({ids}): the manufacturer confirms "
                      "each, or declares it not applicable with a justification",
                      len(unconfirmed), ids=ids), file=sys.stderr)
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    """`declare CASE --convert [FLAT] --out NEW`: the case is read, never changed."""
    from workbench.case.convert import convert_declaration, write_converted
    from workbench.case.declaration import load_declaration

    if args.convert and args.file:
        raise CaseError("name the flat declaration once: `--convert FLAT` or `FILE --convert`")
    if not args.out:
        raise CaseError("--convert writes a new file: give it with --out NEW.yaml")
    case = Case.open(args.path)
    source = args.convert or args.file
    declaration = load_declaration(Path(source)) if source else case.declaration
    if declaration is None:
        raise CaseError("the case has no declaration; name the flat declaration to convert", path=args.path)
    catalog = _case_catalog(args, case)
    from workbench.case.etsi import reference

    # the ICS states every provision of EN 303 645 (TS 103 701), the ones the catalogue maps among them
    mapped = {p for r in catalog.requirements for p in r.mappings.etsi_en_303_645}
    provisions = set(reference().provision_ids) | mapped
    data, notes = convert_declaration(declaration, provisions)
    write_converted(Path(args.out), data, case_dir=case.path)
    print(f"wrote {args.out}: the ICS/IXIT form of {source or case.declaration_path} "
          f"(catalogue {catalog.edition}); the case is unchanged")
    for note in notes:
        print(f"  {note}")
    print("next: confirm the ICS entries marked 'to confirm', then: "
          f"workbench case declare {args.path} {args.out}")
    return 0


def cmd_verdict(args: argparse.Namespace) -> int:
    with in_case_language(args.path) as case:
        return _verdict(args, case)


def _verdict(args: argparse.Namespace, case: Case) -> int:
    from workbench.catalog.fingerprint import requirement_sha256

    catalog = _case_catalog(args, case)
    warning = provenance(case.info, catalog)["warning"]
    if warning:
        print(tr("workbench: warning: {warning}", warning=warning), file=sys.stderr)
    requirement = _requirement(catalog, args.requirement_id)
    check_attachment_refs(case, args.evidence)
    record = case.verdicts.record(
        requirement.id,
        args.verdict,
        args.rationale,
        args.inspector,
        evidence_refs=args.evidence,
        artefact_hashes=case.judged_hashes(requirement.evidence, requirement.id)
        | cited_artefacts(case, args.evidence),
        catalog_edition=str(catalog.edition),
        requirement_sha256=requirement_sha256(requirement),
    )
    said = {"verdict": record.verdict, "id": record.requirement_id, "inspector": record.inspector,
            "edition": record.catalog_edition}
    if record.supersedes:
        print(tr("recorded {verdict} for {id} by {inspector} (supersedes {record}), judged against catalogue "
                 "{edition}", record=record.supersedes, **said))
    else:
        print(tr("recorded {verdict} for {id} by {inspector}, judged against catalogue {edition}", **said))
    return 0


NO_ATTACHMENTS = "none (add one: workbench case add CASE FILE --kind attachment)"


def check_attachment_refs(case: Case, refs: list[str]) -> None:
    """Refuse an `attachment: NAME` reference (the widget's form may add `(sha256 HEX)`) to a file the
    case does not hold as an attachment, or holds with other contents: one line naming those it has."""
    held = {a.name: a.sha256 for a in case.artefacts("attachment")}
    for ref in refs:
        fields = ref_fields(ref)
        if not fields.get("attachment"):
            continue  # a packet, a path, a note: free text
        name, sha = fields["artefact"], fields.get("sha256")
        if name in held and (sha is None or sha == held[name]):
            continue
        problem = "holds it with other contents" if name in held else "holds no attachment of that name"
        have = ", ".join(sorted(held)) if held else NO_ATTACHMENTS
        raise CaseError(f"--evidence {ref.strip()[:200]!r}: the case {problem}; its attachments: {have}")


def cmd_status(args: argparse.Namespace) -> int:
    """The case's status, its texts (reasons, summary lines) in the case's language or --lang."""
    with in_case_language(args.path, args.lang) as case:
        status = trainee_view(case, case_status(case, _case_catalog(args, case), args.level))
        if args.format == "json":
            print(json.dumps(status, indent=2, ensure_ascii=False))
            return 0
        exercise = status.get("exercise")
        if exercise:
            print(terminal_text(tr("Exercise {exercise} ({title}), trainee {trainee}: {note}",
                                   exercise=exercise["id"], title=exercise["title"],
                                   trainee=exercise["trainee"], note=hidden_note(case))))
        print(format_status(status))
    return 0


def trainee_view(case: Case, status: dict[str, Any]) -> dict[str, Any]:
    """A trainee's case (workbench.case.exercise): every requirement whose answers are hidden and that has
    no verdict of the trainee's is pending (never "automatic": the batch does not run on an exercise, and
    which requirements a check decides is not the trainee's to learn here); the counts follow."""
    exercise = case.info.exercise
    if exercise is None:
        return status
    rows = []
    for row in status["requirements"]:
        if row["state"] != "inspector" and answers_hidden(case, row["id"], None):
            row = {**row, "state": "pending"}
        rows.append(row)
    counts = {**status["counts"], "automatic": sum(r["state"] == "automatic" for r in rows),
              "if_probe": sum(r["state"] == "if-probe" for r in rows),
              "pending": sum(r["state"] in ("pending", "if-probe") for r in rows)}
    return {**status, "exercise": exercise.model_dump(mode="json"), "requirements": rows, "counts": counts}
