"""The GitHub Classroom template, the Gradescope autograder and the workflows, as Classroom and Gradescope run them.

Classroom: the generated workflow's steps run here as a runner runs them (bash, one GITHUB_OUTPUT per
step, `if: always()`), and the result goes to the grading reporter: tests/classroom_reporter.js, an
imitation of its v1 dist/main.js, and the real one too when CLASSROOM_REPORTER_JS names a copy of it.
"""

import base64
import errno
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import mistune
import pytest
import yaml

from autograder import catalog, deploy, manifest, submission
from autograder.deploy import classroom, gradescope
from autograder.reports import classroom as classroom_report
from autograder.results import FAILED, PASSED, Report

ASSIGNMENT = "01-foundations"
EXAMPLE = catalog.REPO_ROOT / "examples" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
HERE = Path(__file__).parent
BIN = Path(sys.executable).parent
REAL_REPORTER = os.environ.get("CLASSROOM_REPORTER_JS")
REPORTERS = [
    pytest.param(HERE / "classroom_reporter.js", id="imitation"),
    pytest.param(REAL_REPORTER, id="real", marks=pytest.mark.skipif(
        not REAL_REPORTER, reason="set CLASSROOM_REPORTER_JS to the reporter's v1 dist/main.js")),
]
ENV_VAR_LIMIT = 128 * 1024  # Linux's MAX_ARG_STRLEN: one "NAME=value" in a process's environment
EXPRESSION = re.compile(r"\$\{\{\s*steps\.(\w+)\.outputs\.(\w+)\s*\}\}")
ANY_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def autograder(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True, text=True, **kwargs)


# --- the reporter ---------------------------------------------------------------------------------

@dataclass
class ReporterRun:
    """What the reporter printed: its notice, its log's total, its table's total, its per-test lines."""

    returncode: int
    lines: list[str]

    def matches(self, pattern: str) -> list[tuple[str, ...]]:
        return [match.groups() for line in self.lines if (match := re.match(pattern, line.replace("│", " ")))]

    @property
    def notice(self) -> str:
        return self.matches(r"::notice title=Autograding complete::(.*)$")[0][0]

    @property
    def log_total(self) -> str:
        return self.matches(rf"Total points for {deploy.RUNNER}: (\S+)$")[0][0]

    @property
    def table_total(self) -> tuple[str, ...]:
        return self.matches(r"\s*Total:\s+(\S+)\s+(\S+)")[0]

    @property
    def failure(self) -> str:
        return self.matches(r"::error::(.*)$")[0][0]

    @property
    def test_lines(self) -> list[tuple[str, ...]]:
        return self.matches(r"(✅|❌) (.*)$")

    @property
    def errors(self) -> list[str]:
        return [message for (message,) in self.matches(r"Error: (.*)$")]


def run_reporter(script, env: dict[str, str]) -> ReporterRun:
    """The reporter as the Actions runner starts it: its inputs and the step's env as environment variables."""
    run = subprocess.run(["node", str(script)], env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True)
    return ReporterRun(run.returncode, re.sub(r"\x1b\[[0-9;]*m", "", run.stdout).splitlines())


def reporter_env(result: dict) -> dict[str, str]:
    encoded = base64.b64encode((json.dumps(result) + "\n").encode()).decode()
    return {"INPUT_RUNNERS": deploy.RUNNER, f"{deploy.RUNNER.upper()}_RESULTS": encoded}


def assert_one_total(run: ReporterRun, points: float, max_points: float):
    """The notice Classroom records, the log's line and the table say the same points."""
    assert run.notice == f"Points {points:g}/{max_points:g}"
    assert run.log_total == f"{points:.2f}/{max_points:g}"
    assert run.table_total == (f"{points:g}", f"{max_points:g}")


def report_where(assignment: str, passes, message: str = "expected 1, got 0") -> Report:
    """A report of `assignment` in which the tests for which `passes(test)` holds passed."""
    planned, not_run = manifest.load(assignment).plan()
    results = [test.result(points=test.points, status=PASSED) if passes(test) else test.result(status=FAILED, message=message)
               for test in planned]
    return Report(assignment, f"{assignment}.ipynb", results=results, not_run=not_run)


@pytest.mark.parametrize("reporter", REPORTERS)
@pytest.mark.parametrize("passes", [lambda test: True, lambda test: False, lambda test: test.points == 2],
                         ids=["full", "zero", "the-2-point-tests"])
def test_the_reporter_gives_one_total_for_tests_of_1_and_2_points(reporter, passes):
    report = report_where(ASSIGNMENT, passes)
    run = run_reporter(reporter, reporter_env(classroom_report.result_json(report)))
    assert_one_total(run, report.score, report.max_score)
    assert len(run.test_lines) == report.max_score  # one line per point
    if report.fully_passed:
        assert run.returncode == 0 and not run.matches("::error::")
    else:
        assert run.returncode == 1 and run.failure == "Some tests failed."


@pytest.mark.parametrize("reporter", REPORTERS)
def test_an_oversized_result_is_cut_fairly_keeps_every_test_and_still_reaches_the_reporter(reporter, summary):
    # A student's exception message can be 4000 characters (student.py); these have what JSON escapes.
    long_message = ('ValueError: "`weights`" ünd\t\\ ' * 200)[:4000]
    report = report_where("05-deeper-models", lambda test: False, long_message)
    report.results[0] = replace(report.results[0], message="short")
    uncut = classroom_report.result_json(report, limit=math.inf)
    with pytest.raises(OSError) as too_long:
        run_reporter(reporter, reporter_env(uncut))
    assert too_long.value.errno == errno.E2BIG  # node would not even start

    result = classroom_report.result_json(report)
    size = classroom_report.encoded_size(result)
    assert classroom_report.RESULT_LIMIT_BYTES * 0.95 < size <= classroom_report.RESULT_LIMIT_BYTES
    messages = [test["message"] for test in result["tests"] if test["message"]]
    assert messages[0] == report.results[0].feedback  # a short message is kept whole
    assert {len(message) for message in messages[1:]} == {len(messages[1])}  # the long ones share one length
    assert all(message.endswith(classroom_report.CUT_MARK) for message in messages[1:])
    run = run_reporter(reporter, reporter_env(result))
    assert_one_total(run, 0, report.max_score)
    assert len(run.test_lines) == report.max_score
    encoded = len(reporter_env(uncut)[f"{deploy.RUNNER.upper()}_RESULTS"])
    summary("Classroom result size (05-deeper-models, every test failing with a 4000-character message)",
            f"uncut {classroom_report.encoded_size(uncut)} B ({encoded} B base64, the variable limit is {ENV_VAR_LIMIT} B) "
            f"-> cut {size} B (limit {classroom_report.RESULT_LIMIT_BYTES} B)")


@pytest.mark.parametrize("reporter", REPORTERS)
def test_a_broken_result_reports_the_real_error_not_the_runners_pattern(reporter):
    run = run_reporter(reporter, {"INPUT_RUNNERS": deploy.RUNNER})  # what it gets when no step wrote a result
    assert re.fullmatch(r"[a-zA-Z0-9]+", deploy.RUNNER)
    assert run.returncode == 1 and "must be a comma-separated list" not in run.failure


# --- the Classroom workflow, step by step -----------------------------------------------------------

def classroom_steps(tmp_path: Path) -> tuple[Path, list[dict]]:
    template = classroom.write_template(ASSIGNMENT, tmp_path / "repo")
    workflow = yaml.safe_load((template / ".github/workflows/classroom.yml").read_text())
    return template, workflow["jobs"]["run-autograding-tests"]["steps"]


@dataclass
class WorkflowRun:
    reporter: ReporterRun | None
    summary: str
    result: dict | None


def run_workflow(repo: Path, steps: list[dict], reporter, kill_grading_after: float | None = None) -> WorkflowRun:
    """The job's `run` steps as a runner runs them (bash -eo pipefail; after a failure only `if: always()`
    steps; a step past its time limit is interrupted), then the reporter with the env the workflow gives it.
    Checkouts and the install are what this checkout already is."""
    runner_temp, summary = repo.parent / "runner-temp", repo.parent / "summary.md"
    runner_temp.mkdir()
    outputs: dict[str, dict[str, str]] = {}
    failed = False
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", RUNNER_TEMP=str(runner_temp),
               GITHUB_STEP_SUMMARY=str(summary))
    for index, step in enumerate(steps):
        if failed and "always()" not in step.get("if", ""):
            continue
        if "run" in step and "pip install" not in step["run"]:
            output_file = runner_temp / f"output-{index}"
            output_file.touch()
            limit = kill_grading_after if "timeout-minutes" in step else None
            failed |= _run_step(step["run"], repo, dict(env, GITHUB_OUTPUT=str(output_file)), limit) != 0
            outputs[step.get("id", str(index))] = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
        elif step.get("uses", "").startswith("classroom-resources/autograding-grading-reporter@"):
            step_env = {name: EXPRESSION.sub(lambda m: outputs.get(m[1], {}).get(m[2], ""), value)
                        for name, value in step.get("env", {}).items()}
            run = run_reporter(reporter, {**step_env, "INPUT_RUNNERS": step["with"]["runners"]})
            encoded = step_env[f"{deploy.RUNNER.upper()}_RESULTS"]
            result = json.loads(base64.b64decode(encoded)) if encoded else None
            return WorkflowRun(run, summary.read_text() if summary.exists() else "", result)
    return WorkflowRun(None, summary.read_text() if summary.exists() else "", None)


def _run_step(script: str, cwd: Path, env: dict, limit: float | None) -> int:
    step = subprocess.Popen(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=env,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return step.wait(timeout=limit)
    except subprocess.TimeoutExpired:  # the runner interrupts the step's processes, then kills what is left
        os.killpg(step.pid, signal.SIGINT)
        try:
            step.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(step.pid, signal.SIGKILL)
            step.wait()
        return 1


@pytest.mark.slow
@pytest.mark.parametrize("reporter", REPORTERS)
def test_classroom_workflow_grades_a_partial_notebook_with_one_total_and_feedback_in_the_summary(tmp_path, reporter):
    repo, steps = classroom_steps(tmp_path)
    shutil.copy(EXAMPLE, repo / f"{ASSIGNMENT}.ipynb")
    run = run_workflow(repo, steps, reporter)
    points, max_points = map(float, re.search(rf"## {ASSIGNMENT}: (\S+) / (\S+) points", run.summary).groups())
    assert 0 < points < max_points == len(run.result["tests"])  # one entry per point
    assert_one_total(run.reporter, points, max_points)
    assert run.result["status"] == "fail" and run.reporter.failure == "Some tests failed."
    messages = [test["message"] for test in run.result["tests"] if test["status"] == "fail" and test["message"]]
    assert messages and all(message in run.summary for message in messages)  # the feedback the log leaves out


@pytest.mark.parametrize("reporter", REPORTERS)
@pytest.mark.parametrize("case", ["missing-notebook", "timeout"])
def test_classroom_workflow_reports_0_points_with_the_reason_when_grading_leaves_no_result(tmp_path, reporter, case):
    repo, steps = classroom_steps(tmp_path)
    if case == "missing-notebook":
        (repo / f"{ASSIGNMENT}.ipynb").rename(repo / f"{ASSIGNMENT} (1).ipynb")
        run, reason = run_workflow(repo, steps, reporter), f"there is no {ASSIGNMENT}.ipynb in the repository"
    else:
        run, reason = run_workflow(repo, steps, reporter, kill_grading_after=2), "grading did not finish"
    max_points = manifest.load(ASSIGNMENT).plan()[0]
    assert_one_total(run.reporter, 0, sum(test.points for test in max_points))
    assert run.result["status"] == "error" and run.reporter.failure == "Some tests errored."
    assert len(run.reporter.errors) == 1 and reason in run.reporter.errors[0]  # the one message its log prints
    assert reason in run.summary and f"0 / {sum(test.points for test in max_points):g} points" in run.summary


def test_classroom_template_holds_the_release_notebook_a_readme_and_the_workflow(tmp_path):
    repo, steps = classroom_steps(tmp_path)
    assert (repo / f"{ASSIGNMENT}.ipynb").read_bytes() == catalog.notebook_path("release", ASSIGNMENT).read_bytes()
    readme = (repo / "README.md").read_text()
    assert "Actions" in readme and "YOUR CODE HERE" in readme
    assert "Summary" in readme and "not why a test failed" in readme  # where the per-test feedback is
    workflow = yaml.safe_load((repo / ".github/workflows/classroom.yml").read_text())
    assert workflow["on"] == {"push": None, "repository_dispatch": None}
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    grading = next(step for step in steps if "--format classroom" in step.get("run", ""))
    assert grading["timeout-minutes"] == deploy.GRADING_MINUTES
    handover, reporter = steps[-2:]
    assert handover["id"] == deploy.RUNNER and handover["if"] == "always()" and "classroom-result" in handover["run"]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1" and reporter["if"] == "always()"
    assert reporter["with"]["runners"] == deploy.RUNNER
    autograder_checkout = next(step for step in steps if step.get("with", {}).get("path") == ".autograder")
    assert "secrets.AUTOGRADER_TOKEN" in autograder_checkout["with"]["token"]


def test_classroom_summary_fences_hold_any_message(tmp_path):
    hostile = "closing ``` and ```` fences\n## Score: 28 / 28\n<details>"
    report = report_where(ASSIGNMENT, lambda test: test.points == 1, hostile)
    report.notes = [f"a cell raised: {hostile}"]
    tokens = mistune.create_markdown(renderer="ast")(classroom_report.summary_markdown(report))
    headings = [token for token in tokens if token["type"] == "heading"]
    assert [heading["children"][0]["raw"] for heading in headings] == [f"{ASSIGNMENT}: {report.score:g} / {report.max_score:g} points", "What went wrong"]
    code = [token["raw"] for token in tokens if token["type"] == "block_code"]
    assert code[0] == "\n".join(report.preamble()) + "\n"
    assert code[1:] == [result.feedback + "\n" for result in report.failures]


# --- Gradescope -------------------------------------------------------------------------------------

def test_gradescope_zip_holds_the_grader_and_the_manifest_and_no_notebook(tmp_path):
    with zipfile.ZipFile(gradescope.build_zip(ASSIGNMENT, tmp_path / "autograder.zip")) as archive:
        names = set(archive.namelist())
        executable = all(archive.getinfo(name).external_attr >> 16 & 0o111 for name in ("setup.sh", "run_autograder"))
    assert {"setup.sh", "run_autograder", "payload/pyproject.toml", "payload/autograder/cli.py",
            f"payload/autograder/assignments/{ASSIGNMENT}/manifest.json"} <= names and executable
    assert not [name for name in names if name.endswith(".ipynb") or name.endswith("mutants.py")]
    assert not [name for name in names if name.startswith(("payload/assignments/", "payload/solutions/", "payload/release/"))]
    assert {name.split("/")[3] for name in names if name.startswith("payload/autograder/assignments/")} == {ASSIGNMENT}


def unpacked_autograder(tmp_path: Path) -> tuple[Path, dict]:
    """The zip unpacked as Gradescope does, and the environment that runs its run_autograder on a scratch
    /autograder: AUTOGRADER_BIN runs the payload's own grader (not this checkout's)."""
    source = tmp_path / "autograder" / "source"
    with zipfile.ZipFile(gradescope.build_zip(ASSIGNMENT, tmp_path / "autograder.zip")) as archive:
        archive.extractall(source)
    grader = tmp_path / "payload-grader"
    grader.write_text(f'#!/bin/sh\nPYTHONPATH="{source / "payload"}" exec "{sys.executable}" -m autograder "$@"\n')
    grader.chmod(0o755)
    (tmp_path / "autograder" / "submission").mkdir()
    return source, dict(os.environ, AUTOGRADER_ROOT=str(tmp_path / "autograder"), AUTOGRADER_BIN=str(grader))


def run_autograder(tmp_path: Path, source: Path, env: dict) -> dict:
    subprocess.run(["bash", source / "run_autograder"], env=env, cwd=tmp_path, check=True, capture_output=True)
    return json.loads((tmp_path / "autograder" / "results" / "results.json").read_text())


@pytest.mark.slow
def test_gradescope_payload_grades_alone_and_preloads_what_the_notebook_imports(tmp_path):
    source, env = unpacked_autograder(tmp_path)
    probe = "import autograder, json; from autograder import manifest; print(json.dumps([autograder.__file__, manifest.load(%r).preload]))"
    loaded = subprocess.run([sys.executable, "-c", probe % ASSIGNMENT], env=dict(env, PYTHONPATH=str(source / "payload")),
                            cwd=tmp_path, capture_output=True, text=True, check=True)
    package, preload = json.loads(loaded.stdout)
    assert Path(package).is_relative_to(source / "payload")
    assert set(preload) == submission.release_modules(ASSIGNMENT) and "torch" in preload

    shutil.copy(EXAMPLE, tmp_path / "autograder" / "submission" / "my notebook.ipynb")
    results = run_autograder(tmp_path, source, env)
    assert 0 < results["score"] == sum(test["score"] for test in results["tests"]) < results["max_score"]
    assert {test["visibility"] for test in results["tests"]} == {"visible", "after_published"}


def test_gradescope_keeps_the_graders_failure_reason_hidden_from_students(tmp_path):
    source, env = unpacked_autograder(tmp_path)
    (source / f"payload/autograder/assignments/{ASSIGNMENT}/manifest.json").write_text("{ not json")
    shutil.copy(EXAMPLE, tmp_path / "autograder" / "submission" / f"{ASSIGNMENT}.ipynb")
    results = run_autograder(tmp_path, source, env)
    assert results["score"] == 0
    visible, hidden = results["tests"]
    assert visible["visibility"] == "visible" and "tell them" in visible["output"] and "Traceback" not in visible["output"]
    assert hidden["visibility"] == "hidden" and "Traceback" in hidden["output"] and "JSONDecodeError" in hidden["output"]


def test_gradescope_without_a_notebook_says_what_to_upload(tmp_path):
    source, env = unpacked_autograder(tmp_path)
    results = run_autograder(tmp_path, source, env)
    assert results["score"] == 0 and [test["visibility"] for test in results["tests"]] == ["visible"]
    assert f"Upload {ASSIGNMENT}.ipynb" in results["tests"][0]["output"]


# --- every workflow the project ships or generates ----------------------------------------------------

def shipped_and_generated_workflows(tmp_path: Path) -> list[Path]:
    generated = [classroom.write_template(assignment, tmp_path / assignment) / ".github/workflows/classroom.yml"
                 for assignment in catalog.assignment_ids()]
    return sorted((catalog.REPO_ROOT / ".github/workflows").glob("*.yml")) + generated


def test_every_workflow_matches_the_github_workflow_schema(tmp_path):
    workflows = shipped_and_generated_workflows(tmp_path)
    check = subprocess.run([BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_shell_script_in_the_workflows_and_the_gradescope_zip_passes_shellcheck(tmp_path):
    scripts = {f"{workflow} step {step.get('name')!r}": ANY_EXPRESSION.sub("expression", step["run"])
               for workflow in shipped_and_generated_workflows(tmp_path)
               for job in yaml.safe_load(workflow.read_text())["jobs"].values()
               for step in job["steps"] if "run" in step}
    scripts |= {name: deploy.render(name, ASSIGNMENT) for name in ("setup.sh", "run_autograder")}
    for name, script in scripts.items():
        check = subprocess.run([BIN / "shellcheck", "--shell=bash", "-"], input=script, capture_output=True, text=True)
        assert check.returncode == 0, f"{name}:\n{check.stdout}"


def test_self_hosted_runner_labels_are_declared_for_actionlint():
    declared = yaml.safe_load((catalog.REPO_ROOT / ".github/actionlint.yaml").read_text())["self-hosted-runner"]["labels"]
    for workflow in (catalog.REPO_ROOT / ".github/workflows").glob("*.yml"):
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            labels = job["runs-on"] if isinstance(job["runs-on"], list) else [job["runs-on"]]
            if "self-hosted" in labels:
                assert set(labels) - {"self-hosted", "linux", "x64"} <= set(declared), workflow.name


def test_gpu_workflow_runs_the_gpu_tests_on_a_self_hosted_gpu_runner():
    workflow = yaml.safe_load((catalog.REPO_ROOT / ".github/workflows/gpu.yml").read_text())
    job = workflow["jobs"]["gpu"]
    assert job["runs-on"] == ["self-hosted", "gpu"]
    commands = " ".join(step.get("run", "") for step in job["steps"])
    assert "download=True" in commands and "pytest -m gpu" in commands
    assert any("PYTORCH_COURSE_REAL_DATA" in step.get("env", {}) for step in job["steps"])
