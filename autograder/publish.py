"""Regenerate release/ and solutions/ from assignments/ with nbgrader.

    python -m autograder.publish [--manifests] [ID ...]

nbgrader runs in a scratch course folder with this repo's nbgrader_config.py,
so no gradebook is written here; the generated notebooks are then copied into
release/<id>/ and solutions/<id>/, and each assignment's manifest.json is
written beside its hidden tests. Never edit these files by hand.

generate_solution executes the solutions, demos included, so that solutions/
shows what a student sees after the deadline (plots, accuracies, the hidden
tests' PASS lines). The demos read their data from $PYTORCH_COURSE_DATA: the
offline fixtures unless it is already set (a TA with the real downloads can
point it there).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import catalog, fixtures, manifest

GENERATED = ("release", "solutions")
SOLUTION_ONLY = ("*.pt",)  # trained reference weights: in solutions/, never in the students' release
DATA_VARIABLE = "PYTORCH_COURSE_DATA"  # the notebooks' data folder
SOLUTION_CELL_TIMEOUT = 180  # seconds per cell when the solutions run (nbgrader's default of 30 is tight for the hidden tests)


def write_manifest(assignment: str, destination: Path) -> Path:
    """Writes <destination>/autograder/assignments/<id>/manifest.json (see manifest.py)."""
    target = destination / manifest.path(assignment).relative_to(catalog.REPO_ROOT)
    target.write_text(manifest.build(assignment).to_json())
    return target


def generate(assignment: str, destination: Path, run_solutions: bool = True) -> None:
    """Writes <destination>/release/<id>/ and <destination>/solutions/<id>/ for one assignment.

    run_solutions=False leaves the solutions without outputs (minutes faster: for comparing code and text).
    """
    with tempfile.TemporaryDirectory(prefix="course-") as scratch:
        course = Path(scratch)
        shutil.copy(catalog.REPO_ROOT / "nbgrader_config.py", course)
        shutil.copytree(catalog.REPO_ROOT / "assignments" / assignment, course / "assignments" / assignment)
        run_nbgrader(course, "generate_assignment", assignment, "--force")
        execution = f"--Execute.timeout={SOLUTION_CELL_TIMEOUT}" if run_solutions else "--Execute.enabled=False"
        run_nbgrader(course, "generate_solution", assignment, "--force", execution, env=solution_environment())
        for kind in GENERATED:
            target = destination / kind / assignment
            shutil.rmtree(target, ignore_errors=True)
            ignore = shutil.ignore_patterns(*SOLUTION_ONLY) if kind == "release" else None
            shutil.copytree(course / kind / assignment, target, ignore=ignore)
            for notebook in target.glob("*.ipynb"):
                _normalise(notebook)


def run_nbgrader(course: Path, *arguments: str, env: dict[str, str] | None = None,
                 check: bool = True) -> subprocess.CompletedProcess:
    """`nbgrader ARGUMENTS` in the course folder `course`; with `check`, a failure raises RuntimeError."""
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments],
        cwd=course, capture_output=True, text=True, env=env or tool_environment(),
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def tool_environment() -> dict[str, str]:
    """The environment with this Python's bin folder first: nbgrader runs `alembic` from PATH."""
    bin_dir = str(Path(sys.executable).parent)
    return dict(os.environ, PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))


def solution_environment() -> dict[str, str]:
    """tool_environment() for running the solutions: the data folder set (the fixtures unless the caller set
    one), and no MPLBACKEND, so that the kernel draws inline and the plots are kept in the outputs."""
    environment = tool_environment()
    if not environment.get(DATA_VARIABLE):
        environment[DATA_VARIABLE] = str(fixtures.ensure_fixtures())
    environment.pop("MPLBACKEND", None)
    return environment


def _normalise(notebook: Path) -> None:
    """Stable formatting and no execution timestamps, so regenerating an unchanged source changes no source byte."""
    content = json.loads(notebook.read_text())
    for cell in content["cells"]:
        cell.get("metadata", {}).pop("execution", None)
    notebook.write_text(json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    """`--manifests` rewrites only the manifests (seconds), e.g. after changing a hidden test."""
    manifests_only = "--manifests" in argv
    for assignment in [name for name in argv if name != "--manifests"] or catalog.assignment_ids():
        if not manifests_only:
            generate(assignment, catalog.REPO_ROOT)
            print(f"regenerated release/{assignment} and solutions/{assignment}")
        print(f"wrote {write_manifest(assignment, catalog.REPO_ROOT).relative_to(catalog.REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
