#!/usr/bin/python3
"""Check executed Jupyter notebooks (output of `jupyter nbconvert --execute`).

Usage: nbcheck.py EXECUTED.ipynb [ORIGINAL_NAME]

Fails (exit 1) naming notebook and cell when:
  * a code cell has an output of type "error" (unless the cell is tagged
    "raises-exception", Jupyter's convention for expected errors);
  * a `!`/`!*` shell command failed (GoNB only prints "exit status N" on stderr);
  * a "figure cell" (a code cell whose source contains the comment
    `// figure`, or tagged "figure") produced no image/png, image/svg+xml or
    text/html output.
Uses only the standard library so it runs with any python3.
"""
import json
import re
import sys

FIGURE_MIMES = ("image/png", "image/svg+xml", "text/html")
FIGURE_RE = re.compile(r"^\s*//\s*figure\b", re.MULTILINE)
# Fallback: text that marks a failed cell if GoNB sent no "error" output
# (GoNB v0.11.5 does send one for compile errors, panics and failed `!` commands).
ERROR_MARKERS = ("panic: ", "failed to run ")
SHELL_FAIL_RE = re.compile(r"(?m)^exit status [1-9][0-9]*\s*$")


def text(x):
    return "".join(x) if isinstance(x, list) else (x or "")


def html_text(h):
    h = re.sub(r"(?s)<style.*?</style>", "", h)
    h = re.sub(r"<[^>]+>", "", h)
    h = h.replace("&#34;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\n\s*\n+", "\n", h).strip()


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[1]
    name = argv[2] if len(argv) > 2 else path
    with open(path) as f:
        nb = json.load(f)

    problems = []
    n_code = n_fig = 0
    idx = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        idx += 1
        n_code += 1
        src = text(cell.get("source"))
        tags = set(cell.get("metadata", {}).get("tags", []))
        first = next((l.strip() for l in src.splitlines() if l.strip()), "")
        where = f"{name}: code cell #{idx} (exec count {cell.get('execution_count')}, starts {first[:60]!r})"
        outs = cell.get("outputs", [])

        if "raises-exception" not in tags:
            cell_problems = []
            for o in outs:
                if o.get("output_type") == "error":
                    tb = "\n".join(o.get("traceback", []))
                    tb = re.sub(r"\x1b\[[0-9;]*m", "", tb)[-1500:]
                    cell_problems.append(f"{where}: error {o.get('ename')}: {o.get('evalue')}\n{tb}")
            if not cell_problems:
                # Fallbacks, in case GoNB reports a failure without an "error" output.
                for o in outs:
                    if o.get("output_type") in ("display_data", "execute_result"):
                        h = text(o.get("data", {}).get("text/html"))
                        if "gonb-err-" in h or "gonb-error" in h:
                            cell_problems.append(f"{where}: GoNB error output:\n{html_text(h)[-1500:]}")
                    elif o.get("output_type") == "stream" and o.get("name") == "stderr":
                        t = text(o.get("text"))
                        if any(m in t for m in ERROR_MARKERS):
                            cell_problems.append(f"{where}: stderr looks like a failure:\n{t[-1500:]}")
            # GoNB reports a failed `!`/`!*` shell command only as "exit status N" on stderr.
            for o in outs:
                if o.get("output_type") == "stream" and o.get("name") == "stderr":
                    m = SHELL_FAIL_RE.search(text(o.get("text")))
                    if m:
                        cell_problems.append(f"{where}: shell command failed ({m.group(0).strip()}):\n"
                                             f"{text(o.get('text'))[-1500:]}")
            problems.extend(cell_problems)

        if FIGURE_RE.search(src) or "figure" in tags:
            n_fig += 1
            mimes = set()
            for o in outs:
                mimes.update(o.get("data", {}).keys())
            if not mimes.intersection(FIGURE_MIMES):
                problems.append(f"{where}: figure cell produced no {'/'.join(FIGURE_MIMES)} output "
                                f"(got output types {[o.get('output_type') for o in outs]}, mimes {sorted(mimes)})")

    if problems:
        for p in problems:
            print("FAIL " + p, file=sys.stderr)
        print(f"FAIL {name}: {len(problems)} problem(s) in {n_code} code cells", file=sys.stderr)
        return 1
    print(f"ok   {name}: {n_code} code cells, {n_fig} figure cells")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
