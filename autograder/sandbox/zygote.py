"""A clean process that imports torch once, then forks one sandbox per request.

It never sees a hidden test or an expected value: it only imports the
libraries students use and the worker. Forking it costs milliseconds, where
starting Python and importing torch and torchvision costs seconds.

Control messages (JSON over a SOCK_SEQPACKET socket):
  grader -> zygote: {"fork": config} with two descriptors: the channel socket
                    and the write end of the output pipe
  zygote -> grader: {"forked": pid} and, later, {"exited": pid, "status": n}
"""

from __future__ import annotations

import json
import os
import select
import socket
import sys
import traceback


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    _preload([name for name in sys.argv[2].split(",") if name])
    control.send(json.dumps({"ready": os.getpid()}).encode())
    while True:
        readable, _, _ = select.select([control], [], [], 0.2)
        _report_exits(control)
        if not readable:
            continue
        message, fds, _, _ = socket.recv_fds(control, 1 << 16, 2)
        if not message:
            return
        pid = _fork(json.loads(message)["fork"], fds, control)
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"forked": pid}).encode())


def _preload(modules: list[str]) -> None:
    """Imports torch, the sandbox, and the heavy modules the notebooks to grade import."""
    import importlib

    import torch  # noqa: F401

    from . import guards, probes, worker  # noqa: F401

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        if name == "matplotlib":
            importlib.import_module("matplotlib.pyplot")
        if name == "torchvision":  # the data fixtures; the sandbox cannot read the grader's files later
            importlib.import_module("autograder.fixtures")


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
    held = guards.apply(work_dir, config["read_dirs"], config["memory_bytes"], config["file_bytes"])
    channel = Channel(socket.socket(fileno=channel_fd))
    channel.send({"ready": held})
    Worker(channel).serve()


def _report_exits(control: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        control.send(json.dumps({"exited": pid, "status": status}).encode())


if __name__ == "__main__":
    main()
