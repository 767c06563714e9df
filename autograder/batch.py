"""Grade a whole class: `autograder grade-all`.

Submissions are found in any of these shapes, mixed:
  - nbgrader's   <folder>/<student>/<assignment>/<assignment>.ipynb
  - a folder of  <folder>/<student>.ipynb
  - zips         <folder>/<student>.zip holding the notebook anywhere inside
Each submission becomes a `Job`: the student's name and the submitted bytes (the
notebook, and the files handed in beside it), which is all a grading worker
receives; the worker sends back the plain report (`Report.to_dict()`). Workers are
local processes (`run_local`, here) or a Dask cluster (cluster.py); each
keeps one sandbox launcher for many submissions. A worker that dies is replaced
and the submission it held is tried again, at most MAX_TRIES times. Every
finished grade is kept in <output>/graded/ as it arrives, keyed by the
submission's bytes and the grader's version, so a stopped batch re-runs only
what is missing. A submission that cannot be graded is reported with the
reason; it never stops the batch.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import hashlib
import io
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import zipfile
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterable, Iterator

from tqdm import tqdm

from . import catalog, manifest
from .results import Report
from .sandbox.process import Limits
from .submission import MAX_NOTEBOOK_BYTES  # the one cap on a notebook, on every path

MAX_SUBMISSION_BYTES = MAX_NOTEBOOK_BYTES + (64 << 20)  # the notebook and the files beside it (trained weights)
MAX_ZIP_RATIO = 200  # uncompressed / compressed: notebooks compress 3-20x, a zip bomb by thousands
MAX_ZIP_MEMBERS = 10_000
MAX_TRIES = 3  # a submission whose grading ended its worker this many times is reported as ungradable
SPREADSHEET_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SubmissionRefused(ValueError):
    """The submission is not graded, for the reason given (its name, its size, an unreadable zip)."""


@dataclass(frozen=True)
class Entry:
    student: str
    path: Path  # a notebook, a student's folder, or a zip holding a notebook
    problem: str | None = None  # why it is refused before grading (its name)
    own_folder: bool = False  # found as <folder>/<student>/: the files beside the notebook are the student's


@dataclass
class Job:
    """What a grading worker receives: nothing but the submission."""

    student: str
    source: str  # where it was found, for the report
    files: dict[str, bytes]  # the notebook as <assignment>.ipynb, and the files submitted beside it
    notes: list[str] = field(default_factory=list)

    def digest(self) -> str:
        content = hashlib.sha256()
        for name, data in sorted(self.files.items()):
            content.update(f"{name}\0{len(data)}\0".encode())
            content.update(data)
        return content.hexdigest()


@dataclass
class Outcome:
    student: str
    report: Report  # with `problem` set when it could not be graded (it then scores 0)


@dataclass
class Batch:
    outcomes: list[Outcome]
    reused: list[str] = field(default_factory=list)  # students whose grade was kept from an earlier run
    graded: list[str] = field(default_factory=list)  # students whose submission a worker graded in this run


@dataclass(frozen=True)
class Settings:
    """How every submission of a batch is graded."""

    assignment: str
    device: str = "cpu"
    data_dir: Path | None = None  # real MNIST / CIFAR10; None: the offline fixtures
    cell_seconds: float = Limits.cell_seconds  # how long one cell of a notebook may run while it is loaded

    def grading_key(self) -> str:
        """Grades are kept and reused under this key: a new grader, device, data set or limit grades again."""
        return f"{grader_version(self.assignment)} {self.device} {self.data_dir or 'fixtures'} {self.cell_seconds:g}s"


# Finding submissions and reading them ----------------------------------------------------------

def discover(folder: Path, assignment: str) -> list[Entry]:
    """Every submission under `folder`, one per student; names a spreadsheet or a file system cannot hold are refused."""
    found: dict[str, list[Entry]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):  # .ipynb_checkpoints, .DS_Store: never a student's
            continue
        if path.is_dir():
            notebook = path / assignment / f"{assignment}.ipynb"
            found.setdefault(path.name, []).append(Entry(path.name, notebook if notebook.exists() else path, own_folder=True))
        elif path.suffix in (".ipynb", ".zip"):
            found.setdefault(path.stem, []).append(Entry(path.stem, path))
    return [_checked(name, entries) for name, entries in found.items()]


def _checked(name: str, entries: list[Entry]) -> Entry:
    shown = printable(name)
    if shown != name:
        return Entry(shown, entries[0].path, f"the name {shown!r} holds control characters or line breaks: "
                                            "rename the submission and grade again")
    if len(entries) > 1:
        listed = ", ".join(f"{name}/" if entry.own_folder else entry.path.name for entry in entries)
        return Entry(name, entries[0].path, f"{len(entries)} submissions are named {name!r} ({listed}): "
                                           "keep one and grade again")
    return entries[0]


def printable(name: str) -> str:
    """`name` with control characters and line breaks written as escapes (\\n, \\x1b)."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode() for char in name)


def read_job(entry: Entry, assignment: str) -> Job:
    """The bytes to grade for `entry`; raises SubmissionRefused."""
    if entry.problem:
        raise SubmissionRefused(entry.problem)
    notebook_name = f"{assignment}.ipynb"
    path = entry.path
    if path.is_dir():
        path = path / notebook_name
        if not path.is_file():
            raise SubmissionRefused(f"{entry.path} holds no {notebook_name} (nor {assignment}/{notebook_name})")
    if path.suffix == ".zip":
        return Job(entry.student, str(entry.path), {notebook_name: notebook_from_zip(path, assignment)})
    job = Job(entry.student, str(entry.path), {notebook_name: _read_capped(path, MAX_NOTEBOOK_BYTES, "the notebook")})
    if entry.own_folder:
        _add_files_beside(job, path)  # trained weights may lie there
    return job


def _read_capped(path: Path, cap: int, what: str) -> bytes:
    if path.stat().st_size > cap:
        raise SubmissionRefused(f"{what} is {path.stat().st_size / 2**20:.0f} MB, over the {cap >> 20} MB limit: "
                                "clear its outputs and submit again")
    return path.read_bytes()


def _add_files_beside(job: Job, notebook: Path) -> None:
    budget = MAX_SUBMISSION_BYTES - sum(len(data) for data in job.files.values())
    for path in sorted(notebook.parent.iterdir()):
        if path == notebook or path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        if size > budget:
            job.notes.append(f"{path.name} was not graded: the submission may hold {MAX_SUBMISSION_BYTES >> 20} MB in all")
            continue
        job.files[path.name] = path.read_bytes()
        budget -= size


def notebook_from_zip(path: Path, assignment: str) -> bytes:
    """The notebook inside a zip, refused before extraction when its sizes say it is too big or a zip bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise SubmissionRefused(f"the zip holds {len(members)} files; at most {MAX_ZIP_MEMBERS} are read")
            notebooks = [info for info in members if info.filename.endswith(".ipynb") and "__MACOSX" not in info.filename]
            if not notebooks:
                raise SubmissionRefused("the zip holds no notebook")
            chosen = next((info for info in notebooks if info.filename.endswith(f"{assignment}.ipynb")), notebooks[0])
            _check_zip_member(chosen)
            with archive.open(chosen) as member:
                data = member.read(MAX_NOTEBOOK_BYTES + 1)  # a header that lies about the size gains nothing
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as error:
        raise SubmissionRefused(f"the zip could not be read: {error}") from None
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionRefused(f"the notebook in the zip is over the {MAX_NOTEBOOK_BYTES >> 20} MB limit")
    return data


def _check_zip_member(info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_NOTEBOOK_BYTES:
        raise SubmissionRefused(f"the notebook in the zip is {info.file_size / 2**20:.0f} MB, over the "
                                f"{MAX_NOTEBOOK_BYTES >> 20} MB limit: clear its outputs and submit again")
    if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1) and info.file_size > 1 << 20:
        raise SubmissionRefused(f"the notebook in the zip expands {info.file_size // max(info.compress_size, 1)} times "
                                f"(at most {MAX_ZIP_RATIO}): it is not graded")


# Grading one job, in a worker ------------------------------------------------------------------

@dataclass
class WorkerState:
    """What a grading worker keeps for many submissions: one sandbox launcher and the limits of its students."""

    zygote: object
    limits: object

    def close(self) -> None:
        self.zygote.close()


def start_worker(assignments: list[str] | None, threads: int) -> WorkerState:
    """Starts the sandbox launcher first thing, before this process reads any hidden test."""
    from . import launcher

    zygote = launcher.start(assignments)
    import torch

    torch.set_num_threads(threads)  # the reference computations of the tests, on this side
    return WorkerState(zygote, Limits(threads=threads))


def grade_job(settings: Settings, state: WorkerState, job: Job) -> dict:
    """Grades the job's bytes in a scratch folder of this worker; the plain report."""
    from .grading import DataSource, grade

    data = DataSource(settings.data_dir.resolve(), "real") if settings.data_dir else None
    with tempfile.TemporaryDirectory(prefix="submission-") as scratch:
        folder = Path(scratch) / "submission"
        folder.mkdir()
        for name, content in job.files.items():
            (folder / Path(name).name).write_bytes(content)
        notebook = folder / f"{settings.assignment}.ipynb"
        report = grade(notebook, settings.assignment, zygote=state.zygote, device=settings.device, data=data,
                       limits=dataclasses.replace(state.limits, cell_seconds=settings.cell_seconds))
    report.submission = job.source
    report.notes = job.notes + report.notes
    return report.to_dict()


@functools.cache
def grader_version(assignment: str) -> str:
    """The package version and a hash of the grader's code and of this assignment's hidden tests and manifest."""
    from importlib import metadata

    from . import launcher

    try:
        version = metadata.version("pytorch-course-autograder")
    except metadata.PackageNotFoundError:
        version = "source"
    launcher.note_secret_read(f"the hidden tests of {assignment} (to hash them)")
    content = hashlib.sha256()
    others = [catalog.HIDDEN_TESTS_DIR / other for other in catalog.assignment_ids() if other != assignment]
    for path in sorted(catalog.PACKAGE_DIR.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts and not any(
                path.is_relative_to(folder) for folder in others):
            content.update(path.relative_to(catalog.PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{version}+{content.hexdigest()[:16]}"


# Local workers ---------------------------------------------------------------------------------

Task = Callable[[object, object], object]  # (the worker's state, an item) -> a result


class WorkerDied(Exception):
    """The item's worker ended while it held the item, MAX_TRIES times."""

    @classmethod
    def after(cls, tries: int) -> WorkerDied:
        return cls(f"its grading ended the grading worker's process {tries} times; it was not tried again")


_DIED = object()


def run_local(items: Iterable, task: Task, setup: Callable, setup_args: tuple, processes: int,
              max_tries: int = MAX_TRIES) -> Iterator[tuple[object, object]]:
    """(item, result) for every item, graded by `processes` spawned workers that each run `setup` once.

    The result is what `task` returned, the exception it raised, or a WorkerDied. A worker
    that dies is replaced and the item it held is tried again; no other item is affected.
    """
    context = multiprocessing.get_context("spawn")
    queue, source, tries = deque(), iter(items), {}
    workers: list[_LocalWorker] = []

    def next_item():
        return queue.popleft() if queue else next(source, None)

    try:
        while True:
            for worker in workers:
                if worker.item is None and (item := next_item()) is not None:
                    worker.give(item)
            while len(workers) < processes and (item := next_item()) is not None:  # started when there is work
                workers.append(_LocalWorker(context, setup, setup_args, task))
                workers[-1].give(item)
            busy = [worker for worker in workers if worker.item is not None]
            if not busy:
                return
            ready = wait([worker.connection for worker in busy] + [worker.process.sentinel for worker in busy])
            for worker in busy:
                if worker.connection not in ready and worker.process.sentinel not in ready:
                    continue
                item, result = worker.take()
                if result is not _DIED:
                    yield item, result
                    continue
                tries[id(item)] = tries.get(id(item), 0) + 1
                workers.remove(worker)  # a new one starts for the next item
                if tries[id(item)] >= max_tries:
                    yield item, WorkerDied.after(tries[id(item)])
                else:
                    print(f"autograder: a grading worker ended; its submission is tried again "
                          f"({tries[id(item)] + 1} of {max_tries})", file=sys.stderr)
                    queue.appendleft(item)
    finally:
        for worker in workers:
            worker.stop()


class _LocalWorker:
    def __init__(self, context, setup: Callable, setup_args: tuple, task: Task):
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, setup, setup_args, task), daemon=True)
        self.process.start()
        theirs.close()
        self.item = None

    def give(self, item) -> None:
        self.item = item
        try:
            self.connection.send(item)
        except OSError:  # it died already: take() says so
            pass

    def take(self) -> tuple[object, object]:
        item, self.item = self.item, None
        try:
            return item, self.connection.recv()
        except (EOFError, OSError):
            self.stop()
            return item, _DIED

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.connection.close()


def _serve(connection, setup: Callable, setup_args: tuple, task: Task) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle: it then stops this worker
    try:
        state, failure = setup(*setup_args), None
    except Exception as error:
        state, failure = None, RuntimeError(f"the grading worker could not start: {type(error).__name__}: {error}")
    while True:
        try:
            item = connection.recv()
        except EOFError:
            return
        if failure:
            connection.send(failure)
            continue
        try:
            result = task(state, item)
        except Exception as error:  # the item's alone; the worker goes on
            result = RuntimeError(f"{type(error).__name__}: {error}")
        connection.send(result)


# The batch -------------------------------------------------------------------------------------

class GradeStore:
    """Finished grades, one file per student in <output>/graded/, each with the key it was graded under."""

    def __init__(self, folder: Path, grading_key: str):
        self.folder, self.grading_key = folder, grading_key
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob(".*.tmp"):  # a write that a stop cut short
            leftover.unlink()

    def load(self, job: Job) -> Report | None:
        try:
            kept = json.loads((self.folder / f"{job.student}.json").read_text())
        except (OSError, ValueError):
            return None
        if kept.get("submission") != job.digest() or kept.get("grader") != self.grading_key:
            return None
        return Report.from_dict(kept["report"])

    def save(self, job: Job, report: Report) -> None:
        kept = {"submission": job.digest(), "grader": self.grading_key, "report": report.to_dict()}
        write_atomically(self.folder / f"{job.student}.json", json.dumps(kept))


def write_atomically(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never a part of either."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp",
                                     delete=False, encoding="utf-8", newline="") as temporary:
        temporary.write(text)
    os.chmod(temporary.name, 0o666 & ~_UMASK)  # as a plain open() would have made it
    os.replace(temporary.name, path)


_UMASK = os.umask(0o022)
os.umask(_UMASK)


Runner = Callable[[Iterator[Job], Settings], Iterator[tuple[Job, object]]]  # (job, report dict or exception)


def grade_all(folder: Path, settings: Settings, output_dir: Path, runner: Runner, progress: bool = True) -> Batch:
    """Grades every submission under `folder` that `output_dir` does not hold a grade of yet.

    `runner` sends the jobs to workers (`local_runner`, or cluster.py's runners).
    """
    store = GradeStore(output_dir / "graded", settings.grading_key())
    outcomes, reused, pending, graded = {}, [], [], []
    for entry in discover(folder, settings.assignment):
        try:
            kept = store.load(read_job(entry, settings.assignment))
        except (SubmissionRefused, OSError) as refused:
            outcomes[entry.student] = _ungradable(entry.student, str(entry.path), settings, str(refused))
            continue
        if kept:
            outcomes[entry.student] = Outcome(entry.student, kept)
            reused.append(entry.student)
        else:
            pending.append(entry)
    if pending:  # a finished batch starts no worker
        with contextlib.closing(runner(_read_jobs(pending, settings, outcomes), settings)) as results:
            for job, result in tqdm(results, total=len(pending), disable=not progress, desc=settings.assignment,
                                    unit="notebook"):
                outcomes[job.student] = _outcome(job, result, settings, store)
                graded.append(job.student)
    return Batch(sorted(outcomes.values(), key=lambda outcome: outcome.student), reused, graded)


def _outcome(job: Job, result, settings: Settings, store: GradeStore) -> Outcome:
    """A worker's result; a grade is kept at once, a failure is not (the next run tries it again)."""
    if isinstance(result, WorkerDied):
        return _ungradable(job.student, job.source, settings, str(result))
    if isinstance(result, BaseException):
        return _ungradable(job.student, job.source, settings, f"the grader failed: {result}")
    report = Report.from_dict(result)
    store.save(job, report)
    return Outcome(job.student, report)


def _read_jobs(entries: list[Entry], settings: Settings, outcomes: dict) -> Iterator[Job]:
    """Reads each submission when a worker is ready for it: a class never sits in memory at once."""
    for entry in entries:
        try:
            yield read_job(entry, settings.assignment)
        except (SubmissionRefused, OSError) as refused:  # changed on disk since it was found
            outcomes[entry.student] = _ungradable(entry.student, str(entry.path), settings, str(refused))


def _ungradable(student: str, source: str, settings: Settings, problem: str) -> Outcome:
    return Outcome(student, manifest.ungradable(settings.assignment, source, problem, settings.device))


def local_runner(processes: int) -> Runner:
    """`processes` local workers, each with one sandbox launcher."""
    def run(jobs: Iterator[Job], settings: Settings):
        threads = max(1, len(os.sched_getaffinity(0)) // processes)  # more torch threads than cores slows every job
        task = functools.partial(grade_job, settings)
        yield from run_local(jobs, task, start_worker, ([settings.assignment], threads), processes)
    return run


# What a batch writes ---------------------------------------------------------------------------

def write_outputs(outcomes: list[Outcome], output_dir: Path) -> None:
    """scores.csv, feedback/<student>.txt and summary.txt, each written whole or not at all."""
    from .reports import text

    feedback_dir = output_dir / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    scores = io.StringIO()
    writer = csv.writer(scores)
    writer.writerow(["student", "score", "max_score", "status"])
    for outcome in outcomes:
        report = outcome.report
        status = f"not graded: {report.problem}" if report.problem else "graded"
        writer.writerow([spreadsheet_safe(outcome.student), f"{report.score:g}", f"{report.max_score:g}",
                         spreadsheet_safe(printable(status))])
        write_atomically(feedback_dir / f"{outcome.student}.txt", text.render(report))
    write_atomically(output_dir / "scores.csv", scores.getvalue())
    write_atomically(output_dir / "summary.txt", summary(outcomes))


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ would start a formula."""
    return f"'{cell}" if cell.startswith(SPREADSHEET_FORMULA_STARTS) else cell


def summary(outcomes: list[Outcome]) -> str:
    graded = [outcome.report for outcome in outcomes if not outcome.report.problem]
    failed = [outcome for outcome in outcomes if outcome.report.problem]
    lines = [f"{len(graded)} graded, {len(failed)} could not be graded"]
    if failed:
        lines += ["", "Could not be graded:"] + [f"  {outcome.student}: {printable(outcome.report.problem)}"
                                                 for outcome in failed]
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
