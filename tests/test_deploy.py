"""The GitHub Classroom template, the Gradescope autograder and the GPU workflow."""

import base64
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

from autograder import catalog
from autograder.deploy import classroom, gradescope

ASSIGNMENT = "01-foundations"
EXAMPLE = catalog.REPO_ROOT / "examples" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
HERE = Path(__file__).parent


def autograder(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True, text=True, **kwargs)


def test_classroom_template_holds_the_release_notebook_a_readme_and_the_workflow(tmp_path):
    classroom.write_template(ASSIGNMENT, tmp_path)
    assert (tmp_path / f"{ASSIGNMENT}.ipynb").read_bytes() == catalog.notebook_path("release", ASSIGNMENT).read_bytes()
    readme = (tmp_path / "README.md").read_text()
    assert "push" in readme and "Actions" in readme and "YOUR CODE HERE" in readme
    workflow = yaml.safe_load((tmp_path / ".github/workflows/classroom.yml").read_text())
    assert workflow["name"] == "Autograding Tests"
    assert workflow["on"] == ["push", "repository_dispatch"]
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    grade_step = next(step for step in steps if "--format classroom" in step.get("run", ""))
    reporter = steps[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["with"]["runners"] == grade_step["id"]
    assert reporter["env"] == {f"{grade_step['id'].upper()}_RESULTS": f"${{{{steps.{grade_step['id']}.outputs.result}}}}"}
    autograder_checkout = next(step for step in steps if step.get("with", {}).get("path") == ".autograder")
    assert "secrets.AUTOGRADER_TOKEN" in autograder_checkout["with"]["token"]
    assert any(step.get("with", {}).get("cache") == "pip" for step in steps)


def test_classroom_result_carries_our_points_and_the_reporter_accepts_it(tmp_path):
    result_file, summary = tmp_path / "result.json", tmp_path / "summary.md"
    run = autograder("grade", EXAMPLE, "--format", "classroom", "--output", result_file, "--summary", summary)
    assert run.returncode == 0, run.stderr
    result = json.loads(result_file.read_text())
    assert result["version"] == 1 and result["status"] == "fail"
    assert {"name", "status", "score", "message"} <= set(result["tests"][0])
    earned = sum(test["score"] for test in result["tests"])
    assert 0 < earned < result["max_score"]

    encoded = base64.b64encode(result_file.read_bytes()).decode()
    env = dict(os.environ, **{"PYTORCH-AUTOGRADER_RESULTS": encoded})
    reporter = subprocess.run(["node", HERE / "classroom_reporter.js", "pytorch-autograder"], env=env, capture_output=True, text=True)
    assert reporter.returncode == 0, reporter.stderr
    decided = json.loads(reporter.stdout)
    assert decided["points"] == f"Points {earned:g}/{result['max_score']:g}"
    assert decided["failed"] is True
    assert any(test["status"] == "fail" and "Reread:" in test["message"] for test in decided["tests"])
    assert f"{earned:g} / {result['max_score']:g} points" in summary.read_text()


def test_gradescope_zip_runs_the_grader_into_results_json(tmp_path):
    package = gradescope.build_zip(ASSIGNMENT, tmp_path / "autograder.zip")
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        assert {"setup.sh", "run_autograder", "payload/pyproject.toml"} <= names
        assert all(archive.getinfo(name).external_attr >> 16 & 0o111 for name in ("setup.sh", "run_autograder"))
        hidden = {name.split("/")[3] for name in names if name.startswith("payload/autograder/assignments/")}
        assert hidden == {ASSIGNMENT}
        archive.extract("run_autograder", tmp_path)
    root = tmp_path / "gradescope"
    (root / "submission").mkdir(parents=True)
    shutil.copy(EXAMPLE, root / "submission" / "my notebook.ipynb")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_BIN=str(Path(sys.executable).parent / "autograder"))
    subprocess.run(["bash", tmp_path / "run_autograder"], env=env, check=True, capture_output=True)
    results = json.loads((root / "results" / "results.json").read_text())
    assert 0 < results["score"] < results["max_score"]
    assert {test["visibility"] for test in results["tests"]} == {"visible", "after_published"}


def test_gpu_workflow_runs_the_gpu_tests_on_a_self_hosted_gpu_runner():
    workflow = yaml.safe_load((catalog.REPO_ROOT / ".github/workflows/gpu.yml").read_text())
    job = workflow["jobs"]["gpu"]
    assert job["runs-on"] == ["self-hosted", "gpu"]
    commands = " ".join(step.get("run", "") for step in job["steps"])
    assert "download=True" in commands and "pytest -m gpu" in commands
    assert any("PYTORCH_COURSE_REAL_DATA" in step.get("env", {}) for step in job["steps"])
