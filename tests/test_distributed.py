"""`grade-all` on a real Dask cluster: a `distributed.LocalCluster` of two worker processes on loopback.

The same class as tests/test_batch.py (honest, stub, broken, hostile, partly wrong, a zip) gives the same
scores.csv and feedback as a local run; a worker killed from outside mid-batch costs only a retry; a
submission whose grading kills every worker it lands on is reported as ungradable after a bounded number
of tries; a resumed batch grades only what is missing or changed.
"""

import os
import shutil
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster

from autograder import catalog, cluster
from autograder.batch import MAX_TRIES, Settings, grade_all, local_runner, write_outputs

from test_batch import ASSIGNMENT, NOTEBOOK, make_class

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]
SETTINGS = Settings(ASSIGNMENT)


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class") / "submitted"
    make_class(folder)
    return folder


@pytest.fixture(scope="module")
def local_grades(class_folder, tmp_path_factory):
    """scores.csv and the feedback of a local `--jobs 2` run."""
    out = tmp_path_factory.mktemp("local")
    write_outputs(grade_all(class_folder, SETTINGS, out, local_runner(2), progress=False).outcomes, out)
    return written(out)


@pytest.fixture(scope="module")
def client():
    with dask.config.set(cluster.DASK_CONFIG), LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as local:
        with Client(local) as connected:
            yield connected


@pytest.fixture(scope="module")
def cluster_run(client, class_folder, tmp_path_factory):
    """A batch of the class on the cluster: its output and the Batch."""
    out = tmp_path_factory.mktemp("cluster-grades")
    return out, graded_on(client, class_folder, out)


def written(out: Path) -> dict[str, str]:
    return {"scores.csv": (out / "scores.csv").read_text()} | {
        path.name: path.read_text() for path in sorted((out / "feedback").iterdir())}


def graded_on(client, folder: Path, out: Path):
    batch = grade_all(folder, SETTINGS, out, cluster.cluster_runner(client, 1), progress=False)
    write_outputs(batch.outcomes, out)
    return batch


def workers_holding(client, student: str = "") -> list[str]:
    """The workers a grading task (of `student`) is processing on now."""
    prefix = f"grade-{student}"

    def find(dask_scheduler):
        return [task.processing_on.address for task in dask_scheduler.tasks.values()
                if str(task.key).startswith(prefix) and task.processing_on]
    return client.run_on_scheduler(find)


def kill(client, address: str) -> None:
    os.kill(client.run(os.getpid, workers=[address])[address], signal.SIGKILL)


def test_a_cluster_grades_like_a_local_run(cluster_run, local_grades):
    out, batch = cluster_run
    assert written(out) == local_grades
    assert sorted(batch.graded) == ["ada", "bob", "carl", "eve", "finn"]  # dora holds no notebook: never sent


def test_a_worker_killed_mid_batch_costs_only_a_retry(client, class_folder, local_grades, tmp_path):
    with ThreadPoolExecutor(1) as background:
        running = background.submit(graded_on, client, class_folder, tmp_path)
        while not (busy := workers_holding(client)) and not running.done():
            time.sleep(0.05)
        assert busy, "the batch ended before a worker could be killed"
        kill(client, busy[0])
        running.result(timeout=900)
    assert written(tmp_path) == local_grades


def test_a_submission_that_kills_every_worker_it_lands_on_is_given_up_after_bounded_tries(client, class_folder,
                                                                                          local_grades, tmp_path):
    folder = tmp_path / "submitted"
    shutil.copytree(class_folder, folder)
    shutil.copy(catalog.notebook_path("solutions", ASSIGNMENT), folder / "mallory.ipynb")
    killed, most_held_by_one_worker, done = [], [0], threading.Event()

    def kill_whoever_grades_mallory():  # as a grader-side crash on that notebook would, every time
        while not done.is_set():
            most_held_by_one_worker[0] = max([most_held_by_one_worker[0], *Counter(workers_holding(client)).values()])
            for address in set(workers_holding(client, "mallory")) - set(killed):
                kill(client, address)
                killed.append(address)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_whoever_grades_mallory)
    killer.start()
    try:
        batch = graded_on(client, folder, tmp_path / "grades")
    finally:
        done.set()
        killer.join()
    assert len(killed) == MAX_TRIES
    assert most_held_by_one_worker == [1], "a worker held two submissions: its death would charge both"
    mallory = next(outcome.report for outcome in batch.outcomes if outcome.student == "mallory")
    assert mallory.score == 0 and f"grading worker's process {MAX_TRIES} times" in mallory.problem
    rows = (tmp_path / "grades" / "scores.csv").read_text().replace(str(folder), str(class_folder)).splitlines()
    assert [row for row in rows if not row.startswith("mallory,")] == local_grades["scores.csv"].splitlines()


def test_a_resumed_batch_grades_only_what_is_missing_or_changed(client, class_folder, cluster_run, local_grades,
                                                                tmp_path):
    folder, out = tmp_path / "submitted", tmp_path / "grades"
    shutil.copytree(class_folder, folder)
    shutil.copytree(cluster_run[0], out)
    (out / "graded" / "ada.json").unlink()  # as if the batch had stopped before ada's grade came
    shutil.copy(catalog.notebook_path("solutions", ASSIGNMENT), folder / "bob" / ASSIGNMENT / NOTEBOOK)
    batch = graded_on(client, folder, out)
    assert sorted(batch.graded) == ["ada", "bob"]
    assert sorted(batch.reused) == ["carl", "eve", "finn"]
    scores = (out / "scores.csv").read_text().replace(str(folder), str(class_folder))
    rows = dict(line.split(",", 1) for line in scores.splitlines())
    expected = dict(line.split(",", 1) for line in local_grades["scores.csv"].splitlines())
    assert rows == expected | {"bob": expected["ada"]}
