"""A scratch nbgrader course made from the repo, and what its tests do with the notebooks in it:
shared by tests/test_nbgrader.py and tests/test_browser.py."""

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder import catalog, publish

COURSE = "intro-pytorch"


@dataclass
class Course:
    folder: Path  # the course root: nbgrader_config.py, assignments/, the gradebook
    exchange: Path

    @property
    def exchange_options(self) -> list[str]:
        """The exchange, and a fetch/submit cache beside it (nbgrader's default is the user's own)."""
        return [f"--Exchange.root={self.exchange}", f"--Exchange.cache={self.exchange.parent / 'cache'}",
                f"--CourseDirectory.course_id={COURSE}"]

    def nbgrader(self, *arguments: str, check: bool = True):
        """`nbgrader ARGUMENTS` run from the course folder."""
        return publish.run_nbgrader(self.folder, *arguments, check=check)


def released_course(root: Path, assignments: list[str], students: list[str],
                    names: dict[str, tuple[str, str]] | None = None) -> Course:
    """A course under `root` with the repo's nbgrader_config.py, `assignments` generated and released
    to an exchange of its own, and `students` in the gradebook (with their (first, last) `names`, if given)."""
    course = Course(root / "course", root / "exchange")
    course.folder.mkdir()
    course.exchange.mkdir()
    shutil.copy(catalog.REPO_ROOT / "nbgrader_config.py", course.folder)
    roster = root / "students.csv"  # one `db student import` for the class: each nbgrader command starts in ~2 s
    with open(roster, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "first_name", "last_name"])
        writer.writerows([student, *(names or {}).get(student, ("", ""))] for student in students)
    course.nbgrader("db", "student", "import", str(roster))
    for assignment in assignments:
        shutil.copytree(catalog.REPO_ROOT / "assignments" / assignment, course.folder / "assignments" / assignment)
        course.nbgrader("generate_assignment", assignment, "--force")
        course.nbgrader("release_assignment", assignment, *course.exchange_options)
    return course


def solution_sources(notebook: Path) -> dict[str, str]:
    cells = json.loads(notebook.read_text())["cells"]
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell["source"] for cell in cells
            if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution")}


def fill(fetched: Path, sources: dict[str, str]) -> None:
    """What a student does: write code into the solution cells of the fetched notebook."""
    notebook = json.loads(fetched.read_text())
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell["source"] = sources[grade_id]
    fetched.write_text(json.dumps(notebook))


def leaked_hidden_test_lines(assignment: str, feedback: str) -> list[str]:
    """The lines of the assignment's hidden tests (definitions, expectations, returns) found in `feedback`."""
    hidden_sources = [path.read_text() for path in catalog.hidden_tests_dir(assignment).glob("test_*.py")]
    revealing = {line.strip() for source in hidden_sources for line in source.splitlines()
                 if line.strip().startswith(("def ", "expect", "return ", "x = ", "grad, "))}
    return sorted(line for line in revealing if line in feedback)
