"""The report a student or TA reads in a terminal."""

from __future__ import annotations

from ..results import Report


def render(report: Report) -> str:
    lines = [f"{report.assignment}: {report.submission}", report.total_line()]
    lines += [f"  {line}" for line in report.preamble()]
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
            lines += [f"    {line}" for line in result.feedback.splitlines()]
    return "\n".join(lines) + "\n"
