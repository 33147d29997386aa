#!/usr/bin/python3
"""Check executed Jupyter notebooks (output of `jupyter nbconvert --execute`).

Usage: nbcheck.py EXECUTED.ipynb [ORIGINAL_NAME]
       nbcheck.py --committed NOTEBOOK.ipynb...

Fails (exit 1) naming notebook and cell when:
  * a code cell has an output of type "error" (unless the cell is tagged
    "raises-exception", Jupyter's convention for expected errors);
  * a `!`/`!*` shell command failed (GoNB only prints "exit status N" on stderr);
  * a "figure cell" (a code cell whose source contains the comment
    `// figure`, or tagged "figure") produced no image: an image/png or
    image/svg+xml output, or text/html holding an <img> or <svg> (progress bars
    are text/html too, so HTML alone does not count);
  * with --committed (the notebooks as committed, not freshly executed): a code
    cell was never executed or a figure cell has no image/png output (the image
    a code host renders).
Uses only the standard library so it runs with any python3.
"""
import json
import re
import sys

FIGURE_MIMES = ("image/png", "image/svg+xml")
HTML_IMAGE_RE = re.compile(r"<(img|svg)\b", re.IGNORECASE)
FIGURE_RE = re.compile(r"^\s*//\s*figure\b", re.MULTILINE)
# Fallback: text that marks a failed cell if GoNB sent no "error" output
# (GoNB v0.11.5 does send one for compile errors, panics and failed `!` commands).
ERROR_MARKERS = ("panic: ", "failed to run ", "failed to write to GoNB pipe")
SHELL_FAIL_RE = re.compile(r"(?m)^exit status [1-9][0-9]*\s*$")


def text(x):
    return "".join(x) if isinstance(x, list) else (x or "")


def html_text(h):
    h = re.sub(r"(?s)<style.*?</style>", "", h)
    h = re.sub(r"<[^>]+>", "", h)
    h = h.replace("&#34;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\n\s*\n+", "\n", h).strip()


def main(argv):
    if len(argv) >= 3 and argv[1] == "--committed":
        return max(check(path, path, committed=True) for path in argv[2:])
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    return check(argv[1], argv[2] if len(argv) > 2 else argv[1], committed=False)


def check(path, name, committed):
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
        if committed and cell.get("execution_count") is None:
            problems.append(f"{where}: not executed (commit the notebooks with outputs: bash notebooks/run.sh --full)")

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
            html_image = False
            for o in outs:
                data = o.get("data", {})
                mimes.update(data.keys())
                html_image = html_image or bool(HTML_IMAGE_RE.search(text(data.get("text/html"))))
            want = ("image/png",) if committed else FIGURE_MIMES
            if not (mimes.intersection(want) or (html_image and not committed)):
                problems.append(f"{where}: figure cell produced no image ({' or '.join(want)} output"
                                f"{'' if committed else ' or HTML <img>/<svg>'}; got output types "
                                f"{[o.get('output_type') for o in outs]}, mimes {sorted(mimes)})")

    if problems:
        for p in problems:
            print("FAIL " + p, file=sys.stderr)
        print(f"FAIL {name}: {len(problems)} problem(s) in {n_code} code cells", file=sys.stderr)
        return 1
    print(f"ok   {name}: {n_code} code cells, {n_fig} figure cells")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
