"""Run an assignment's hidden tests against one submission and decide the points.

The tests run here, in the grader's process, with pytest; the student's code
runs in its own sandboxed process and is reached through `student` (see
student.py). Verdicts, points and messages are decided on this side only.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from . import catalog, fixtures, integrity, launcher, manifest as manifests, submission as submissions
from .manifest import TestSpec
from .results import FAILED, PASSED, Report, TestResult
from .sandbox.process import Limits, StudentProcessError, Zygote, guard_flags, with_training_data
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


def grade(path: Path, assignment: str | None = None, *, zygote: Zygote, **options) -> Report:
    """Grades one submission. Raises SubmissionNotFound or UnknownAssignment when it cannot start."""
    return grade_submission(submissions.load(Path(path), assignment), zygote, **options)


def grade_submission(submission: Submission, zygote: Zygote, *, device: str = "cpu", visible_only: bool = False,
                     limits: Limits | None = None, exercises: set[str] | None = None,
                     data: DataSource | None = None, until_first_failure: bool = False) -> Report:
    """Loads the notebook into a new student process, then runs the hidden tests this path grades.

    until_first_failure: the quickest tests first, and none after the first that fails (for a verdict
    "loses a point or not" that needs no full score, such as a mutant's)."""
    started = time.monotonic()
    manifest = manifests.load(submission.assignment)
    planned, not_run = manifest.plan(device, visible_only, exercises)
    report = Report(assignment=submission.assignment, submission=str(submission.path), not_run=not_run,
                    visible_only=visible_only,
                    graded_max_score=sum(test.points for test in manifest.plan(device, False, exercises)[0]))
    if submission.problem:
        report.problem = submission.problem
    else:
        data = (data or DataSource.default()).ready()  # before the sandbox starts: it may read only what exists then
        session = launcher.open_session(submission, zygote, with_training_data(limits or Limits(), data.root))
        try:
            report.problem = session.problem
            if not session.problem:
                report.results = run_planned_tests(submission.assignment, planned, session, device, data,
                                                   until_first_failure)
        finally:
            session.close()
        report.notes, report.guards = session.notes, session.guards
        report.flags = (integrity.scan([cell.source for cell in submission.cells]) + session.attempts
                        + guard_flags(session.guards))
    if report.problem:
        report.results = Report.ungradable(report.assignment, report.submission, report.problem,
                                           [test.result() for test in planned]).results
    report.seconds = time.monotonic() - started
    return report


def run_planned_tests(assignment: str, planned: list[TestSpec], session, device: str, data: DataSource,
                      until_first_failure: bool = False) -> list[TestResult]:
    """Runs the planned tests; each result in the plan's order, a planned test that pytest never ran failed."""
    plugin = GradingPlugin(session, device, data, {test.node_id for test in planned}, until_first_failure)
    run_hidden_tests(assignment, plugin)
    missing = ("not run: an earlier test failed" if until_first_failure else
               "this test did not run; the grader's manifest may be out of date (`make publish`): please tell your TA")
    return [plugin.results.get(test.node_id) or test.result(message=missing) for test in planned]


def collect_hidden_tests(assignment: str) -> list[TestSpec]:
    """Every hidden test of `assignment` with its marks, in collection order (for the manifest)."""
    collector = TestCollector()
    run_hidden_tests(assignment, collector, "--collect-only")
    return collector.tests


def run_hidden_tests(assignment: str, plugin, *extra_args: str) -> None:
    launcher.note_secret_read(f"the hidden tests of {assignment}")
    tests_dir = catalog.hidden_tests_dir(assignment)
    args = [
        str(tests_dir), "-p", "no:cacheprovider", "-p", "no:terminal", "--assert=plain",
        # These two end every run with gc.collect() passes: 0.4 s per submission, for reports nobody reads here.
        "-p", "no:unraisableexception", "-p", "no:threadexception",
        "--import-mode=importlib", f"--rootdir={catalog.HIDDEN_TESTS_DIR}", "-c", os.devnull, "-W", "ignore",
        *extra_args,
    ]
    status = pytest.main(args, plugins=[plugin])
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"the hidden tests of {assignment} could not run (pytest exit status {status!r})")


def _node_id(item) -> str:
    return item.nodeid.split("/", 1)[-1]  # relative to the assignment's folder


class _Markers:
    def pytest_configure(self, config):
        config.addinivalue_line("markers", "graded: points, exercise and lecture section of a hidden test")
        config.addinivalue_line("markers", "gpu: needs a CUDA device")


class TestCollector(_Markers):
    """pytest plugin: the graded tests and their marks, without running any."""

    def __init__(self):
        self.tests: list[TestSpec] = []

    def pytest_collection_modifyitems(self, config, items):
        for item in items:
            mark = item.get_closest_marker("graded")
            if mark is not None:
                marks = mark.kwargs
                self.tests.append(TestSpec(
                    node_id=_node_id(item), title=_title(item), exercise=marks["exercise"], section=marks["section"],
                    points=marks["points"], visible=marks.get("visible", False),
                    gpu=item.get_closest_marker("gpu") is not None, timeout=marks["timeout"]))


class GradingPlugin(_Markers):
    """pytest plugin: runs the chosen tests with the fixtures hidden tests use and records each result.

    Fixtures: `student` (the notebook, see student.py), `device`, `data` (a
    DataSource), `submission_dir`, `submitted_cells`.
    """

    def __init__(self, session, device: str, data: DataSource, node_ids: set[str], until_first_failure: bool = False):
        self._session = session
        self._device = torch.device(device)
        self._data = data
        self._node_ids = node_ids
        self._until_first_failure = until_first_failure
        self.results: dict[str, TestResult] = {}

    def pytest_collection_modifyitems(self, config, items):
        items[:] = [item for item in items if _node_id(item) in self._node_ids]
        if self._until_first_failure:
            items.sort(key=lambda item: item.get_closest_marker("graded").kwargs["timeout"])

    @pytest.fixture
    def student(self, request):
        timeout = request.node.get_closest_marker("graded").kwargs["timeout"]
        return self._session.student(timeout)

    @pytest.fixture(scope="session")
    def data(self):
        """The DataSource (built, when it is the fixtures)."""
        return self._data

    @pytest.fixture
    def submitted_cells(self):
        """The code cells the notebook ran, as (label, source), read on this side (see testkit.watch)."""
        return self._session.submitted_cells()

    @pytest.fixture
    def submission_dir(self):
        """The folder the notebook was submitted in (it may hold files such as trained weights)."""
        return self._session.submission_dir

    @pytest.fixture
    def device(self):
        return self._device

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        """With until_first_failure, a test after a failed one is passed over (True: nothing else runs it)."""
        if self._until_first_failure and any(result.status == FAILED for result in self.results.values()):
            return True
        return None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if report.when == "call" or report.failed:
            self._record(item, call, report)
        return report

    def _record(self, item, call, report) -> None:
        node_id = _node_id(item)
        if node_id in self.results:  # a teardown error after the test's own verdict
            return
        marks = item.get_closest_marker("graded").kwargs
        passed = report.passed and not report.skipped
        message = "" if passed else explain_failure(call.excinfo.value if call.excinfo else None)
        self.results[node_id] = TestResult(
            node_id=node_id, title=_title(item), exercise=marks["exercise"], section=marks["section"],
            max_points=marks["points"], points=marks["points"] if passed else 0.0,
            status=PASSED if passed else FAILED, message=message, visible=marks.get("visible", False),
        )


def explain_failure(error: BaseException | None) -> str:
    """The student-facing text for a failed test: no test source, no grader traceback."""
    if isinstance(error, Mismatch):
        return str(error)
    if isinstance(error, StudentError):
        text = f"your code raised {error.type_name}: {error.message}"
        return text + (f"\n{error.traceback.rstrip()}" if error.traceback else "")
    if isinstance(error, GraderError):
        return f"the grader could not run this test ({error}); this is not your fault, please tell your TA"
    if isinstance(error, StudentProcessError):
        return f"your code {error}"
    if error is None:
        return "failed"
    return f"the result could not be checked ({type(error).__name__}: {str(error)[:300]})"


def _title(item) -> str:
    doc = (item.function.__doc__ or "").strip().splitlines()
    return doc[0] if doc else item.name.removeprefix("test_").replace("_", " ")
