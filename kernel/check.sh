#!/usr/bin/env bash
# kernel/check.sh -- execute GoNB notebooks headless and check the results.
#
# Usage: bash kernel/check.sh [-o OUTDIR] NOTEBOOK.ipynb...
#
# For each notebook:
#   1. jupyter nbconvert --to notebook --execute (kernel "gonb", 600s per cell)
#      into OUTDIR (all cells run even if one fails, so the report is complete);
#   2. kernel/nbcheck.py: fails naming notebook+cell on any error output, or on a
#      figure cell (source has a `// figure` comment) without an image/html output;
#   3. jupyter nbconvert --to html of the executed notebook into OUTDIR
#      (the kernel's stderr log goes to OUTDIR/NAME.log).
# Exit status: 0 if every notebook passed, 1 otherwise.
#
# OUTDIR defaults to $ANNSVD_CHECK_OUT or ${TMPDIR:-/tmp}/annsvd-nbcheck.
# Honours ANNSVD_PYTHON / ANNSVD_JUPYTER like install.sh (default /usr/bin/python3, /usr/bin/jupyter).
# ANNSVD_CELL_TIMEOUT overrides the per-cell timeout (seconds, default 600).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { printf '[annsvd check] ERROR: %s\n' "$*" >&2; exit 1; }

OUT="${ANNSVD_CHECK_OUT:-${TMPDIR:-/tmp}/annsvd-nbcheck}"
NBS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -o|--output-dir) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) NBS+=("$1"); shift ;;
  esac
done
[[ ${#NBS[@]} -gt 0 ]] || die "no notebook given. Usage: bash kernel/check.sh [-o OUTDIR] NOTEBOOK.ipynb..."

if [[ -n "${ANNSVD_PYTHON:-}" || -n "${ANNSVD_JUPYTER:-}" ]]; then
  if [[ -n "${ANNSVD_PYTHON:-}" ]]; then PY="${ANNSVD_PYTHON}"
  else
    jdir="$(dirname "$(command -v "${ANNSVD_JUPYTER}" || echo "${ANNSVD_JUPYTER}")")"
    PY="${jdir}/python3"; [[ -x "${PY}" ]] || PY="${jdir}/python"
  fi
  if [[ -n "${ANNSVD_JUPYTER:-}" ]]; then JUPYTER=("${ANNSVD_JUPYTER}"); else JUPYTER=("${PY}" -m jupyter); fi
else
  PY=/usr/bin/python3
  if [[ -x /usr/bin/jupyter ]]; then JUPYTER=(/usr/bin/jupyter); else JUPYTER=("${PY}" -m jupyter); fi
fi

if ! "${PY}" -c 'import nbconvert, nbclient' >/dev/null 2>&1 || ! "${JUPYTER[@]}" nbconvert --version >/dev/null 2>&1; then
  die "Jupyter/nbconvert not found for ${PY} (${JUPYTER[*]}). Run first: bash ${SCRIPT_DIR}/install.sh"
fi
KS_LIST="$("${JUPYTER[@]}" kernelspec list 2>/dev/null || true)"
if ! grep -qE '^[[:space:]]*gonb[[:space:]]' <<<"${KS_LIST}"; then
  die "no 'gonb' Jupyter kernel installed. Run first: bash ${SCRIPT_DIR}/install.sh"
fi

mkdir -p "${OUT}"
OUT="$(cd "${OUT}" && pwd)"
TIMEOUT="${ANNSVD_CELL_TIMEOUT:-600}"
fails=0
for nb in "${NBS[@]}"; do
  if [[ ! -f "${nb}" ]]; then
    echo "FAIL ${nb}: no such file" >&2; fails=$((fails + 1)); continue
  fi
  base="$(basename "${nb}" .ipynb)"
  t0=${SECONDS}
  echo "== ${nb}: executing (kernel gonb) -> ${OUT}/${base}.ipynb"
  # allow_errors: run every cell and keep the error outputs; nbcheck.py decides.
  if ! "${JUPYTER[@]}" nbconvert --to notebook --execute \
      --ExecutePreprocessor.timeout="${TIMEOUT}" \
      --ExecutePreprocessor.kernel_name=gonb \
      --ExecutePreprocessor.allow_errors=True \
      --output-dir "${OUT}" --output "${base}" "${nb}" 2>"${OUT}/${base}.log"; then
    tail -n 30 "${OUT}/${base}.log" >&2
    echo "FAIL ${nb}: nbconvert --execute failed (kernel died or timed out?); full log: ${OUT}/${base}.log" >&2
    fails=$((fails + 1)); continue
  fi
  if ! "${PY}" "${SCRIPT_DIR}/nbcheck.py" "${OUT}/${base}.ipynb" "${nb}"; then
    echo "     (kernel/nbconvert log: ${OUT}/${base}.log)" >&2
    fails=$((fails + 1))
  fi
  "${JUPYTER[@]}" nbconvert --to html --output-dir "${OUT}" --output "${base}" "${OUT}/${base}.ipynb" >/dev/null 2>&1 \
    || echo "WARN ${nb}: HTML export failed" >&2
  echo "== ${nb}: done in $((SECONDS - t0))s (html: ${OUT}/${base}.html)"
done

if [[ ${fails} -gt 0 ]]; then
  echo "check.sh: ${fails} of ${#NBS[@]} notebook(s) FAILED" >&2
  exit 1
fi
echo "check.sh: all ${#NBS[@]} notebook(s) passed"
