"""Every assignment: the reference scores full marks, the stub scores zero, the mutants are caught."""

import json

import pytest

from autograder import catalog, manifest, mutation
from autograder.sandbox.process import guard_flags

ASSIGNMENTS = catalog.assignment_ids()


def expect_full_marks(report) -> None:
    failed = {result.name: result.message for result in report.results if not result.passed}
    assert not failed, failed
    assert report.score == report.max_score > 0
    assert not report.notes, report.notes
    assert report.flags == guard_flags(report.guards), report.flags  # at most this machine's missing guards


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_source_notebook_scores_full_marks_on_every_exercise_through_its_test_cell(grade_notebook, assignment):
    """Graded once: full marks, every solution cell's exercise graded, and each nbgrader test cell delegating
    its exercise with the exercise's points."""
    report = grade_notebook(catalog.notebook_path("assignments", assignment))
    expect_full_marks(report)
    points: dict[str, float] = {}
    for result in report.results:
        points[result.exercise] = points.get(result.exercise, 0) + result.max_points
    assert set(points) == set(manifest.load(assignment).exercises)
    cells = json.loads(catalog.notebook_path("assignments", assignment).read_text())["cells"]
    test_cells = {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in cells
                  if cell["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("test_")}
    assert set(test_cells) == {f"test_{exercise}" for exercise in points}
    for exercise, total in points.items():
        cell = test_cells[f"test_{exercise}"]
        assert cell["metadata"]["nbgrader"]["points"] == total, exercise
        assert f'hidden_tests("{assignment}", "{exercise}")' in "".join(cell["source"])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solution_notebook_scores_full_marks(grade_notebook, assignment):
    expect_full_marks(grade_notebook(catalog.notebook_path("solutions", assignment)))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_stub_scores_zero_with_a_reason_per_test(grade_notebook, assignment):
    report = grade_notebook(catalog.notebook_path("release", assignment))
    assert report.max_score > 0
    assert report.score == 0
    assert all("NotImplementedError" in result.message for result in report.results), [
        result.message for result in report.results if "NotImplementedError" not in result.message
    ]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutation_score_passes_the_gate_and_every_mutant_is_caught(zygote, tmp_path, summary, assignment):
    results = mutation.run_catalog(assignment, zygote, tmp_path)
    summary("mutation score", mutation.table(assignment, results))
    assert not mutation.gate(results, manifest.load(assignment).exercises)
    assert all(result.caught for result in results), [result.variant.name for result in results if not result.caught]


def test_until_first_failure_runs_the_quickest_tests_first_and_none_after_a_failure(grade_notebook):
    """The mutation gate's mode: 04's train_epoch stub fails its quickest test; the Net trained on CIFAR10
    for 4 epochs (the slowest) is then never run."""
    planned, _ = manifest.load("04-convnets").plan(exercises={"train_epoch"})
    report = grade_notebook(catalog.notebook_path("release", "04-convnets"), exercises={"train_epoch"},
                            until_first_failure=True)
    ran = [result for result in report.results if result.message != "not run: an earlier test failed"]
    assert len(ran) == 1 and "NotImplementedError" in ran[0].message
    assert ran[0].node_id == min(planned, key=lambda test: test.timeout).node_id
    assert len(report.results) == len(planned) > 1 and report.score == 0
