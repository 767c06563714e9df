"""The commands as users run them: real processes, real exit codes, real report formats."""

import json
import shutil
import subprocess
import sys

import pytest

from autograder import catalog, manifest

ASSIGNMENT = "01-foundations"


def autograder(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True, text=True, timeout=300)


def test_grade_json_is_gradescope_results_with_full_marks_for_the_source(tmp_path):
    output = tmp_path / "out" / "results.json"
    run = autograder("grade", catalog.notebook_path("assignments", ASSIGNMENT), "--format", "json", "--output", output)
    assert run.returncode == 0, run.stderr
    results = json.loads(output.read_text())
    assert results["score"] == results["max_score"] > 0
    assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(results["tests"][0])
    assert {test["status"] for test in results["tests"]} == {"passed"}
    assert {test["visibility"] for test in results["tests"]} == {"visible", "after_published"}


def test_grade_text_on_a_folder_shows_each_failure_and_where_to_reread(tmp_path):
    shutil.copy(catalog.notebook_path("release", ASSIGNMENT), tmp_path)
    run = autograder("grade", tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"{ASSIGNMENT}: ")
    assert "Score: 0 / " in run.stdout
    assert "your code raised NotImplementedError" in run.stdout
    assert "Reread: Part 02 · Activation functions" in run.stdout


def test_check_runs_the_visible_tests_and_fails_on_the_stub():
    run = autograder("check", catalog.notebook_path("release", ASSIGNMENT))
    assert run.returncode == 1
    assert "FAIL" in run.stdout and "does not call a built-in" not in run.stdout  # hidden tests stay hidden


def test_check_passes_on_the_reference_and_says_it_is_not_the_grade():
    run = autograder("check", catalog.notebook_path("assignments", ASSIGNMENT))
    assert run.returncode == 0
    plan = manifest.load(ASSIGNMENT).plan()[0]
    visible = [test for test in plan if test.visible]
    assert 0 < len(visible) < len(plan)
    assert (f"Visible checks: {len(visible)} of {len(visible)} passed; your grade comes from all the hidden tests, "
            f"{sum(test.points for test in plan):g} points") in run.stdout


@pytest.mark.parametrize("args, message", [
    (["grade", "no-such-notebook.ipynb"], "no such file"),
    (["grade", catalog.notebook_path("release", ASSIGNMENT), "--assignment", "99-nothing"], "unknown assignment"),
])
def test_grading_that_cannot_start_exits_2_with_a_message(args, message):
    run = autograder(*args)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
