"""The one reader of nbgrader's cell metadata: which cells are solutions, tests or tagged."""

from __future__ import annotations

import json
from pathlib import Path


def nbgrader(cell: dict) -> dict:
    metadata = cell.get("metadata")
    value = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return value if isinstance(value, dict) else {}


def grade_id(cell: dict) -> str | None:
    return nbgrader(cell).get("grade_id")


def is_solution(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and bool(nbgrader(cell).get("solution"))


def is_test(cell: dict) -> bool:
    """An nbgrader autograded test cell (graded, not a solution)."""
    meta = nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def tags(cell: dict) -> list[str]:
    metadata = cell.get("metadata")
    value = metadata.get("tags", []) if isinstance(metadata, dict) else []
    return value if isinstance(value, list) else []


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def cells(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text())["cells"]


def solution_exercises(path: Path) -> list[str]:
    """The exercise names of a source notebook, in notebook order: the grade_ids of its solution cells."""
    return [grade_id(cell) for cell in cells(path) if is_solution(cell)]


def solution_sources(path: Path) -> dict[str, str]:
    """Each exercise's solution cell source, by grade_id."""
    return {grade_id(cell): source(cell) for cell in cells(path) if is_solution(cell)}
