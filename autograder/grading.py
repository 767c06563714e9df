"""Run an assignment's hidden tests against one submission and decide the points.

The tests run here, in the grader's process, with pytest; the student's code
runs in its own sandboxed process and is reached through `student` (see
student.py). Verdicts, points and messages are decided on this side only.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch

from . import catalog, fixtures, integrity, submission as submissions
from .sandbox.process import Limits, StudentProcessError, Zygote, guard_flags, with_training_data
from .session import StudentSession, SubmissionUnreadable
from .student import GraderError, StudentError
from .submission import Submission
from .testkit import Mismatch


@dataclass(frozen=True)
class DataSource:
    """Where hidden tests find datasets: the offline fixtures ("fixture") or real downloads ("real")."""

    root: Path
    kind: str = "fixture"

    @classmethod
    def default(cls) -> DataSource:
        return cls(fixtures.fixtures_root(), "fixture")

    def ready(self) -> DataSource:
        if self.kind == "fixture":
            fixtures.ensure_fixtures(self.root)
        return self


@dataclass
class TestResult:
    name: str
    title: str
    exercise: str
    section: str
    max_points: float
    points: float
    visible: bool
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.points == self.max_points


@dataclass
class GradeReport:
    assignment: str
    submission: str
    results: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    guards: list[str] = field(default_factory=list)
    problem: str | None = None
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(result.points for result in self.results)

    @property
    def max_score(self) -> float:
        return sum(result.max_points for result in self.results)


def grade(path: Path, assignment: str | None = None, *, zygote: Zygote, **options) -> GradeReport:
    """Grades one submission. Raises SubmissionNotFound or UnknownAssignment when it cannot start."""
    return grade_submission(submissions.load(Path(path), assignment), zygote, **options)


def grade_submission(submission: Submission, zygote: Zygote, *, device: str = "cpu", visible_only: bool = False,
                     limits: Limits | None = None, exercises: set[str] | None = None,
                     data: DataSource | None = None) -> GradeReport:
    started = time.monotonic()
    data = (data or DataSource.default()).ready()  # before the sandbox starts: it may read only what exists then
    limits = limits or Limits()
    limits = with_training_data(limits, data.root)
    session = StudentSession(submission, zygote, limits)
    plugin = GradingPlugin(session, device, data, visible_only, exercises)
    try:
        run_hidden_tests(submission.assignment, plugin)
    finally:
        session.close()
    order = {exercise: index for index, exercise in enumerate(catalog.solution_exercises(submission.assignment))}
    results = sorted(plugin.results, key=lambda result: order.get(result.exercise, len(order)))
    return GradeReport(
        assignment=submission.assignment, submission=str(submission.path), results=results,
        notes=session.notes,
        flags=integrity.scan([cell.source for cell in submission.cells]) + session.attempts + guard_flags(session.guards),
        guards=session.guards,
        problem=submission.problem, seconds=time.monotonic() - started,
    )


def run_hidden_tests(assignment: str, plugin) -> None:
    tests_dir = catalog.hidden_tests_dir(assignment)
    args = [
        str(tests_dir), "-p", "no:cacheprovider", "-p", "no:terminal", "--assert=plain",
        # These two end every run with gc.collect() passes: 0.4 s per submission, for reports nobody reads here.
        "-p", "no:unraisableexception", "-p", "no:threadexception",
        "--import-mode=importlib", f"--rootdir={catalog.HIDDEN_TESTS_DIR}", "-c", os.devnull, "-W", "ignore",
    ]
    status = pytest.main(args, plugins=[plugin])
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"the hidden tests of {assignment} could not run (pytest exit status {status!r})")


class GradingPlugin:
    """pytest plugin: supplies the fixtures hidden tests use and records each test's points.

    Fixtures: `student` (the notebook, see student.py), `device`, `data` (a
    DataSource), `submission_dir`.
    """

    def __init__(self, session, device: str, data: DataSource, visible_only: bool = False,
                 exercises: set[str] | None = None):
        self._session = session
        self._device = torch.device(device)
        self._data = data
        self.visible_only = visible_only
        self.exercises = exercises
        self.results: list[TestResult] = []

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "graded: points, exercise and lecture section of a hidden test")
        config.addinivalue_line("markers", "gpu: needs a CUDA device")

    def pytest_collection_modifyitems(self, config, items):
        items[:] = [item for item in items if self._selected(item)]

    def _selected(self, item) -> bool:
        mark = item.get_closest_marker("graded")
        if mark is None:
            return False
        if self.visible_only and not mark.kwargs.get("visible"):
            return False
        return self.exercises is None or mark.kwargs["exercise"] in self.exercises

    @pytest.fixture
    def student(self, request):
        timeout = request.node.get_closest_marker("graded").kwargs["timeout"]
        return self._session.student(timeout)

    @pytest.fixture(scope="session")
    def data(self):
        """The DataSource (built, when it is the fixtures)."""
        return self._data

    @pytest.fixture
    def submission_dir(self):
        """The folder the notebook was submitted in (it may hold files such as trained weights)."""
        return self._session.submission_dir

    @pytest.fixture
    def device(self, request):
        if request.node.get_closest_marker("gpu") and self._device.type != "cuda":
            pytest.skip("needs --device cuda")
        return self._device

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if report.skipped or (report.when != "call" and report.passed):
            return report
        if report.when == "call" or report.failed:
            self._record(item, call, report)
        return report

    def _record(self, item, call, report) -> None:
        if any(result.name == item.name for result in self.results):
            return
        mark = item.get_closest_marker("graded").kwargs
        message = "" if report.passed else explain_failure(call.excinfo.value if call.excinfo else None)
        self.results.append(TestResult(
            name=item.name, title=_title(item), exercise=mark["exercise"], section=mark["section"],
            max_points=mark["points"], points=mark["points"] if report.passed else 0,
            visible=mark.get("visible", False), message=message,
        ))


def explain_failure(error: BaseException | None) -> str:
    """The student-facing text for a failed test: no test source, no grader traceback."""
    if isinstance(error, Mismatch):
        return str(error)
    if isinstance(error, StudentError):
        text = f"your code raised {error.type_name}: {error.message}"
        return text + (f"\n{error.traceback.rstrip()}" if error.traceback else "")
    if isinstance(error, GraderError):
        return f"the grader could not run this test ({error}); this is not your fault, please tell your TA"
    if isinstance(error, SubmissionUnreadable):
        return f"not graded: {error}"
    if isinstance(error, StudentProcessError):
        return f"your code {error}"
    if error is None:
        return "failed"
    return f"the result could not be checked ({type(error).__name__}: {str(error)[:300]})"


def _title(item) -> str:
    doc = (item.function.__doc__ or "").strip().splitlines()
    return doc[0] if doc else item.name.removeprefix("test_").replace("_", " ")
