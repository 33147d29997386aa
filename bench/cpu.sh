#!/usr/bin/env bash
# CPU speed comparison of one full-batch Adam step (loss + gradients + update) on the same
# network, points and dtype: annsvd on pure Go and on xla:cpu, a PyTorch peer and a JAX peer,
# run back to back for each preset and dtype.
#
#   bash bench/cpu.sh                     # the full table (about 12 minutes on 2 cores)
#   STEPS=3 PRESETS=burgers-20x3 bash bench/cpu.sh    # a quick check
#
# Settings (environment):
#   PRESETS     comma list (default burgers-20x3,burgers-64x4,burgers-256x3,poisson-paper-dense,poisson-paper-k3)
#   DTYPES      default float32,float64
#   ENGINES     default go1,go,xla,torch,jax (go1 = pure Go on one worker, go = pure Go on its
#               default data-parallel workers (one per CPU), xla = xla:cpu)
#   JAX_DERIVS  JAX's input-derivative modes to time, the faster is reported (default forward,reverse)
#   TORCH_BLAS_THREADS  OPENBLAS_NUM_THREADS of the torch peer (default 1: 2 is ~10 % faster on
#               burgers-256x3 but its threads fight torch's and give long tails on small nets)
#   STEPS       timed steps on fast presets (default 50), WARMUP warm-up steps (default 5)
#   SLOW_STEPS  timed steps of every engine on slow presets (burgers-256x3*, poisson-paper-*;
#               default min(STEPS, 10)), SLOW_WARMUP (default 2)
#   GO_STEPS    timed steps of pure Go on every preset (default: about GO_BUDGET_S = 20 s of
#               steps from its known step time (go_step_s below), at least 3, at most STEPS:
#               25 on burgers-64x4, 3 on burgers-256x3, 8 on poisson-paper-dense, 17 on
#               poisson-paper-k3; SLOW_WARMUP where a step takes over 1 s)
#   GO_MAX_STEP_S  pure Go is skipped where its known step time exceeds this (default 10 s;
#               e.g. GO_MAX_STEP_S=5 skips burgers-256x3)
#   LOAD_MAX    refuse to start above this 1-minute load average (default 0.6)
#   SETTLE_S    after building/installing, wait up to this long for the load to drop (default 90)
#   CELL_TIMEOUT  seconds per cell before it is recorded as failed (default 900)
#   OUT         results (default out/cpu): PRESET/DTYPE/ENGINE.{json,log,err,wall}, table.md, results.json
#   ANNSVD_XLA_HOME  where the XLA plugin and its venv live (default .xla; JAX goes into its venv)
#
# Threads: pure Go and xla:cpu use their defaults (all cores); torch 2 intra-op threads and
# OPENBLAS_NUM_THREADS=TORCH_BLAS_THREADS; JAX its defaults (XLA's CPU thread pool over all
# cores, XLA_FLAGS as found). A failing engine leaves "—" with its reason in the table and
# the run goes on.
#
# Needs: Go with cgo (builds bin/annsvd); for the torch peer Debian's python3-torch with an
# optimised BLAS (apt-get install python3-torch libopenblas0-pthread: with the reference
# libblas3 alone torch is far slower); JAX is installed here into ANNSVD_XLA_HOME/venv from
# bench/peers/requirements-jax.txt (hash-pinned) when missing, the XLA plugin by
# 'annsvd xla install cpu'.
set -euo pipefail
cd "$(dirname "$0")/.."

LOAD_MAX="${LOAD_MAX:-0.6}"
load1() { cut -d' ' -f1 /proc/loadavg; }
loads() { cut -d' ' -f1-3 /proc/loadavg; }
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
LOAD_BEFORE=$(loads)
if above "$(load1)" "$LOAD_MAX"; then
  echo "cpu.sh: 1-minute load average $(load1) is above LOAD_MAX=$LOAD_MAX: the machine is busy, not timing"
  exit 1
fi

OUT="${OUT:-out/cpu}"
PRESETS="${PRESETS:-burgers-20x3,burgers-64x4,burgers-256x3,poisson-paper-dense,poisson-paper-k3}"
DTYPES="${DTYPES:-float32,float64}"
ENGINES="${ENGINES:-go1,go,xla,torch,jax}"
JAX_DERIVS="${JAX_DERIVS:-forward,reverse}"
TORCH_BLAS_THREADS="${TORCH_BLAS_THREADS:-1}"
STEPS="${STEPS:-50}"
WARMUP="${WARMUP:-5}"
SLOW_STEPS="${SLOW_STEPS:-$((STEPS < 10 ? STEPS : 10))}"
SLOW_WARMUP="${SLOW_WARMUP:-2}"
GO_BUDGET_S="${GO_BUDGET_S:-20}"
GO_STEPS="${GO_STEPS:-}"
GO_MAX_STEP_S="${GO_MAX_STEP_S:-10}"
SETTLE_S="${SETTLE_S:-90}"
CELL_TIMEOUT="${CELL_TIMEOUT:-900}"
SYS_PY=/usr/bin/python3
XLA_HOME="${ANNSVD_XLA_HOME:-$PWD/.xla}"
VENV="$XLA_HOME/venv"
JAX_PY="$VENV/bin/python"
BIN=bin/annsvd
GO_BACKEND="go:ops_sequential,dotgeneral_small"
mkdir -p "$OUT"
SETUP_LOG="$OUT/setup.log"
: >"$SETUP_LOG"

# --- presets: pure Go's step time on these 2 cores (s, measured, float32 ≈ float64) and the
# peers' arguments; a preset whose pure-Go step takes over 1 s is "slow" (fewer steps everywhere)
go_step_s() {
  case "$1" in
    burgers-256x3-k32-all) echo 1.8 ;;
    burgers-256x3-k32-middle) echo 4.6 ;;
    burgers-256x3*) echo 6.5 ;;
    poisson-paper-k3) echo 1.2 ;;
    poisson-paper-*) echo 2.6 ;;
    burgers-64x4) echo 0.8 ;;
    *) echo 0.1 ;;
  esac
}
is_slow() { above "$(go_step_s "$1")" 1; }
peer_args() {
  case "$1" in
    burgers-20x3) echo "--problem burgers --width 20 --depth 3" ;;
    burgers-64x4) echo "--problem burgers --width 64 --depth 4" ;;
    burgers-256x3) echo "--problem burgers --width 256 --depth 3" ;;
    burgers-256x3-k32-middle) echo "--problem burgers --width 256 --depth 3 --lowrank 32 --lowrank-layers 1" ;;
    burgers-256x3-k32-all) echo "--problem burgers --width 256 --depth 3 --lowrank 32 --lowrank-layers all" ;;
    poisson-paper-dense) echo "--problem poisson-paper --widths 50,70" ;;
    poisson-paper-k3) echo "--problem poisson-paper --widths 50,70 --lowrank 3 --lowrank-layers 1 --svd-no-bias" ;;
    *) return 1 ;;
  esac
}

# --- setup: the annsvd binary (cgo on, for the XLA backend), the XLA plugin, JAX ---
BUILD_ERR=""
echo "building $BIN (cgo on)"
if ! CGO_ENABLED=1 go build -o "$BIN" ./cmd/annsvd >>"$SETUP_LOG" 2>&1; then
  if [ -x "$BIN" ]; then
    echo "cpu.sh: go build failed (see $SETUP_LOG): using the existing $BIN"
  else
    BUILD_ERR="go build failed (see $SETUP_LOG)"
  fi
fi
HAVE_DTYPE=0
if [ -z "$BUILD_ERR" ] && "$BIN" bench -h 2>&1 | grep -q -- '-dtype'; then HAVE_DTYPE=1; fi
if [ -z "$BUILD_ERR" ] && [[ ",$ENGINES," == *,xla,* ]]; then
  # a no-op when the plugin is installed; a binary without 'xla install' just fails here,
  # and the xla:cpu cells then say why
  echo "annsvd xla install cpu (a no-op when installed)"
  "$BIN" xla install cpu >>"$SETUP_LOG" 2>&1 || echo "cpu.sh: 'annsvd xla install cpu' failed (see $SETUP_LOG)"
fi
if [[ ",$ENGINES," == *,jax,* ]] && ! "$JAX_PY" -c 'import jax' >/dev/null 2>&1; then
  echo "installing JAX into $VENV from bench/peers/requirements-jax.txt"
  { "$JAX_PY" -m pip --version >/dev/null 2>&1 || "$SYS_PY" -m venv "$VENV"; } >>"$SETUP_LOG" 2>&1 &&
    "$JAX_PY" -m pip install --disable-pip-version-check --no-input --require-hashes \
      -r bench/peers/requirements-jax.txt >>"$SETUP_LOG" 2>&1 ||
    echo "cpu.sh: installing JAX failed (see $SETUP_LOG)"
fi
for ((waited = 0; waited < SETTLE_S; waited += 5)); do
  above "$(load1)" "$LOAD_MAX" || break
  [ "$waited" -eq 0 ] && echo "waiting up to ${SETTLE_S}s for the load ($(load1)) to fall below $LOAD_MAX"
  sleep 5
done
LOAD_START=$(loads)

# --- one cell: ENGINE PRESET DTYPE → $OUT/PRESET/DTYPE/ENGINE.json, or .err with the reason ---
fail() { echo "$2" >"$1.err"; }
reason() { # the last non-empty line of a log, shortened
  grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -1 | cut -c1-200 | tr '|' '/' || true
}
run_logged() { # BASE CMD... : runs CMD with a timeout, output to BASE.log; its status
  local base=$1 rc=0 t0
  shift
  t0=$(date +%s.%N)
  timeout "$CELL_TIMEOUT" "$@" >"$base.log" 2>&1 || rc=$?
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }' >"$base.wall"
  if [ "$rc" -eq 124 ]; then echo "timed out after ${CELL_TIMEOUT}s" >>"$base.log"; fi
  return "$rc"
}
run_peer() { # BASE PYTHON SCRIPT ARGS... → BASE.json from its RESULT_JSON line, or BASE.err
  local base=$1
  shift
  if run_logged "$base" "$@" && grep -q '^RESULT_JSON ' "$base.log"; then
    grep '^RESULT_JSON ' "$base.log" | tail -1 | sed 's/^RESULT_JSON //' >"$base.json"
  else
    fail "$base" "$(reason "$base.log")"
  fi
}
json_ms() { # FILE → its median ms (annsvd's array or a peer's object)
  "$SYS_PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); r=r[0] if isinstance(r,list) else r; print(r["ms_median"])' "$1"
}
run_cell() {
  local eng=$1 preset=$2 dt=$3 dir="$OUT/$2/$3" steps=$STEPS warm=$WARMUP args
  local base="$dir/$eng"
  mkdir -p "$dir"
  rm -f "$base".{json,err,log,wall} "$base"-*.{json,err,log,wall}
  if is_slow "$preset"; then steps=$SLOW_STEPS warm=$SLOW_WARMUP; fi
  case "$eng" in
    go | go1 | xla)
      [ -z "$BUILD_ERR" ] || { fail "$base" "$BUILD_ERR"; return; }
      local backend=xla:cpu dtflag=()
      if [ "$eng" = go1 ]; then dtflag=(-workers 1); fi
      if [ "$eng" != xla ]; then
        backend=$GO_BACKEND
        if above "$(go_step_s "$preset")" "$GO_MAX_STEP_S"; then
          fail "$base" "skipped: pure Go takes ~$(go_step_s "$preset") s per step (> GO_MAX_STEP_S=$GO_MAX_STEP_S)"
          return
        fi
        # about GO_BUDGET_S seconds of timed steps, at least 3 (or STEPS if fewer), at most STEPS
        steps=${GO_STEPS:-$(awk -v b="$GO_BUDGET_S" -v e="$(go_step_s "$preset")" -v n="$STEPS" \
          'BEGIN { s = int(b / e + 0.5); lo = n < 3 ? n : 3; print (s < lo ? lo : (s > n ? n : s)) }')}
        if above "$(go_step_s "$preset")" 1; then warm=$SLOW_WARMUP; fi
      fi
      if [ "$HAVE_DTYPE" = 1 ]; then
        dtflag+=(-dtype "$dt")
      elif [ "$dt" != float32 ]; then
        fail "$base" "this annsvd bench has no -dtype flag (float32 only)"
        return
      fi
      if ! run_logged "$base" env GOMLX_BACKEND="$backend" "$BIN" bench -preset "$preset" \
        -steps "$steps" -warmup "$warm" "${dtflag[@]}" -json "$base.json"; then
        rm -f "$base.json"
        fail "$base" "$(reason "$base.log")"
      elif [ ! -s "$base.json" ]; then
        fail "$base" "annsvd bench wrote no JSON"
      fi
      ;;
    torch)
      args=$(peer_args "$preset") || { fail "$base" "no peer configuration for preset $preset"; return; }
      # shellcheck disable=SC2086 # args is a list of words
      run_peer "$base" "$SYS_PY" bench/peers/torch_pinn.py $args --dtype "$dt" --time-only "$steps" --warmup "$warm" \
        --threads 2 --blas-threads "$TORCH_BLAS_THREADS"
      ;;
    jax)
      # JAX's input derivatives both ways (forward: nested jvp; reverse: grad/hessian); the
      # faster one is the cell, both stay as jax-forward.json and jax-reverse.json
      args=$(peer_args "$preset") || { fail "$base" "no peer configuration for preset $preset"; return; }
      local d best="" best_ms="" ms why=""
      IFS=, read -r -a derivs <<<"$JAX_DERIVS"
      for d in "${derivs[@]}"; do
        # shellcheck disable=SC2086
        run_peer "$base-$d" "$JAX_PY" bench/peers/jax_pinn.py $args --deriv "$d" --dtype "$dt" --time-only "$steps" --warmup "$warm"
        if [ -f "$base-$d.json" ] && ms=$(json_ms "$base-$d.json" 2>/dev/null); then
          if [ -z "$best" ] || above "$best_ms" "$ms"; then best=$d best_ms=$ms; fi
        else
          why="$why${why:+; }$d: $(cat "$base-$d.err" 2>/dev/null || echo 'unreadable result')"
        fi
      done
      if [ -n "$best" ]; then cp "$base-$best.json" "$base.json" && cp "$base-$best.wall" "$base.wall"; else fail "$base" "${why:-no JAX_DERIVS}"; fi
      ;;
    *) fail "$base" "unknown engine $eng" ;;
  esac
}
cell_summary() { # ENGINE PRESET DTYPE → "12.3 ms" or "— reason"
  local base="$OUT/$2/$3/$1"
  if [ -f "$base.json" ]; then
    printf "%.2f ms\n" "$(json_ms "$base.json" 2>/dev/null || echo nan)"
  else
    echo "— $(cat "$base.err" 2>/dev/null)"
  fi
}

IFS=, read -r -a presets <<<"$PRESETS"
IFS=, read -r -a dtypes <<<"$DTYPES"
IFS=, read -r -a engines <<<"$ENGINES"
for preset in "${presets[@]}"; do
  for dt in "${dtypes[@]}"; do
    for eng in "${engines[@]}"; do
      printf '%-22s %-8s %-6s ' "$preset" "$dt" "$eng"
      run_cell "$eng" "$preset" "$dt"
      cell_summary "$eng" "$preset" "$dt"
    done
  done
done
LOAD_AFTER=$(loads)

# --- the table ---
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown)
{
  printf 'presets\t%s\ndtypes\t%s\n' "$PRESETS" "$DTYPES"
  printf 'cpu\t%s\n' "$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  printf 'nproc\t%s\nwhen\t%s\n' "$(nproc)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf 'load_before\t%s\nload_start\t%s\nload_after\t%s\n' "$LOAD_BEFORE" "$LOAD_START" "$LOAD_AFTER"
  printf 'go_cfg\tpure Go: GOMLX_BACKEND=%s, GOMAXPROCS %s, GOGC %s, %s\n' "$GO_BACKEND" "${GOMAXPROCS:-default (nproc)}" "${GOGC:-400 (annsvd default)}" "$(go version 2>/dev/null || echo 'go ?')"
  printf 'xla_cfg\txla:cpu: GOMLX_BACKEND=xla:cpu (plugin from %s), XLA_FLAGS=%s\n' "$XLA_HOME" "${XLA_FLAGS:-(unset)}"
  printf 'torch_cfg\ttorch: %s, eager, torch.set_num_threads(2), OPENBLAS_NUM_THREADS=%s, BLAS %s\n' \
    "$("$SYS_PY" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo 'not installed')" "$TORCH_BLAS_THREADS" "$blas"
  printf 'jax_cfg\tJAX: %s (jit, CPU), XLA_FLAGS=%s (default: XLA thread pool over all cores)\n' \
    "$("$JAX_PY" -c 'import jax; print(jax.__version__)' 2>/dev/null || echo 'not installed')" "${XLA_FLAGS:-(unset)}"
  printf 'steps_cfg\tsteps: %s timed after %s warm-up; slow presets (burgers-256x3*, poisson-paper-*) %s after %s; pure Go %s\n' \
    "$STEPS" "$WARMUP" "$SLOW_STEPS" "$SLOW_WARMUP" "${GO_STEPS:-about ${GO_BUDGET_S} s of steps per cell (see the steps column)}"
} >"$OUT/meta.tsv"
echo
"$SYS_PY" bench/peers/cpu_table.py "$OUT"
echo "wrote $OUT/table.md"
