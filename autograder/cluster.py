"""Grade a batch on a Dask cluster: `grade-all --scheduler ADDRESS` or `--cluster-config FILE`.

Only batch.py's jobs travel: the submission's name and bytes go to a worker, the
plain report comes back. Each worker process keeps one sandbox launcher for all
the submissions it grades (`GradingPlugin`, started before the worker reads any
hidden test) and grades one submission at a time, as a local worker does.

Faults are the scheduler's to handle: a worker that dies or leaves mid-batch has
its submission run again elsewhere, and a submission whose worker died
`allowed-failures` + 1 times comes back as KilledWorker and is reported as
ungradable (batch.MAX_TRIES tries on the clusters started here; set
`distributed.scheduler.allowed-failures` on a scheduler you start yourself).
"""

from __future__ import annotations

import itertools
import os
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dask
import yaml
from distributed import Client, KilledWorker, WorkerPlugin, as_completed, get_worker

from . import batch
from .batch import Job, Settings

PLUGIN_NAME = "pytorch-course-grader"
GPU_RESOURCE = "GPU"
# One task per worker thread at a time (the default 1.1 queues a second one, which a dying worker would take
# down with it), MAX_TRIES tries of a submission whose worker died, and time for a restarted worker to import
# torch and come back before a cluster started here gives its slot up (the default 15 s is not enough on a
# busy machine: the cluster then shrinks with every death).
DASK_CONFIG = {
    "distributed.scheduler.allowed-failures": batch.MAX_TRIES - 1,
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.deploy.lost-worker-timeout": "10 minutes",
}
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
        yield from _graded(client, jobs, settings)
    return run


def connected_runner(scheduler: str | None, cluster_config: Path | None) -> batch.Runner:
    """A batch runner that connects (or starts the cluster) only when there is something to grade."""
    def run(jobs: Iterator[Job], settings: Settings):
        with connect(scheduler, cluster_config) as (client, threads):
            yield from cluster_runner(client, threads)(jobs, settings)
    return run


def _graded(client: Client, jobs: Iterator[Job], settings: Settings) -> Iterator[tuple[Job, object]]:
    """One submission in flight per worker thread: a worker that dies takes only its own submission with it
    (the scheduler would otherwise hand each worker several at once), and a class never sits in the scheduler."""
    key = settings.grading_key()
    resources = {GPU_RESOURCE: 1} if settings.device.startswith("cuda") else None
    in_flight: dict = {}
    running = as_completed()

    def fill() -> None:
        threads = sum(worker["nthreads"] for worker in client.scheduler_info()["workers"].values())
        for job in itertools.islice(jobs, max(1, threads) - len(in_flight)):
            future = client.submit(grade_on_worker, settings, key, job, resources=resources, pure=False,
                                   key=f"grade-{job.student}-{uuid.uuid4().hex[:8]}")
            in_flight[future.key] = job
            running.add(future)

    fill()
    try:
        for future in running:
            job = in_flight.pop(future.key)
            fill()
            yield job, _result(future)
            future.release()
    finally:  # a stop, or a grader mismatch: nothing is left running for this batch
        client.cancel(list(running.futures))


def _result(future) -> object:
    try:
        return future.result()
    except KilledWorker:
        return batch.WorkerDied.after(dask.config.get("distributed.scheduler.allowed-failures") + 1)
    except GraderMismatch:
        raise
    except Exception as error:
        return RuntimeError(f"{type(error).__name__}: {error}")


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
