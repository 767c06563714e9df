"""GitHub Classroom: the command grader's `result` (version 1) and a Markdown job summary.

The grading reporter (classroom-resources/autograding-grading-reporter@v1) reads
each runner's result from `<RUNNER>_RESULTS`, base64-encoded JSON, and totals it
twice: its notice "Points X/Y" (what Classroom records) sums the tests' `score`,
while its log line "Total points for <runner>" and its table count passed tests,
passed / number of tests * `max_score`. The two agree only when every test entry
is worth the same, so a test worth n points is sent as n entries of one point
(they pass or fail together). The reporter prints a message only for status
"error": a failing test's feedback is read in the job summary.

The result travels in one environment variable, which Linux caps at 128 KiB, and
base64 makes it a third longer; messages are cut (the longest first, to one
shared length) so that the JSON stays under RESULT_LIMIT_BYTES. Every test stays.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

from ..results import Report, TestResult

RESULT_LIMIT_BYTES = 48 * 1024  # 64 KiB once base64-encoded: half of what one variable may hold
CUT_MARK = " [...] (cut here; the job summary has the whole message)"


def result_json(report: Report, limit: int = RESULT_LIMIT_BYTES) -> dict:
    unit = _entry_points([result.max_points for result in report.results])
    tests = [entry for result in report.results for entry in _entries(result, unit)]
    if report.problem and tests:
        tests[0] = {**tests[0], "status": "error", "message": report.preamble()[0]}  # the one message its log prints
    status = "error" if report.problem else "pass" if report.fully_passed else "fail"
    return _cut_messages({"version": 1, "status": status, "max_score": report.max_score, "tests": tests}, limit)


def encoded_size(result: dict) -> int:
    """Bytes of the JSON as `autograder grade --format classroom` writes it."""
    return len(json.dumps(result)) + 1


def _entry_points(points: list[float]) -> Fraction:
    """What one entry is worth: the largest value every test's points are a whole multiple of (1 for 1s and 2s)."""
    values = [Fraction(value).limit_denominator(1000) for value in points if value]
    if not values:
        return Fraction(1)
    denominator = math.lcm(*(value.denominator for value in values))
    return Fraction(math.gcd(*(int(value * denominator) for value in values)), denominator)


def _entries(result: TestResult, unit: Fraction) -> list[dict]:
    count = round(Fraction(result.max_points).limit_denominator(1000) / unit)
    names = [result.label] if count == 1 else [f"{result.label} (part {part} of {count})" for part in range(1, count + 1)]
    return [{
        "name": name,
        "status": "pass" if result.passed else "fail",
        "score": float(unit) if result.passed else 0,
        "message": result.feedback if part == 0 else "",
        "test_code": "",
        "filename": "",
        "line_no": 0,
    } for part, name in enumerate(names)]


def _cut_messages(result: dict, limit: int) -> dict:
    """Cuts every message longer than one shared length, the longest length that fits `limit`."""
    messages = [test["message"] for test in result["tests"]]

    def size_when_cut_to(length: int) -> int:
        for test, message in zip(result["tests"], messages):
            test["message"] = _cut(message, length)
        return encoded_size(result)

    shortest, longest = 0, max(map(len, messages), default=0)
    if size_when_cut_to(longest) <= limit:
        return result
    while shortest < longest:  # a binary search: the size grows with the length
        middle = (shortest + longest + 1) // 2
        if size_when_cut_to(middle) <= limit:
            shortest = middle
        else:
            longest = middle - 1
    size_when_cut_to(shortest)
    return result


def _cut(message: str, length: int) -> str:
    if len(message) <= length:
        return message
    if length <= len(CUT_MARK):
        return message[:length]
    return message[:length - len(CUT_MARK)] + CUT_MARK


def summary_markdown(report: Report) -> str:
    lines = [f"## {report.assignment}: {report.score:g} / {report.max_score:g} points", "", report.total_line()]
    if report.preamble():
        lines += ["", *_fenced("\n".join(report.preamble()))]
    lines += ["", "| | test | points |", "| --- | --- | --- |"]
    for result in report.results:
        lines.append(f"| {'✅' if result.passed else '❌'} | {result.label} | {result.points:g} / {result.max_points:g} |")
    for result in report.not_run:
        lines.append(f"| ➖ | {result.label} (not run here) | {result.max_points:g} |")
    explained = [] if report.problem else report.failures + report.not_run  # the problem already says why
    if explained:
        lines += ["", "### What went wrong"]
        for result in explained:
            lines += ["", f"**{result.label}**", "", *_fenced(result.feedback)]
    return "\n".join(lines) + "\n"


def _fenced(text: str) -> list[str]:
    """A code block that no run of backticks inside `text` can close."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence]
