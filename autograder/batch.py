"""Grade a whole class: `autograder grade-all`.

Submissions are found in any of these shapes, mixed:
  - nbgrader's   <folder>/<student>/<assignment>/<assignment>.ipynb
  - a folder of  <folder>/<student>.ipynb
  - zips         <folder>/<student>.zip holding the notebook anywhere inside
Each submission is graded on its own (a fresh student process), by `jobs`
worker processes that each keep one sandbox launcher. A submission that cannot
be graded is reported with the reason; it never stops the batch.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from . import manifest
from .results import Report

MAX_UNZIPPED_BYTES = 200 << 20


@dataclass(frozen=True)
class Entry:
    student: str
    path: Path  # a notebook, or a zip holding one


@dataclass
class Outcome:
    student: str
    report: Report  # with `problem` set when it could not be graded (it then scores 0)


def discover(folder: Path, assignment: str) -> list[Entry]:
    """Every submission under `folder`, one per student."""
    entries = []
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            notebook = path / assignment / f"{assignment}.ipynb"
            entries.append(Entry(path.name, notebook if notebook.exists() else path))
        elif path.suffix in (".ipynb", ".zip"):
            entries.append(Entry(path.stem, path))
    return entries


def unpack(entry: Entry, scratch: Path, assignment: str) -> Path:
    """The notebook to grade for `entry`; extracts zips safely into `scratch`."""
    if entry.path.suffix != ".zip":
        return entry.path
    with zipfile.ZipFile(entry.path) as archive:
        notebooks = [info for info in archive.infolist() if info.filename.endswith(".ipynb") and "__MACOSX" not in info.filename]
        if not notebooks:
            raise ValueError("the zip holds no notebook")
        chosen = next((info for info in notebooks if info.filename.endswith(f"{assignment}.ipynb")), notebooks[0])
        if chosen.file_size > MAX_UNZIPPED_BYTES:
            raise ValueError(f"the notebook in the zip is over {MAX_UNZIPPED_BYTES >> 20} MB")
        target = scratch / entry.student / f"{assignment}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_bytes(archive.read(chosen))  # written under our own name: no path from the zip is used
        return target


_worker_zygote = None
_worker_limits = None


def _start_worker(assignment: str, threads: int) -> None:
    from . import launcher
    from .sandbox.process import Limits

    global _worker_zygote, _worker_limits
    _worker_zygote = launcher.start([assignment])
    _worker_limits = Limits(threads=threads)
    import torch

    torch.set_num_threads(threads)  # the reference computations of the tests, on this side


def _grade_one(entry: Entry, assignment: str) -> Outcome:
    from .grading import grade

    try:
        with tempfile.TemporaryDirectory(prefix="unzipped-") as scratch:
            notebook = unpack(entry, Path(scratch), assignment)
            return Outcome(entry.student, grade(notebook, assignment, zygote=_worker_zygote, limits=_worker_limits))
    except Exception as error:  # any failure is this submission's alone
        return Outcome(entry.student, manifest.ungradable(assignment, str(entry.path), f"{type(error).__name__}: {error}"))


def grade_all(folder: Path, assignment: str, jobs: int = 1, progress: bool = True) -> list[Outcome]:
    entries = discover(folder, assignment)
    context = multiprocessing.get_context("spawn")
    outcomes = []
    threads = max(1, len(os.sched_getaffinity(0)) // jobs)  # more torch threads than cores slows every job down
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                             initializer=_start_worker, initargs=(assignment, threads)) as pool:
        futures = {pool.submit(_grade_one, entry, assignment): entry for entry in entries}
        for future in tqdm(as_completed(futures), total=len(futures), disable=not progress, desc=assignment, unit="notebook"):
            try:
                outcomes.append(future.result())
            except Exception as error:  # the worker process itself died
                entry = futures[future]
                problem = f"the grading worker failed: {error}"
                outcomes.append(Outcome(entry.student, manifest.ungradable(assignment, str(entry.path), problem)))
    return sorted(outcomes, key=lambda outcome: outcome.student)


def write_outputs(outcomes: list[Outcome], output_dir: Path) -> None:
    """scores.csv, feedback/<student>.txt and summary.txt."""
    from .reports import text

    feedback_dir = output_dir / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    with open(output_dir / "scores.csv", "w", newline="") as scores:
        writer = csv.writer(scores)
        writer.writerow(["student", "score", "max_score", "status"])
        for outcome in outcomes:
            report = outcome.report
            status = f"not graded: {report.problem}" if report.problem else "graded"
            writer.writerow([outcome.student, f"{report.score:g}", f"{report.max_score:g}", status])
            (feedback_dir / f"{outcome.student}.txt").write_text(text.render(report))
    (output_dir / "summary.txt").write_text(summary(outcomes))


def summary(outcomes: list[Outcome]) -> str:
    graded = [outcome.report for outcome in outcomes if not outcome.report.problem]
    failed = [outcome for outcome in outcomes if outcome.report.problem]
    lines = [f"{len(graded)} graded, {len(failed)} could not be graded"]
    if failed:
        lines += ["", "Could not be graded:"] + [f"  {outcome.student}: {outcome.report.problem}" for outcome in failed]
    if graded:
        lines += ["", "Share of students passing each test:"]
        for label, share in pass_rates(graded):
            lines.append(f"  {share:6.0%}  {label}")
    return "\n".join(lines) + "\n"


def pass_rates(reports: list[Report]) -> list[tuple[str, float]]:
    passed: dict[str, int] = {}
    labels: dict[str, str] = {}
    for report in reports:
        for result in report.results:
            labels[result.node_id] = result.label
            passed[result.node_id] = passed.get(result.node_id, 0) + int(result.passed)
    return [(labels[node_id], count / len(reports)) for node_id, count in passed.items()]
