"""`autograder grade-all`: a class of good, stub, broken and hostile submissions in one run."""

import csv
import shutil
import subprocess
import sys
import zipfile

from autograder import catalog

from conftest import notebook_with_cells

ASSIGNMENT = "01-foundations"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


def make_class(folder):
    """nbgrader's submitted/<student>/<id>/ layout mixed with loose notebooks and a zip."""
    def submitted(student):
        path = folder / student / ASSIGNMENT
        path.mkdir(parents=True)
        return path / NOTEBOOK

    shutil.copy(catalog.notebook_path("solutions", ASSIGNMENT), submitted("ada"))
    shutil.copy(catalog.notebook_path("release", ASSIGNMENT), submitted("bob"))
    notebook_with_cells(catalog.notebook_path("assignments", ASSIGNMENT), submitted("eve"), first="import os\nos._exit(0)")
    (folder / "carl.ipynb").write_text("{ this is not json")
    (folder / "dora").mkdir()
    with zipfile.ZipFile(folder / "finn.zip", "w") as archive:
        archive.write(catalog.REPO_ROOT / "examples" / ASSIGNMENT / NOTEBOOK, f"finn/{NOTEBOOK}")


def test_grade_all_grades_everyone_and_reports_what_it_could_not_grade(tmp_path):
    make_class(tmp_path / "submitted")
    out = tmp_path / "grades"
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "grade-all", tmp_path / "submitted", "--assignment", ASSIGNMENT, "--jobs", "2", "--output-dir", out],
        capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stderr
    with open(out / "scores.csv") as scores:
        rows = {row["student"]: row for row in csv.DictReader(scores)}
    assert set(rows) == {"ada", "bob", "carl", "dora", "eve", "finn"}
    full = rows["ada"]["max_score"]
    assert rows["ada"]["score"] == full and rows["eve"]["score"] == full
    assert rows["bob"]["score"] == "0" and rows["carl"]["score"] == "0" and rows["dora"]["score"] == "0"
    assert 0 < float(rows["finn"]["score"]) < float(full)
    assert rows["carl"]["status"].startswith("not graded: the notebook could not be read")
    assert rows["dora"]["status"].startswith("not graded:")
    assert {path.stem for path in (out / "feedback").iterdir()} == set(rows)
    assert "ended the process" in (out / "feedback" / "eve.txt").read_text()
    summary = (out / "summary.txt").read_text()
    assert "4 graded, 2 could not be graded" in summary and "carl:" in summary and "dora:" in summary
    assert "Share of students passing each test" in summary and "75%" in summary
