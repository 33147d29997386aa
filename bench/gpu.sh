#!/usr/bin/env bash
# XLA-CUDA benchmark, prepared to run once on the (occasionally lent) GPU machine.
#
#   bash bench/gpu.sh build      # here (has Go + gcc): builds bin/annsvd-cgo with cgo (XLA backend in)
#   bash bench/gpu.sh run        # on the GPU machine (no network, no Go needed): annsvd bench on
#                                # xla:cuda via JAX's PJRT plugin, then the same step in JAX
#   bash bench/gpu.sh dry-run    # here: everything that can run without a GPU (plugin discovery,
#                                # the one-line error for a missing plugin, the JAX peer's --help)
#
# Results go to ${OUT:-out/gpu}: annsvd-xla-cuda.json, annsvd-go.json, jax.json, and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-out/gpu}"
mkdir -p "$OUT"
PRESETS="${PRESETS:-burgers-20x3,burgers-64x4,burgers-256x3,burgers-256x3-k32-middle,burgers-256x3-k32-all}"
STEPS="${STEPS:-200}"
PY=/usr/bin/python3
command -v "$PY" >/dev/null || PY=python3

find_plugin() {
  # First the plugin `annsvd xla install cuda` installed (.xla/plugins), then JAX's CUDA PJRT
  # plugin (package jax-cuda13-pjrt / jax-cuda12-pjrt): jax_plugins/*/xla_cuda_plugin.so
  local p
  if [ -e "${ANNSVD_XLA_HOME:-.xla}/plugins/pjrt_c_api_cuda_plugin.so" ]; then
    readlink -f "${ANNSVD_XLA_HOME:-.xla}/plugins/pjrt_c_api_cuda_plugin.so"; return
  fi
  p=$("$PY" - <<'PYEOF' 2>/dev/null || true
import glob, os, importlib.util
for name in ("jax_plugins.xla_cuda13", "jax_plugins.xla_cuda12"):
    try:
        spec = importlib.util.find_spec(name)
    except Exception:
        spec = None
    if spec and spec.origin:
        for f in glob.glob(os.path.join(os.path.dirname(spec.origin), "xla_cuda_plugin.so")):
            print(f); raise SystemExit
PYEOF
)
  if [ -z "$p" ]; then
    p=$(find / -name xla_cuda_plugin.so -path '*jax_plugins*' 2>/dev/null | head -1 || true)
  fi
  echo "$p"
}

case "${1:-run}" in
build)
  CGO_ENABLED=1 go build -o bin/annsvd-cgo ./cmd/annsvd
  echo "built bin/annsvd-cgo (carry it to the GPU machine)"
  ;;
dry-run)
  CGO_ENABLED=1 go build -o bin/annsvd-cgo ./cmd/annsvd
  echo "plugin found: '$(find_plugin)' (empty is expected without JAX)"
  echo "-- missing plugin must be one clear line and a non-zero exit:"
  if GOMLX_BACKEND=xla:/nonexistent/xla_cuda_plugin.so bin/annsvd-cgo bench -preset burgers-20x3 -steps 1 -warmup 1; then
    echo "expected a failure"; exit 1
  fi
  bin/annsvd-cgo bench -preset burgers-20x3 -steps 5 -warmup 2 -json "$OUT/annsvd-go.json"
  "$PY" bench/peers/jax_pinn.py --help >/dev/null 2>&1 && echo "jax peer: --help ok" || echo "jax peer: JAX not importable here (expected on CPU machines)"
  ;;
run)
  BIN=bin/annsvd-cgo
  [ -x "$BIN" ] || { echo "gpu.sh: $BIN missing: run 'bash bench/gpu.sh build' on a machine with Go first"; exit 1; }
  PLUGIN=$(find_plugin)
  [ -n "$PLUGIN" ] || { echo "gpu.sh: xla_cuda_plugin.so not found (is JAX with its CUDA plugin installed?)"; exit 1; }
  echo "plugin: $PLUGIN"
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
  # go-xla v0.1.4 would point XLA_FLAGS at a CUDA directory of its author's machine: disable its
  # checks and give XLA the CUDA data dir that ships with the JAX wheels when we find one.
  export GOPJRT_CUDA_CHECKS=0 GOMLX_NO_AUTO_INSTALL=1
  CUDA_DIR=$(dirname "$(find / -path '*nvidia/cuda_nvcc*' -name ptxas 2>/dev/null | head -1)" 2>/dev/null || true)
  [ -n "$CUDA_DIR" ] && export XLA_FLAGS="${XLA_FLAGS:-} --xla_gpu_cuda_data_dir=$(dirname "$CUDA_DIR")"
  GOMLX_BACKEND="xla:$PLUGIN" "$BIN" bench -preset "$PRESETS" -steps "$STEPS" -warmup 20 -json "$OUT/annsvd-xla-cuda.json" | tee "$OUT/summary.txt"
  for spec in "20 3 0 all" "64 4 0 all" "256 3 0 all" "256 3 32 middle" "256 3 32 all"; do
    set -- $spec
    "$PY" bench/peers/jax_pinn.py --width "$1" --depth "$2" --lowrank "$3" --lowrank-layers "$4" --time-only "$STEPS" \
      | tee -a "$OUT/jax.jsonl" "$OUT/summary.txt"
  done
  ;;
*)
  echo "usage: bash bench/gpu.sh build|run|dry-run"; exit 2 ;;
esac
