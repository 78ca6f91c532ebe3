"""The fixed names inside an evidence bundle."""

MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
SIGNATURE = "signature.json"  # a DSSE envelope over the manifest's hash (workbench.signing)
FORMAT = "workbench-evidence-bundle/1"
SEALS = frozenset({MANIFEST, MANIFEST_HASH, SIGNATURE})  # files the manifest cannot list

RESULTS = "results.json"
OUTCOMES_DIR = "outcomes"  # outcomes/<ID>.json: the batch's outcome of each requirement
ARTEFACTS_DIR = "artefacts"  # artefacts/<name>: the case's artefacts, with `run --with-artefacts`
CASE_DIR = "case"  # case/case.yaml, case/declaration.yaml, case/artefacts.yaml, case/verdicts/...
FORMATS_DIR = "formats"  # the standard formats written at sealing (workbench.export)
