"""Every assignment: the reference scores full marks, the stub scores zero, every mutant loses points."""

import json

import pytest

from autograder import catalog, mutation

ASSIGNMENTS = catalog.assignment_ids()
MUTANTS = [(assignment, mutant) for assignment in ASSIGNMENTS for mutant in mutation.load_catalog(assignment)]


def exercise_points(report) -> dict[str, tuple[float, float]]:
    totals: dict[str, tuple[float, float]] = {}
    for result in report.results:
        got, possible = totals.get(result.exercise, (0, 0))
        totals[result.exercise] = (got + result.points, possible + result.max_points)
    return totals


def solution_cell_ids(assignment: str) -> set[str]:
    notebook = json.loads(catalog.notebook_path("assignments", assignment).read_text())
    return {
        cell["metadata"]["nbgrader"]["grade_id"]
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("kind", ["assignments", "solutions"])
def test_reference_notebooks_score_full_marks(grade_notebook, assignment, kind):
    report = grade_notebook(catalog.notebook_path(kind, assignment))
    failed = {result.name: result.message for result in report.results if not result.passed}
    assert not failed, failed
    assert report.score == report.max_score > 0
    assert not report.notes, report.notes


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_stub_scores_zero_with_a_reason_per_test(grade_notebook, assignment):
    report = grade_notebook(catalog.notebook_path("release", assignment))
    assert report.max_score > 0
    assert report.score == 0
    assert all("NotImplementedError" in result.message for result in report.results), [
        result.message for result in report.results if "NotImplementedError" not in result.message
    ]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_solution_cell_is_graded_and_has_three_mutants(grade_notebook, assignment):
    report = grade_notebook(catalog.notebook_path("assignments", assignment))
    graded = {result.exercise for result in report.results}
    assert graded == solution_cell_ids(assignment)
    mutants_per_exercise = {exercise: 0 for exercise in graded}
    for mutant in mutation.load_catalog(assignment):
        mutants_per_exercise[mutant.exercise] += 1
    assert min(mutants_per_exercise.values()) >= 3, mutants_per_exercise


@pytest.mark.parametrize("assignment, mutant", MUTANTS, ids=[f"{a}: {m.name}" for a, m in MUTANTS])
def test_mutant_loses_points_on_its_exercise(grade_notebook, tmp_path, assignment, mutant):
    notebook = mutation.apply(catalog.notebook_path("assignments", assignment), mutant, tmp_path / f"{assignment}.ipynb")
    report = grade_notebook(notebook, exercises={mutant.exercise})
    got, possible = exercise_points(report)[mutant.exercise]
    assert got < possible, f"{mutant.name!r} still scores {got}/{possible}"
    assert all(result.message for result in report.results if not result.passed)
