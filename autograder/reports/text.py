"""The report a student or TA reads in a terminal.

Every line that is not the title, the total or a test's row is indented, so
text from the student's side (a message of many lines) can never pass for one.
"""

from __future__ import annotations

from ..results import Report


def render(report: Report) -> str:
    lines = [f"{report.assignment}: {report.submission}", report.total_line()]
    lines += _indented(report.preamble(), "  ")
    lines.append("")
    for result in report.results:
        mark = "PASS" if result.passed else "FAIL"
        lines.append(f"  {mark}  {result.points:>4g} / {result.max_points:<4g} {result.label}")
    for result in report.not_run:
        lines.append(f"  ----  {'':>4} / {result.max_points:<4g} {result.label} (not run here)")
    explained = report.failures + report.not_run
    if explained:
        lines += ["", "What went wrong" if report.failures else "Not run here", "---------------"]
        for result in explained:
            lines.append(result.label)
            lines += _indented([result.feedback], "    ")
    return "\n".join(lines) + "\n"


def _indented(entries: list[str], indent: str) -> list[str]:
    return [indent + line for entry in entries for line in entry.split("\n")]
