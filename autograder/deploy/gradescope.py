"""`autograder gradescope ID OUT.zip`: a Gradescope autograder for one assignment.

The zip holds setup.sh (installs Python, CPU torch and this grader), run_autograder
(grades the uploaded notebook into /autograder/results/results.json) and the
payload: this package with this assignment's hidden tests and manifest, and the
pyproject. Gradescope runs everything as root, where the sandbox's file rules may
be missing (no Landlock), so the payload holds only what grading reads: no
notebook (the source one holds every solution; the manifest says what grading and
the launcher need) and no catalog of wrong solutions. Hidden tests get Gradescope
visibility "after_published"; the visible ones are shown at once.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .. import catalog, manifest
from . import render

PAYLOAD_SKIP = {"__pycache__", ".ipynb_checkpoints"}
NOT_FOR_GRADING = {"mutants.py"}  # realistic wrong solutions, for the mutation gate only


def build_zip(assignment: str, destination: Path) -> Path:
    manifest.load(assignment)  # refuses an assignment without its manifest (`make publish`)
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
    """The grader package with only this assignment's hidden tests and manifest."""
    files = []
    for path in sorted(catalog.PACKAGE_DIR.rglob("*")):
        if not path.is_file() or PAYLOAD_SKIP.intersection(path.parts) or path.name in NOT_FOR_GRADING:
            continue
        parts = path.relative_to(catalog.PACKAGE_DIR).parts
        if parts[0] == "assignments" and parts[1] != assignment:
            continue
        files.append(path)
    return files
