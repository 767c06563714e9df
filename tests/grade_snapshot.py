"""Grades every reference, stub, mutant and hostile notebook and prints one line per test result.

    python tests/grade_snapshot.py OUT.txt [ID ...]

Two checkouts' snapshots are compared with `diff` to show that a change of the grader's structure
changes no grade. Each assignment's notebooks go through `autograder grade-all` (a command both
checkouts have); the snapshot holds every submission's score and each test's PASS/FAIL line.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS_DIR))

from autograder import catalog, mutation  # noqa: E402

HOSTILE_ASSIGNMENT = "01-foundations"


def write_notebooks(assignment: str, folder: Path) -> None:
    reference = catalog.notebook_path("assignments", assignment)
    (folder / "reference.ipynb").write_text(reference.read_text())
    (folder / "stub.ipynb").write_text(catalog.notebook_path("release", assignment).read_text())
    for index, mutant in enumerate(mutation.load_catalog(assignment)):
        mutation.apply(reference, mutant, folder / f"mutant-{index:03d}.ipynb")
    if assignment == HOSTILE_ASSIGNMENT:
        from conftest import notebook_with_cells
        from test_hostile import ATTACKS

        for index, attack in enumerate(ATTACKS.values()):
            notebook_with_cells(catalog.notebook_path("release", assignment), folder / f"hostile-{index:03d}.ipynb",
                                first=attack)


def snapshot(assignment: str) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="snapshot-") as scratch:
        folder, output = Path(scratch) / "submitted", Path(scratch) / "grades"
        folder.mkdir()
        write_notebooks(assignment, folder)
        subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(folder), "--assignment", assignment,
                        "--jobs", "2", "--output-dir", str(output)], check=True, stdout=subprocess.DEVNULL)
        lines = [f"{assignment} {line}" for line in (output / "scores.csv").read_text().splitlines()[1:]]
        for feedback in sorted((output / "feedback").glob("*.txt")):
            lines += [f"{assignment} {feedback.stem} {line.strip()}" for line in feedback.read_text().splitlines()
                      if line.strip().startswith(("PASS", "FAIL"))]
        return lines


def main(argv: list[str]) -> int:
    out, assignments = Path(argv[0]), argv[1:] or catalog.assignment_ids()
    lines = [line for assignment in assignments for line in snapshot(assignment)]
    out.write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} lines written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
