"""Grading time next to the unavoidable cost of importing torch, measured side by side.

    python benchmarks/grading_speed.py [--repeats N] [ID ...]

For each assignment it alternates `python -c "import torch"` and
`autograder grade` on the reference notebook, N times each, and prints the
medians and the overhead of grading above the import.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from autograder import catalog


def wall_time(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(assignment: str, repeats: int) -> tuple[float, float]:
    import_torch = [sys.executable, "-c", "import torch"]
    grade = [sys.executable, "-m", "autograder", "grade", str(catalog.notebook_path("assignments", assignment))]
    imports, grades = [], []
    for _ in range(repeats):
        imports.append(wall_time(import_torch))
        grades.append(wall_time(grade))
    return statistics.median(imports), statistics.median(grades)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=catalog.assignment_ids())
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"median of {args.repeats} runs each, wall-clock seconds")
    print(f"{'assignment':<20} {'import torch':>12} {'grade':>8} {'overhead':>9} {'ratio':>6}")
    for assignment in args.assignments:
        floor, grade = measure(assignment, args.repeats)
        print(f"{assignment:<20} {floor:>12.2f} {grade:>8.2f} {grade - floor:>9.2f} {grade / floor:>6.2f}")


if __name__ == "__main__":
    main()
