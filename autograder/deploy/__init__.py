"""Packages for the places that grade: GitHub Classroom templates and Gradescope autograders."""

from __future__ import annotations

from importlib.metadata import version
from string import Template

from .. import catalog

TEMPLATES = catalog.PACKAGE_DIR / "deploy" / "templates"


def render(name: str, assignment: str) -> str:
    """A template from templates/, with $assignment, $runner and the pinned torch versions filled in."""
    runner = "pytorch-autograder"
    return Template((TEMPLATES / name).read_text()).substitute(
        assignment=assignment,
        runner=runner,
        runner_env=runner.upper(),
        torch_version=version("torch").split("+")[0],
        torchvision_version=version("torchvision").split("+")[0],
    )
