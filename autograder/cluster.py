"""Grade a batch on a Dask cluster: `grade-all --scheduler ADDRESS` or `--cluster-config FILE`.

Only batch.py's jobs travel: the submission's name and bytes go to a worker, the
plain report comes back. Each worker process keeps one sandbox launcher for all
the submissions it grades (`GradingPlugin`, started before the worker reads any
hidden test) and grades one submission at a time, as a local worker does.

Each submission is placed on an idle worker of our choosing and on no other, so
a worker never holds more than the one it grades. A worker that dies or leaves
mid-batch therefore held exactly one submission: that one is tried again on
another idle worker, and after batch.MAX_TRIES such ends it is reported as
ungradable. Dask's own count of deaths (`allowed-failures`) would also charge
a submission that merely waited on the dying worker, so the tries are counted
here, whatever the scheduler's settings.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dask
import yaml
from distributed import Client, KilledWorker, WorkerPlugin, get_worker, wait

from . import batch
from .batch import Job, Settings

PLUGIN_NAME = "pytorch-course-grader"
GPU_RESOURCE = "GPU"
# A task whose worker died fails at once (the tries are counted here), and a restarted worker has time to
# import torch and come back before a cluster started here gives its slot up (the default 15 s is not enough
# on a busy machine: the cluster then shrinks with every death).
DASK_CONFIG = {
    "distributed.scheduler.allowed-failures": 0,
    "distributed.deploy.lost-worker-timeout": "10 minutes",
}
POLL_SECONDS = 0.5  # how often the batch looks for finished gradings, idle workers and workers that left
CLUSTER_KINDS = {
    "local": "distributed.LocalCluster",
    "slurm": "dask_jobqueue.SLURMCluster",
    "pbs": "dask_jobqueue.PBSCluster",
    "kubernetes": "dask_kubernetes.operator.KubeCluster",
}


class ClusterConfigError(ValueError):
    pass


class GraderMismatch(RuntimeError):
    """A worker's grader (its code or hidden tests) is not the one this batch is graded with."""


class GradingPlugin(WorkerPlugin):
    """One sandbox launcher per worker process, started when the worker joins, for every assignment."""

    idempotent = True  # a second batch on the same workers keeps their launcher (it could not start again)

    def __init__(self, torch_threads: int | None = None):
        self.torch_threads = torch_threads
        self.state: batch.WorkerState | None = None

    def setup(self, worker) -> None:
        if worker.state.nthreads != 1:
            raise RuntimeError(f"grading workers need one thread each (start them with --nthreads 1); "
                               f"{worker.address} has {worker.state.nthreads}")
        threads = self.torch_threads or len(os.sched_getaffinity(0))
        self.state = batch.start_worker(None, threads)

    def teardown(self, worker) -> None:
        if self.state:
            self.state.close()


def grade_on_worker(settings: Settings, grading_key: str, job: Job) -> dict:
    """The task: grades one job with this worker's launcher; the plain report."""
    worker = get_worker()
    if settings.grading_key() != grading_key:
        raise GraderMismatch(f"the worker {worker.address} grades with {settings.grading_key()}, this batch with "
                             f"{grading_key}: install the same autograder on the workers as where grade-all runs")
    return batch.grade_job(settings, worker.plugins[PLUGIN_NAME].state, job)


def cluster_runner(client: Client, torch_threads: int | None = None) -> batch.Runner:
    """A batch runner that grades on the cluster behind `client`."""
    def run(jobs: Iterator[Job], settings: Settings):
        client.register_plugin(GradingPlugin(torch_threads), name=PLUGIN_NAME)
        _warn_without_gpu(client, settings)
        yield from _Placement(client, jobs, settings).results()
    return run


def connected_runner(scheduler: str | None, cluster_config: Path | None) -> batch.Runner:
    """A batch runner that connects (or starts the cluster) only when there is something to grade."""
    def run(jobs: Iterator[Job], settings: Settings):
        with connect(scheduler, cluster_config) as (client, threads):
            yield from cluster_runner(client, threads)(jobs, settings)
    return run


class _Placement:
    """The submissions of a batch, each placed on one idle worker and on no other."""

    def __init__(self, client: Client, jobs: Iterator[Job], settings: Settings):
        self.client, self.jobs, self.settings = client, jobs, settings
        self.key = settings.grading_key()
        self.resources = {GPU_RESOURCE: 1} if settings.device.startswith("cuda") else None
        self.placed: dict = {}  # future -> (job, worker address)
        self.again: deque[Job] = deque()
        self.ends: dict[str, int] = {}  # student -> how often a worker ended while grading that submission
        self.exhausted = False

    def results(self) -> Iterator[tuple[Job, object]]:
        try:
            while self.place() or self.placed:
                for future in self.finished_futures():
                    yield from self.finished(future)
                yield from self.lost_with_their_workers()
        finally:  # a stop, or a grader mismatch: nothing is left running for this batch
            self.client.cancel(list(self.placed))

    def place(self) -> bool:
        """Sends a submission to every idle worker; False when there is nothing left to send."""
        workers = self.client.scheduler_info()["workers"]
        busy = {address for _, address in self.placed.values()}
        for address, worker in workers.items():
            if address in busy or (self.resources and not worker.get("resources", {}).get(GPU_RESOURCE)):
                continue
            job = self.next_job()
            if job is None:
                break
            future = self.client.submit(grade_on_worker, self.settings, self.key, job, workers=[address],
                                        allow_other_workers=False, resources=self.resources, pure=False,
                                        key=f"grade-{job.student}-{uuid.uuid4().hex[:8]}")
            self.placed[future] = (job, address)
        return bool(self.again) or not self.exhausted

    def finished_futures(self) -> set:
        """The placed gradings that finished, waiting at most POLL_SECONDS for the first."""
        if not self.placed:  # every worker busy elsewhere, gone or still starting
            time.sleep(POLL_SECONDS)
            return set()
        try:
            return wait(list(self.placed), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED").done
        except TimeoutError:
            return set()

    def next_job(self) -> Job | None:
        if self.again:
            return self.again.popleft()
        job = None if self.exhausted else next(self.jobs, None)
        self.exhausted = job is None
        return job

    def finished(self, future) -> Iterator[tuple[Job, object]]:
        job, _ = self.placed.pop(future)
        try:
            result = future.result()
        except KilledWorker:
            yield from self.ended(job)
            return
        except GraderMismatch:
            raise
        except Exception as error:
            result = RuntimeError(f"{type(error).__name__}: {error}")
        future.release()
        yield job, result

    def lost_with_their_workers(self) -> Iterator[tuple[Job, object]]:
        """Submissions whose worker left the cluster: with a scheduler that retries on its own, they would wait
        for that worker forever."""
        present = set(self.client.scheduler_info()["workers"])
        for future, (job, address) in list(self.placed.items()):
            if address not in present and not future.done():
                del self.placed[future]
                future.cancel()
                yield from self.ended(job)

    def ended(self, job: Job) -> Iterator[tuple[Job, object]]:
        """The worker grading `job` ended: it alone was there, so it alone is charged and tried again."""
        self.ends[job.student] = self.ends.get(job.student, 0) + 1
        if self.ends[job.student] >= batch.MAX_TRIES:
            yield job, batch.WorkerDied.after(self.ends[job.student])
        else:
            self.again.append(job)


def _warn_without_gpu(client: Client, settings: Settings) -> None:
    workers = client.scheduler_info()["workers"].values()
    if settings.device.startswith("cuda") and workers and not any(
            worker.get("resources", {}).get(GPU_RESOURCE) for worker in workers):
        print(f"autograder: no worker offers a {GPU_RESOURCE} resource yet (start workers with "
              f"--resources {GPU_RESOURCE}=1); the submissions wait for one", file=sys.stderr)


@contextmanager
def connect(scheduler: str | None = None, cluster_config: Path | None = None) -> Iterator[tuple[Client, int | None]]:
    """A client of the scheduler at `scheduler`, or of a cluster started from `cluster_config` and stopped after.

    Also yields the torch threads per worker when the cluster shares this machine's cores (a local cluster).
    """
    with dask.config.set(DASK_CONFIG):
        if scheduler:
            with Client(scheduler) as client:
                yield client, None
            return
        cluster, threads = start_cluster(read_cluster_config(cluster_config))
        with cluster, Client(cluster) as client:
            yield client, threads


def read_cluster_config(path: Path) -> dict:
    """`cluster` (local, slurm, pbs, kubernetes), `workers` (how many) and `options` for the cluster class."""
    config = yaml.safe_load(path.read_text()) or {}
    kind = config.get("cluster")
    if kind not in CLUSTER_KINDS:
        raise ClusterConfigError(f"{path}: `cluster` should be one of {', '.join(CLUSTER_KINDS)}, not {kind!r}")
    if not isinstance(config.get("workers", 1), int) or not isinstance(config.get("options", {}), dict):
        raise ClusterConfigError(f"{path}: `workers` should be a number and `options` a mapping")
    return config


def start_cluster(config: dict) -> tuple[object, int | None]:
    import importlib

    module, _, name = CLUSTER_KINDS[config["cluster"]].rpartition(".")
    cluster_class = getattr(importlib.import_module(module), name)
    workers, options = config.get("workers", 1), dict(config.get("options", {}))
    if config["cluster"] == "local":
        options = {"threads_per_worker": 1, "processes": True, "dashboard_address": None, **options}
        cluster = cluster_class(n_workers=workers, **options)
        return cluster, max(1, len(os.sched_getaffinity(0)) // workers)
    cluster = cluster_class(**options)
    cluster.scale(workers)
    return cluster, None
