"""Shared set-up for the repo's own tests: one sandbox launcher for the whole run."""

import json
from pathlib import Path

import pytest

from autograder import catalog
from autograder.grading import grade
from autograder.sandbox.process import Limits, Zygote

MUTATION_TABLES: list[str] = []  # filled by the mutation tests, printed at the end of the run
KERNEL_RUNS: list[str] = []  # seconds per notebook run in a kernel (test_notebooks_in_kernel.py), printed at the end

# For notebooks that hang on purpose: they wait out these limits.
FAST_LIMITS = Limits(cell_seconds=5.0, test_seconds_cap=5.0)


LAUNCHER = pytest.StashKey[Zygote]()


def pytest_configure(config):
    config.stash[LAUNCHER] = Zygote()  # forked from this process: before any test runs or starts a thread


def pytest_unconfigure(config):
    if LAUNCHER in config.stash:
        config.stash[LAUNCHER].close()


@pytest.fixture(scope="session")
def zygote(pytestconfig):
    """The sandbox launcher shared by the whole test run."""
    return pytestconfig.stash[LAUNCHER]


@pytest.fixture
def grade_notebook(zygote):
    """Grades a notebook with the launcher shared by the whole test run."""

    def run(path: Path, assignment: str | None = None, **options):
        return grade(path, assignment, zygote=zygote, **options)

    return run


def source_notebook(assignment: str) -> Path:
    return catalog.notebook_path("assignments", assignment)


def notebook_with_cells(base: Path, destination: Path, first: str = "", last: str = "", drop: str | None = None) -> Path:
    """A copy of `base` with a code cell added first and/or last, and the solution cell `drop` removed."""
    notebook = json.loads(base.read_text())
    cells = [cell for cell in notebook["cells"] if _grade_id(cell) != drop or drop is None]
    if first:
        cells.insert(0, {"cell_type": "code", "metadata": {}, "source": first, "outputs": [], "execution_count": None})
    if last:
        cells.append({"cell_type": "code", "metadata": {}, "source": last, "outputs": [], "execution_count": None})
    notebook["cells"] = cells
    destination.write_text(json.dumps(notebook))
    return destination


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def pytest_collection_modifyitems(config, items):
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if MUTATION_TABLES:
        terminalreporter.section("mutation score")
        for table in MUTATION_TABLES:
            terminalreporter.write_line(table)
    if KERNEL_RUNS:
        terminalreporter.section("notebooks run in a kernel")
        for line in KERNEL_RUNS:
            terminalreporter.write_line(line)
