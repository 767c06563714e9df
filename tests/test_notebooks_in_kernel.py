"""The notebooks as students run them: top to bottom in a real Jupyter kernel.

Each notebook runs in a scratch copy of its folder, in the venv's ipykernel, with
PYTORCH_COURSE_DATA at the offline fixtures and matplotlib drawing off-screen.

- A release notebook may fail only where a student has work to do: an exercise
  stub raising NotImplementedError, a check or demo cell that calls one, a check
  cell's own assertion, or a NameError for a name that an earlier failed cell
  of the same notebook would have assigned. Never a missing import, file or
  download, and never a name that only a solution defines.
- A solution notebook runs end to end, demos included, without a single error,
  and its nbgrader test cells print PASS lines and return full points.

The seconds each run takes are printed at the end of the test session.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from autograder import catalog, fixtures


pytestmark = pytest.mark.slow

ASSIGNMENTS = catalog.assignment_ids()
KERNEL = "python3"
CELL_TIMEOUT = 180  # seconds; the slowest cells (a training demo, the hidden tests of a training loop) need well under a minute
STUB = "raise NotImplementedError"
NAME_ERROR = re.compile(r"name '(\w+)' is not defined")
HIDDEN_TESTS_CALL = "hidden_tests("
SETUP_CALL = "\n\n\ncourse_setup("  # the setup cell: the course's shared code, then this notebook's call


# ---------------------------------------------------------------- running a notebook


def run_in_kernel(kind: str, assignment: str, scratch: Path, summary) -> nbformat.NotebookNode:
    """Runs release/<id> or solutions/<id> in a copy of its folder; every cell runs, whatever fails."""
    folder = scratch / assignment
    shutil.copytree(catalog.notebook_path(kind, assignment).parent, folder)
    notebook = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
    environment = dict(os.environ, PYTORCH_COURSE_DATA=str(fixtures.ensure_fixtures()), MPLBACKEND="Agg")
    process_groups = []
    client = NotebookClient(
        notebook, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
        on_notebook_start=lambda **_: process_groups.append(client.km.provisioner.pgid),
    )
    start = time.perf_counter()
    try:
        client.execute(env=environment)
    finally:
        end_leftovers(process_groups)
    seconds = time.perf_counter() - start
    summary("notebooks run in a kernel", f"{kind}/{assignment}: {seconds:.1f} s")
    return notebook


def end_leftovers(process_groups: list[int | None]) -> None:
    """Ends what the kernel left running in its own session (%tensorboard starts a server there)."""
    for group in process_groups:
        if group:
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def error_of(cell):
    return next((output for output in cell.get("outputs", []) if output.output_type == "error"), None)


def tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def assigned_names(source: str) -> set[str]:
    """The names a cell binds: assignments, loop and with targets, definitions and imports."""
    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def unexpected_error(cell, error, failed_before: list) -> str | None:
    """Why this error in a release notebook is not one a student is meant to see, or None when it is."""
    is_exercise, is_check = STUB in cell.source, "check" in tags(cell)
    if error.ename == "NotImplementedError" and (is_exercise or is_check or "demo" in tags(cell)):
        return None
    if error.ename == "AssertionError" and is_check:
        return None
    if error.ename == "NameError":
        match = NAME_ERROR.search(error.evalue)
        name = match.group(1) if match else None
        if name and any(name in assigned_names(earlier.source) for earlier in failed_before):
            return None
        return f"NameError for {name!r}, which no earlier failed cell assigns (defined only in a solution?)"
    return f"{error.ename}: {error.evalue[:300]}"


def test_a_name_error_is_excused_only_by_an_earlier_failed_cell_that_assigns_the_name():
    failed_demo = nbformat.v4.new_code_cell("data = load()\nnormalize = make_normalize(data)", metadata={"tags": ["demo"]})
    later_demo = nbformat.v4.new_code_cell("loader = make_loaders(normalize, helper)", metadata={"tags": ["demo"]})

    def error(ename, evalue):
        return nbformat.NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[])

    assert unexpected_error(later_demo, error("NameError", "name 'normalize' is not defined"), [failed_demo]) is None
    assert unexpected_error(later_demo, error("NameError", "name 'helper' is not defined"), [failed_demo])  # only a solution defines it
    assert unexpected_error(later_demo, error("NameError", "name 'normalize' is not defined"), [])
    assert unexpected_error(later_demo, error("FileNotFoundError", "data/MNIST"), [failed_demo])
    assert unexpected_error(later_demo, error("AssertionError", ""), [failed_demo])  # only a check cell may assert


# ---------------------------------------------------------------- the kernel runs


def test_the_kernel_is_this_python():
    """python3 resolves to the interpreter running the tests (the venv), so the kernel sees the same packages."""
    assert KernelManager(kernel_name=KERNEL).format_kernel_cmd()[0] == sys.executable


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_notebook_fails_only_where_the_student_has_work_to_do(tmp_path, summary, assignment):
    notebook = run_in_kernel("release", assignment, tmp_path, summary)
    failed, problems = [], []
    for cell in code_cells(notebook):
        error = error_of(cell)
        if error is None:
            continue
        why = unexpected_error(cell, error, failed)
        if why:
            problems.append(f"cell {cell.get('id')}: {why}")
        failed.append(cell)
    assert not problems, "\n".join(problems)
    assert failed, "no cell failed: does the release still hold the exercise stubs?"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_notebook_runs_end_to_end_with_full_points(tmp_path, summary, assignment):
    notebook = run_in_kernel("solutions", assignment, tmp_path, summary)
    errors = [f"cell {cell.get('id')}: {error.ename}: {error.evalue[:300]}"
              for cell in code_cells(notebook) if (error := error_of(cell))]
    assert not errors, "\n".join(errors)
    assert_hidden_tests_give_full_points(notebook)


# ---------------------------------------------------------------- what publishing left in solutions/


def assert_hidden_tests_give_full_points(notebook) -> None:
    test_cells = [cell for cell in code_cells(notebook) if HIDDEN_TESTS_CALL in cell.source]
    assert test_cells, "no nbgrader test cell"
    for cell in test_cells:
        points = cell.metadata["nbgrader"]["points"]
        printed = "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")
        results = [output for output in cell.outputs if output.output_type == "execute_result"]
        assert "PASS" in printed and "FAIL" not in printed, f"{cell.metadata['nbgrader']['grade_id']}:\n{printed}"
        assert results and float(results[0].data["text/plain"]) == points, (
            f"{cell.metadata['nbgrader']['grade_id']} returned {results and results[0].data['text/plain']}, not {points}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_published_solutions_carry_their_outputs(assignment):
    """solutions/ shows what a student sees after the deadline: every cell ran, none failed, every plot is there."""
    notebook = nbformat.read(catalog.notebook_path("solutions", assignment), as_version=4)
    cells = code_cells(notebook)
    assert all(cell.execution_count for cell in cells if cell.source.strip()), "a code cell never ran: run `make publish`"
    errors = [f"cell {cell.get('id')}: {error.ename}" for cell in cells if (error := error_of(cell))]
    assert not errors, f"solutions/{assignment} holds errors (was it published without the fixtures?): {errors}"
    without_plot = [cell.get("id") for cell in cells if "plt.show()" in cell.source
                    and not any("image/png" in output.get("data", {}) for output in cell.outputs)]
    assert not without_plot, f"cells that draw but carry no image: {without_plot}"
    assert_hidden_tests_give_full_points(notebook)


def test_every_notebook_starts_with_the_same_setup_cell():
    """The first code cell is the course's shared setup code, then the notebook's own course_setup(...) call."""
    shared = {}
    for assignment in ASSIGNMENTS:
        cells = json.loads(catalog.notebook_path("assignments", assignment).read_text())["cells"]
        first = "".join(next(cell for cell in cells if cell["cell_type"] == "code")["source"])
        assert SETUP_CALL in first, f"{assignment}: the first code cell does not end with course_setup(...)"
        shared[assignment] = first.split(SETUP_CALL)[0]
    assert len(set(shared.values())) == 1, "the shared setup code differs between notebooks: copy it unchanged"
