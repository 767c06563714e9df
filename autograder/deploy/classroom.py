"""`autograder classroom ID OUTDIR`: a GitHub Classroom template repository for one assignment.

The template holds the student notebook, a README for students and the
workflow that grades every push. The workflow checks out the autograder (this
repository, kept private) with the AUTOGRADER_TOKEN secret from the repository
named by the AUTOGRADER_REPOSITORY variable, grades the notebook, writes the
per-test feedback to the job summary and hands the result to the Classroom
grading reporter, which shows "Points X/Y". `autograder classroom-result` is the
step between: it passes the grader's result on, or 0 points with the reason when
grading left none (no notebook, the grader failed or ran past its time limit).
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

from .. import catalog, manifest
from ..reports import classroom as classroom_report
from . import GRADING_MINUTES, render


def write_template(assignment: str, outdir: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(catalog.notebook_path("release", assignment), outdir / f"{assignment}.ipynb")
    (outdir / "README.md").write_text(render("student_README.md", assignment))
    workflow = outdir / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(render("classroom.yml", assignment))
    (outdir / ".gitignore").write_text(".ipynb_checkpoints/\n__pycache__/\n")
    return outdir


def reporter_output(assignment: str, result_file: Path, notebook: Path, summary: Path | None = None) -> str:
    """The `result=<base64>` line for $GITHUB_OUTPUT that the reporter reads; without a complete result from
    the grader, every test at 0 with the reason (also appended to `summary`)."""
    result = _finished_result(result_file)
    if result is None:
        report = manifest.ungradable(assignment, notebook.name, _why_no_result(notebook))
        result = classroom_report.result_json(report)
        if summary:
            with open(summary, "a") as markdown:
                markdown.write(classroom_report.summary_markdown(report))
    encoded = base64.b64encode((json.dumps(result) + "\n").encode()).decode()
    return f"result={encoded}\n"


def _finished_result(result_file: Path) -> dict | None:
    try:
        result = json.loads(result_file.read_text())
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) and result.get("version") == 1 and result.get("tests") else None


def _why_no_result(notebook: Path) -> str:
    if not notebook.is_file():
        return f"there is no {notebook.name} in the repository; the notebook must keep this name"
    return (f"grading did not finish: it failed, or ran past its {GRADING_MINUTES}-minute limit "
            "(the log of the grading step says which)")
