"""Shared set-up for the repo's own tests: one sandbox launcher for the whole run."""

import json
from pathlib import Path

import pytest

from autograder import catalog, launcher, notebook_cells
from autograder.sandbox.process import Limits, Zygote

SUMMARY_KEY = "summary: "  # user properties with this prefix are printed at the end of the run, by section
SUMMARIES: dict[str, list[str]] = {}

# For notebooks that hang on purpose: they wait out these limits. 01's cells and tests take milliseconds;
# the slowest attack that must end on its own ("scheduler priority") runs for 2 s.
FAST_LIMITS = Limits(cell_seconds=3.0, test_seconds_cap=2.0)


LAUNCHER = pytest.StashKey[Zygote]()


def pytest_configure(config):
    if _is_xdist_controller(config):
        return  # its workers run the tests, each with a launcher of its own
    if hasattr(config, "workerinput"):
        _one_core_per_worker(int(config.workerinput["workerid"].removeprefix("gw")))
    config.stash[LAUNCHER] = launcher.start()  # forked from this process: before any test runs or starts a thread


def _is_xdist_controller(config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def _one_core_per_worker(index: int) -> None:
    """Parallel workers each on a core of their own: a grading's torch threads then never compete."""
    import os

    import torch

    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[index % len(cores)]})
    torch.set_num_threads(1)


def pytest_unconfigure(config):
    if LAUNCHER in config.stash:
        config.stash[LAUNCHER].close()


@pytest.fixture
def summary(record_property):
    """summary(section, line): a line printed under `section` at the end of the run (also with xdist)."""
    return lambda section, line: record_property(SUMMARY_KEY + section, line)


def pytest_runtest_logreport(report):
    if report.when != "call":  # the teardown report carries the same properties again
        return
    for key, value in report.user_properties:
        if key.startswith(SUMMARY_KEY):
            SUMMARIES.setdefault(key.removeprefix(SUMMARY_KEY), []).append(value)


@pytest.fixture(scope="session")
def zygote(pytestconfig):
    """The sandbox launcher shared by the whole test run."""
    return pytestconfig.stash[LAUNCHER]


@pytest.fixture
def grade_notebook(zygote):
    """Grades a notebook with the launcher shared by the whole test run."""

    from autograder.grading import grade

    def run(path: Path, assignment: str | None = None, **options):
        return grade(path, assignment, zygote=zygote, **options)

    return run


def source_notebook(assignment: str) -> Path:
    return catalog.notebook_path("assignments", assignment)


def notebook_with_cells(base: Path, destination: Path, first: str = "", last: str = "", drop: str | None = None) -> Path:
    """A copy of `base` with a code cell added first and/or last, and the solution cell `drop` removed."""
    notebook = json.loads(base.read_text())
    cells = [cell for cell in notebook["cells"] if notebook_cells.grade_id(cell) != drop or drop is None]
    if first:
        cells.insert(0, {"cell_type": "code", "metadata": {}, "source": first, "outputs": [], "execution_count": None})
    if last:
        cells.append({"cell_type": "code", "metadata": {}, "source": last, "outputs": [], "execution_count": None})
    notebook["cells"] = cells
    destination.write_text(json.dumps(notebook))
    return destination


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # the long ones first: workers finish together
    if hasattr(config, "workerinput") and config.getvalue("loadgroup"):
        _keep_xdist_groups_together(items)
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


def _keep_xdist_groups_together(items) -> None:
    """`--dist loadgroup` sends the tests whose node id ends in `@<xdist_group>` to one worker. pytest-xdist 3.8
    writes that suffix into `item._nodeid`, which pytest 9 no longer reads (the node id comes from `item._id`),
    so a group's tests were spread over the workers and each worker built the group's module fixtures (a whole
    nbgrader course, a Dask cluster) again. This writes the suffix where pytest 9 reads it."""
    from _pytest.nodeid import NodeId

    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        if groups and not item.nodeid.endswith(f"@{'_'.join(groups)}"):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


def pytest_terminal_summary(terminalreporter):
    for section, lines in SUMMARIES.items():
        terminalreporter.section(section)
        for line in lines:
            terminalreporter.write_line(line)
