"""Regenerate release/ and solutions/ from assignments/ with nbgrader.

    python -m autograder.publish [ID ...]

nbgrader runs in a scratch course folder with this repo's nbgrader_config.py,
so no gradebook is written here; the generated notebooks are then copied into
release/<id>/ and solutions/<id>/. Never edit those folders by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import catalog

GENERATED = ("release", "solutions")
SOLUTION_ONLY = ("*.pt",)  # trained reference weights: in solutions/, never in the students' release


def generate(assignment: str, destination: Path) -> None:
    """Writes <destination>/release/<id>/ and <destination>/solutions/<id>/ for one assignment."""
    with tempfile.TemporaryDirectory(prefix="course-") as scratch:
        course = Path(scratch)
        shutil.copy(catalog.REPO_ROOT / "nbgrader_config.py", course)
        shutil.copytree(catalog.REPO_ROOT / "assignments" / assignment, course / "assignments" / assignment)
        _nbgrader(course, "generate_assignment", assignment)
        _nbgrader(course, "generate_solution", assignment)
        for kind in GENERATED:
            target = destination / kind / assignment
            shutil.rmtree(target, ignore_errors=True)
            ignore = shutil.ignore_patterns(*SOLUTION_ONLY) if kind == "release" else None
            shutil.copytree(course / kind / assignment, target, ignore=ignore)
            for notebook in target.glob("*.ipynb"):
                _normalise(notebook)


def _nbgrader(course: Path, command: str, assignment: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", command, assignment, "--force"],
        cwd=course, capture_output=True, text=True, env=tool_environment(),
    )
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {command} {assignment} failed:\n{result.stdout}\n{result.stderr}")


def tool_environment() -> dict[str, str]:
    """The environment with this Python's bin folder first: nbgrader runs `alembic` from PATH."""
    bin_dir = str(Path(sys.executable).parent)
    return dict(os.environ, PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))


def _normalise(notebook: Path) -> None:
    """Stable formatting and no execution timestamps, so regenerating an unchanged source changes no source byte."""
    content = json.loads(notebook.read_text())
    for cell in content["cells"]:
        cell.get("metadata", {}).pop("execution", None)
    notebook.write_text(json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    for assignment in argv or catalog.assignment_ids():
        generate(assignment, catalog.REPO_ROOT)
        print(f"regenerated release/{assignment} and solutions/{assignment}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
