"""A clean process that imports torch once, then forks one sandbox per request.

It never sees a hidden test or an expected value: it only imports the
libraries students use and the worker. Forking it costs milliseconds, where
starting Python and importing torch and torchvision costs seconds.

Control messages (JSON over a SOCK_SEQPACKET socket):
  grader -> zygote: {"fork": config} with two descriptors: the channel socket
                    and the write end of the output pipe
  zygote -> grader: {"forked": pid} and, later, {"exited": pid, "status": n}

It is also the subreaper of everything the student processes start: a process
that outlives its parent (a daemon, a double fork) becomes its child and is
killed at once.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import sys
import traceback

from .guards import PIDS_CGROUP_ROOTS, remove_cgroup

_PR_SET_CHILD_SUBREAPER = 36


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    _preload([name for name in sys.argv[2].split(",") if name])
    ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans of student processes come here
    students: set[int] = set()
    cgroups: set[str] = set()  # pids cgroups of ended students, removed once empty
    control.send(json.dumps({"ready": os.getpid()}).encode())
    while True:
        readable, _, _ = select.select([control], [], [], 0.2)
        _report_exits(control, students, cgroups)
        _kill_orphans(students)
        cgroups = {group for group in cgroups if not remove_cgroup(group)}
        if not readable:
            continue
        message, fds, _, _ = socket.recv_fds(control, 1 << 16, 2)
        if not message:
            return
        pid = _fork(json.loads(message)["fork"], fds, control)
        students.add(pid)
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"forked": pid}).encode())


def _preload(modules: list[str]) -> None:
    """Imports torch, the sandbox, and the heavy modules the notebooks to grade import."""
    import importlib

    import torch  # noqa: F401

    from . import audit, guards, probes, worker  # noqa: F401

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        if name == "matplotlib":
            importlib.import_module("matplotlib.pyplot")
        if name == "torchvision":  # the data fixtures; the sandbox cannot read the grader's files later
            importlib.import_module("autograder.fixtures.cifar10")


def _fork(config: dict, fds: list[int], control: socket.socket) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    try:
        control.close()
        _become_sandbox(config, channel_fd=fds[0], output_fd=fds[1])
        os._exit(0)
    except BaseException:  # noqa: B036 - nothing may escape into the zygote's loop
        traceback.print_exc()
        os._exit(70)


def _become_sandbox(config: dict, channel_fd: int, output_fd: int) -> None:
    import torch

    from . import guards
    from .audit import Audit
    from .channel import Channel
    from .worker import Worker

    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.closerange(3, channel_fd)
    os.closerange(channel_fd + 1, 1 << 16)
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    work_dir = config["work_dir"]
    os.chdir(work_dir)
    os.environ.update(HOME=work_dir, TMPDIR=work_dir, MPLCONFIGDIR=work_dir)
    torch.set_num_threads(config["threads"])
    held = guards.apply(work_dir, config["read_dirs"], config["memory_bytes"], config["file_bytes"], config["max_processes"])
    channel = Channel(socket.socket(fileno=channel_fd))
    channel.send({"ready": held})
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    protected = [os.path.join(package, "assignments")]  # the hidden tests, then the reference solutions
    protected += [os.path.join(os.path.dirname(package), kind) for kind in ("assignments", "solutions")]
    Worker(channel, Audit(work_dir, protected)).serve()


def _report_exits(control: socket.socket, students: set[int], cgroups: set[str]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in students:
            students.discard(pid)
            cgroups.update(os.path.join(controller, f"autograder-{pid}") for controller in PIDS_CGROUP_ROOTS)
            control.send(json.dumps({"exited": pid, "status": status}).encode())


def _kill_orphans(students: set[int]) -> None:
    """Processes a student started that outlived their parent (daemons, setsid): they may not stay."""
    me = str(os.getpid())
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) in students:
            continue
        try:
            with open(os.path.join(entry.path, "stat")) as stat:
                parent = stat.read().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if parent == me:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass



if __name__ == "__main__":
    main()
