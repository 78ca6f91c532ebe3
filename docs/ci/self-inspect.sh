#!/usr/bin/env bash
# A vendor's self-inspection of one firmware build, as a CI job runs it (docs/ci/github-actions.yml
# runs these same steps). It builds a device case from the build's outputs, runs every check up to
# the target level, and fails the job on the outcomes named in FAIL_ON.
#
# Environment (required): FIRMWARE (the image), DECLARATION (declaration.yaml), VENDOR, MODEL,
#   DEVICE (e.g. "IP camera"), FIRMWARE_VERSION.
# Optional: LEVEL (1-3, default 1), CAPTURE (a pcap of the device's traffic), VULN_FEED (an OSV
#   JSON feed), DEVICE_IP, DEVICE_MAC, SERIAL (the unit the capture was taken from: the checks look
#   for passwords derived from them), PRODUCT_NAME, PRODUCT_URL (for the scheme's registry record),
#   FAIL_ON (default "fail": any of fail,pending,error), OUT (default "self-inspection"),
#   SIGNING_KEY (a key made with `workbench key new`; the bundle is then signed; an encrypted key
#   reads WORKBENCH_KEY_PASSPHRASE), WORKBENCH (the command, default "workbench"), RUN_ARGS (more
#   `workbench run` options).
# Exit status: 0 the inspection passed the FAIL_ON gate, 1 it did not, 2 a usage or input error.
set -euo pipefail

: "${FIRMWARE:?set FIRMWARE to the firmware image}" "${DECLARATION:?set DECLARATION to declaration.yaml}"
: "${VENDOR:?}" "${MODEL:?}" "${DEVICE:?}" "${FIRMWARE_VERSION:?}"
LEVEL="${LEVEL:-1}"
FAIL_ON="${FAIL_ON:-fail}"
OUT="${OUT:-self-inspection}"
WORKBENCH="${WORKBENCH:-workbench}"
read -r -a wb <<< "$WORKBENCH"

case_name="$(printf '%s-%s' "$MODEL" "$FIRMWARE_VERSION" | tr -c 'A-Za-z0-9._-' '_')"
case_dir="$OUT/$case_name"  # the bundle is named after it: <model>-<version>-<UTC time>.zip
if [ -e "$case_dir" ]; then
    echo "self-inspect: $case_dir exists; give a fresh OUT" >&2
    exit 2
fi
mkdir -p "$OUT"
unit=()
if [ -n "${DEVICE_IP:-}" ]; then unit+=(--device-ip "$DEVICE_IP"); fi
if [ -n "${DEVICE_MAC:-}" ]; then unit+=(--device-mac "$DEVICE_MAC"); fi
if [ -n "${SERIAL:-}" ]; then unit+=(--serial "$SERIAL"); fi
if [ -n "${PRODUCT_NAME:-}" ]; then unit+=(--product-name "$PRODUCT_NAME"); fi
if [ -n "${PRODUCT_URL:-}" ]; then unit+=(--product-url "$PRODUCT_URL"); fi
"${wb[@]}" case new "$case_dir" --device "$DEVICE" --vendor "$VENDOR" --model "$MODEL" \
    --firmware-version "$FIRMWARE_VERSION" --level "$LEVEL" --inspector "CI self-inspection" \
    ${unit[@]+"${unit[@]}"} || exit 2
"${wb[@]}" case add "$case_dir" "$FIRMWARE" --kind firmware --by ci || exit 2
if [ -n "${CAPTURE:-}" ]; then "${wb[@]}" case add "$case_dir" "$CAPTURE" --kind capture --by ci || exit 2; fi
if [ -n "${VULN_FEED:-}" ]; then "${wb[@]}" case add "$case_dir" "$VULN_FEED" --kind vuln-feed --by ci || exit 2; fi
"${wb[@]}" case declare "$case_dir" "$DECLARATION" --by ci || exit 2

run_args=(run "$case_dir" --out "$OUT/evidence" --with-artefacts --fail-on "$FAIL_ON" --no-progress)
if [ -n "${SIGNING_KEY:-}" ]; then run_args+=(--sign "$SIGNING_KEY"); fi
if [ -n "${RUN_ARGS:-}" ]; then read -r -a more <<< "$RUN_ARGS"; run_args+=("${more[@]}"); fi
status=0
"${wb[@]}" "${run_args[@]}" > "$OUT/index-path.txt" || status=$?
bundles=("$OUT"/evidence/*.zip)
if [ -f "${bundles[-1]}" ]; then
    bundle="${bundles[-1]}"
    "${wb[@]}" export "$bundle" --format junit --out "$OUT/results.junit.xml" || true
    "${wb[@]}" export "$bundle" --format sarif --out "$OUT/findings.sarif" || true
    echo "self-inspect: bundle $bundle (exit $status)" >&2
elif [ "$status" -lt 2 ]; then
    status=2  # no bundle was sealed: whatever happened is not a verdict
fi
exit "$status"
