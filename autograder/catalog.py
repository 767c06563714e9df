"""Where things are: the assignments the grader knows and their hidden tests."""

from __future__ import annotations

import json
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
HIDDEN_TESTS_DIR = PACKAGE_DIR / "assignments"
REPO_ROOT = PACKAGE_DIR.parent


class UnknownAssignment(Exception):
    pass


def assignment_ids() -> list[str]:
    return sorted(path.name for path in HIDDEN_TESTS_DIR.iterdir() if any(path.glob("test_*.py")))


def hidden_tests_dir(assignment: str) -> Path:
    if assignment not in assignment_ids():
        known = ", ".join(assignment_ids())
        raise UnknownAssignment(f"unknown assignment {assignment!r}; known assignments: {known}")
    return HIDDEN_TESTS_DIR / assignment


def solution_exercises(assignment: str) -> list[str]:
    """The exercise names of an assignment, in notebook order: the grade_ids of its solution code cells."""
    path = notebook_path("assignments", assignment)
    if not path.is_file():
        return []
    return [
        cell["metadata"]["nbgrader"]["grade_id"]
        for cell in json.loads(path.read_text())["cells"]
        if cell["cell_type"] == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


def notebook_path(kind: str, assignment: str) -> Path:
    """The notebook of `assignment` in the repo folder `kind`: assignments, release or solutions."""
    return REPO_ROOT / kind / assignment / f"{assignment}.ipynb"
