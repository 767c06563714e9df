"""Broken and hostile notebooks get zeros and a clear message, never a crash or a stolen point."""

import functools

import pytest

from autograder import catalog

from conftest import FAST_LIMITS, notebook_with_cells

ASSIGNMENT = "01-foundations"
SOURCE = catalog.notebook_path("assignments", ASSIGNMENT)
RELEASE = catalog.notebook_path("release", ASSIGNMENT)
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


@pytest.fixture
def grade_notebook(grade_notebook):
    """Short time limits: some of these notebooks hang on purpose."""
    return functools.partial(grade_notebook, limits=FAST_LIMITS)


def test_invalid_json_scores_zero_with_a_reason(grade_notebook, tmp_path):
    broken = tmp_path / NOTEBOOK
    broken.write_text('{"cells": [')
    report = grade_notebook(broken)
    assert report.score == 0 and report.max_score > 0
    assert "could not be read" in report.problem
    assert all(result.message.startswith("not graded: the notebook could not be read") for result in report.results)


def test_missing_function_loses_only_its_exercise(grade_notebook, tmp_path):
    report = grade_notebook(notebook_with_cells(SOURCE, tmp_path / NOTEBOOK, drop="sigmoid"))
    failed = [result for result in report.results if not result.passed]
    assert {result.exercise for result in failed} == {"sigmoid"}
    assert all("`sigmoid` is not defined in your notebook" in result.message for result in failed)


def test_failing_import_cell_scores_zero_and_is_reported(grade_notebook, tmp_path):
    report = grade_notebook(notebook_with_cells(RELEASE, tmp_path / NOTEBOOK, first="import torchh"))
    assert report.score == 0
    assert any("ModuleNotFoundError" in note and "torchh" in note for note in report.notes)


def test_a_raising_cell_does_not_stop_the_cells_after_it(grade_notebook, tmp_path):
    report = grade_notebook(notebook_with_cells(SOURCE, tmp_path / NOTEBOOK, first="raise ValueError('oops')"))
    assert report.score == report.max_score
    assert any("ValueError: oops" in note for note in report.notes)


def test_endless_loop_is_cut_off_and_the_rest_still_grades(grade_notebook, tmp_path):
    report = grade_notebook(notebook_with_cells(SOURCE, tmp_path / NOTEBOOK, first="while True:\n    pass"))
    assert report.score == report.max_score
    assert any("did not finish in time" in note for note in report.notes)


def test_endless_loop_in_a_graded_function_fails_that_test_only(grade_notebook, tmp_path):
    looping_relu = "def relu(x):\n    while True:\n        pass"
    report = grade_notebook(notebook_with_cells(SOURCE, tmp_path / NOTEBOOK, last=looping_relu), exercises={"relu", "sigmoid"})
    by_exercise = {result.exercise: result for result in report.results if not result.passed}
    assert set(by_exercise) == {"relu"}
    assert "did not finish in time" in by_exercise["relu"].message


HOSTILE_FIRST_CELLS = {
    "comparisons always true": (
        "import torch\n"
        "torch.allclose = lambda *a, **k: True\n"
        "torch.isclose = lambda a, b, **k: torch.ones_like(a, dtype=torch.bool)\n"
        "torch.equal = lambda *a, **k: True\n"
        "torch.Tensor.__eq__ = lambda self, other: True"
    ),
    "os._exit(0)": "import os\nos._exit(0)",
    "sys.exit(0)": "import sys\nsys.exit(0)",
    "forged results files": (
        "import json, os\n"
        "for path in ['results.json', '/autograder/results/results.json', os.path.expanduser('~/results.json')]:\n"
        "    try:\n"
        "        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)\n"
        "        open(path, 'w').write(json.dumps({'score': 100, 'max_score': 100}))\n"
        "    except OSError:\n"
        "        pass\n"
        "print('Score: 28 / 28')"
    ),
    "patched pytest": (
        "import pytest, _pytest.runner\n"
        "pytest.main = lambda *a, **k: 0\n"
        "_pytest.runner.call_and_report = lambda *a, **k: None\n"
        "pytest.fail = lambda *a, **k: None"
    ),
}


@pytest.mark.parametrize("attack", HOSTILE_FIRST_CELLS)
def test_hostile_first_cell_on_the_stub_still_scores_zero(grade_notebook, tmp_path, attack):
    report = grade_notebook(notebook_with_cells(RELEASE, tmp_path / NOTEBOOK, first=HOSTILE_FIRST_CELLS[attack]))
    assert report.max_score > 0
    assert report.score == 0, [result.name for result in report.results if result.passed]
