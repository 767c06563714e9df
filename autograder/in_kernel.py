"""The nbgrader path: hidden tests run inside the student's kernel.

Each nbgrader test cell of a source notebook holds, between the hidden-test
markers, one call:

    from autograder.in_kernel import hidden_tests
    hidden_tests("01-foundations", "sigmoid")

It runs that exercise's hidden tests (the same files `autograder grade` runs)
against the notebook's own namespace, prints one line per test for the
feedback, and returns the points earned: the cell's value, which nbgrader
takes as partial credit. Nothing here raises, so no traceback (and no test
source) reaches the feedback. Without a sandbox the student's code shares this
process: see docs/threat-model.md for what that path does not defend.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from .student import LocalStudent


class KernelSession:
    """What GradingPlugin needs, for the notebook running in this kernel."""

    def __init__(self, namespace: dict):
        self._student = LocalStudent(namespace)
        self.submission_dir = Path.cwd()
        self.notes: list[str] = []

    def student(self, timeout: float) -> LocalStudent:
        return self._student


def hidden_tests(assignment: str, exercise: str) -> float:
    """Runs one exercise's hidden tests here; prints the results and returns the points earned."""
    try:
        from .grading import DataSource, GradingPlugin, run_hidden_tests

        session = KernelSession(sys.modules["__main__"].__dict__)
        plugin = GradingPlugin(session, "cpu", DataSource.default().ready(), exercises={exercise})
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            run_hidden_tests(assignment, plugin)
    except Exception as error:  # the feedback must never show a traceback
        print(f"The hidden tests of {exercise} could not run ({type(error).__name__}: {error}). Please tell your TA.")
        return 0.0
    for result in plugin.results:
        print(f"{'PASS' if result.passed else 'FAIL'} {result.points:g}/{result.max_points:g}  {result.title}")
        if not result.passed:
            for line in [*result.message.splitlines(), f"Reread: {result.section}"]:
                print(f"    {line}")
    return float(sum(result.points for result in plugin.results))
