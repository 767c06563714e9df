"""The nbgrader preprocessor that takes the place of `Execute` in `nbgrader autograde`.

nbgrader's autograde runs a list of preprocessors on each submitted notebook
(`Autograde.autograde_preprocessors`, set in nbgrader_config.py). Stock
nbgrader starts with `Execute`: it runs every cell in a kernel, where our test
cells ran the hidden tests beside the student's code. `SandboxedGrading`
takes its place: it grades the whole notebook once with the sandboxed engine
(in a grading process of its own, service.py) and writes into each test cell
what a kernel would have left there, the PASS/FAIL lines and the points as the
cell's value. The preprocessors after it are nbgrader's own: `SaveAutoGrades`
reads those points into the gradebook, so formgrader, `generate_feedback` and
`export` show the sandboxed points beside the manual grades and late penalties.
No cell runs in nbgrader's process or in a kernel; demo cells never run.

`DropForgedMetadata` runs first among nbgrader's sanitizing preprocessors, so
that forged metadata costs only its own student's notebook.

`--SandboxedGrading.in_kernel=True` runs nbgrader's `Execute` instead (the
old in-kernel path, for comparison in benchmarks only: never the grade of record).
"""

from __future__ import annotations

import atexit
import re
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import SCHEMA_VERSION
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Float

from .. import notebook_cells
from ..reports import nbgrader_cell
from ..results import Report
from ..sandbox.process import Limits
from .service import GradingService

LOADING_NOTE = re.compile(r"cell (\d+) ")  # notes about one cell begin so (session.py, submission.py)

_services: dict[str, GradingService] = {}  # one grading process per assignment for the whole `autograde` run


def service_for(assignment: str, cell_seconds: float) -> GradingService:
    if assignment not in _services:
        _services[assignment] = GradingService(assignment, cell_seconds)
    return _services[assignment]


@atexit.register
def _close_services() -> None:
    for service in _services.values():
        service.close()


class DropForgedMetadata(NbGraderPreprocessor):
    """First of the sanitizing preprocessors: nbgrader metadata that nbgrader did not release is dropped.

    nbgrader stops the whole `autograde` run, not just this student's notebook, when its own sanitizing
    meets metadata of another schema (SchemaTooOldError), and a student can write any metadata. A cell
    keeps its nbgrader metadata only when it is of the current schema and names, once, a cell of the
    released notebook (its grade_id and cell type, as the gradebook holds them); any other is an ordinary
    cell, and OverwriteCells and SandboxedGrading put back the test cells the notebook then lacks."""

    def preprocess(self, nb, resources):
        released = self.released_cells(resources["nbgrader"])
        kept, forged = set(), []
        for index, cell in enumerate(nb.cells):
            metadata = cell.get("metadata", {}).get("nbgrader")
            if metadata is None:
                continue
            grade_id = metadata.get("grade_id") if isinstance(metadata, dict) else None
            if (_current_schema(metadata) and released.get(grade_id) == cell.get("cell_type")
                    and grade_id not in kept):
                kept.add(grade_id)
            else:
                del cell.metadata["nbgrader"]
                forged.append(index + 1)
        if forged:
            self.log.warning("%s: dropped nbgrader metadata that nbgrader did not release, in cells %s",
                             resources["nbgrader"].get("student", "a submission"), ", ".join(map(str, forged)))
        return nb, resources

    @staticmethod
    def released_cells(nbgrader: dict) -> dict[str, str]:
        """grade_id -> cell type of every nbgrader cell of the released notebook."""
        with Gradebook(nbgrader["db_url"]) as gradebook:
            notebook = gradebook.find_notebook(nbgrader["notebook"], nbgrader["assignment"])
            return {cell.name: cell.cell_type for cell in notebook.source_cells}


def _current_schema(metadata) -> bool:
    return isinstance(metadata, dict) and metadata.get("schema_version") == SCHEMA_VERSION


class SandboxedGrading(NbGraderPreprocessor):
    """Grades the notebook in the sandbox and writes the result into its test cells."""

    in_kernel = Bool(False, help="Run nbgrader's Execute instead (the unsandboxed in-kernel path, "
                                 "kept for comparison; never the grade of record)").tag(config=True)
    cell_seconds = Float(Limits.cell_seconds, help="Seconds one cell of a notebook may run while it is loaded; a cell past it "
                                            "is cut off and noted, and loading goes on without it").tag(config=True)

    def preprocess(self, nb, resources):
        if self.in_kernel:
            return Execute(parent=self.parent).preprocess(nb, resources)
        notebook = Path(resources["metadata"]["path"]) / f"{resources['nbgrader']['notebook']}.ipynb"
        report = service_for(resources["nbgrader"]["assignment"], self.cell_seconds).grade(notebook)
        self.log.info("Sandboxed grading of %s: %s", notebook, report.total_line())
        write_report(nb, report)
        return nb, resources


def write_report(nb, report: Report) -> None:
    """Each test cell gets its exercise's results and points; each cell that failed while loading, why."""
    restore_lost_test_cells(nb, report)
    test_cells = [cell for cell in nb.cells if notebook_cells.is_test(cell)]
    for position, cell in enumerate(test_cells):
        exercise = notebook_cells.grade_id(cell).removeprefix("test_")  # docs/authoring.md: test_<exercise>
        preamble = report.preamble() if position == 0 else []
        results = [result for result in report.results + report.not_run if result.exercise == exercise]
        cell.outputs = [nbformat.from_dict(output) for output in nbgrader_cell.outputs(results, preamble)]
    for note in report.notes:
        match = LOADING_NOTE.match(note)
        index = int(match.group(1)) if match else -1
        if 0 <= index < len(nb.cells) and nb.cells[index].cell_type == "code" and not notebook_cells.is_test(nb.cells[index]):
            nb.cells[index].outputs = [nbformat.from_dict(nbgrader_cell.loading_error(note))]


def restore_lost_test_cells(nb, report: Report) -> None:
    """Appends a test cell for each graded exercise whose cell lost its nbgrader metadata (an editor such as
    Colab drops it), so that nbgrader records the points the sandbox gave, as `autograder grade` does."""
    present = {notebook_cells.grade_id(cell) for cell in nb.cells if notebook_cells.is_test(cell)}
    exercises = dict.fromkeys(result.exercise for result in report.results + report.not_run)
    for exercise in [exercise for exercise in exercises if f"test_{exercise}" not in present]:
        points = sum(result.max_points for result in report.results + report.not_run if result.exercise == exercise)
        metadata = {"nbgrader": {"grade": True, "solution": False, "locked": True, "points": points,
                                 "grade_id": f"test_{exercise}", "schema_version": 3}}
        source = f"# The test cell of {exercise} had lost its nbgrader metadata; the grader put it back here."
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata=metadata))
