"""One exercise's results as an nbgrader test cell shows them: a PASS/FAIL line per test, then why.

The in-kernel path prints `render` and returns `points` as the cell's value;
the sandboxed path (nbgrader_sandbox/) writes the same as the cell's outputs,
in the form nbgrader's SaveAutoGrades reads: a value that is the points earned.
"""

from __future__ import annotations

from ..results import TestResult


def render(results: list[TestResult]) -> str:
    lines = []
    for result in results:
        mark = "PASS" if result.passed else ("FAIL" if result.ran else "NOT RUN")
        lines.append(f"{mark} {result.points:g}/{result.max_points:g}  {result.title}")
        lines += [f"    {line}" for line in result.feedback.splitlines()]
    return "\n".join(lines)


def points(results: list[TestResult]) -> float:
    return float(sum(result.points for result in results))


def outputs(results: list[TestResult], preamble: list[str] = ()) -> list[dict]:
    """A test cell's outputs (nbformat 4): the lines on stdout, then the points as the cell's value."""
    text = "\n".join([*preamble, render(results)]).strip("\n")
    printed = [{"output_type": "stream", "name": "stdout", "text": text + "\n"}] if text else []
    value = {"output_type": "execute_result", "execution_count": None, "metadata": {},
             "data": {"text/plain": repr(points(results))}}
    return [*printed, value]


def loading_error(note: str) -> dict:
    """The output of a cell that failed while the notebook was loaded for grading."""
    return {"output_type": "error", "ename": "While grading", "evalue": note, "traceback": [f"While grading: {note}"]}
