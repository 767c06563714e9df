"""The real nbgrader round trip in a scratch course: release, fetch, submit, collect, autograde,
feedback and export, with the real sqlite gradebook. `nbgrader autograde` grades in the sandbox
(autograder/nbgrader_sandbox/), so its scores are `autograder grade`'s, whatever the notebook does."""

import csv
import json
from pathlib import Path

import pytest

from autograder import catalog, publish
from autograder.grading import grade

from conftest import notebook_with_cells
from nbgrader_course import COURSE, fill, leaked_hidden_test_lines, released_course, solution_sources

ASSIGNMENT = "01-foundations"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
WRITTEN_ANSWER = "answer_linear_stack"  # graded by hand in formgrader, 1 point
# The patch that gave full points when the hidden tests ran in the student's kernel.
IN_KERNEL_PATCH = "import autograder.in_kernel as _k\n_k.hidden_tests = lambda assignment, exercise: None\n"
LOAD_FAILURE = "import torchh\n"


def prepend_to_first_solution(fetched: Path, code: str) -> None:
    notebook = json.loads(fetched.read_text())
    first = next(cell for cell in notebook["cells"] if cell["metadata"].get("nbgrader", {}).get("solution"))
    first["source"] = code + "".join(first["source"])
    fetched.write_text(json.dumps(notebook))


SUBMISSIONS = {
    "ada": lambda path: fill(path, solution_sources(catalog.notebook_path("assignments", ASSIGNMENT))),
    "bob": lambda path: None,  # hands in the stub
    "cyd": lambda path: fill(path, solution_sources(catalog.REPO_ROOT / "examples" / ASSIGNMENT / NOTEBOOK)),
    "dee": lambda path: path.write_text('{"cells": [ broken'),
    "pat": lambda path: prepend_to_first_solution(path, IN_KERNEL_PATCH),  # and solves nothing
    "eve": lambda path: (fill(path, solution_sources(catalog.notebook_path("assignments", ASSIGNMENT))),
                         notebook_with_cells(path, path, first=LOAD_FAILURE)),  # a cell of her own that raises
}


pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nbgrader-course")]  # one course for the module


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course run end to end; returns (course folder, exported grades by student)."""
    root = tmp_path_factory.mktemp("course")
    course = released_course(root, [ASSIGNMENT], list(SUBMISSIONS))
    exchange_options = course.exchange_options
    for student, work in SUBMISSIONS.items():
        home = root / "students" / student
        home.mkdir(parents=True)
        publish.run_nbgrader(home, "fetch_assignment", ASSIGNMENT, *exchange_options)
        work(home / ASSIGNMENT / NOTEBOOK)
        publish.run_nbgrader(home, "submit", ASSIGNMENT, f"--student={student}", *exchange_options)
    course.nbgrader("collect", ASSIGNMENT, *exchange_options)
    autograde = course.nbgrader("autograde", ASSIGNMENT, "--force", check=False)
    failed = {line.split("for student '")[1].split("'")[0] for line in autograde.stderr.splitlines() if "for student '" in line}
    assert failed == {"dee"}, autograde.stderr  # nbgrader grades the others, then exits 1 for the broken one
    course.nbgrader("generate_feedback", ASSIGNMENT, "--force")
    course.nbgrader("export", "--to=grades.csv")
    return course.folder, exported_grades(course.folder / "grades.csv")


def exported_grades(path: Path) -> dict[str, dict]:
    with open(path) as grades:
        return {row["student_id"]: row for row in csv.DictReader(grades)}


def notebook_cells_of(folder: Path, kind: str, student: str) -> list[dict]:
    return json.loads((folder / kind / student / ASSIGNMENT / NOTEBOOK).read_text())["cells"]


def test_every_student_is_exported_from_the_gradebook(course):
    folder, exported = course
    assert set(exported) == set(SUBMISSIONS)
    assert (folder / "gradebook.db").is_file()


@pytest.mark.parametrize("student", SUBMISSIONS)
def test_nbgrader_scores_equal_autograder_grade(course, student, zygote):
    folder, exported = course
    report = grade(folder / "submitted" / student / ASSIGNMENT / NOTEBOOK, ASSIGNMENT, zygote=zygote)
    assert float(exported[student]["score"]) == report.score
    if student == "ada":
        assert report.score == report.max_score > 0


def test_patching_the_in_kernel_tests_exports_no_point(course):
    _, exported = course
    assert float(exported["pat"]["raw_score"]) == 0
    assert float(exported["ada"]["raw_score"]) == float(exported["eve"]["raw_score"]) > 0


def test_gradebook_cells_hold_the_sandboxed_points_beside_manual_grades(course, zygote):
    """What formgrader shows: each test cell's auto score is its exercise's sandboxed points; a manual
    grade of a written answer adds to them in the export."""
    from nbgrader.api import Gradebook

    folder, _ = course
    report = grade(folder / "submitted" / "cyd" / ASSIGNMENT / NOTEBOOK, ASSIGNMENT, zygote=zygote)
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", COURSE) as gradebook:
        notebook = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "cyd")
        auto_scores = {grade.name: grade.auto_score for grade in notebook.grades if grade.name.startswith("test_")}
        gradebook.find_grade(WRITTEN_ANSWER, ASSIGNMENT, ASSIGNMENT, "cyd").manual_score = 1.0
        gradebook.db.commit()
    expected = {f"test_{exercise}": sum(r.points for r in report.results if r.exercise == exercise)
                for exercise in {r.exercise for r in report.results}}
    assert auto_scores == expected and 0 < report.score < report.max_score
    publish.run_nbgrader(folder, "export", "--to=with-manual.csv")
    assert float(exported_grades(folder / "with-manual.csv")["cyd"]["score"]) == report.score + 1


def test_feedback_shows_results_but_never_hidden_test_source(course):
    folder, _ = course
    feedback = (folder / "feedback" / "cyd" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "FAIL" in feedback and "Reread:" in feedback and "PASS" in feedback
    leaked = leaked_hidden_test_lines(ASSIGNMENT, feedback)
    assert not leaked, leaked
    assert "autograder/assignments" not in feedback and "testkit.py" not in feedback


def test_hidden_test_cells_end_in_points_and_no_other_cell_ran(course):
    folder, _ = course
    cells = notebook_cells_of(folder, "autograded", "cyd")
    test_cells = [cell for cell in cells if cell["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("test_")]
    assert test_cells
    for cell in test_cells:
        kinds = [(output["output_type"], output.get("name")) for output in cell["outputs"]]
        assert kinds == [("stream", "stdout"), ("execute_result", None)], cell["source"]
    others = [cell for cell in cells if cell["cell_type"] == "code" and cell not in test_cells]
    assert others and not any(cell["outputs"] for cell in others)  # demos included: nothing ran in a kernel


def test_a_cell_that_failed_while_loading_says_why_in_the_autograded_notebook(course):
    folder, _ = course
    failed = [cell for cell in notebook_cells_of(folder, "autograded", "eve")
              if any(output["output_type"] == "error" for output in cell.get("outputs", []))]
    assert len(failed) == 1 and "".join(failed[0]["source"]).startswith(LOAD_FAILURE)
    assert "ModuleNotFoundError" in failed[0]["outputs"][0]["evalue"]
