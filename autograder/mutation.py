"""Realistic wrong solutions, to prove that the hidden tests tell right from wrong.

Each assignment's `mutants.py` lists Mutant entries: a student mistake, named
after what it models, and the code of the exercise's solution cell with that
mistake in it. Applying a mutant swaps that cell in the reference notebook; the
mutant is caught when grading gives its exercise fewer points than the
reference does.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from . import catalog


@dataclass(frozen=True)
class Mutant:
    name: str
    exercise: str
    source: str


def load_catalog(assignment: str) -> list[Mutant]:
    path = catalog.hidden_tests_dir(assignment) / "mutants.py"
    spec = importlib.util.spec_from_file_location(f"mutants_{assignment.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.MUTANTS)


def apply(reference: Path, mutant: Mutant, destination: Path) -> Path:
    """Writes the reference notebook with the mutant's exercise cell replaced; returns its path."""
    notebook = json.loads(reference.read_text())
    cells = [cell for cell in notebook["cells"] if _grade_id(cell) == mutant.exercise]
    if len(cells) != 1:
        raise ValueError(f"{reference.name} has {len(cells)} solution cells for {mutant.exercise!r}")
    cells[0]["source"] = mutant.source.strip() + "\n"
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(json.dumps(notebook, indent=1))
    return destination


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
