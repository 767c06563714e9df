"""The in-kernel path: a notebook's nbgrader test cells run the hidden tests inside the student's kernel.

Each nbgrader test cell of a source notebook holds, between the hidden-test
markers, one call:

    from autograder.in_kernel import hidden_tests
    hidden_tests("01-foundations", "sigmoid")

It runs that exercise's hidden tests (the same files `autograder grade` runs)
against the notebook's own namespace, prints one line per test, and returns
the points earned: the cell's value, which nbgrader takes as partial credit.
Nothing here raises, so no traceback (and no test source) reaches the output.
Without a sandbox the student's code shares this process: this path is for
`nbgrader validate` (and the Validate button), feedback while students work.
It is never the grade of record: `nbgrader autograde` never runs these cells,
it grades in the sandbox and writes the same lines and points into them
(nbgrader_sandbox/; docs/threat-model.md).
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from .reports import nbgrader_cell
from .student import LocalStudent


class KernelSession:
    """What GradingPlugin needs, for the notebook running in this kernel."""

    def __init__(self, namespace: dict):
        self._namespace = namespace
        self._student = LocalStudent(namespace)
        self.submission_dir = Path.cwd()

    def student(self, timeout: float) -> LocalStudent:
        return self._student

    def submitted_cells(self) -> list[tuple[str, str]] | None:
        """The kernel's own input history (None when it keeps none)."""
        history = self._namespace.get("In")
        if not isinstance(history, list):
            return None
        return [(f"input {index}", source) for index, source in enumerate(history) if isinstance(source, str) and source]


def hidden_tests(assignment: str, exercise: str) -> float:
    """Runs one exercise's hidden tests here; prints the results and returns the points earned."""
    try:
        from . import manifest
        from .grading import DataSource, run_planned_tests

        planned, not_run = manifest.load(assignment).plan(exercises={exercise})
        session = KernelSession(sys.modules["__main__"].__dict__)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            results = run_planned_tests(assignment, planned, session, "cpu", DataSource.default().ready())
    except Exception as error:  # the output must never show a traceback
        print(f"The hidden tests of {exercise} could not run ({type(error).__name__}: {error}). Please tell your TA.")
        return 0.0
    print(nbgrader_cell.render(results + not_run))
    return nbgrader_cell.points(results)
