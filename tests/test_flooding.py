"""Notebooks made to flood the grader: each scores what its honest part earns (the release stub: 0), costs the
grader no more than its caps, and says why where the student or TA reads it. The grader's memory under each is
measured by benchmarks/flooding_memory.py."""

import pytest

from autograder import catalog, submission
from autograder.sandbox.channel import MAX_FRAME_BYTES, MAX_HEADER_BYTES
from autograder.student import MAX_CALLBACK_BYTES

import flooding_attacks as attacks

SIGMOID_TESTS = ("test_sigmoid_matches_the_formula", "test_sigmoid_keeps_float32_and_stays_finite",
                 "test_sigmoid_uses_elementary_operations")


@pytest.fixture
def notebook(tmp_path):
    return tmp_path / f"{attacks.ASSIGNMENT}.ipynb"


def messages(report, names) -> dict[str, str]:
    return {result.name: result.message for result in report.results if result.name in names}


def assert_earns_nothing(report):
    assert report.max_score > 0
    assert report.score == 0, [result.name for result in report.results if result.passed]


def test_a_reply_that_references_one_blob_many_times_is_one_value(grade_notebook, notebook):
    report = grade_notebook(attacks.with_cell(notebook, attacks.shared_blob_reply(blob_mb=16, references=100)))
    assert_earns_nothing(report)
    assert "sigmoid(x)" in messages(report, SIGMOID_TESTS)["test_sigmoid_matches_the_formula"]  # a wrong value, no crash


def test_a_reply_that_uses_one_blob_for_different_values_is_refused_and_flagged(grade_notebook, notebook):
    forged = attacks.SEND_FRAME + """
def sigmoid(x):
    nodes = [{"$tensor": {"blob": 0, "dtype": dtype, "shape": [4 << 20 // size], "device": "cpu"}}
             for dtype, size in [("float32", 4), ("int16", 2), ("uint8", 1)]]
    _send_frame(json.dumps({"value": nodes}).encode(), [bytes(4 << 20)])
    os._exit(0)
"""
    report = grade_notebook(attacks.with_cell(notebook, forged))
    assert_earns_nothing(report)
    sigmoid = messages(report, SIGMOID_TESTS)
    assert len(sigmoid) == 3 and all("reply that its sandbox never sends" in text for text in sigmoid.values()), sigmoid
    assert any("wrote to the grader's channel itself" in flag for flag in report.all_flags)


OVERSIZED_REPLIES = {
    "many small values": (lambda: attacks.many_node_reply(header_mb=(MAX_HEADER_BYTES >> 20) + 4),
                          f"more than {MAX_HEADER_BYTES >> 20} MB of numbers, strings and lists to the grader"),
    "one large tensor": (lambda: attacks.oversized_reply(megabytes=(MAX_FRAME_BYTES >> 20) + 1),
                         f"more than {MAX_FRAME_BYTES >> 20} MB to the grader in one reply"),
}


@pytest.mark.parametrize("reply", OVERSIZED_REPLIES)
def test_a_reply_over_a_cap_fails_its_tests_with_the_limit(grade_notebook, notebook, reply):
    attack, limit = OVERSIZED_REPLIES[reply]
    report = grade_notebook(attacks.with_cell(notebook, attack()))
    assert_earns_nothing(report)
    sigmoid = messages(report, SIGMOID_TESTS)
    assert len(sigmoid) == 3 and all(text.startswith(f"your code returned {limit}") for text in sigmoid.values()), sigmoid


def test_a_callback_argument_over_its_cap_is_refused(grade_notebook, notebook):
    report = grade_notebook(attacks.with_cell(notebook, attacks.oversized_callback_argument((MAX_CALLBACK_BYTES >> 20) + 8)))
    assert_earns_nothing(report)
    composite = [result.message for result in report.results if result.exercise == "composite_derivative"]
    assert composite and all(f"called with more than {MAX_CALLBACK_BYTES >> 20} MB of arguments" in text for text in composite)


def assert_not_graded(report, reason):
    assert_earns_nothing(report)
    assert report.problem and reason in report.problem
    assert f"Could not grade the notebook: {report.problem}" in report.preamble()


def test_a_notebook_over_the_size_cap_is_not_read(grade_notebook, notebook):
    report = grade_notebook(attacks.huge_notebook(notebook, (submission.MAX_NOTEBOOK_BYTES >> 20) + 1))
    assert_not_graded(report, f"over the {submission.MAX_NOTEBOOK_BYTES >> 20} MB the grader reads; clear its outputs")


@pytest.mark.parametrize("cell_type", ["markdown", "code"])
def test_a_notebook_with_too_many_cells_is_not_graded(grade_notebook, notebook, cell_type):
    report = grade_notebook(attacks.many_cells(notebook, submission.MAX_CELLS, cell_type))
    assert_not_graded(report, f"cells, over the {submission.MAX_CELLS} the grader reads")


def test_a_notebook_of_more_values_than_the_cap_is_not_parsed(grade_notebook, notebook):
    report = grade_notebook(attacks.many_cells(notebook, submission.MAX_JSON_VALUES // 8))
    assert_not_graded(report, f"holds over {submission.MAX_JSON_VALUES} values")


@pytest.mark.parametrize("depth", [submission.MAX_NESTING + 1, 100_000])
def test_a_deeply_nested_notebook_is_not_graded(grade_notebook, notebook, depth):
    report = grade_notebook(attacks.deeply_nested(notebook, depth))
    assert_not_graded(report, f"it nests lists or objects more than {submission.MAX_NESTING} deep")


def test_caps_leave_course_notebooks_alone(notebook):
    for assignment in catalog.assignment_ids():
        for kind in ("release", "solutions"):
            assert submission.read(catalog.notebook_path(kind, assignment), assignment).problem is None
    nested = submission.read(attacks.deeply_nested(notebook, submission.MAX_NESTING - 8), attacks.ASSIGNMENT)
    assert nested.problem is None and nested.cells


def test_a_code_cell_over_its_cap_is_skipped_with_a_note(grade_notebook, notebook):
    report = grade_notebook(attacks.with_cell(notebook, "x = 1  # " + "y" * submission.MAX_CELL_BYTES))
    assert_earns_nothing(report)
    assert any(f"holds over {submission.MAX_CELL_BYTES >> 20} MB of code; skipped" in note for note in report.notes)
