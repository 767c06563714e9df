"""The grader's peak memory while it grades notebooks that try to flood it.

    python benchmarks/flooding_memory.py [--baseline DIR] [ATTACK ...]

Each attack (tests/flooding_attacks.py) is graded by a fresh grader process: it starts its sandbox
launcher, resets its peak resident memory (/proc/self/clear_refs), grades the one notebook and prints
how far its peak (VmHWM) rose above its resident memory before grading, and the score. The student's
process is not counted: only the grader's own memory. `honest stub` is the release stub itself, the
cost of grading any notebook.

--baseline DIR grades with the grader of another checkout (say `git archive <commit> | tar -x -C DIR`),
each attack right after this checkout's: before and after a change, under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import flooding_attacks as attacks  # noqa: E402

from autograder import catalog  # noqa: E402

NOTEBOOKS = {
    "honest stub": lambda path: attacks.with_cell(path, "pass"),
    "shared-blob reply (64 MB x 40)": lambda path: attacks.with_cell(path, attacks.shared_blob_reply(64, 40)),
    "many-node reply (20 MB header)": lambda path: attacks.with_cell(path, attacks.many_node_reply(20)),
    "200 MB tensor reply": lambda path: attacks.with_cell(path, attacks.oversized_reply(200)),
    "oversized callback argument (200 MB)": lambda path: attacks.with_cell(path, attacks.oversized_callback_argument(200)),
    "notebook of 120 MB (under the caps)": lambda path: attacks.huge_notebook(path, 120),
    "huge notebook (190 MB)": lambda path: attacks.huge_notebook(path, 190),
    "many cells (64 MB, 1.1 M cells)": lambda path: attacks.many_cells(path, 1_100_000),
    "deep nesting (900 levels)": lambda path: attacks.deeply_nested(path, 900),
}

TIMEOUT = 900

GRADE_ONE = """
import json, sys, time
from pathlib import Path
from autograder import grading, launcher
from autograder.sandbox.process import Limits

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024

zygote = launcher.start([sys.argv[2]])
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS")
started = time.monotonic()
report = grading.grade(Path(sys.argv[1]), sys.argv[2], zygote=zygote, limits=Limits(cell_seconds=10.0, test_seconds_cap=10.0))
print(json.dumps({"rise": status("VmHWM") - before, "score": report.score, "max": report.max_score,
                  "seconds": time.monotonic() - started, "problem": report.problem}))
zygote.close()
"""


def grade_in_fresh_grader(checkout: Path, notebook: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    try:
        run = subprocess.run([sys.executable, "-c", GRADE_ONE, str(notebook), attacks.ASSIGNMENT],
                             cwd=checkout, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {TIMEOUT} s"}
    lines = run.stdout.strip().splitlines()
    if run.returncode or not lines:
        return {"error": (run.stderr.strip().splitlines() or [f"exit status {run.returncode}"])[-1]}
    return json.loads(lines[-1])


def describe(outcome: dict) -> str:
    if "error" in outcome:
        return f"grader failed: {outcome['error'][:60]}"
    problem = f"  could not grade: {outcome['problem'][:50]}" if outcome["problem"] else ""
    return f"{outcome['rise']:8.0f} MB  {outcome['score']:g}/{outcome['max']:g}  {outcome['seconds']:5.1f} s{problem}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("attacks", nargs="*", default=list(NOTEBOOKS), help=f"any of: {', '.join(NOTEBOOKS)}")
    parser.add_argument("--baseline", type=Path, help="another checkout whose grader is measured alongside this one")
    args = parser.parse_args()
    graders = ({"before": args.baseline.resolve()} if args.baseline else {}) | {"now": catalog.REPO_ROOT}
    print("the grader's peak resident memory above its memory before grading; score; grading time")
    with tempfile.TemporaryDirectory(prefix="flooding-memory-") as scratch:
        for name in args.attacks:
            notebook = NOTEBOOKS[name](Path(scratch) / f"{attacks.ASSIGNMENT}.ipynb")
            for label, checkout in graders.items():
                print(f"{name:<38} {label:<7} {describe(grade_in_fresh_grader(checkout, notebook))}", flush=True)
            notebook.unlink()


if __name__ == "__main__":
    main()
