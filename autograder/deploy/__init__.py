"""Packages for the places that grade: GitHub Classroom templates and Gradescope autograders."""

from __future__ import annotations

from importlib.metadata import version
from string import Template

from .. import catalog

TEMPLATES = catalog.PACKAGE_DIR / "deploy" / "templates"
# The Classroom reporter's step id: its error path accepts only letters and digits.
RUNNER = "autograder"
GRADING_MINUTES = 15  # the Classroom grading step's time limit


def render(name: str, assignment: str) -> str:
    """A template from templates/, with $assignment, $runner and the pinned torch versions filled in."""
    return Template((TEMPLATES / name).read_text()).substitute(
        assignment=assignment,
        runner=RUNNER,
        runner_env=RUNNER.upper(),
        grading_minutes=GRADING_MINUTES,
        torch_version=version("torch").split("+")[0],
        torchvision_version=version("torchvision").split("+")[0],
    )
