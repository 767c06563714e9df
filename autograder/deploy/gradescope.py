"""`autograder gradescope ID OUT.zip`: a Gradescope autograder for one assignment.

The zip holds setup.sh (installs Python, CPU torch and this grader), run_autograder
(grades the uploaded notebook into /autograder/results/results.json) and the
payload: this package with its hidden tests and the pyproject. Hidden tests get
Gradescope visibility "after_published"; the visible ones are shown at once.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .. import catalog
from . import render

PAYLOAD_SKIP = {"__pycache__", ".ipynb_checkpoints"}


def build_zip(assignment: str, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for script in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(script)
            info.external_attr = 0o755 << 16
            archive.writestr(info, render(script, assignment))
        archive.write(catalog.REPO_ROOT / "pyproject.toml", "payload/pyproject.toml")
        for path in _payload_files(assignment):
            archive.write(path, "payload/" + str(path.relative_to(catalog.REPO_ROOT)))
    return destination


def _payload_files(assignment: str) -> list[Path]:
    """The grader package (only this assignment's hidden tests) and the source notebook's folder."""
    files = []
    for path in sorted(catalog.PACKAGE_DIR.rglob("*")):
        if not path.is_file() or PAYLOAD_SKIP.intersection(path.parts):
            continue
        hidden = path.relative_to(catalog.PACKAGE_DIR).parts
        if hidden[0] == "assignments" and hidden[1] != assignment:
            continue
        files.append(path)
    files += sorted(path for path in (catalog.REPO_ROOT / "assignments" / assignment).iterdir() if path.is_file())
    return files
