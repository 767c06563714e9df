"""What grading decided, in one form for every path: test results and the report of one submission.

Renderers (reports/, the nbgrader cells, batch files) only present these; the
labels, feedback text and totals are decided here. Nothing here imports pytest
or torch, so presenting a report is cheap anywhere.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

PASSED, FAILED, NOT_RUN = "passed", "failed", "not run"


@dataclass(frozen=True)
class TestResult:
    node_id: str  # unique within the assignment's hidden tests, e.g. "test_activations.py::test_relu"
    title: str
    exercise: str
    section: str
    max_points: float
    points: float = 0.0
    status: str = FAILED
    message: str = ""  # why it failed, or why it was not run
    visible: bool = False

    @property
    def name(self) -> str:
        return self.node_id.rsplit("::", 1)[-1]

    @property
    def label(self) -> str:
        return f"{self.exercise}: {self.title}"

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def ran(self) -> bool:
        return self.status != NOT_RUN

    @property
    def feedback(self) -> str:
        """What the student reads under the test's label: nothing when it passed."""
        if self.passed:
            return ""
        if not self.ran:
            return f"not run here: {self.message}"
        return f"{self.message}\nReread: {self.section}"


@dataclass
class Report:
    """One submission's grade. `results` are the tests this path and device grade (their points make the
    maximum, known before any test runs); `not_run` the tests that cannot run here, with the reason."""

    assignment: str
    submission: str
    results: list[TestResult] = field(default_factory=list)
    not_run: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what happened while loading the notebook
    flags: list[str] = field(default_factory=list)  # code that reaches beyond the exercises, for the TA
    guards: list[str] = field(default_factory=list)
    problem: str | None = None  # why it could not be graded; every test then earns 0
    visible_only: bool = False  # `autograder check`: the visible checks, not the grade
    graded_max_score: float = 0.0  # with visible_only: what all the hidden tests are worth
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(result.points for result in self.results)

    @property
    def max_score(self) -> float:
        return sum(result.max_points for result in self.results)

    @property
    def fully_passed(self) -> bool:
        return not self.problem and all(result.passed for result in self.results)

    @property
    def failures(self) -> list[TestResult]:
        return [result for result in self.results if not result.passed]

    def total_line(self) -> str:
        """'Score: 18 / 28', with what the total does not cover."""
        if self.visible_only:
            passed = sum(result.passed for result in self.results)
            return (f"Visible checks: {passed} of {len(self.results)} passed; "
                    f"your grade comes from all the hidden tests, {self.graded_max_score:g} points")
        line = f"Score: {self.score:g} / {self.max_score:g}"
        if self.not_run:
            line += f" (not run here: {len(self.not_run)} tests worth {sum(r.max_points for r in self.not_run):g} points)"
        return line

    def preamble(self) -> list[str]:
        """The lines above the per-test table: why grading failed, what loading noted, what was flagged."""
        lines = []
        if self.problem:
            lines.append(f"Could not grade the notebook: {self.problem}")
        lines += [f"While loading your notebook: {note}" for note in self.notes]
        lines += [f"Flagged for your TA: {flag}" for flag in self.flags]
        return lines

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        data = dict(data)
        data["results"] = [TestResult(**result) for result in data.get("results", [])]
        data["not_run"] = [TestResult(**result) for result in data.get("not_run", [])]
        return cls(**data)

    @classmethod
    def ungradable(cls, assignment: str, submission: str, problem: str, tests: list[TestResult]) -> Report:
        """A report for a submission that could not be graded: every test listed at 0 with the reason."""
        failed = [TestResult(**{**asdict(test), "points": 0.0, "status": FAILED, "message": f"not graded: {problem}"})
                  for test in tests]
        return cls(assignment=assignment, submission=submission, results=failed, problem=problem)
