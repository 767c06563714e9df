"""`autograder grade-all`: a class of good, stub, broken and hostile submissions in one run; a worker that dies,
a stopped batch, names a spreadsheet would run, zip bombs."""

import csv
import io
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder import catalog, manifest
from autograder.submission import MAX_NOTEBOOK_BYTES
from autograder.batch import (MAX_TRIES, Outcome, SubmissionRefused, WorkerDied, discover, notebook_from_zip,
                              run_local, write_outputs)

from conftest import notebook_with_cells

ASSIGNMENT = "01-foundations"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


def make_class(folder):
    """nbgrader's submitted/<student>/<id>/ layout mixed with loose notebooks and a zip."""
    def submitted(student):
        path = folder / student / ASSIGNMENT
        path.mkdir(parents=True)
        return path / NOTEBOOK

    shutil.copy(catalog.notebook_path("solutions", ASSIGNMENT), submitted("ada"))
    shutil.copy(catalog.notebook_path("release", ASSIGNMENT), submitted("bob"))
    notebook_with_cells(catalog.notebook_path("assignments", ASSIGNMENT), submitted("eve"), first="import os\nos._exit(0)")
    (folder / "carl.ipynb").write_text("{ this is not json")
    (folder / "dora").mkdir()
    with zipfile.ZipFile(folder / "finn.zip", "w") as archive:
        archive.write(catalog.REPO_ROOT / "examples" / ASSIGNMENT / NOTEBOOK, f"finn/{NOTEBOOK}")


def test_grade_all_grades_everyone_and_reports_what_it_could_not_grade(tmp_path):
    make_class(tmp_path / "submitted")
    out = tmp_path / "grades"
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "grade-all", tmp_path / "submitted", "--assignment", ASSIGNMENT, "--jobs", "2", "--output-dir", out],
        capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stderr
    with open(out / "scores.csv") as scores:
        rows = {row["student"]: row for row in csv.DictReader(scores)}
    assert set(rows) == {"ada", "bob", "carl", "dora", "eve", "finn"}
    full = rows["ada"]["max_score"]
    assert rows["ada"]["score"] == full and rows["eve"]["score"] == full
    assert rows["bob"]["score"] == "0" and rows["carl"]["score"] == "0" and rows["dora"]["score"] == "0"
    assert 0 < float(rows["finn"]["score"]) < float(full)
    assert rows["carl"]["status"].startswith("not graded: the notebook could not be read")
    assert rows["dora"]["status"].startswith("not graded:")
    assert {path.stem for path in (out / "feedback").iterdir()} == set(rows)
    assert "ended the process" in (out / "feedback" / "eve.txt").read_text()
    summary = (out / "summary.txt").read_text()
    assert "4 graded, 2 could not be graded" in summary and "carl:" in summary and "dora:" in summary
    assert "Share of students passing each test" in summary and "75%" in summary


# The local pool: a worker that dies is replaced, and only its submission is tried again ----------

def _echo_or_die(state, item):
    """A task for run_local: ends its worker for "always", and for "once" the first time only."""
    name, marker = item
    if name == "always" or (name == "once" and not marker.exists()):
        marker.touch()
        os._exit(9)
    return name


def test_a_dead_local_worker_is_replaced_and_only_its_item_is_tried_again(tmp_path):
    items = [(name, tmp_path / f"{name}.died") for name in ("a", "once", "b", "always", "c", "d")]
    results = dict((item[0], result) for item, result in run_local(items, _echo_or_die, dict, (), processes=2))
    assert set(results) == {"a", "once", "b", "always", "c", "d"}
    assert {name: results[name] for name in ("a", "once", "b", "c", "d")} == {name: name for name in ("a", "once", "b", "c", "d")}
    assert isinstance(results["always"], WorkerDied) and f"{MAX_TRIES} times" in str(results["always"])


def _worker_pids(parent: int) -> list[int]:
    """The grading workers the grade-all process `parent` spawned (not multiprocessing's resource tracker)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == parent and b"spawn_main" in command:
                pids.append(int(entry.name))
    return pids


@pytest.mark.slow
def test_grade_all_loses_nothing_when_a_worker_is_killed_and_resumes_after_a_stop(tmp_path):
    folder, out = tmp_path / "submitted", tmp_path / "grades"
    make_class(folder)
    command = [sys.executable, "-m", "autograder", "grade-all", folder, "--assignment", ASSIGNMENT, "--jobs", "2", "--output-dir", out]
    killed = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: any((out / "graded").glob("*.json")), killed)
    victims = _worker_pids(killed.pid)
    os.kill(victims[0], signal.SIGKILL)
    _, stderr = killed.communicate(timeout=900)
    assert killed.returncode == 0, stderr
    assert "a grading worker ended; its submission is tried again" in stderr
    first = (out / "scores.csv").read_text()
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(first))}
    assert set(rows) == {"ada", "bob", "carl", "dora", "eve", "finn"}
    assert all(not row["status"].startswith("not graded: its grading ended") for row in rows.values())
    assert rows["ada"]["score"] == rows["ada"]["max_score"] == rows["eve"]["score"]

    # A run stopped by Ctrl-C keeps what it finished; the next grades only the rest, and a changed notebook again.
    for student in ("ada", "eve", "finn"):  # three left after ada: the stop comes while there is work to do
        (out / "graded" / f"{student}.json").unlink()
    shutil.copy(catalog.notebook_path("solutions", ASSIGNMENT), folder / "bob" / ASSIGNMENT / NOTEBOOK)
    one_at_a_time = [*command[:-4], "--jobs", "1", *command[-2:]]
    stopped = subprocess.Popen(one_at_a_time, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_ctrl_c_as_in_a_terminal)
    _wait_for(lambda: (out / "graded" / "ada.json").exists(), stopped)  # then bob is being graded
    stopped.send_signal(signal.SIGINT)
    _, stderr = stopped.communicate(timeout=120)
    assert stopped.returncode == 130 and "run the same command again" in stderr
    assert (out / "scores.csv").read_text() == first  # untouched until a batch finishes
    assert not list((out / "graded").glob(".*")), "a write was left half done"
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr
    kept, graded = map(int, re.search(r"(\d+) kept from an earlier run, (\d+) graded now", rerun.stdout).groups())
    assert kept + graded == 5 and 1 <= graded <= 3  # carl's and ada's grades kept; bob (changed), eve, finn at most
    rows = {row["student"]: row for row in csv.DictReader(open(out / "scores.csv"))}
    assert rows["bob"]["score"] == rows["bob"]["max_score"]


def _ctrl_c_as_in_a_terminal() -> None:
    """A test worker may ignore SIGINT, and a child inherits that: Python then installs no KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for(condition, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 600
    while not condition():
        assert process.poll() is None and time.monotonic() < deadline, "grade-all ended before it came"
        time.sleep(0.05)


# Names a spreadsheet or a file system cannot hold ----------------------------------------------

def test_names_are_neutralised_for_spreadsheets_and_unsafe_ones_are_refused(tmp_path):
    folder = tmp_path / "submitted"
    folder.mkdir()
    notebook = catalog.notebook_path("release", ASSIGNMENT).read_text()
    formula = "=2+5+cmd|' calc'!A0"
    for name in (formula, "mallory\n=1+1,100", "zoe", "+ada", "\x1b[2Jeve"):
        (folder / f"{name}.ipynb").write_text(notebook)
    (folder / "zoe" / ASSIGNMENT).mkdir(parents=True)
    (folder / "zoe" / ASSIGNMENT / NOTEBOOK).write_text(notebook)
    entries = {entry.student: entry for entry in discover(folder, ASSIGNMENT)}
    assert set(entries) == {formula, "mallory\\n=1+1,100", "zoe", "+ada", "\\x1b[2Jeve"}
    assert "control characters or line breaks" in entries["mallory\\n=1+1,100"].problem
    assert "control characters or line breaks" in entries["\\x1b[2Jeve"].problem
    assert "2 submissions are named 'zoe' (zoe/, zoe.ipynb)" in entries["zoe"].problem
    assert entries[formula].problem is None and entries["+ada"].problem is None

    outcomes = [Outcome(entry.student, manifest.ungradable(ASSIGNMENT, str(entry.path), entry.problem or "stub"))
                for entry in entries.values()]
    write_outputs(outcomes, tmp_path / "grades")
    lines = (tmp_path / "grades" / "scores.csv").read_text().splitlines()
    assert len(lines) == 1 + len(entries), "a name forged a row"
    students = [row["student"] for row in csv.DictReader(open(tmp_path / "grades" / "scores.csv"))]
    assert sorted(students) == sorted(["'" + formula, "mallory\\n=1+1,100", "zoe", "'+ada", "\\x1b[2Jeve"])
    assert len(list((tmp_path / "grades" / "feedback").iterdir())) == len(entries)


# Zips: sizes checked before anything is extracted ----------------------------------------------

def test_a_zip_bomb_is_refused_before_extraction(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NOTEBOOK, b'{"cells": [], "x": "' + b" " * (190 << 20) + b'"}')
    assert bomb.stat().st_size < 400_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(SubmissionRefused, match=f"over the {MAX_NOTEBOOK_BYTES >> 20} MB limit"):
        notebook_from_zip(bomb, ASSIGNMENT)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 20_000  # KiB: nothing was inflated


def test_a_zip_that_expands_too_many_times_is_refused(tmp_path):
    dense = tmp_path / "dense.zip"
    with zipfile.ZipFile(dense, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NOTEBOOK, b'{"cells": [], "x": "' + b"0" * (8 << 20) + b'"}')
    with pytest.raises(SubmissionRefused, match="expands .* times"):
        notebook_from_zip(dense, ASSIGNMENT)
    honest = tmp_path / "honest.zip"
    with zipfile.ZipFile(honest, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(catalog.notebook_path("solutions", ASSIGNMENT), f"ada/{NOTEBOOK}")
    assert notebook_from_zip(honest, ASSIGNMENT) == catalog.notebook_path("solutions", ASSIGNMENT).read_bytes()


def test_a_local_grade_all_imports_nothing_of_dask(tmp_path):
    (tmp_path / "submitted").mkdir()
    check = ("import sys; from autograder import cli; "
             f"assert cli.main(['grade-all', {str(tmp_path / 'submitted')!r}, '--assignment', {ASSIGNMENT!r}, "
             f"'--output-dir', {str(tmp_path / 'grades')!r}]) == 0; "
             "print(sorted(name for name in sys.modules if name.split('.')[0] in ('dask', 'distributed')))")
    run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "[]"
    assert (tmp_path / "grades" / "scores.csv").read_text().strip() == "student,score,max_score,status"
