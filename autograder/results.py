"""What grading decided, in one form for every path: test results and the report of one submission.

Renderers (reports/, the nbgrader cells, batch files) only present these; the
labels, feedback text and totals are decided here. Nothing here imports pytest
or torch, so presenting a report is cheap anywhere.

Messages, notes and flags carry text the student's code chose (an exception's
message, a traceback). They are cleaned on the way in (`clean`: no terminal
escapes, carriage returns or other control characters), every line after the
first is indented under its entry, and any that looks like a grade is flagged
for the TA (`Report.all_flags`): a student cannot print a second "Score" line.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

PASSED, FAILED, NOT_RUN = "passed", "failed", "not run"

_TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?|\x1b[ -/]*[0-~]?")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # not \t, \n
_GRADE_LIKE = re.compile(r"(score|points)\W{0,3}\d+(\.\d+)?\s*(/|of)\s*\d+|\d+(\.\d+)?\s*/\s*\d+(\.\d+)?\s*points"
                         r"|\"(max_)?score\"\s*:", re.IGNORECASE)
CONTINUATION = "\n    "  # how the lines after the first of a note, flag or reason are indented


def clean(text: str) -> str:
    """`text` without terminal escapes and control characters but newlines and tabs (carriage returns dropped)."""
    text = _TERMINAL_ESCAPE.sub("", text.replace("\r\n", "\n"))
    return _CONTROL.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n"))


def looks_like_grade(text: str) -> bool:
    """Whether `text` reads like a score ("Score: 28 / 28", "28/28 points", a results.json)."""
    return bool(_GRADE_LIKE.search(text))


@dataclass(frozen=True)
class TestResult:
    node_id: str  # unique within the assignment's hidden tests, e.g. "test_activations.py::test_relu"
    title: str
    exercise: str
    section: str
    max_points: float
    points: float = 0.0
    status: str = FAILED
    message: str = ""  # why it failed, or why it was not run (cleaned: see `clean`)
    visible: bool = False

    def __post_init__(self):
        object.__setattr__(self, "message", clean(self.message))

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

    def __setattr__(self, name, value):
        """Text from the student's side is cleaned however it is set (constructor, from_dict, assignment)."""
        if name in ("notes", "flags"):
            value = [clean(text) for text in value]
        elif name in ("submission", "problem") and value is not None:
            value = clean(value)
        object.__setattr__(self, name, value)

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
            worth = sum(result.max_points for result in self.not_run)
            line += f" (not run here: {_count(len(self.not_run), 'test')} worth {_count(worth, 'point')})"
        return line

    @property
    def all_flags(self) -> list[str]:
        """The flags of the run, and every note or failure message that looks like a grade (a forged report)."""
        forged = ["a note while loading the notebook looks like a grade"] if any(map(looks_like_grade, self.notes)) else []
        exercises = dict.fromkeys(result.exercise for result in self.failures if looks_like_grade(result.message))
        if exercises:
            forged.append(f"a failure message looks like a grade (exercises: {', '.join(exercises)})")
        return self.flags + forged

    def preamble(self) -> list[str]:
        """The entries above the per-test table: why grading failed, what loading noted, what was flagged.
        An entry's lines after the first are indented (CONTINUATION)."""
        entries = [f"Could not grade the notebook: {self.problem}"] if self.problem else []
        entries += [f"While loading your notebook: {note}" for note in self.notes]
        entries += [f"Flagged for your TA: {flag}" for flag in self.all_flags]
        return [entry.replace("\n", CONTINUATION) for entry in entries]

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


def _count(number: float, noun: str) -> str:
    """'1 test', '2 tests', '1.5 points'."""
    return f"{number:g} {noun}{'' if number == 1 else 's'}"
