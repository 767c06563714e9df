"""The report a student or TA reads in a terminal."""

from __future__ import annotations

from ..grading import GradeReport


def render(report: GradeReport) -> str:
    lines = [f"{report.assignment}: {report.submission}"]
    if report.problem:
        lines.append(f"Could not grade the notebook: {report.problem}")
    lines.append(f"Score: {_number(report.score)} / {_number(report.max_score)}")
    lines += _notes(report)
    lines.append("")
    for result in report.results:
        mark = "PASS" if result.passed else "FAIL"
        lines.append(f"  {mark}  {_number(result.points):>4} / {_number(result.max_points):<4} {result.exercise}: {result.title}")
    failures = [result for result in report.results if not result.passed]
    if failures:
        lines += ["", "What went wrong", "---------------"]
        for result in failures:
            lines.append(f"{result.exercise}: {result.title}")
            lines += [f"    {line}" for line in result.message.splitlines()]
            lines.append(f"    Reread: {result.section}")
    return "\n".join(lines) + "\n"


def _notes(report: GradeReport) -> list[str]:
    lines = []
    if report.notes:
        lines += ["", "While loading your notebook:"] + [f"  - {note}" for note in report.notes]
    if report.flags:
        lines += ["", "Flagged for your TA (code that reaches beyond the exercises):"] + [f"  - {flag}" for flag in report.flags]
    return lines


def _number(value: float) -> str:
    return f"{value:g}"
