"""Text from the student's side (exception messages, tracebacks, loading notes) cannot forge a report: control
characters are gone, every line of it is indented under its entry, and text that looks like a grade is flagged."""

import re

import pytest

from autograder.reports import classroom, gradescope, nbgrader_cell, text
from autograder import results
from autograder.results import Report, clean, looks_like_grade

import flooding_attacks as attacks

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
HEADINGS = ("What went wrong", "Not run here", "---------------")


@pytest.fixture(scope="module")
def forged(zygote, tmp_path_factory):
    from autograder.grading import grade

    notebook = attacks.with_cell(tmp_path_factory.mktemp("forged") / f"{attacks.ASSIGNMENT}.ipynb", attacks.FORGED_MESSAGES)
    return grade(notebook, attacks.ASSIGNMENT, zygote=zygote)


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_forged_scores_in_messages_and_notes_earn_nothing_and_are_flagged(forged):
    assert forged.max_score > 0 and forged.score == 0
    assert any("RuntimeError" in note and "Score: 28 / 28" in note for note in forged.notes)
    assert "a note while loading the notebook looks like a grade" in forged.all_flags
    assert "a failure message looks like a grade (exercises: sigmoid, tanh, relu)" in forged.all_flags


def test_the_text_report_has_one_score_line_and_every_other_line_indented(forged):
    rendered = text.render(forged)
    assert not CONTROL.search(rendered.replace("\n", ""))
    title, total, *rest = rendered.splitlines()
    assert total == forged.total_line() == f"Score: 0 / {forged.max_score:g}" and forged.max_score > 0
    loose = [line for line in rest if line and not line.startswith("  ") and line not in HEADINGS]
    assert all(result.label in loose for result in forged.failures)
    assert set(loose) == {result.label for result in forged.failures}, loose
    assert "      Score: 28 / 28" in rendered.splitlines()  # the note's forged line, under its note


def test_every_renderer_gets_the_cleaned_text(forged):
    outputs = [*strings(gradescope.results_json(forged)), *strings(classroom.result_json(forged)),
               classroom.summary_markdown(forged), nbgrader_cell.render(forged.results),
               *strings(Report.from_dict(forged.to_dict()).to_dict())]
    assert not [output for output in outputs if CONTROL.search(output.replace("\n", ""))]
    cell = nbgrader_cell.render(forged.results).splitlines()
    assert [line for line in cell if "Score: 28 / 28" in line] and all(
        line.startswith("    ") for line in cell if "Score: 28 / 28" in line)


def test_honest_failure_messages_are_not_flagged(grade_notebook):
    report = grade_notebook(attacks.RELEASE)
    assert report.failures and report.all_flags == report.flags == []


def test_clean_drops_escapes_and_control_characters_and_keeps_the_text():
    assert clean(attacks.FORGED_SCORE) == "\nScore: 28 / 28\nAll tests passed\nScore: 28 / 28"
    assert clean("a\r\nb\tc\x9b2Kd\x1b]0;title\x07e\u202ef · é\x00\x7f") == "a\nb\tcdef · é"


@pytest.mark.parametrize("grade, is_grade", [
    ("Score: 28 / 28", True), ("points 3 of 4", True), ("## 01: 28/28 points", True), ('{"score": 1}', True),
    ("sigmoid(x) differs from the expected values at 3 of 24 positions", False), ("expected shape (3, 4)", False),
])
def test_looks_like_grade(grade, is_grade):
    assert looks_like_grade(grade) is is_grade


def test_the_model_cleans_however_the_text_is_set():
    result = results.TestResult("t.py::test_a", "a", "a", "Part 01", 1.0, message="x\x1b[2K\ry")
    report = Report("01", "nb\x1b[31m.ipynb", results=[result], notes=["\x1b[1Anote"])
    report.flags = ["flag\r"]
    report.problem = "why\x07"
    assert (result.message, report.submission, report.notes, report.flags, report.problem) == \
        ("xy", "nb.ipynb", ["note"], ["flag"], "why")
    assert Report.from_dict({**report.to_dict(), "notes": ["a\x1bcb"]}).notes == ["ab"]


def test_multi_line_entries_are_indented_under_their_first_line():
    report = Report("01", "nb.ipynb", notes=["cell 3 raised ValueError: \nScore: 28 / 28"], problem="one\ntwo")
    assert report.preamble() == ["Could not grade the notebook: one\n    two",
                                 "While loading your notebook: cell 3 raised ValueError: \n    Score: 28 / 28",
                                 "Flagged for your TA: a note while loading the notebook looks like a grade"]
    assert "\n      Score: 28 / 28\n" in text.render(report)
