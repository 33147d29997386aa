#!/usr/bin/env python3
"""Summarise finished `annsvd train` runs (their result.json) as Markdown.

    python3 bench/summarize_runs.py out/a/result.json out/b/result.json > summary.md

For each run: the command line, engine, parameters, final metrics, train time, the
quasi-Newton report (method, iterations, evaluations, why it stopped) and the relative L2
error after every RAD round (`rad[].error`), which is what the README quotes.
"""
import json
import os
import sys


def main(paths):
    if not paths:
        sys.exit("usage: summarize_runs.py RESULT.json...")
    print("| run | params | rel L2 | L∞ | L_rms | train s | Adam ms/step | quasi-Newton |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    runs = []
    for p in paths:
        with open(p) as f:
            r = json.load(f)
        name = os.path.basename(os.path.dirname(os.path.abspath(p)))
        runs.append((name, r))
        m, t, q = r["metrics"], r["timing"], r.get("lbfgs") or {}
        qn = f"{q.get('method', '')} {q.get('iterations', 0)} it, {q.get('func_evals', 0)} evals, {q.get('status', '')}" if q else "—"
        print(f"| {name} | {r['network']['params']} | {m['rel_l2']:.3e} | {m['linf']:.3e} | {m['rms']:.3e} "
              f"| {t['train_s']:.0f} | {t.get('adam_ms_per_step_median', 0):.1f} | {qn} |")
    print()
    for name, r in runs:
        eng = r.get("engine", {})
        print(f"**{name}**: `annsvd train {' '.join(r.get('args', []))}`; engine {eng.get('config', '?')}"
              f" {eng.get('source', '')}")
        adam = r["settings"]["adam_steps"]
        errs = [f"{e['step'] - adam + 1}: {e['error']['rel_l2']:.2e}" for e in r.get("rad", []) if e.get("error")]
        if errs:
            print(f"rel L2 after each round (quasi-Newton iterations: error): {', '.join(errs)}; "
                  f"final {r['metrics']['rel_l2']:.2e}")
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
