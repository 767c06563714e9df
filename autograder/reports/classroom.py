"""GitHub Classroom: the command grader's `result` (version 1) and a Markdown job summary.

The grading reporter (classroom-resources/autograding-grading-reporter) reads
each runner's result from `<RUNNER>_RESULTS`, base64-encoded JSON, and reports
"Points X/Y" from the sum of the tests' `score` over the sum of `max_score`.
"""

from __future__ import annotations

from ..grading import GradeReport


def result_json(report: GradeReport) -> dict:
    return {
        "version": 1,
        "status": "pass" if report.score == report.max_score and not report.problem else "fail",
        "max_score": report.max_score,
        "tests": [
            {
                "name": f"{result.exercise}: {result.title}",
                "status": "pass" if result.passed else "fail",
                "score": result.points,
                "message": result.message if result.passed else f"{result.message}\nReread: {result.section}",
                "test_code": "",
                "filename": "",
                "line_no": 0,
                "execution_time": "",
            }
            for result in report.results
        ],
    }


def summary_markdown(report: GradeReport) -> str:
    lines = [f"## {report.assignment}: {report.score:g} / {report.max_score:g} points", ""]
    if report.problem:
        lines += [f"**Could not grade the notebook:** {report.problem}", ""]
    lines += [f"- While loading: {note}" for note in report.notes]
    lines += [f"- Flagged for your TA: {flag}" for flag in report.flags]
    lines += ["", "| | test | points |", "| --- | --- | --- |"]
    for result in report.results:
        mark = "✅" if result.passed else "❌"
        lines.append(f"| {mark} | {result.exercise}: {result.title} | {result.points:g} / {result.max_points:g} |")
    failures = [result for result in report.results if not result.passed]
    if failures:
        lines += ["", "### What went wrong"]
        for result in failures:
            lines += ["", f"**{result.exercise}: {result.title}**", "", "```", result.message, "```", f"Reread: {result.section}"]
    return "\n".join(lines) + "\n"
