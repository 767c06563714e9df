"""The result model: totals known before any test runs, tests not run here shown with their points, one
'could not grade' form, and reports that travel as plain data."""

import json
import subprocess
import sys

from autograder import manifest
from autograder.reports import classroom, gradescope, text
from autograder.results import FAILED, NOT_RUN, PASSED, Report

GPU_ASSIGNMENT = "02-tensors"  # holds tests marked gpu


def test_the_plan_on_a_cpu_lists_gpu_tests_as_not_run_and_leaves_them_out_of_the_maximum():
    tests = manifest.load(GPU_ASSIGNMENT).tests
    graded, not_run = manifest.load(GPU_ASSIGNMENT).plan("cpu")
    gpu_tests = [test for test in tests if test.gpu]
    assert gpu_tests, "02-tensors should hold gpu tests"
    assert [result.node_id for result in not_run] == [test.node_id for test in gpu_tests]
    assert all(result.status == NOT_RUN and "CUDA" in result.message for result in not_run)
    assert {test.node_id for test in graded} == {test.node_id for test in tests if not test.gpu}
    on_gpu, nothing = manifest.load(GPU_ASSIGNMENT).plan("cuda")
    assert len(on_gpu) == len(tests) and not nothing


def test_a_report_says_which_points_its_total_covers_in_every_renderer():
    report = manifest.ungradable(GPU_ASSIGNMENT, "alice.ipynb", "the notebook could not be read: oops")
    worth = sum(result.max_points for result in report.not_run)
    assert report.score == 0 and report.max_score == sum(test.points for test in manifest.load(GPU_ASSIGNMENT).plan()[0])
    line = report.total_line()
    assert f"not run here: {len(report.not_run)} tests worth {worth:g} points" in line
    assert line in text.render(report) and line in classroom.summary_markdown(report)
    assert line in gradescope.results_json(report)["output"]
    assert "(not run here)" in text.render(report)


def test_could_not_grade_is_one_form_with_every_test_at_zero_and_the_reason():
    report = manifest.ungradable("01-foundations", "bob.ipynb", "the notebook could not be read: bad JSON")
    assert report.problem and not report.fully_passed
    assert report.results and all(result.status == FAILED and result.points == 0 for result in report.results)
    assert all(result.feedback.startswith("not graded: the notebook could not be read") for result in report.results)
    assert text.render(report).count("Could not grade the notebook: the notebook could not be read: bad JSON") == 1
    assert classroom.result_json(report)["status"] != "pass"


def test_a_report_travels_as_plain_json_and_comes_back_equal():
    report = manifest.ungradable(GPU_ASSIGNMENT, "carol.ipynb", "why")
    report.results[0] = report.results[0].__class__(**{**report.results[0].__dict__, "status": PASSED,
                                                       "points": report.results[0].max_points})
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again == report and again.score == report.score > 0


def run_python(script: str) -> subprocess.CompletedProcess:
    """A fresh process: this one has read hidden tests, so it may not start a launcher any more."""
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)


def test_a_launcher_that_stopped_is_reported_as_a_load_failure_not_as_test_failures():
    run = run_python(
        "from autograder import catalog, launcher\n"
        "from autograder.grading import grade\n"
        "stopped = launcher.start(['00-getting-started'])\n"
        "stopped.close()\n"
        "report = grade(catalog.notebook_path('assignments', '00-getting-started'), zygote=stopped)\n"
        "print(f'{report.score:g} {report.max_score:g} {report.problem}')\n"
        "print(all(r.feedback.startswith('not graded: the sandbox could not start') for r in report.results))\n")
    assert run.stdout.startswith("0 1 the sandbox could not start"), run.stderr
    assert run.stdout.splitlines()[1] == "True"


def test_the_launcher_refuses_to_start_after_this_process_read_hidden_tests():
    run = run_python(
        "from autograder import grading, launcher\n"
        "grading.collect_hidden_tests('00-getting-started')\n"
        "try:\n    launcher.start(['00-getting-started'])\n"
        "except launcher.LauncherTooLate as error:\n    print('refused:', error)\n")
    assert "refused: the sandbox launcher must start before this process reads the hidden tests of 00-getting-started" \
        in run.stdout, run.stderr
