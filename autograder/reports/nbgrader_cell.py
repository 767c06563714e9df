"""One exercise's results as an nbgrader test cell shows them: a PASS/FAIL line per test, then why."""

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
