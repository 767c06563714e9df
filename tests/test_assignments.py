"""Every assignment: the reference scores full marks, the stub scores zero, the mutants are caught."""

import json

import pytest

from autograder import catalog, manifest, mutation
from autograder.sandbox.process import guard_flags

ASSIGNMENTS = catalog.assignment_ids()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("kind", ["assignments", "solutions"])
def test_reference_notebooks_score_full_marks(grade_notebook, assignment, kind):
    report = grade_notebook(catalog.notebook_path(kind, assignment))
    failed = {result.name: result.message for result in report.results if not result.passed}
    assert not failed, failed
    assert report.score == report.max_score > 0
    assert not report.notes, report.notes
    assert report.flags == guard_flags(report.guards), report.flags  # at most this machine's missing guards


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_stub_scores_zero_with_a_reason_per_test(grade_notebook, assignment):
    report = grade_notebook(catalog.notebook_path("release", assignment))
    assert report.max_score > 0
    assert report.score == 0
    assert all("NotImplementedError" in result.message for result in report.results), [
        result.message for result in report.results if "NotImplementedError" not in result.message
    ]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_solution_cell_is_graded(grade_notebook, assignment):
    report = grade_notebook(catalog.notebook_path("assignments", assignment))
    assert {result.exercise for result in report.results} == set(manifest.load(assignment).exercises)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_test_cells_delegate_each_exercise_with_its_points(grade_notebook, assignment):
    points: dict[str, float] = {}
    for result in grade_notebook(catalog.notebook_path("assignments", assignment)).results:
        points[result.exercise] = points.get(result.exercise, 0) + result.max_points
    cells = json.loads(catalog.notebook_path("assignments", assignment).read_text())["cells"]
    test_cells = {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in cells
                  if cell["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("test_")}
    assert set(test_cells) == {f"test_{exercise}" for exercise in points}
    for exercise, total in points.items():
        cell = test_cells[f"test_{exercise}"]
        assert cell["metadata"]["nbgrader"]["points"] == total, exercise
        assert f'hidden_tests("{assignment}", "{exercise}")' in "".join(cell["source"])


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutation_score_passes_the_gate_and_every_mutant_is_caught(zygote, tmp_path, summary, assignment):
    results = mutation.run_catalog(assignment, zygote, tmp_path)
    summary("mutation score", mutation.table(assignment, results))
    assert not mutation.gate(results, manifest.load(assignment).exercises)
    assert all(result.caught for result in results), [result.variant.name for result in results if not result.caught]
