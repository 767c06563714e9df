"""Grading time next to its floor and next to nbgrader autograde, measured side by side in one run.

    python benchmarks/grading_speed.py [--repeats N] [--class-size N] [--skip-class] [--baseline DIR] [ID ...]

Per assignment, alternating, N times each (medians printed):
  (a) python -c "import torch, torchvision"      the floor: any grader pays it
  (b) autograder grade <reference notebook>
  (c) nbgrader autograde of the same notebook, in a scratch course folder: sandboxed (this repo's
      nbgrader_config.py) and in-kernel (stock nbgrader's Execute, --SandboxedGrading.in_kernel=True)
  compute: the hidden tests run in this process against the reference, with no
      sandbox and no imports to pay (the tests' own work), for the target
      (b) <= 1.5 x ((a) + compute)
Then, once, for a class of 03-training submissions (correct, partly wrong,
stubs, broken):
  (d) autograder grade-all --jobs 1
  (e) nbgrader autograde of the whole class, sandboxed
  (f) nbgrader autograde of the whole class, in-kernel (stock nbgrader)
for the targets (f) >= 5 x (e) and (e) <= 1.5 x (d), and the peak memory (PSS:
shared pages split between the processes sharing them) of the grade-all worker
and everything it started.

--baseline DIR times the grader of another checkout of this repository (say
`git worktree add DIR <commit>`) in the same run, alternating: (b) and (d)
before and after a change, on the same machine under the same load.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograder import catalog, fixtures, mutation, publish

CLASS_ASSIGNMENT = "03-training"
UNREADABLE = '{"cells": [ broken'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=catalog.assignment_ids())
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--class-size", type=int, default=50)
    parser.add_argument("--skip-class", action="store_true", help="only the per-assignment table")
    parser.add_argument("--baseline", type=Path, help="another checkout whose grader is timed alongside this one")
    args = parser.parse_args()
    graders = {"": catalog.REPO_ROOT} | ({" before": args.baseline.resolve()} if args.baseline else {})
    os.environ.setdefault("PYTORCH_COURSE_DATA", str(fixtures.ensure_fixtures()))  # nbgrader runs the demos too
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as scratch:
        print(f"wall-clock seconds, median of {args.repeats} runs each, {os.cpu_count()} cores")
        before = f" {'(b) before':>10}" if args.baseline else ""
        print(f"{'assignment':<18} {'(a) import':>10} {'compute':>8} {'(b) grade':>9}{before} {'(c) nbgrader':>12}"
              f" {'(c) in-kernel':>13} {'(b)/(a)':>8} {'(b)/((a)+compute)':>18} {'(c)/(b)':>8} {'peak MB (b)':>11}")
        for assignment in args.assignments:
            print(per_assignment_row(assignment, args.repeats, Path(scratch) / assignment, graders), flush=True)
        if not args.skip_class:
            print()
            print(class_run(args.class_size, Path(scratch) / "class", graders))


# (a), (b), (c) and the tests' own compute ------------------------------------------------------

def per_assignment_row(assignment: str, repeats: int, scratch: Path, graders: dict[str, Path]) -> str:
    course = ScratchCourse(scratch, assignment)
    course.submit("reference", filled_release(course, assignment))
    reference = catalog.notebook_path("assignments", assignment)
    floor, autograde, in_kernel, peaks = [], [], [], []
    grade: dict[str, list[float]] = {label: [] for label in graders}
    for _ in range(repeats):
        floor.append(timed([sys.executable, "-c", "import torch, torchvision"])[0])
        for label, root in graders.items():
            seconds, peak = timed([sys.executable, "-m", "autograder", "grade", str(reference)], cwd=root)
            grade[label].append(seconds)
            peaks += [peak] if not label else []
        autograde.append(timed(course.autograde_command(), check=False)[0])
        in_kernel.append(timed(course.autograde_command(in_kernel=True), check=False)[0])
    a, c, c_kernel = statistics.median(floor), statistics.median(autograde), statistics.median(in_kernel)
    b, *before = (statistics.median(times) for times in grade.values())
    compute = tests_compute(assignment)
    before_column = "".join(f" {value:>10.2f}" for value in before)
    return (f"{assignment:<18} {a:>10.2f} {compute:>8.2f} {b:>9.2f}{before_column} {c:>12.2f} {c_kernel:>13.2f}"
            f" {b / a:>8.2f} {b / (a + compute):>18.2f} {c / b:>8.2f} {max(peaks):>11.0f}")


def tests_compute(assignment: str) -> float:
    """Seconds the hidden tests take in this process against the reference, imports and sandbox excluded."""
    from autograder import manifest
    from autograder.grading import DataSource, run_planned_tests
    from autograder.in_kernel import KernelSession
    from autograder.submission import load

    namespace: dict = {"__name__": "__main__"}
    planned, _ = manifest.load(assignment).plan()
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in load(catalog.notebook_path("assignments", assignment), assignment).cells:
            exec(compile(cell.source, f"<cell {cell.index}>", "exec"), namespace)
        run_planned_tests(assignment, planned, KernelSession(namespace), "cpu", DataSource.default().ready())  # imports, caches
        started = time.perf_counter()
        run_planned_tests(assignment, planned, KernelSession(namespace), "cpu", DataSource.default().ready())
    return time.perf_counter() - started


# (d), (e), (f): a class ------------------------------------------------------------------------

def class_run(size: int, scratch: Path, graders: dict[str, Path]) -> str:
    course = ScratchCourse(scratch, CLASS_ASSIGNMENT)
    kinds = make_class(course, size)
    mix = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    lines = [f"class of {size} {CLASS_ASSIGNMENT} submissions ({mix}), one run each"]
    grade_all_seconds = {}
    for label, root in graders.items():
        grade_all = [sys.executable, "-m", "autograder", "grade-all", str(course.root / "submitted"),
                     "--assignment", CLASS_ASSIGNMENT, "--jobs", "1", "--output-dir", str(scratch / f"grades{label}")]
        seconds, worker_peak = timed(grade_all, cwd=root, per_child=True)
        grade_all_seconds[label] = seconds
        lines.append(f"  (d{label}) autograder grade-all --jobs 1   {seconds:8.1f} s  {seconds / size:6.2f} s per submission"
                     f"  peak memory per worker (with its sandboxes): {worker_peak:.0f} MB")
    e, _ = timed(course.autograde_command(), check=False)  # exits 1 when a notebook is unreadable
    f, _ = timed(course.autograde_command(in_kernel=True), check=False)
    lines.append(f"  (e) nbgrader autograde, sandboxed  {e:8.1f} s  {e / size:6.2f} s per submission")
    lines.append(f"  (f) nbgrader autograde, in-kernel  {f:8.1f} s  {f / size:6.2f} s per submission")
    lines.append(f"  (f)/(e) {f / e:.1f}x (target >= 5)   (e)/(d) {e / grade_all_seconds['']:.2f}x (target <= 1.5)")
    return "\n".join(lines)


def make_class(course: ScratchCourse, size: int) -> dict[str, int]:
    """Writes `size` submissions: 40 % correct, 40 % one realistic mistake, 8 % stubs, the rest broken."""
    correct = filled_release(course, CLASS_ASSIGNMENT)
    stub = course.release_notebook().read_text()
    mutants = mutation.load_catalog(CLASS_ASSIGNMENT)
    counts = {"correct": round(size * 0.4), "partly wrong": round(size * 0.4), "stubs": round(size * 0.08)}
    counts["broken"] = size - sum(counts.values())
    scratch = course.root / "mutants"
    scratch.mkdir()
    (scratch / "correct.ipynb").write_text(correct)
    number = 0
    for kind, count in counts.items():
        for index in range(count):
            if kind == "correct":
                text = correct
            elif kind == "partly wrong":
                text = mutation.apply(scratch / "correct.ipynb", mutants[index % len(mutants)], scratch / "m.ipynb").read_text()
            elif kind == "stubs":
                text = stub
            else:
                text = UNREADABLE if index % 2 else crashing(correct)
            course.submit(f"student{number:03d}", text)
            number += 1
    return counts


def crashing(notebook_text: str) -> str:
    """The notebook with a first code cell that raises (a typo in an import)."""
    notebook = json.loads(notebook_text)
    first_code = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    first_code["source"] = "import torchh\n" + "".join(first_code["source"])
    return json.dumps(notebook)


def filled_release(course: ScratchCourse, assignment: str) -> str:
    """What a student who solved everything hands in: the release notebook with the reference's solution cells."""
    solutions = {cell["metadata"]["nbgrader"]["grade_id"]: cell["source"]
                 for cell in json.loads(catalog.notebook_path("assignments", assignment).read_text())["cells"]
                 if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution")}
    notebook = json.loads(course.release_notebook().read_text())
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell["source"] = solutions[grade_id]
    return json.dumps(notebook)


class ScratchCourse:
    """An nbgrader course folder with one assignment generated, its gradebook and submitted/ folder."""

    def __init__(self, root: Path, assignment: str):
        self.root, self.assignment = root, assignment
        root.mkdir(parents=True)
        shutil.copy(catalog.REPO_ROOT / "nbgrader_config.py", root)
        shutil.copytree(catalog.REPO_ROOT / "assignments" / assignment, root / "assignments" / assignment)
        publish.run_nbgrader(root, "generate_assignment", assignment, "--force")

    def release_notebook(self) -> Path:
        return self.root / "release" / self.assignment / f"{self.assignment}.ipynb"

    def submit(self, student: str, notebook_text: str) -> None:
        target = self.root / "submitted" / student / self.assignment / f"{self.assignment}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(notebook_text)

    def autograde_command(self, in_kernel: bool = False) -> list[str]:
        """Sandboxed (this repo's nbgrader_config.py), or with `in_kernel` stock nbgrader's Execute."""
        return [sys.executable, "-m", "nbgrader", "autograde", self.assignment, "--force",
                "--Autograde.create_student=True", f"--CourseDirectory.root={self.root}",
                f"--SandboxedGrading.in_kernel={in_kernel}"]


# Measuring -------------------------------------------------------------------------------------

def timed(command: list[str], cwd: Path = catalog.REPO_ROOT, per_child: bool = False,
          check: bool = True) -> tuple[float, float]:
    """Wall seconds of `command` run in `cwd` (`python -m` imports the package found there), and its
    peak memory in MB: of its whole process tree, or with per_child of the largest tree below one of
    its direct children (a grade-all worker). With `check`, a failing command stops the benchmark."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=publish.tool_environment())
    started = time.perf_counter()
    sampler = PeakMemory(process.pid, per_child)
    sampler.start()
    process.wait()
    seconds = time.perf_counter() - started
    sampler.stop()
    if check and process.returncode:
        raise SystemExit(f"{' '.join(command)} failed with exit status {process.returncode}")
    return seconds, sampler.peak_mb


class PeakMemory(threading.Thread):
    """Samples the PSS of a process tree every 0.2 s."""

    def __init__(self, root: int, per_child: bool):
        super().__init__(daemon=True)
        self.root, self.per_child, self.peak_mb = root, per_child, 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            children = process_children()
            tops = children.get(self.root, []) if self.per_child else [self.root]
            for top in tops:
                self.peak_mb = max(self.peak_mb, sum(pss_mb(pid) for pid in descendants(top, children)))

    def stop(self) -> None:
        self._done.set()
        self.join()


def process_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    return children


def descendants(pid: int, children: dict[int, list[int]]) -> list[int]:
    found = [pid]
    for child in children.get(pid, []):
        found += descendants(child, children)
    return found


def pss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
