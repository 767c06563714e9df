"""Gradescope's results.json: score, max_score and one entry per test."""

from __future__ import annotations

from ..results import Report


def results_json(report: Report) -> dict:
    return {
        "score": report.score,
        "max_score": report.max_score,
        "output": "\n".join([f"Assignment {report.assignment}. {report.total_line()}", *report.preamble()]),
        "visibility": "visible",
        "tests": [
            {
                "name": result.label,
                "score": result.points,
                "max_score": result.max_points,
                "status": "passed" if result.passed else "failed",
                "output": result.feedback,
                "visibility": "visible" if result.visible else "after_published",
            }
            for result in report.results
        ],
    }
