#!/usr/bin/env python3
"""Builds the Markdown table of bench/cpu.sh from the cells it left under OUT.

  python3 bench/peers/cpu_table.py OUT

OUT/meta.tsv holds the run's key<TAB>value lines (machine, load, settings, presets, dtypes);
each cell is OUT/PRESET/DTYPE/ENGINE.json (annsvd bench's JSON array or a peer's
RESULT_JSON object) or ENGINE.err (one line: why the cell has no result). Prints the table
and writes it to OUT/table.md; OUT/results.json gets the numbers.
"""
import json
import os
import sys

# go1: pure Go on one worker (-workers 1); go: pure Go with its default workers (one per CPU)
ENGINES = [("go1", "pure Go K=1"), ("go", "pure Go"), ("xla", "xla:cpu"), ("torch", "torch"), ("jax", "JAX")]
SHORT = {"go1": "Go K=1", "go": "Go", "xla": "xla", "torch": "torch", "jax": "JAX"}


def load_meta(out):
    meta = {}
    with open(os.path.join(out, "meta.tsv")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            if k:
                meta[k] = v
    return meta


def read_cell(out, preset, dtype, eng):
    base = os.path.join(out, preset, dtype, eng)
    if os.path.exists(base + ".json"):
        try:
            with open(base + ".json") as f:
                r = json.load(f)
            if isinstance(r, list):  # annsvd bench -json writes an array
                r = r[0]
            if "ms_median" not in r:
                return None, "no ms_median in its result"
            return r, None
        except (OSError, ValueError, IndexError) as e:
            return None, f"unreadable result: {e}"
    if os.path.exists(base + ".err"):
        with open(base + ".err") as f:
            return None, f.read().strip() or "failed"
    return None, "not run (not in ENGINES)"


def fmt_ms(ms):
    return f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def main():
    out = sys.argv[1]
    meta = load_meta(out)
    presets = [p for p in meta.get("presets", "").split(",") if p]
    dtypes = [d for d in meta.get("dtypes", "").split(",") if d]
    notes, note_ids, rows, results = [], {}, [], []

    def note(text):
        if text not in note_ids:
            notes.append(text)
            note_ids[text] = len(notes)
        return note_ids[text]

    for preset in presets:
        for dtype in dtypes:
            cells = {e: read_cell(out, preset, dtype, e) for e, _ in ENGINES}
            ms = {e: (r["ms_median"] if r else None) for e, (r, _) in cells.items()}
            row = [preset, dtype]
            ours = cells["go"][0] or cells["go1"][0] or cells["xla"][0]
            peer = cells["torch"][0] or cells["jax"][0]
            params = ours["params"] if ours else (peer["params"] if peer else None)
            ptxt = str(params) if params is not None else "?"
            # the same network and points everywhere, or say so
            for e, (r, _) in cells.items():
                if not r:
                    continue
                n_par, n_ours, n_e = r.get("params"), (ours or {}).get("points"), r.get("points")
                if params is not None and n_par != params:
                    ptxt += " ≠[%d]" % note("%s %s: %s has %s parameters, not %s" % (preset, dtype, e, n_par, params))
                if n_ours is not None and n_e is not None and n_e != n_ours:
                    ptxt += " ≠[%d]" % note("%s %s: %s evaluates %s points, annsvd %s" % (preset, dtype, e, n_e, n_ours))
                got = str(r.get("dtype", "")).lower()
                if got and got != dtype:
                    ms[e] = None
                    cells[e] = (None, f"ran in {got}, not {dtype}")
            row.append(ptxt)
            for e, _ in ENGINES:
                r, why = cells[e]
                if ms[e] is not None:
                    tag = {"forward": " (fwd)", "reverse": " (rev)"}.get(r.get("deriv"), "") if e == "jax" else ""
                    row.append(fmt_ms(ms[e]) + tag)
                else:
                    row.append(f"— [{note(why)}]")
            ratio = lambda a, b: f"{ms[a] / ms[b]:.2f}" if ms[a] and ms[b] else "—"  # noqa: E731
            row.append(ratio("go1", "go"))
            row.append(ratio("go", "torch"))
            row.append(ratio("go", "xla"))
            row.append(ratio("xla", "jax"))
            comp = []
            for e, label in (("go1", "Go K=1"), ("go", "Go"), ("xla", "xla"), ("jax", "JAX")):
                r = cells[e][0]
                comp.append(f"{r['compile_s']:.2f}" if r and r.get("compile_s") is not None else "—")
            row.append(" / ".join(comp))
            walls = []
            for e, _ in ENGINES:
                try:
                    with open(os.path.join(out, preset, dtype, e + ".wall")) as f:
                        walls.append("%.0f" % float(f.read()) if cells[e][0] else "—")
                except (OSError, ValueError):
                    walls.append("—")
            row.append(" / ".join(walls))
            steps = []
            for e, _ in ENGINES:
                r = cells[e][0]
                steps.append(str(r.get("steps", r.get("n"))) if r else "—")
            row.append(" / ".join(steps))
            l0 = [cells[e][0].get("loss0") if cells[e][0] else None for e in ("torch", "jax")]
            row.append(" / ".join(f"{v:.6g}" if v is not None else "—" for v in l0))
            rows.append(row)
            results.append({"preset": preset, "dtype": dtype, "params": params,
                            **{f"{e}_ms": ms[e] for e, _ in ENGINES},
                            **{f"{e}_compile_s": (cells[e][0] or {}).get("compile_s") for e, _ in ENGINES},
                            **{f"{e}_why": cells[e][1] for e, _ in ENGINES if cells[e][1]},
                            "go_workers": (cells["go"][0] or {}).get("workers"),
                            "xla_backend": (cells["xla"][0] or {}).get("backend")})

    every = " / ".join(SHORT[e] for e, _ in ENGINES)
    head = ["preset", "dtype", "params"] + [f"{label} ms" for _, label in ENGINES] + \
           ["K=1 ÷ pure Go", "pure Go ÷ torch", "pure Go ÷ xla:cpu", "xla:cpu ÷ JAX", "compile s (Go K=1 / Go / xla / JAX)",
            f"process s ({every})", f"timed steps ({every})", "loss₀ (torch / JAX)"]
    lines = [f"# CPU: one full-batch Adam step (loss + gradients + update), ms (median)", ""]
    lines += [f"- machine: {meta.get('cpu', '?')}, nproc {meta.get('nproc', '?')}; {meta.get('when', '')}",
              f"- load average (1, 5, 15 min): before {meta.get('load_before', '?')}; "
              f"at the first timing {meta.get('load_start', '?')}; after {meta.get('load_after', '?')}"]
    backends = sorted({r["xla_backend"] for r in results if r.get("xla_backend")})
    for k in ("go_cfg", "xla_cfg", "torch_cfg", "jax_cfg", "steps_cfg"):
        if meta.get(k):
            lines.append(f"- {meta[k]}")
        if k == "xla_cfg" and backends:
            lines.append("  - annsvd reports: " + "; ".join(backends))
    workers = sorted({r["go_workers"] for r in results if r.get("go_workers")})
    if workers:
        lines.append("- pure Go ran on %s data-parallel worker(s) (its default: one per CPU); pure Go K=1 on one"
                     % "/".join(str(w) for w in workers))
    lines += ["- ratios: K=1 ÷ pure Go is the data-parallel speed-up; pure Go ÷ torch > 1 means the PyTorch peer is faster; "
              "pure Go ÷ xla:cpu > 1 means xla:cpu is faster than pure Go; "
              "xla:cpu ÷ JAX > 1 means xla:cpu is slower than JAX on the same step",
              "- compile s: wall time of the first step, as each engine reports it (annsvd: its first Adam step; "
              "JAX: the first call of the jitted step: trace + compile + one step); eager torch compiles nothing",
              "- process s: wall time of the whole engine process (start-up, plugin load, compile, warm-up and timed steps)",
              "- JAX: the faster of its input-derivative modes (fwd: nested jax.jvp, rev: jax.grad / jax.hessian)",
              "- loss₀: the loss at the initial weights (torch and JAX start from the same weights and points)", ""]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|")
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    if notes:
        lines.append("")
        lines += [f"[{i}] {t}" for i, t in enumerate(notes, 1)]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"meta": meta, "rows": results}, f, indent=1)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
