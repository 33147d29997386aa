#!/usr/bin/env bash
# notebooks/run.sh -- execute every notebook in quick mode and check it (CI entry point).
#
# Usage: bash notebooks/run.sh [OUTDIR]
#
# Runs notebooks/NN_*.ipynb through kernel/check.sh with ANNSVD_QUICK=1 exported (the
# GoNB kernel inherits it; the notebooks then train small models), writing the executed
# notebooks, their HTML exports and kernel logs to OUTDIR (default
# ${ANNSVD_CHECK_OUT:-${TMPDIR:-/tmp}/annsvd-notebooks}). Needs `bash kernel/install.sh`
# first (check.sh says so when Jupyter or the gonb kernel is missing).
# Exit status: 0 if every notebook passed, 1 otherwise.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${HERE}/.." && pwd)"
OUT="${1:-${ANNSVD_CHECK_OUT:-${TMPDIR:-/tmp}/annsvd-notebooks}}"

export ANNSVD_QUICK=1

# The kernel spec's "env" would override our environment: refuse if it sets ANNSVD_QUICK.
JUPYTER="${ANNSVD_JUPYTER:-/usr/bin/jupyter}"
[[ -n "${ANNSVD_JUPYTER:-}" || -x "${JUPYTER}" ]] || JUPYTER="$(command -v jupyter || echo jupyter)"
if spec="$("${JUPYTER}" kernelspec list --json 2>/dev/null)"; then
  if python3 - "${spec}" <<'PY'
import json, os, sys
ks = json.loads(sys.argv[1]).get("kernelspecs", {}).get("gonb")
env = (ks or {}).get("spec", {}).get("env", {}) or {}
sys.exit(0 if "ANNSVD_QUICK" in env and env["ANNSVD_QUICK"] != "1" else 1)
PY
  then
    echo "[annsvd notebooks] ERROR: the gonb kernel spec sets ANNSVD_QUICK, overriding quick mode; remove it from its kernel.json (see kernel/install.sh)" >&2
    exit 1
  fi
fi

shopt -s nullglob
NBS=("${HERE}"/[0-9][0-9]_*.ipynb)
[[ ${#NBS[@]} -gt 0 ]] || { echo "[annsvd notebooks] ERROR: no notebooks in ${HERE}" >&2; exit 1; }
t0=${SECONDS}
status=0
bash "${ROOT}/kernel/check.sh" -o "${OUT}" "${NBS[@]}" || status=$?
if [[ ${status} -eq 0 ]]; then
  echo "notebooks: ${#NBS[@]} notebook(s) passed in quick mode in $((SECONDS - t0))s; executed notebooks and HTML in ${OUT}"
else
  echo "notebooks: FAILED after $((SECONDS - t0))s (see above)" >&2
fi
exit "${status}"
