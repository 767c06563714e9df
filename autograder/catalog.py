"""Where things are: the assignments the grader knows and their hidden tests."""

from __future__ import annotations

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


def notebook_path(kind: str, assignment: str) -> Path:
    """The notebook of `assignment` in the repo folder `kind`: assignments, release or solutions."""
    return REPO_ROOT / kind / assignment / f"{assignment}.ipynb"
