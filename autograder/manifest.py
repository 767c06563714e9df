"""What grading needs to know about an assignment before it runs anything: one small file per assignment.

`autograder/assignments/<id>/manifest.json`, written by `make publish` and
checked for drift by the tests, lists the exercises in notebook order, every
hidden test with its points, its exercise, whether it is visible and whether
it needs a GPU, and the modules the launcher preloads. Grading reads it
instead of the notebooks, so the maximum score is known before any test runs
and no solution notebook is needed where grading happens.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from . import catalog
from .results import NOT_RUN, Report, TestResult

FILE_NAME = "manifest.json"
GPU_REASON = "needs a CUDA device (grade with --device cuda on a GPU machine)"


@dataclass(frozen=True)
class TestSpec:
    node_id: str
    title: str
    exercise: str
    section: str
    points: float
    visible: bool
    gpu: bool
    timeout: float

    def result(self, **outcome) -> TestResult:
        return TestResult(node_id=self.node_id, title=self.title, exercise=self.exercise, section=self.section,
                          max_points=self.points, visible=self.visible, **outcome)


@dataclass(frozen=True)
class Manifest:
    assignment: str
    exercises: list[str]
    tests: list[TestSpec]
    preload: list[str]

    def plan(self, device: str = "cpu", visible_only: bool = False,
             exercises: set[str] | None = None) -> tuple[list[TestSpec], list[TestResult]]:
        """The tests this path grades (their points make the maximum), and those that cannot run here."""
        chosen = [test for test in self.tests if (not visible_only or test.visible)
                  and (exercises is None or test.exercise in exercises)]
        on_gpu = device.startswith("cuda")
        graded = [test for test in chosen if on_gpu or not test.gpu]
        not_run = [test.result(status=NOT_RUN, message=GPU_REASON) for test in chosen if test.gpu and not on_gpu]
        return graded, not_run

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n"


def ungradable(assignment: str, submission: str, problem: str, device: str = "cpu") -> Report:
    """The report of a submission that could not be graded: every test this path grades at 0, with why."""
    planned, not_run = load(assignment).plan(device)
    report = Report.ungradable(assignment, submission, problem, [test.result() for test in planned])
    report.not_run = not_run
    return report


def path(assignment: str) -> Path:
    return catalog.hidden_tests_dir(assignment) / FILE_NAME


@functools.cache
def load(assignment: str) -> Manifest:
    location = path(assignment)
    if not location.is_file():
        raise catalog.UnknownAssignment(f"{assignment} has no {FILE_NAME}; run `make publish`")
    data = json.loads(location.read_text())
    return Manifest(data["assignment"], data["exercises"], [TestSpec(**test) for test in data["tests"]], data["preload"])


def build(assignment: str) -> Manifest:
    """Reads the source notebook, the release notebook and the hidden tests (publish time only)."""
    from . import notebook_cells, submission
    from .grading import collect_hidden_tests

    exercises = notebook_cells.solution_exercises(catalog.notebook_path("assignments", assignment))
    order = {exercise: index for index, exercise in enumerate(exercises)}
    tests = sorted(collect_hidden_tests(assignment), key=lambda test: order.get(test.exercise, len(order)))
    return Manifest(assignment, exercises, tests, sorted(submission.release_modules(assignment)))
