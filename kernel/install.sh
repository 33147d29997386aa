#!/usr/bin/env bash
# kernel/install.sh -- install the Jupyter side of annsvd: Jupyter itself (if
# missing), the GoNB Go kernel and its helper tools (goimports, gopls), and a
# "gonb" kernelspec whose environment is set up for GoMLX.
#
# Usage (from any directory):
#   bash kernel/install.sh
#
# Idempotent: re-running rebuilds the tools (cheap, Go build cache) and
# re-registers/re-patches the kernelspec.
#
# Environment variables read at install time:
#   ANNSVD_BIN               where gonb/goimports/gopls are built (default: $(go env GOPATH)/bin)
#   ANNSVD_PYTHON            Python to use instead of /usr/bin/python3 (e.g. conda); skips apt
#   ANNSVD_JUPYTER           jupyter executable to use instead of /usr/bin/jupyter; skips apt
#   ANNSVD_GONB_ARGS         extra flags recorded in the kernelspec, e.g. "--raw_error"
#   GOMLX_BACKEND            backend baked into the kernelspec if set; unset, notebooks make
#                            annsvd's automatic choice: xla:cpu once `annsvd xla install`
#                            has installed the CPU plugin, the pure-Go backend otherwise
#   ANNSVD_XLA_HOME          where `annsvd xla install` put the plugins (default: the
#                            repository's .xla); recorded in the kernelspec, because GoNB
#                            builds each cell outside the repository
#   PJRT_PLUGIN_LIBRARY_PATH copied into the kernelspec if set
#   JUPYTER_DATA_DIR         honoured (kernelspec goes to $JUPYTER_DATA_DIR/kernels/gonb)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
T0=${SECONDS}

log() { printf '[annsvd install] %s\n' "$*"; }
die() { printf '[annsvd install] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Step 1: Go toolchain.
# ---------------------------------------------------------------------------
if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:${PATH}"
  else
    die "step 1 (Go toolchain): 'go' not found on PATH nor at /usr/local/go/bin/go.
  Install Go >= $(sed -n 's/^go //p' "${REPO_ROOT}/go.mod") (https://go.dev/dl/, or 'conda install -c conda-forge go'),
  put it on PATH, then re-run: bash ${SCRIPT_DIR}/install.sh"
  fi
fi
GO_BIN_DIR="$(dirname "$(command -v go)")"
log "step 1: using $(go version) from ${GO_BIN_DIR}"

# ---------------------------------------------------------------------------
# Step 2: Python + Jupyter (nbconvert, nbclient, ipykernel, notebook).
# ---------------------------------------------------------------------------
CUSTOM_PY=0
if [[ -n "${ANNSVD_PYTHON:-}" || -n "${ANNSVD_JUPYTER:-}" ]]; then
  CUSTOM_PY=1
  if [[ -n "${ANNSVD_PYTHON:-}" ]]; then
    PY="${ANNSVD_PYTHON}"
  else
    # Use the python sitting next to the given jupyter (conda/venv layout).
    jdir="$(dirname "$(command -v "${ANNSVD_JUPYTER}" || echo "${ANNSVD_JUPYTER}")")"
    if [[ -x "${jdir}/python3" ]]; then PY="${jdir}/python3"
    elif [[ -x "${jdir}/python" ]]; then PY="${jdir}/python"
    else die "step 2: cannot find a python next to ANNSVD_JUPYTER=${ANNSVD_JUPYTER}; also set ANNSVD_PYTHON."
    fi
  fi
  if [[ -n "${ANNSVD_JUPYTER:-}" ]]; then JUPYTER=("${ANNSVD_JUPYTER}"); else JUPYTER=("${PY}" -m jupyter); fi
else
  PY=/usr/bin/python3
  if [[ -x /usr/bin/jupyter ]]; then JUPYTER=(/usr/bin/jupyter); else JUPYTER=("${PY}" -m jupyter); fi
fi

have_jupyter() {
  "${PY}" -c 'import nbconvert, nbclient, ipykernel, notebook' >/dev/null 2>&1 \
    && "${JUPYTER[@]}" kernelspec list >/dev/null 2>&1
}

# jupyter-client provides the 'jupyter kernelspec' subcommand on Debian.
APT_PKGS=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client)
if have_jupyter; then
  log "step 2: Jupyter already present for ${PY}"
elif [[ ${CUSTOM_PY} == 1 ]]; then
  die "step 2 (Jupyter): ${PY} lacks nbconvert/nbclient/ipykernel/notebook.
  Install them into that environment (e.g. 'conda env update -f ${REPO_ROOT}/environment.yml'
  or 'conda install -c conda-forge notebook nbconvert nbclient ipykernel'), then re-run install.sh."
elif [[ $(id -u) -ne 0 ]]; then
  die "step 2 (Jupyter): not installed and not running as root. Run as root:
    sudo apt-get update && sudo apt-get install -y -o DPkg::Lock::Timeout=900 ${APT_PKGS[*]}
  then re-run: bash ${SCRIPT_DIR}/install.sh
  (or use conda: see ${REPO_ROOT}/environment.yml)"
else
  if ! command -v apt-get >/dev/null 2>&1; then
    die "step 2 (Jupyter): not installed and apt-get is unavailable; install Jupyter (see ${REPO_ROOT}/environment.yml) and set ANNSVD_JUPYTER."
  fi
  log "step 2: installing Jupyter with apt-get: ${APT_PKGS[*]}"
  apt-get -o DPkg::Lock::Timeout=900 update \
    || die "step 2: 'apt-get update' failed (network? lock?). Fix and re-run install.sh."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 "${APT_PKGS[@]}" \
    || die "step 2: 'apt-get install ${APT_PKGS[*]}' failed. Fix and re-run install.sh."
  if [[ ! -x /usr/bin/jupyter ]]; then JUPYTER=("${PY}" -m jupyter); else JUPYTER=(/usr/bin/jupyter); fi
  have_jupyter || die "step 2: Jupyter still not importable by ${PY} after apt-get install."
fi
log "step 2: jupyter = ${JUPYTER[*]} (python ${PY})"

# ---------------------------------------------------------------------------
# Step 3: build gonb, goimports, gopls at the versions pinned in go.mod.
# ---------------------------------------------------------------------------
# gonb and goimports are built inside this module (its "tool" block).
# gopls is NOT: gopls v0.23.0 does not compile against the x/tools version this
# module's graph selects (v0.52.0: undefined astutil.UnparenEnclosingCursor), so
# it is built with its own go.mod via 'go install gopls@<pinned version>'.
# gopls only powers autocomplete/hover; a failure there is a warning.
BIN="${ANNSVD_BIN:-$(go env GOPATH)/bin}"
mkdir -p "${BIN}"
BIN="$(cd "${BIN}" && pwd)"
TOOLS=(github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports)
log "step 3: building gonb goimports into ${BIN} (pinned by ${REPO_ROOT}/go.mod)"
if ! (cd "${REPO_ROOT}" && go build -o "${BIN}/" "${TOOLS[@]}"); then
  die "step 3 (build tools): 'go build -o ${BIN}/ ${TOOLS[*]}' failed in ${REPO_ROOT}.
  Check that go.mod still has the 'tool' lines and go.sum is complete (module proxy reachable?),
  then re-run: bash ${SCRIPT_DIR}/install.sh"
fi
# gopls ≥ v0.24 needs Go 1.27; v0.23.0 is the newest that builds with Go 1.26.
GOPLS_VER="${ANNSVD_GOPLS_VERSION:-v0.23.0}"
GONB_FORCE_DEPS=()
if [[ -x "${BIN}/gopls" ]] && go version -m "${BIN}/gopls" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+golang.org/x/tools/gopls[[:space:]]+${GOPLS_VER}[[:space:]]"; then
  log "step 3: gopls ${GOPLS_VER} already in ${BIN}"
else
  log "step 3: go install golang.org/x/tools/gopls@${GOPLS_VER} (own go.mod; takes ~2 min the first time)"
  if ! (cd "${BIN}" && GOBIN="${BIN}" go install "golang.org/x/tools/gopls@${GOPLS_VER}"); then
    log "WARNING: could not build gopls; notebooks still run, but no autocomplete/hover. Registering with --force_deps."
    GONB_FORCE_DEPS=(--force_deps)
  fi
fi
export PATH="${BIN}:${GO_BIN_DIR}:${PATH}"
for t in gonb goimports; do
  [[ -x "${BIN}/${t}" ]] || die "step 3: ${BIN}/${t} missing after build."
done

# ---------------------------------------------------------------------------
# Step 4: register the kernel with the chosen Jupyter.
# ---------------------------------------------------------------------------
# Pin JUPYTER_DATA_DIR to the chosen Jupyter's user data dir so gonb writes
# its kernelspec where that Jupyter looks for it.
DATA_DIR="$("${JUPYTER[@]}" --data-dir)"
log "step 4: registering gonb kernel in ${DATA_DIR}/kernels/gonb"
# shellcheck disable=SC2086  # ANNSVD_GONB_ARGS is intentionally word-split.
if ! JUPYTER_DATA_DIR="${DATA_DIR}" "${BIN}/gonb" --install --logtostderr "${GONB_FORCE_DEPS[@]}" ${ANNSVD_GONB_ARGS:-}; then
  die "step 4 (register kernel): '${BIN}/gonb --install' failed; see messages above."
fi

KSPEC_DIR="$("${JUPYTER[@]}" kernelspec list --json 2>/dev/null \
  | "${PY}" -c 'import json,sys; print(json.load(sys.stdin)["kernelspecs"].get("gonb",{}).get("resource_dir",""))' || true)"
[[ -n "${KSPEC_DIR}" && -f "${KSPEC_DIR}/kernel.json" ]] \
  || die "step 4: 'jupyter kernelspec list' does not show gonb after install (looked in ${DATA_DIR})."
if [[ "${KSPEC_DIR}" != "${DATA_DIR}/kernels/gonb" ]]; then
  log "WARNING: jupyter resolves 'gonb' to ${KSPEC_DIR}, not ${DATA_DIR}/kernels/gonb; patching that one."
fi

# ---------------------------------------------------------------------------
# Step 5: patch kernel.json "env".
# ---------------------------------------------------------------------------
export ANNSVD_K_JSON="${KSPEC_DIR}/kernel.json"
K_PATH="${BIN}:${GO_BIN_DIR}"; [[ "${GO_BIN_DIR}" == /usr/local/go/bin ]] || K_PATH+=":/usr/local/go/bin"
export ANNSVD_K_PATH="${K_PATH}:\${PATH}"  # ${PATH} is expanded by jupyter_client at kernel launch.
export ANNSVD_K_BACKEND="${GOMLX_BACKEND:-}"
export ANNSVD_K_XLA_HOME="${ANNSVD_XLA_HOME:-${REPO_ROOT}/.xla}"
export ANNSVD_K_PJRT="${PJRT_PLUGIN_LIBRARY_PATH:-}"
"${PY}" - <<'EOF' || die "step 5 (patch kernel.json) failed."
import json, os
p = os.environ["ANNSVD_K_JSON"]
with open(p) as f:
    spec = json.load(f)
env = spec.get("env") or {}
env["PATH"] = os.environ["ANNSVD_K_PATH"]
if os.environ["ANNSVD_K_BACKEND"]:
    env["GOMLX_BACKEND"] = os.environ["ANNSVD_K_BACKEND"]
else:
    env.pop("GOMLX_BACKEND", None)  # annsvd's automatic choice (or the caller's $GOMLX_BACKEND)
env["ANNSVD_XLA_HOME"] = os.environ["ANNSVD_K_XLA_HOME"]
env["GOMLX_NO_AUTO_INSTALL"] = "1"
env.setdefault("GOGC", "400")  # engine.GCPercent: the pure-Go engine allocates a tensor per op
if os.environ.get("ANNSVD_K_PJRT"):
    env["PJRT_PLUGIN_LIBRARY_PATH"] = os.environ["ANNSVD_K_PJRT"]
else:
    env.pop("PJRT_PLUGIN_LIBRARY_PATH", None)
spec["env"] = env
tmp = p + ".tmp"
with open(tmp, "w") as f:
    json.dump(spec, f, indent=2)
    f.write("\n")
os.replace(tmp, p)
EOF

# ---------------------------------------------------------------------------
# Step 6: self-check.
# ---------------------------------------------------------------------------
KS_LIST="$("${JUPYTER[@]}" kernelspec list 2>/dev/null || true)"
grep -qE '^[[:space:]]*gonb[[:space:]]' <<<"${KS_LIST}" \
  || die "step 6 (self-check): 'jupyter kernelspec list' does not list gonb."
log "OK in $((SECONDS - T0))s: gonb $("${BIN}/gonb" -V 2>/dev/null | head -1) -> ${KSPEC_DIR} | tools in ${BIN} | GOMLX_BACKEND=${ANNSVD_K_BACKEND} | jupyter: ${JUPYTER[*]}"
