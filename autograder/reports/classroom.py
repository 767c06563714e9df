"""GitHub Classroom: the command grader's `result` (version 1) and a Markdown job summary.

The grading reporter (classroom-resources/autograding-grading-reporter) reads
each runner's result from `<RUNNER>_RESULTS`, base64-encoded JSON, and reports
"Points X/Y" from the sum of the tests' `score` over the sum of `max_score`.
"""

from __future__ import annotations

from ..results import Report


def result_json(report: Report) -> dict:
    return {
        "version": 1,
        "status": "pass" if report.fully_passed else "fail",
        "max_score": report.max_score,
        "tests": [
            {
                "name": result.label,
                "status": "pass" if result.passed else "fail",
                "score": result.points,
                "message": result.feedback,
                "test_code": "",
                "filename": "",
                "line_no": 0,
                "execution_time": "",
            }
            for result in report.results
        ],
    }


def summary_markdown(report: Report) -> str:
    lines = [f"## {report.assignment}: {report.score:g} / {report.max_score:g} points", ""]
    lines += [f"- {line}" for line in [report.total_line(), *report.preamble()]]
    lines += ["", "| | test | points |", "| --- | --- | --- |"]
    for result in report.results:
        lines.append(f"| {'✅' if result.passed else '❌'} | {result.label} | {result.points:g} / {result.max_points:g} |")
    for result in report.not_run:
        lines.append(f"| ➖ | {result.label} (not run here) | {result.max_points:g} |")
    if report.failures or report.not_run:
        lines += ["", "### What went wrong"]
        for result in report.failures + report.not_run:
            lines += ["", f"**{result.label}**", "", "```", result.feedback, "```"]
    return "\n".join(lines) + "\n"
