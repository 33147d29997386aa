#!/usr/bin/env bash
# The reference paper's Poisson case (Kurniati et al. 2025) per layer mode over several
# seeds: L∞ and L_rms on the test split after the paper's 100 full-batch Adam epochs, and
# after a quasi-Newton phase that continues the same run, as mean ± sd over the seeds.
#
#   bash bench/poisson_seeds.sh                 # 5 seeds × 4 modes × 2 budgets
#   SEEDS=2 QN_ITERS=50 bash bench/poisson_seeds.sh    # a quick check
#
# Settings (environment):
#   SEEDS     seeds 1…SEEDS (default 5)
#   QN        quasi-Newton method after Adam (default ssbroyden; see annsvd train -h)
#   QN_ITERS  its iterations (default 1000)
#   ADAM      Adam epochs (default 100, the paper's)
#   BACKEND   GOMLX_BACKEND for the runs (default: annsvd's automatic choice)
#   OUT       run directories and table.md (default out/poisson-seeds)
#
# Both budgets are separate runs of `annsvd train` with the same seed: the runs are
# deterministic, so the 100-epoch run is exactly the first phase of the longer one.
# Needs: Go (builds bin/annsvd) and python3 (the summary).
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-5} QN=${QN:-ssbroyden} QN_ITERS=${QN_ITERS:-1000} ADAM=${ADAM:-100}
OUT=${OUT:-out/poisson-seeds}
[[ -n ${BACKEND:-} ]] && export GOMLX_BACKEND=$BACKEND
mkdir -p "$OUT"
go build -o bin/annsvd ./cmd/annsvd
modes=("dense" "thin" "compact -rank 3" "truncated -threshold 0.5")
names=("dense" "thin" "top-3" "tau-0.5")
echo "load before start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt"
for seed in $(seq 1 "$SEEDS"); do
  for i in "${!modes[@]}"; do
    for budget in adam qn; do
      dir="$OUT/${names[$i]}-s$seed-$budget"
      [[ -f $dir/result.json ]] && continue
      extra=(-lbfgs 0)
      [[ $budget == qn ]] && extra=(-qn "$QN" -qn-iters "$QN_ITERS")
      # shellcheck disable=SC2086
      bin/annsvd train -problem poisson-paper -mode ${modes[$i]} -seed "$seed" -adam "$ADAM" \
        "${extra[@]}" -quiet -out "$dir" > "$dir.log" 2>&1 || { echo "failed: $dir (see $dir.log)"; exit 1; }
      echo "$dir: $(sed -n 2p "$dir.log")"
    done
  done
done
python3 - "$OUT" "$SEEDS" "$ADAM" "$QN" "$QN_ITERS" <<'PY'
import json, statistics, sys
out, seeds, adam, qn, iters = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
names = ["dense", "thin", "top-3", "tau-0.5"]
def cell(vals):
    m = statistics.mean(vals)
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    return f"{m:.2e} ± {sd:.1e}"
rows = [f"| mode | params | budget | L∞ (mean ± sd) | L_rms (mean ± sd) | train s (median) |",
        "|---|---|---|---|---|---|"]
for n in names:
    for budget, label in (("adam", f"{adam} Adam"), ("qn", f"{adam} Adam + {iters} {qn}")):
        rs = [json.load(open(f"{out}/{n}-s{s}-{budget}/result.json")) for s in range(1, seeds + 1)]
        linf = [r["metrics"]["linf"] for r in rs]
        rms = [r["metrics"]["rms"] for r in rs]
        wall = statistics.median(r["timing"]["train_s"] for r in rs)
        rows.append(f"| {n} | {rs[0]['network']['params']} | {label} | {cell(linf)} | {cell(rms)} | {wall:.0f} |")
eng = rs[0].get("engine", {})
backend = eng.get("config", "?") + (f" ({eng['source']})" if eng.get("source") else "")
text = "\n".join(rows) + f"\n\n{seeds} seeds; backend {backend}; {open(out + '/load.txt').read().strip()}\n"
open(f"{out}/table.md", "w").write(text)
print(text)
PY
