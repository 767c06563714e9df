"""The launcher: a copy of the grader, taken before it reads anything secret, that forks one sandbox per request.

process.Zygote imports torch, the sandbox and the libraries students use
(preload), then forks this launcher from the grader. It starts before the
grader reads a hidden test, a solution or an expected value, so none is in
its memory. Forking it costs milliseconds, where starting Python and
importing torch and torchvision costs seconds; and one import serves the
grader, the launcher and every student process.

Control messages (JSON over a SOCK_SEQPACKET socket):
  grader -> zygote: {"fork": config} with two descriptors: the channel socket
                    and the write end of the output pipe
  zygote -> grader: {"ready": pid}, {"forked": pid} and, later, {"exited": pid, "status": n}

When a student's process ends, the launcher kills everything left in its
cgroups and removes them, and unmounts its work folder; it does the same for
every student when the grader closes the control socket. It is also the
subreaper of everything the student processes start: a process that outlives
its parent (a daemon, a double fork) becomes its child and is killed at once
(what ends the tree where no PID namespace or cgroup is to be had).
"""

from __future__ import annotations

import ctypes
import faulthandler
import importlib
import json
import os
import secrets
import select
import signal
import socket
import sys
import tempfile
import traceback
from typing import NoReturn

from . import cgroups, guards, rootfs

_PR_SET_CHILD_SUBREAPER = 36


# What a notebook's use of each module costs to import, paid once here rather than in every student.
PRELOADS = {
    "matplotlib": ("matplotlib.pyplot",),
    "numpy": ("numpy",),
    # the data fixtures too: the sandbox cannot read the grader's files later
    "torchvision": ("torchvision", "autograder.fixtures.cifar10"),
    "tqdm": ("tqdm",),
    "torch.optim": ("torch._dynamo",),  # what the first optimizer imports (1.4 s)
}


def preload(names: list[str]) -> None:
    """Imports torch, the sandbox, and what the notebooks to grade use (see PRELOADS), in the grader."""
    import torch  # noqa: F401

    from . import audit, guards, probes, worker  # noqa: F401

    for name in names:
        for module in PRELOADS.get(name, ()):
            try:
                importlib.import_module(module)
            except ImportError:
                break


def serve(control: socket.socket) -> NoReturn:
    """The launcher's whole life, in the child just forked from the grader: it never returns."""
    try:
        _leave_the_grader(control.fileno())
        _serve(control)
    except BrokenPipeError:  # the grader closed before the launcher was ready: nothing to end
        os._exit(0)
    except BaseException:  # noqa: B036 - the launcher must never run on in the grader's code
        traceback.print_exc()
        os._exit(70)
    os._exit(0)


def _leave_the_grader(control_fd: int) -> None:
    """Drops what the fork copied from the grader: its descriptors, signal handlers, folder and plotting backend."""
    faulthandler.disable()
    os.closerange(3, control_fd)
    os.closerange(control_fd + 1, 1 << 16)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the grader's to handle: it then ends the launcher
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.chdir(tempfile.gettempdir())
    sys.dont_write_bytecode = True
    guards.scrub_environment()
    os.environ["MPLBACKEND"] = "Agg"
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg", force=True)


def _serve(control: socket.socket) -> None:
    ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans of student processes come here
    students: dict[int, dict] = {}  # pid: the config it was forked with, and exit_fd (see _exit_fd)
    control.send(json.dumps({"ready": os.getpid()}).encode())
    try:
        while True:
            exits = [config["exit_fd"] for config in students.values() if config["exit_fd"] is not None]
            readable, _, _ = select.select([control, *exits], [], [], 0.2)
            _report_exits(control, students)
            _kill_orphans(students)
            if control not in readable:
                continue
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 2)
            if not message:
                return
            config = dict(json.loads(message)["fork"], cgroup=cgroups.unique_name(os.getpid()),
                          uid=guards.STUDENT_UID_BASE + secrets.randbelow(1 << 24))
            pid = _fork(config, fds, control)
            students[pid] = dict(config, exit_fd=_exit_fd(pid))
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"forked": pid}).encode())
    finally:
        _end_all(students)


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
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in any Python program
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
    torch.set_num_threads(config["threads"])
    held = guards.apply(config)
    channel = Channel(socket.socket(fileno=channel_fd))
    channel.send({"ready": held})
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    protected = [os.path.join(package, "assignments")]  # the hidden tests, then the reference solutions
    protected += [os.path.join(os.path.dirname(package), kind) for kind in ("assignments", "solutions")]
    Worker(channel, Audit(work_dir, protected, config["read_dirs"])).serve()


def _exit_fd(pid: int) -> int | None:
    """A descriptor that turns readable when the process ends (Linux 5.3 and later), so that its end is reported
    at once rather than at the next look, up to 0.2 s later: every grading waits for that report."""
    try:
        return os.pidfd_open(pid)
    except OSError:
        return None


def _report_exits(control: socket.socket, students: dict[int, dict]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in students:
            _clean_up(students.pop(pid))
            control.send(json.dumps({"exited": pid, "status": status}).encode())


def _clean_up(config: dict) -> None:
    """What a student leaves: every process in its groups is killed, the groups removed, its work folder unmounted."""
    if config["exit_fd"] is not None:
        os.close(config["exit_fd"])
    if os.geteuid() != 0:
        return
    for hierarchy in set(cgroups.hierarchies().values()):
        cgroups.end(os.path.join(hierarchy, config["cgroup"]))
    rootfs.unmount(config["work_dir"])


def _end_all(students: dict[int, dict]) -> None:
    _kill_below(set())
    for pid, config in students.items():
        _clean_up(config)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _kill_orphans(students: dict[int, dict]) -> None:
    """Processes a student started that outlived their parent (daemons, setsid, chains): they and theirs may not stay."""
    _kill_below(set(students))


def _kill_below(spared: set[int], rounds: int = 50) -> None:
    """Kills every process below this one except the `spared` children and theirs, until none is left.

    A process that forks between one look and the kill is found in the next round.
    """
    me = os.getpid()
    for _ in range(rounds):
        parents = _parents()
        doomed = [pid for pid in parents if pid not in spared and _below(pid, me, parents, spared)]
        if not doomed:
            return
        for pid in doomed:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _below(pid: int, ancestor: int, parents: dict[int, int], spared: set[int]) -> bool:
    while pid in parents and pid not in spared:
        pid = parents[pid]
        if pid == ancestor:
            return True
    return False


def _parents() -> dict[int, int]:
    """{pid: parent pid} of every living process (zombies are already dead: _report_exits collects them)."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(os.path.join(entry.path, "stat")) as stat:
                    state, parent = stat.read().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if state != "Z":
                parents[int(entry.name)] = int(parent)
    return parents
