"""`autograder classroom ID OUTDIR`: a GitHub Classroom template repository for one assignment.

The template holds the student notebook, a README for students and the
workflow that grades every push. The workflow checks out the autograder (this
repository, kept private) with the AUTOGRADER_TOKEN secret from the repository
named by the AUTOGRADER_REPOSITORY variable, grades the notebook, writes the
per-test feedback to the job summary and hands the command grader's result to
the Classroom grading reporter, which shows "Points X/Y".
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .. import catalog
from . import render


def write_template(assignment: str, outdir: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(catalog.notebook_path("release", assignment), outdir / f"{assignment}.ipynb")
    (outdir / "README.md").write_text(render("student_README.md", assignment))
    workflow = outdir / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(render("classroom.yml", assignment))
    (outdir / ".gitignore").write_text(".ipynb_checkpoints/\n__pycache__/\n")
    return outdir
