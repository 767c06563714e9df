"""Read a submission and choose the code that grading runs.

A submission is a notebook, or a folder holding `<assignment>.ipynb`. Grading
runs the code cells in order, except:
  - cells tagged `demo` (downloads, full training runs, plots) and `check`
    (the visible checks, which call the student's functions themselves);
  - nbgrader test cells (they delegate to the hidden tests);
  - cell magics whose body is not Python (%%bash, %%html, ...).
Line magics and shell lines become calls to a get_ipython() that does nothing.

A notebook is read only within caps (size, JSON values, cells, nesting; a code
cell's size), so a file made to be expensive costs the grader nothing: over a
cap, it is not graded and `Submission.problem` says why.
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from IPython.core.inputtransformer2 import TransformerManager

from . import catalog, notebook_cells

SKIPPED_TAGS = {"demo", "check"}
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
NOTEBOOK_METADATA_KEY = "pytorch_course"
MAX_NOTEBOOK_BYTES = 128 << 20  # course notebooks with their outputs: under 1 MB, with big plots some 100 MB
MAX_JSON_VALUES = 2_000_000  # numbers, strings, lists and objects (each some 64 bytes parsed); course notebooks: under 20 000
MAX_CELLS = 1000  # course notebooks: under 100
MAX_NESTING = 32  # lists and objects within each other; course notebooks: under 10
MAX_CELL_BYTES = 1 << 20  # one code cell's source; course cells: under 10 KB
NESTED_TOO_DEEPLY = f"the notebook could not be read: it nests lists or objects more than {MAX_NESTING} deep"


class SubmissionNotFound(Exception):
    pass


@dataclass(frozen=True)
class CodeCell:
    index: int
    source: str


@dataclass
class Submission:
    path: Path
    assignment: str | None
    cells: list[CodeCell] = field(default_factory=list)
    problem: str | None = None  # set when the notebook cannot be read at all
    notes: list[str] = field(default_factory=list)

    @property
    def imports(self) -> set[str]:
        """Top-level modules the chosen cells import (the launcher preloads the heavy ones)."""
        modules = set()
        for cell in self.cells:
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module.split(".")[0])
        return modules


def locate(path: Path, assignment: str | None = None) -> tuple[Path, str]:
    """Finds the notebook and its assignment id; raises SubmissionNotFound or UnknownAssignment."""
    if not path.exists():
        raise SubmissionNotFound(f"no such file or folder: {path}")
    if path.is_dir():
        candidates = [assignment] if assignment else catalog.assignment_ids()
        for candidate in candidates:
            if (path / f"{candidate}.ipynb").is_file():
                return path / f"{candidate}.ipynb", candidate
        raise SubmissionNotFound(f"{path} holds no <assignment>.ipynb (looked for: {', '.join(candidates)})")
    assignment = assignment or _infer_assignment(path)
    catalog.hidden_tests_dir(assignment)
    return path, assignment


def _infer_assignment(path: Path) -> str:
    for candidate in catalog.assignment_ids():
        if path.name.startswith(candidate):
            return candidate
    declared = _declared_assignment(path)
    if declared:
        return declared
    raise catalog.UnknownAssignment(f"cannot tell which assignment {path.name} is for; pass --assignment ID")


def _declared_assignment(path: Path) -> str | None:
    try:
        metadata = json.loads(path.read_bytes()).get("metadata", {})
        return metadata.get(NOTEBOOK_METADATA_KEY, {}).get("assignment")
    except (ValueError, AttributeError, OSError):
        return None


def release_modules(assignment: str) -> set[str]:
    """The modules the student notebook of `assignment` imports, and "torch.optim" when its code uses an
    optimizer (publish time: the manifest keeps them). Read from the release, not the reference: the
    launcher starts as a copy of the grader, which must not hold a solution then."""
    release = catalog.notebook_path("release", assignment)
    trains = any("optim." in notebook_cells.source(cell) for cell in notebook_cells.cells(release)
                 if cell.get("cell_type") == "code")
    return read(release, assignment).imports | ({"torch.optim"} if trains else set())


def load(path: Path, assignment: str | None = None) -> Submission:
    """Finds the notebook (see locate) and reads it."""
    notebook, assignment = locate(path, assignment)
    return read(notebook, assignment)


def read(path: Path, assignment: str) -> Submission:
    submission = Submission(path=path, assignment=assignment)
    linked = [entry.name for entry in (path, *path.parent.iterdir()) if entry.is_symlink()]
    if linked:  # the grader would read what the link points to: another student's notebook, the reference
        submission.problem = f"{', '.join(sorted(set(linked)))}: a symbolic link; submit the files themselves"
        return submission
    try:
        notebook = _notebook_within_caps(path, submission.notes)
    except Unreadable as error:
        submission.problem = str(error)
        return submission
    transformer = TransformerManager()
    for index, cell in enumerate(notebook["cells"]):
        try:
            if cell.get("cell_type") != "code" or _skipped(cell):
                continue
            source = _python_source(notebook_cells.source(cell), transformer)
        except (AttributeError, TypeError):
            submission.notes.append(f"cell {index} is malformed; skipped")
            continue
        if source is None:
            submission.notes.append(f"cell {index} is a non-Python cell magic; skipped")
        elif len(source) > MAX_CELL_BYTES:
            submission.notes.append(f"cell {index} holds over {MAX_CELL_BYTES >> 20} MB of code; skipped (keep data in files)")
        elif source.strip():
            submission.cells.append(CodeCell(index, source))
    return submission


class Unreadable(Exception):
    """Why a notebook cannot be graded: it cannot be parsed, or it is over a cap."""


def _notebook_within_caps(path: Path, notes: list[str]) -> dict:
    """The parsed notebook; raises Unreadable for one over a cap, before parsing it where parsing is the cost."""
    text = _text_within_caps(path, notes)
    try:
        notebook = _parse(text)
    except RecursionError:
        raise Unreadable(NESTED_TOO_DEEPLY) from None
    except Exception as error:  # json and nbformat raise several unrelated types for bad files
        raise Unreadable(f"the notebook could not be read: {_first_line(error)}") from None
    if len(notebook["cells"]) > MAX_CELLS:
        raise Unreadable(f"the notebook has {len(notebook['cells'])} cells, over the {MAX_CELLS} the grader reads; "
                         "merge or delete cells and submit it again")
    if _nesting(notebook) > MAX_NESTING:
        raise Unreadable(NESTED_TOO_DEEPLY)
    return notebook


def _text_within_caps(path: Path, notes: list[str]) -> str:
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise Unreadable(f"the notebook is {size / 2**20:.0f} MB, over the {MAX_NOTEBOOK_BYTES >> 20} MB the grader "
                         "reads; clear its outputs (Edit > Clear All Outputs), save it and submit it again")
    with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as notebook:
        raw = notebook.read()
    if _json_values_at_most(raw) > MAX_JSON_VALUES:
        raise Unreadable(f"the notebook holds over {MAX_JSON_VALUES} values (in its cells, outputs and metadata), "
                         "more than the grader reads; clear its outputs, save it and submit it again")
    text = raw.decode("utf-8", errors="replace")
    if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
        notes.append("the notebook holds bytes that are not UTF-8; they were replaced by \ufffd")
    return text


def _parse(text: str) -> dict:
    """The notebook as nbformat 4 JSON; older formats go through nbformat's converter."""
    notebook = json.loads(text)
    if not isinstance(notebook, dict):
        raise ValueError("the file is JSON but not a notebook")
    if notebook.get("nbformat", 4) < 4:
        import nbformat  # slow to import, so only for the rare old notebook

        notebook = nbformat.reads(text, as_version=4)
    if not isinstance(notebook.get("cells"), list):
        raise ValueError("the notebook has no list of cells")
    return notebook


def _json_values_at_most(raw: bytes) -> int:
    """An upper bound on the JSON values in `raw`, counted before parsing it (parsing is what costs memory):
    every item of a list or object but its last is followed by a comma (an object's item: a key and a value)."""
    return 2 * (raw.count(b",") + raw.count(b"[") + raw.count(b"{")) + 1


def _nesting(value) -> int:
    """How deep lists and objects nest in `value`, counted up to MAX_NESTING + 1."""
    deepest, level = 0, [value]
    while level and deepest <= MAX_NESTING:
        deepest += 1
        level = [child for node in level for child in (node.values() if isinstance(node, dict) else node)
                 if isinstance(child, (dict, list))]
    return deepest


def _skipped(cell) -> bool:
    return bool(SKIPPED_TAGS.intersection(notebook_cells.tags(cell))) or notebook_cells.is_test(cell)


def _python_source(source: str, transformer: TransformerManager) -> str | None:
    source = source.replace("\r\n", "\n")
    if source.lstrip().startswith("%%"):
        first, _, body = source.lstrip().partition("\n")
        if first[2:].split(" ")[0] not in PYTHON_CELL_MAGICS:
            return None
        source = body
    try:
        return transformer.transform_cell(source)
    except Exception:  # leave it as it is: running it reports the syntax error
        return source


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__
