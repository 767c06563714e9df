"""Gradescope's results.json: score, max_score and one entry per test."""

from __future__ import annotations

from ..grading import GradeReport


def results_json(report: GradeReport) -> dict:
    output = [f"Assignment {report.assignment}."]
    if report.problem:
        output.append(f"Could not grade the notebook: {report.problem}")
    output += [f"While loading: {note}" for note in report.notes]
    output += [f"Flagged for your TA: {flag}" for flag in report.flags]
    return {
        "score": report.score,
        "max_score": report.max_score,
        "output": "\n".join(output),
        "visibility": "visible",
        "tests": [
            {
                "name": f"{result.exercise}: {result.title}",
                "score": result.points,
                "max_score": result.max_points,
                "status": "passed" if result.passed else "failed",
                "output": result.message if result.passed else f"{result.message}\nReread: {result.section}",
                "visibility": "visible" if result.visible else "after_published",
            }
            for result in report.results
        ],
    }
