"""Generate notebooks/<ID>.ipynb (one per requirement), 00-case-overview.ipynb and 00-live-tests.ipynb.

Each in English (notebooks/) and in Japanese (notebooks/ja/), from the same template: the narrative
is marked for gettext here (`N_`) and translated with workbench.i18n (scripts/i18n.py extracts it), the
pages' texts (workbench/checks/*.page.yaml) likewise; every notebook has the parameter `language`, its
own language, passed to `open_check` / `open_case`.

Every requirement notebook has the same shape, from one template; only the analysis section
(step 4) and the declaration fields compared in step 5 differ: each requirement's `PAGE`, beside
its check in workbench/checks/<id>.py (listed in workbench.checks.registry). The requirement's own
text is never written here: the notebooks render it from the catalogue.

    python scripts/build_notebooks.py           # write the notebooks
    python scripts/build_notebooks.py --check   # exit 1 if a committed notebook differs

tests/notebooks checks that the committed notebooks (both languages) equal what this script produces.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workbench.checks.page import PROCEDURE_CODE, PROCEDURE_MD, Page, load_page, py_literal
from workbench.checks.registry import all_units
from workbench.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, use_language

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks"
OVERVIEW = "00-case-overview"
LIVE = "00-live-tests"
FOLDERS = {lang: "" if lang == DEFAULT_LANGUAGE else f"{lang}/" for lang in LANGUAGES}  # notebooks/ja/...


# --- the template --------------------------------------------------------------------------------
INTRO = N_("""# {rid}: inspection walk-through

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
`interactive = False`.""")

# The parameters cells: (name, type, default, help); papermill shows the help.
CASE_DIR = ("case_dir", "str", '""', N_("path to the device case folder (made with `workbench case new`)"))
CATALOG = ("catalog", "str", '""', N_("catalogue edition or YAML path; empty: the edition the case names"))
LANGUAGE = ("language", "str", "{language}", N_("the language of this notebook's texts (en or ja)"))
PARAMETERS = [
    CASE_DIR,
    ("requirement_id", "str", '"{rid}"', N_("id of the catalogue requirement this notebook inspects")),
    CATALOG,
    ("interactive", "bool", "True",
     N_("True: the verdict widget; False (batch): the recorded verdict, read-only")),
    ("outcome_path", "str", '""', N_("the batch's judged outcome to show; empty: the check runs here")),
    LANGUAGE,
]  # fmt: skip

SETUP = """from workbench import ui
from workbench.notebook import open_check

session = open_check(
    case_dir, requirement_id, catalog, interactive=interactive, outcome_path=outcome_path,
    language=language,
)"""

STEP1 = N_("""## 1. The requirement

The statement below is the catalogue's, word for word. The stars give the level (★ basic, ★★ standard,
★★★ high; a device targeting a level must meet every requirement up to it). *Automation* says who
decides: the check alone, the check with you, or you. The mappings tell you which clause of each scheme
this requirement answers, useful when a report must cite the scheme the device is certified under.
Read *why it exists* and *what a typical failure looks like* before the analysis: they tell you what
you are looking for.""")

STEP2 = N_("""## 2. Pass criteria and inspection method

The criteria are what must hold for a PASS. The method is the procedure an inspector follows; the check
automates the parts that the evidence allows.""")

STEP3 = N_("""## 3. Evidence

Every artefact was hashed (SHA-256) when it entered the case and is read-only since. The first table
says which kinds of evidence this requirement uses and whether the case has them; a missing kind makes
the check INCONCLUSIVE, with the command that adds it.""")

STEP4 = N_("""## 4. Analysis

{intro}

Tables show at most 200 rows; every value from a capture or an image is shown as text, never
interpreted. An empty table says so.""")

STEP5 = N_("""## 5. Declared versus observed

Following ETSI TS 103 701, the inspection is two-sided: nothing found on the device that the
declaration omits, and nothing in the declaration that the evidence contradicts. Left: the
manufacturer's declaration (`declaration.yaml`); right: what the check observed.""")

STEP6 = N_("""## 6. Proposed verdict

What the check concludes, with its reasons and the findings behind them. Each finding points at its
evidence (packet number, file path, offset) so you can verify it yourself, in Wireshark or in the
extracted image. INCONCLUSIVE names the evidence to add; NEEDS_INSPECTOR means the decision is yours.""")

STEP7 = N_("""## 7. Your verdict

Choose a verdict, write your rationale (what you examined, what you saw, why it meets or fails the
criteria), list the evidence you relied on, and press **Record verdict**. It is written to the case's
verdict store with your name, the time and the SHA-256 of the artefacts judged; re-running this
notebook shows it again and never overwrites it. If the evidence changes later, it is marked stale.
An automatic requirement's verdict stands without you, unless you record one. After recording, run
the last cell again: the published outcome then carries your verdict.""")

STEP8 = N_("""## 8. Publish

The outcome: what the check proposes and the final verdict. In the batch this is the verdict the
batch judged once for the evidence bundle, shown here as it was given, not computed again.""")


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


def parameters_cell(parameters: list[tuple[str, str, str, str]], language: str, **values: str) -> str:
    """The parameters cell's source, each help text in the current language."""
    lines = []
    for name, kind, default, help_text in parameters:
        value = default.format(language=py_literal(language), **values)
        lines.append(f"{name}: {kind} = {value}  # {_(help_text)}")
    return "\n".join(lines)


def requirement_notebook(rid: str, spec: Page, language: str = DEFAULT_LANGUAGE) -> nbformat.NotebookNode:
    """One requirement's notebook in `language` (`spec`: its page in that language)."""
    with use_language(language):
        parts: list[tuple[str, str]] = [
            ("md", _(INTRO).format(rid=rid)),
            ("parameters", parameters_cell(PARAMETERS, language, rid=rid)),
            ("code", SETUP),
            ("md", _(STEP1)),
            ("code", "ui.show_requirement(session.requirement)"),
            ("md", _(STEP2)),
            ("code", "ui.show_criteria(session.requirement)"),
            ("md", _(STEP3)),
            ("code", "ui.show_evidence(session)"),
            ("md", _(STEP4).format(intro=spec.intro)),
        ]
        for markdown, code in spec.steps:
            parts += [("md", markdown), ("code", code)]
        if spec.procedure:
            parts += [("md", _(PROCEDURE_MD).format(rid=rid)), ("code", PROCEDURE_CODE)]
        parts += [
            ("md", _(STEP5)),
            ("code", f"ui.show_declared_vs_observed(session, fields={py_literal(spec.declared)})"),
            ("md", _(STEP6)),
            ("code", "ui.show_proposal(session)"),
            ("md", _(STEP7)),
            ("code", "verdict_form = ui.verdict_panel(session)"),
            ("md", _(STEP8)),
            ("code", "outcome = session.publish()"),
        ]
    return _notebook(_cells(rid, parts))


OVERVIEW_PARAMETERS = [
    CASE_DIR,
    CATALOG,
    ("interactive", "bool", "True", N_("False when the batch runs this notebook")),
    ("states_path", "str", '""',
     N_("the states the batch judged, to show; empty: every requirement is judged here")),
    LANGUAGE,
]  # fmt: skip
OVERVIEW_SETUP = """from workbench import ui
from workbench.notebook import open_case

overview = open_case(
    case_dir, catalog, interactive=interactive, states_path=states_path, language=language
)"""
RENEWAL_NOTE = N_("a renewed case (`workbench case renew`): its plan; nothing otherwise")


def overview_parts() -> list[tuple[str, str]]:
    """The case overview's cells, in the current language."""
    return [
        (
            "md",
            _(N_("""# Case overview

Where the inspection of this device stands: the device, the evidence in the case, the progress of every
requirement of the catalogue, whether each level can be declared met, and what evidence to add next.
Open the requirement notebooks (one per requirement, named by its id) to inspect and record verdicts;
re-run this notebook to see the progress.""")),
        ),
        ("parameters", parameters_cell(OVERVIEW_PARAMETERS, _language())),
        ("code", OVERVIEW_SETUP),
        (
            "md",
            _(N_("""## The device

As recorded in `case.yaml` when the case was created.""")),
        ),
        ("code", "ui.show_device(overview.case)"),
        (
            "md",
            _(N_("""## Evidence in the case

Every artefact with its kind, size and SHA-256 (computed when it was added; artefacts are read-only).
Add more with `workbench case add CASE FILE --kind capture|firmware|vuln-feed|attachment`.""")),
        ),
        ("code", "ui.show_artefacts(overview.case)"),
        (
            "code",
            f"""from workbench import renewal

renewal.show_plan(overview.case)  # {_(RENEWAL_NOTE)}""",
        ),
        (
            "md",
            _(N_("""## Progress

Per level, how many requirements have a verdict recorded by an inspector, an automatic verdict (fully
automatic checks), or are pending. Then one row per requirement: what its check proposes and the final
verdict. A stale verdict was recorded on evidence that has changed since: re-examine it.""")),
        ),
        ("code", "ui.show_progress(overview)"),
        (
            "md",
            _(N_("""## Readiness per level

A level includes all lower ones. It *conforms* when every requirement up to it is PASS or
NOT_APPLICABLE, with no stale verdict; one FAIL means it does not conform; anything else is open.""")),
        ),
        ("code", "ui.show_readiness(overview)"),
        (
            "md",
            _(N_("""## What to add next

The evidence the checks lack, which requirements need it, and how to add it; then the requirements
still waiting for an inspector's verdict.""")),
        ),
        ("code", "ui.show_evidence_to_add(overview)"),
    ]


LIVE_PARAMETERS = [
    CASE_DIR,
    ("target", "str", '""', N_("the address to probe; empty: the case's only recorded device address")),
    ("profile", "str", '"quick"', N_("quick: common ports; full: every TCP port")),
    CATALOG,
    ("interactive", "bool", "True", N_("False (batch): the plan and the newest results only; never probes")),
    LANGUAGE,
]  # fmt: skip
LIVE_SETUP = """from workbench import ui

panel = ui.live.probe_panel(
    case_dir, target, profile, catalog, interactive=interactive, language=language
)
panel"""
PORTS_TITLE = N_("Open ports per service")


def live_parts() -> list[tuple[str, str]]:
    """The live-tests notebook's cells, in the current language."""
    return [
        (
            "md",
            _(N_("""# Live tests: probing the device itself

The hands-on tests of the inspection, done by the workbench against the running device: a port scan with
service and version detection (nmap), the TLS versions, suites and certificate it accepts (sslyze), what
each service gives without credentials, the default credentials it accepts, how it answers repeated wrong
passwords, its web pages' security headers and how it takes malformed input. Every packet sent and
received is captured; the capture and the results enter the case as read-only evidence, and the
requirement notebooks (AUTH-01, AUTH-05, AUTH-06, ATK-01, COM-02, UPD-06, INPUT-01) judge from them.

**Only probe a device on an isolated bench network that you are authorised to test.** The only target is
an address recorded in the case; nothing is sent until you tick the confirmation and press *Run*. The
same from a terminal: `workbench probe CASE --dry-run`, then `workbench probe CASE`.""")),
        ),
        ("parameters", parameters_cell(LIVE_PARAMETERS, _language())),
        (
            "md",
            _(N_("""## The plan

The target, each test with its tool, its rate limit and its time budget (from the catalogue's
`live_tests`), and what it does. Tick the confirmation, then press *Run the probe*; the progress bar
counts the tests.""")),
        ),
        ("code", LIVE_SETUP),
        (
            "md",
            _(N_("""## Results

The newest probe of the case: each test's status (a test the device defeated says so here), then its
tables. `packets` are packet numbers in the probe's capture, as Wireshark counts them.""")),
        ),
        ("code", "tables = ui.live.show_results(ui.live.open_case(case_dir))"),
        ("md", _(N_("## Ports found open, by service"))),
        ("code", f'ui.plots.value_counts(tables["ports"], "service", {py_literal(_(PORTS_TITLE))})'),
    ]


def _language() -> str:
    from workbench.i18n import language

    return language()


def live_notebook(language: str = DEFAULT_LANGUAGE) -> nbformat.NotebookNode:
    with use_language(language):
        return _notebook(_cells(LIVE, live_parts()))


def overview_notebook(language: str = DEFAULT_LANGUAGE) -> nbformat.NotebookNode:
    with use_language(language):
        return _notebook(_cells(OVERVIEW, overview_parts()))


def render_all() -> dict[str, str]:
    """Path under notebooks/ -> notebook JSON text, for every notebook this script owns (English in
    notebooks/, each other language in notebooks/<lang>/)."""
    units = all_units()
    notebooks = {}
    for lang, folder in FOLDERS.items():
        notebooks[f"{folder}{OVERVIEW}.ipynb"] = overview_notebook(lang)
        notebooks[f"{folder}{LIVE}.ipynb"] = live_notebook(lang)
        for rid, unit in units.items():
            page = unit.page if lang == DEFAULT_LANGUAGE else load_page(unit.module_name, lang)
            notebooks[f"{folder}{rid}.ipynb"] = requirement_notebook(rid, page, lang)
    texts = {}
    for name, nb in notebooks.items():
        nbformat.validate(nb)
        texts[name] = nbformat.writes(nb) + "\n"
    return texts


def committed(out: Path) -> list[str]:
    """The notebooks under `out` this script would own (paths relative to it)."""
    found = [p.relative_to(out).as_posix() for p in out.glob("*.ipynb")]
    for folder in FOLDERS.values():
        if folder:
            found += [p.relative_to(out).as_posix() for p in (out / folder).glob("*.ipynb")]
    return sorted(found)


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
        extra = [n for n in committed(args.out) if n not in texts]
        for name in stale:
            print(f"differs from the generator: notebooks/{name}")
        for name in extra:
            print(f"not produced by the generator: notebooks/{name}")
        return 1 if stale or extra else 0
    for name, text in texts.items():
        (args.out / name).parent.mkdir(parents=True, exist_ok=True)
        (args.out / name).write_text(text)
    print(f"wrote {len(texts)} notebooks to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
