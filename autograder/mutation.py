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

from . import catalog, notebook_cells


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
    cells = [cell for cell in notebook["cells"] if notebook_cells.grade_id(cell) == mutant.exercise]
    if len(cells) != 1:
        raise ValueError(f"{reference.name} has {len(cells)} solution cells for {mutant.exercise!r}")
    cells[0]["source"] = mutant.source.strip() + "\n"
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(json.dumps(notebook, indent=1))
    return destination


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    points: float  # what the mutated notebook earns on the mutant's exercise
    possible: float

    @property
    def caught(self) -> bool:
        return self.points < self.possible


MIN_MUTANTS_PER_EXERCISE = 3
MIN_CAUGHT_SHARE = 0.9


def run_catalog(assignment: str, zygote, scratch: Path) -> list[MutantResult]:
    """Grades every mutant of `assignment` on its own exercise."""
    from .grading import grade

    reference = catalog.notebook_path("assignments", assignment)
    results = []
    for index, mutant in enumerate(load_catalog(assignment)):
        notebook = apply(reference, mutant, scratch / str(index) / f"{assignment}.ipynb")
        report = grade(notebook, assignment, zygote=zygote, exercises={mutant.exercise})
        results.append(MutantResult(mutant, report.score, report.max_score))
    return results


def table(assignment: str, results: list[MutantResult]) -> str:
    """Per exercise: mutants tried and caught, then the mutants that escaped."""
    by_exercise: dict[str, list[MutantResult]] = {}
    for result in results:
        by_exercise.setdefault(result.mutant.exercise, []).append(result)
    lines = [f"{assignment}: {sum(r.caught for r in results)} of {len(results)} mutants caught",
             f"  {'exercise':<28} {'tried':>5} {'caught':>6}"]
    for exercise, group in by_exercise.items():
        lines.append(f"  {exercise:<28} {len(group):>5} {sum(r.caught for r in group):>6}")
    lines += [f"  escaped: {r.mutant.exercise}: {r.mutant.name}" for r in results if not r.caught]
    return "\n".join(lines)


def gate(results: list[MutantResult], exercises: set[str]) -> list[str]:
    """Why the catalog falls short: too few mutants for an exercise, or too few caught."""
    problems = []
    for exercise in sorted(exercises):
        count = sum(result.mutant.exercise == exercise for result in results)
        if count < MIN_MUTANTS_PER_EXERCISE:
            problems.append(f"{exercise} has {count} mutants, fewer than {MIN_MUTANTS_PER_EXERCISE}")
    caught = sum(result.caught for result in results)
    if not results or caught < MIN_CAUGHT_SHARE * len(results):
        problems.append(f"only {caught} of {len(results)} mutants are caught (at least {MIN_CAUGHT_SHARE:.0%} must be)")
    return problems
