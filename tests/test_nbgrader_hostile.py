"""The hostile and bad-input suites through real `nbgrader autograde`, in one batch.

One scratch course, every submission written into nbgrader's `submitted/` folder, one
`nbgrader autograde` run and one `export`. Every attack scores what its honest part (the
release stub) earns, the honest students keep their points, and a notebook nbgrader cannot
read is reported for its student without stopping the run. Where a test here expects a range
of points rather than exact points, `autograder grade-all` grades the same notebooks and the
exported points must equal its points (the exact points of the other categories are what
`grade` gives them in test_hostile.py and test_bad_input.py). One submission reads its own
process's memory, looking for text that only the gradebook and the hidden tests hold.
The metadata tricks of test_hostile.py are in the batch too: forged nbgrader metadata, which
would make nbgrader itself stop the whole run, costs only its own notebook (DropForgedMetadata).
"""

import csv
import json
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import test_bad_input as bad_input
from autograder import catalog, manifest, notebook_cells, publish
from conftest import notebook_with_cells
from nbgrader_course import fill
from test_hostile import ATTACKS, METADATA_TRICKS, metadata_trick

ASSIGNMENT = "01-foundations"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
RELEASE = catalog.notebook_path("release", ASSIGNMENT)
SOURCE = catalog.notebook_path("assignments", ASSIGNMENT)
EXAMPLE = catalog.REPO_ROOT / "examples" / ASSIGNMENT / NOTEBOOK  # partly right
# Notebooks nbgrader cannot read (it names the student and goes on; they score 0 in the gradebook).
NBGRADER_CANNOT_READ = {"full-non-utf-8-bytes-in-a-comment", "none-empty-file", "none-json-but-not-a-notebook",
                        "none-truncated-download"}
# The attacks that never end wait this out, on both paths; the memory reader needs up to 3 s of it.
CELL_SECONDS = 5.0
GRADEBOOK_SECRET = f"gradebook-secret-{secrets.token_hex(8)}"  # only in the course's source notebook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nbgrader-hostile-course")]


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def hidden_test_line() -> str:
    """A line of a hidden test file that the student's notebook does not hold."""
    release = RELEASE.read_text()
    lines = (catalog.hidden_tests_dir(ASSIGNMENT) / "test_activations.py").read_text().splitlines()
    return max((line.strip() for line in lines if line.strip() not in release), key=len)


# The memory reader: one pass over its own writable memory for each (head, tail) pair. It never builds
# head + tail itself, so it finds one only where the text was in the process before the search.
MEMORY_READER = '''
def found_in_my_memory(needles):
    regions = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if fields[1].startswith("rw"):
                regions.append([int(bound, 16) for bound in fields[0].split("-")])
    found = set()
    step = 1 << 24
    with open("/proc/self/mem", "rb", buffering=0) as memory:
        for start, end in regions:
            for offset in range(start, end, step):
                try:
                    memory.seek(offset)
                    chunk = memory.read(min(step, end - offset) + 200)
                except (OSError, OverflowError, ValueError):
                    break
                for index, (head, tail) in enumerate(needles):
                    at = chunk.find(head)
                    while at >= 0 and index not in found:
                        if chunk[at + len(head):at + len(head) + len(tail)] == tail:
                            found.add(index)
                        at = chunk.find(head, at + 1)
    return found
'''


def halves(text: str) -> tuple[bytes, bytes]:
    middle = len(text) // 2
    return text[:middle].encode(), text[middle:].encode()


def memory_reader_cell() -> str:
    """Earns sigmoid's points if it finds a text it holds itself (the reader works), tanh's if it finds the
    gradebook's secret, relu's if it finds a hidden test's line."""
    solutions = notebook_cells.solution_sources(SOURCE)
    control = f"control-text-{secrets.token_hex(8)}"
    needles = [halves(control), halves(GRADEBOOK_SECRET), halves(hidden_test_line())]
    branches = "".join(f"if {index} in found:\n" + "".join(f"    {line}\n" for line in solutions[exercise].splitlines())
                       for index, exercise in enumerate(["sigmoid", "tanh", "relu"]))
    return f"{MEMORY_READER}\nheld_here = {control!r}\nfound = found_in_my_memory({needles!r})\n{branches}"


def submissions() -> dict[str, object]:
    """Each student's notebook: a Path to copy, or its content (str, bytes or a notebook dict)."""
    batch: dict[str, object] = {"ada": SOURCE, "cyd": ("filled", EXAMPLE)}
    for attack, code in ATTACKS.items():
        batch[f"attack-{slug(attack)}"] = ("first", code)
    batch["attack-memory-reader"] = ("last", memory_reader_cell())
    for kind, make in bad_input.FULL_MARKS.items():
        batch[f"full-{slug(kind)}"] = make()
    for kind, (content, _) in bad_input.NOTHING_TO_GRADE.items():
        batch[f"none-{slug(kind)}"] = content
    for kind, (exercise, old, new, _) in bad_input.WRONG_CODE.items():
        batch[f"wrong-{slug(kind)}"] = bad_input.replace_in_cell(bad_input.source_json(), exercise, old, new)
    for trick in METADATA_TRICKS:
        notebook = json.loads(RELEASE.read_text())
        metadata_trick(notebook, trick)
        batch[f"metadata-{slug(trick)}"] = notebook
    return batch


# The students whose tests here expect a range of points, not exact points: grade-all grades them again.
CROSS_CHECKED = {"cyd", *(f"wrong-{slug(kind)}" for kind in bad_input.WRONG_CODE)}


def write_submission(path: Path, content) -> None:
    path.parent.mkdir(parents=True)
    if isinstance(content, Path):
        shutil.copy(content, path)
    elif isinstance(content, tuple) and content[0] == "filled":
        shutil.copy(RELEASE, path)
        fill(path, notebook_cells.solution_sources(content[1]))
    elif isinstance(content, tuple):
        where, code = content
        notebook_with_cells(RELEASE, path, **{where: code})
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))


def source_with_secret(source: Path) -> None:
    """Puts GRADEBOOK_SECRET into the hidden part of the first test cell: nbgrader keeps it in the gradebook
    and writes it back into every autograded notebook; no student's notebook holds it."""
    notebook = json.loads(source.read_text())
    first_test = next(cell for cell in notebook["cells"] if notebook_cells.is_test(cell))
    first_test["source"] = notebook_cells.source(first_test).replace(
        "### BEGIN HIDDEN TESTS\n", f"### BEGIN HIDDEN TESTS\n# {GRADEBOOK_SECRET}\n")
    source.write_text(json.dumps(notebook))


@dataclass
class Batch:
    exported: dict[str, float]  # raw_score: the code points (no manual grades here)
    grade_all: dict[str, float]
    unreadable_by_nbgrader: set[str]
    autograde_log: str


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    course = tmp_path_factory.mktemp("hostile-course")
    shutil.copy(catalog.REPO_ROOT / "nbgrader_config.py", course)
    shutil.copytree(catalog.REPO_ROOT / "assignments" / ASSIGNMENT, course / "assignments" / ASSIGNMENT)
    source_with_secret(course / "assignments" / ASSIGNMENT / NOTEBOOK)
    publish.run_nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    for student, content in submissions().items():
        write_submission(course / "submitted" / student / ASSIGNMENT / NOTEBOOK, content)
    autograde = publish.run_nbgrader(course, "autograde", ASSIGNMENT, "--force", f"--SandboxedGrading.cell_seconds={CELL_SECONDS}",
                                     check=False)
    unreadable = set(re.findall(r"for student '([^']+)'", autograde.stderr))
    publish.run_nbgrader(course, "export", "--to=grades.csv")
    for student in CROSS_CHECKED:
        shutil.copytree(course / "submitted" / student, course / "cross-checked" / student)
    grade_all = subprocess.run([sys.executable, "-m", "autograder", "grade-all", course / "cross-checked", "--assignment",
                                ASSIGNMENT, "--jobs", "2", "--output-dir", course / "grade-all", "--cell-seconds", str(CELL_SECONDS)],
                               capture_output=True, text=True, timeout=1800)
    assert grade_all.returncode == 0, grade_all.stderr
    with open(course / "grades.csv") as exported, open(course / "grade-all" / "scores.csv") as scores:
        return Batch({row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(exported)},
                     {row["student"]: float(row["score"]) for row in csv.DictReader(scores)},
                     unreadable, autograde.stderr)


def code_points() -> float:
    planned, _ = manifest.load(ASSIGNMENT).plan()
    return sum(test.points for test in planned)


def exercise_points(exercise: str) -> float:
    return sum(test.points for test in manifest.load(ASSIGNMENT).plan(exercises={exercise})[0])


def test_one_autograde_run_graded_the_whole_batch_with_one_grading_process(batch):
    assert set(batch.exported) == set(submissions())
    assert batch.autograde_log.count("grading process for 01-foundations started") == 1, batch.autograde_log[-3000:]


def test_honest_students_keep_their_points(batch):
    assert batch.exported["ada"] == code_points()
    assert 0 < batch.exported["cyd"] < code_points()


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_earn_what_their_honest_part_earns(batch, attack):
    assert batch.exported[f"attack-{slug(attack)}"] == 0


def test_nothing_secret_reaches_the_students_memory(batch):
    """The memory reader found the text it holds (sigmoid's points) and neither the gradebook's secret
    (tanh) nor a hidden test's line (relu)."""
    assert batch.exported["attack-memory-reader"] == exercise_points("sigmoid") > 0


@pytest.mark.parametrize("trick", METADATA_TRICKS)
def test_metadata_tricks_earn_nothing_and_stop_nothing(batch, trick):
    assert batch.exported[f"metadata-{slug(trick)}"] == 0
    assert f"metadata-{slug(trick)}" not in batch.unreadable_by_nbgrader


@pytest.mark.parametrize("kind", bad_input.FULL_MARKS)
def test_correct_notebooks_in_other_shapes_score_full_marks(batch, kind):
    student = f"full-{slug(kind)}"
    assert batch.exported[student] == (0 if student in NBGRADER_CANNOT_READ else code_points())


@pytest.mark.parametrize("kind", bad_input.WRONG_CODE)
def test_wrong_code_loses_only_its_exercise(batch, kind):
    exercise = bad_input.WRONG_CODE[kind][0]
    assert code_points() - exercise_points(exercise) <= batch.exported[f"wrong-{slug(kind)}"] < code_points()


def test_notebooks_with_nothing_to_grade_score_zero(batch):
    assert all(batch.exported[f"none-{slug(kind)}"] == 0 for kind in bad_input.NOTHING_TO_GRADE)


def test_a_notebook_nbgrader_cannot_read_is_reported_for_its_student_and_the_run_goes_on(batch):
    assert batch.unreadable_by_nbgrader == NBGRADER_CANNOT_READ
    assert batch.exported["wrong-syntax-error"] > 0  # graded after them, in student order


def test_exported_points_equal_grade_all_where_only_a_range_is_expected(batch):
    assert set(batch.grade_all) == CROSS_CHECKED
    differing = {student: (batch.exported[student], points) for student, points in batch.grade_all.items()
                 if points != batch.exported[student]}
    assert not differing
