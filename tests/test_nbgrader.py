"""The real nbgrader round trip in a scratch course: release, fetch, submit, collect, autograde,
feedback and export, with the real sqlite gradebook. Its scores equal `autograder grade`'s."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from autograder import catalog, publish
from autograder.grading import grade

ASSIGNMENT = "01-foundations"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
COURSE = "intro-pytorch"




def solution_sources(notebook: Path) -> dict[str, str]:
    cells = json.loads(notebook.read_text())["cells"]
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell["source"] for cell in cells
            if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution")}


def fill(fetched: Path, sources: dict[str, str]) -> None:
    """What a student does: write code into the solution cells of the fetched notebook."""
    notebook = json.loads(fetched.read_text())
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell["source"] = sources[grade_id]
    fetched.write_text(json.dumps(notebook))


SUBMISSIONS = {
    "ada": lambda path: fill(path, solution_sources(catalog.notebook_path("assignments", ASSIGNMENT))),
    "bob": lambda path: None,  # hands in the stub
    "cyd": lambda path: fill(path, solution_sources(catalog.REPO_ROOT / "examples" / ASSIGNMENT / NOTEBOOK)),
    "dee": lambda path: path.write_text('{"cells": [ broken'),
}


pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nbgrader-course")]  # one course for the module


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course run end to end; returns (course folder, exported grades by student)."""
    root = tmp_path_factory.mktemp("course")
    course, exchange = root / "course", root / "exchange"
    course.mkdir()
    exchange.mkdir()
    shutil.copy(catalog.REPO_ROOT / "nbgrader_config.py", course)
    shutil.copytree(catalog.REPO_ROOT / "assignments" / ASSIGNMENT, course / "assignments" / ASSIGNMENT)
    exchange_options = [f"--Exchange.root={exchange}", f"--CourseDirectory.course_id={COURSE}"]
    for student in SUBMISSIONS:
        publish.run_nbgrader(course, "db", "student", "add", student)
    publish.run_nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    publish.run_nbgrader(course, "release_assignment", ASSIGNMENT, *exchange_options)
    for student, work in SUBMISSIONS.items():
        home = root / "students" / student
        home.mkdir(parents=True)
        publish.run_nbgrader(home, "fetch_assignment", ASSIGNMENT, *exchange_options)
        work(home / ASSIGNMENT / NOTEBOOK)
        publish.run_nbgrader(home, "submit", ASSIGNMENT, f"--student={student}", *exchange_options)
    publish.run_nbgrader(course, "collect", ASSIGNMENT, *exchange_options)
    autograde = publish.run_nbgrader(course, "autograde", ASSIGNMENT, "--force", check=False)
    failed = {line.split("for student '")[1].split("'")[0] for line in autograde.stderr.splitlines() if "for student '" in line}
    assert failed == {"dee"}, autograde.stderr  # nbgrader grades the others, then exits 1 for the broken one
    publish.run_nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    publish.run_nbgrader(course, "export", "--to=grades.csv")
    with open(course / "grades.csv") as grades:
        exported = {row["student_id"]: row for row in csv.DictReader(grades)}
    return course, exported


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
        assert report.score == report.max_score


def test_feedback_shows_results_but_never_hidden_test_source(course):
    folder, _ = course
    feedback = (folder / "feedback" / "cyd" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "FAIL" in feedback and "Reread:" in feedback and "PASS" in feedback
    hidden_sources = [path.read_text() for path in catalog.hidden_tests_dir(ASSIGNMENT).glob("test_*.py")]
    revealing = {line.strip() for source in hidden_sources for line in source.splitlines()
                 if line.strip().startswith(("def ", "expect", "return ", "x = ", "grad, "))}
    leaked = sorted(line for line in revealing if line in feedback)
    assert not leaked, leaked
    assert "autograder/assignments" not in feedback and "testkit.py" not in feedback


def test_hidden_test_cells_end_in_points_not_errors(course):
    folder, _ = course
    cells = json.loads((folder / "autograded" / "cyd" / ASSIGNMENT / NOTEBOOK).read_text())["cells"]
    test_cells = [cell for cell in cells if cell["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("test_")]
    assert test_cells
    for cell in test_cells:
        kinds = [(output["output_type"], output.get("name")) for output in cell["outputs"]]
        assert ("error", None) not in kinds and ("stream", "stderr") not in kinds, cell["source"]
        assert kinds[-1] == ("execute_result", None)
