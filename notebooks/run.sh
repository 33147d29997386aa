#!/usr/bin/env bash
# notebooks/run.sh -- execute every notebook and check it (CI entry point).
#
# Usage: bash notebooks/run.sh [OUTDIR]          quick mode (CI)
#        bash notebooks/run.sh --full [NB...]    full size, results written back in place
#
# Quick mode runs notebooks/NN_*.ipynb through kernel/check.sh with ANNSVD_QUICK=1
# exported (the GoNB kernel inherits it; the notebooks then train small models), writing
# the executed notebooks, their HTML exports and kernel logs to OUTDIR (default
# ${ANNSVD_CHECK_OUT:-${TMPDIR:-/tmp}/annsvd-notebooks}); the committed notebooks are
# left alone, and then checked as committed (kernel/nbcheck.py --committed: every code
# cell executed, no error output, an image/png in every figure cell).
# --full runs the given notebooks (default: all) at full size, without ANNSVD_QUICK and
# with a cell timeout of ${ANNSVD_CELL_TIMEOUT:-7200} s, and, only if every one of them
# passes, copies the executed notebooks over the committed ones: that is how the
# repository's notebooks get the outputs a code host shows.
# Needs `bash kernel/install.sh` first (check.sh says so when Jupyter or the gonb kernel
# is missing). Exit status: 0 if every notebook passed, 1 otherwise.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${HERE}/.." && pwd)"
FULL=0
if [[ "${1:-}" == "--full" ]]; then
  FULL=1
  shift
  OUT="$(mktemp -d "${TMPDIR:-/tmp}/annsvd-notebooks-full.XXXXXX")"
  unset ANNSVD_QUICK
  export ANNSVD_CELL_TIMEOUT="${ANNSVD_CELL_TIMEOUT:-7200}"
else
  OUT="${1:-${ANNSVD_CHECK_OUT:-${TMPDIR:-/tmp}/annsvd-notebooks}}"
  export ANNSVD_QUICK=1
fi

# The kernel spec's "env" would override our environment: refuse if it sets ANNSVD_QUICK
# to anything but quick mode's value, or at all in full mode.
JUPYTER="${ANNSVD_JUPYTER:-/usr/bin/jupyter}"
[[ -n "${ANNSVD_JUPYTER:-}" || -x "${JUPYTER}" ]] || JUPYTER="$(command -v jupyter || echo jupyter)"
if spec="$("${JUPYTER}" kernelspec list --json 2>/dev/null)"; then
  if FULL="${FULL}" python3 - "${spec}" <<'PY'
import json, os, sys
ks = json.loads(sys.argv[1]).get("kernelspecs", {}).get("gonb")
env = (ks or {}).get("spec", {}).get("env", {}) or {}
sys.exit(0 if "ANNSVD_QUICK" in env and (env["ANNSVD_QUICK"] != "1" or os.environ.get("FULL") == "1") else 1)
PY
  then
    echo "[annsvd notebooks] ERROR: the gonb kernel spec sets ANNSVD_QUICK, overriding quick mode; remove it from its kernel.json (see kernel/install.sh)" >&2
    exit 1
  fi
fi

shopt -s nullglob
if [[ ${FULL} -eq 1 && $# -gt 0 ]]; then
  NBS=("$@")
else
  NBS=("${HERE}"/[0-9][0-9]_*.ipynb)
fi
[[ ${#NBS[@]} -gt 0 ]] || { echo "[annsvd notebooks] ERROR: no notebooks in ${HERE}" >&2; exit 1; }
t0=${SECONDS}
status=0
bash "${ROOT}/kernel/check.sh" -o "${OUT}" "${NBS[@]}" || status=$?
if [[ ${status} -ne 0 ]]; then
  echo "notebooks: FAILED after $((SECONDS - t0))s (see above)" >&2
  exit "${status}"
fi
if [[ ${FULL} -eq 1 ]]; then
  for nb in "${NBS[@]}"; do
    cp "${OUT}/$(basename "${nb}")" "${nb}"
  done
  echo "notebooks: ${#NBS[@]} notebook(s) passed at full size in $((SECONDS - t0))s and were written back in place; HTML in ${OUT}"
  exit 0
fi
echo "notebooks: ${#NBS[@]} notebook(s) passed in quick mode in $((SECONDS - t0))s; executed notebooks and HTML in ${OUT}"
/usr/bin/python3 "${ROOT}/kernel/nbcheck.py" --committed "${NBS[@]}"
