"""The grader's handle on student processes: start them, talk to them, end them."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path, PosixPath
from typing import Iterable

from . import guards, zygote
from .channel import Channel, FrameError

_OUTPUT_TAIL_BYTES = 64 * 1024
LANDLOCK_VARIABLE = "AUTOGRADER_LANDLOCK"  # "off" turns Landlock off (read by the grader: to test the other guards)
_START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Limits:
    """What one student process may use."""

    memory_bytes: int = 3 << 30
    file_bytes: int = 256 << 20
    threads: int = field(default_factory=lambda: len(os.sched_getaffinity(0)))  # torch threads: the cores we may use
    read_dirs: tuple[str, ...] = ()
    max_processes: int = 64
    work_bytes: int = 1 << 30  # the work folder's size and number of files
    work_inodes: int = 20000
    cell_seconds: float = 30.0
    test_seconds_cap: float | None = None  # caps each test's own time limit (the `graded` timeout)


def with_training_data(limits: Limits, data_root) -> Limits:
    """`limits` with the datasets under `data_root` readable (their training splits only: see guards.is_test_split)."""
    return replace(limits, read_dirs=(*limits.read_dirs, str(data_root)))


def missing_guards(zygote: Zygote, limits: Limits | None = None) -> list[str]:
    """The guards the threat model relies on that a student process started now would lack (guards.REQUIRED)."""
    process = zygote.spawn(limits or Limits())
    try:
        process.wait_ready(_START_TIMEOUT)
        return guards.required_missing(process.guards)
    finally:
        process.close()


def guard_flags(entries: list[str]) -> list[str]:
    """One line for the report when guards the threat model relies on did not hold."""
    missing = [entry for entry in guards.not_held(entries) if entry.split(":", 1)[0] in guards.REQUIRED]
    return [f"GUARDS NOT HELD on this grader (see docs/threat-model.md): {'; '.join(missing)}"] if missing else []


def remove_boxes_of_dead_launchers() -> None:
    """Student folders whose launcher was killed (SIGKILL leaves it no time to clean up): nothing uses them."""
    for box in Path(tempfile.gettempdir()).glob("student-*-*"):
        launcher = box.name.split("-")[1]
        if launcher.isdigit() and not os.path.exists(f"/proc/{launcher}") and not box.is_symlink():
            shutil.rmtree(box, ignore_errors=True)


class StudentProcessError(Exception):
    """The student's process stopped answering; the message says why, for the student."""


class StudentTimeout(StudentProcessError):
    pass


class StudentCrashed(StudentProcessError):
    pass


class Zygote:
    """A pre-initialised process (see zygote.py) that forks student processes on request.

    It is forked from this process once torch and `preload` are imported here, so
    that one import serves the grader, the launcher and every student. Start it
    before this process reads anything a student must not see (hidden tests,
    solutions, expected values), and before it starts a thread: the launcher and
    its students begin as a copy of this process's memory.
    """

    def __init__(self, preload: Iterable[str] | None = None):
        """`preload`: modules the notebooks use, imported once, here (see zygote.PRELOADS; default: all)."""
        remove_boxes_of_dead_launchers()
        zygote.preload(sorted(zygote.PRELOADS if preload is None else preload))
        self._control, remote = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys.stdout.flush()
        sys.stderr.flush()
        self._pid = os.fork()
        if self._pid == 0:
            self._control.close()
            zygote.serve(remote)  # never returns
        remote.close()
        self._status: int | None = None
        self._forked: queue.Queue = queue.Queue()
        self._exits: dict[int, int] = {}
        self._exit_event = threading.Condition()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stopped = False
        threading.Thread(target=self._read_control, daemon=True).start()

    def _read_control(self) -> None:
        while True:
            try:
                data = self._control.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                self._stopped = True
                self._ready.set()  # a spawn waiting for the launcher fails now, not after _START_TIMEOUT
                self._forked.put(None)
                with self._exit_event:
                    self._exit_event.notify_all()
                return
            message = json.loads(data)
            if "ready" in message:
                self._ready.set()
            elif "forked" in message:
                self._forked.put(message["forked"])
            elif "exited" in message:
                with self._exit_event:
                    self._exits[message["exited"]] = message["status"]
                    self._exit_event.notify_all()

    def spawn(self, limits: Limits) -> StudentProcess:
        box = tempfile.mkdtemp(prefix=f"student-{self._pid}-")  # the work folder, and where its private root is built
        work_dir, root_dir = os.path.join(box, "work"), os.path.join(box, "root")
        os.mkdir(work_dir, 0o700)
        os.mkdir(root_dir, 0o700)
        config = {
            "work_dir": work_dir, "root_dir": root_dir, "read_dirs": list(limits.read_dirs), "threads": limits.threads,
            "memory_bytes": limits.memory_bytes, "file_bytes": limits.file_bytes, "max_processes": limits.max_processes,
            "work_bytes": limits.work_bytes, "work_inodes": limits.work_inodes,
            "landlock": os.environ.get(LANDLOCK_VARIABLE, "on") != "off",
        }
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        output_read, output_write = os.pipe()
        with self._lock:
            if not self._ready.wait(_START_TIMEOUT):
                raise StudentProcessError("the sandbox did not start (torch failed to import?)")
            if self._stopped:
                raise StudentProcessError("the sandbox launcher has stopped")
            socket.send_fds(self._control, [json.dumps({"fork": config}).encode()], [theirs.fileno(), output_write])
            theirs.close()
            os.close(output_write)
            pid = self._forked.get(timeout=_START_TIMEOUT)
        if pid is None:
            raise StudentProcessError("the sandbox launcher has stopped")
        return StudentProcess(self, pid, Channel(ours), OutputTail(output_read), WorkFolder(work_dir), Path(box))

    def wait_exit(self, pid: int, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        with self._exit_event:
            while pid not in self._exits:
                left = deadline - time.monotonic()
                if left <= 0 or self._ended():
                    return None
                self._exit_event.wait(left)
            return self._exits[pid]  # kept: close() asks again after a crash was reported

    def _ended(self) -> bool:
        if self._status is None:
            try:
                pid, status = os.waitpid(self._pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self._pid, 0
            if pid:
                self._status = status
        return self._status is not None

    def close(self) -> None:
        """Ends the launcher: it ends every student's process tree and removes what they left, then exits."""
        # close() alone would not end the socket while the reader thread is blocked in recv on it (the kernel
        # keeps it open for that call), so the launcher would never see the end and be killed after 10 s.
        with contextlib.suppress(OSError):
            self._control.shutdown(socket.SHUT_RDWR)
        self._control.close()
        deadline = time.monotonic() + 10.0
        while not self._ended() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self._ended():
            os.kill(self._pid, signal.SIGKILL)
            self._status = os.waitpid(self._pid, 0)[1]
        remove_boxes_of_dead_launchers()

    @property
    def ended_on_its_own(self) -> bool:
        """After close(): the launcher exited by itself, having ended its students, rather than being killed."""
        return self._status is not None and os.WIFEXITED(self._status) and os.WEXITSTATUS(self._status) == 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class WorkFolder(PosixPath):
    """A path in a student's work folder, as the grader sees it: a folder the grader makes there is the student's.

    As root the student runs as a uid of its own, so a folder a hidden test makes
    for it to save into (`(student.work_dir / "saved").mkdir()`) is given the
    owner of the folder it is made in.
    """

    def mkdir(self, mode=0o777, parents=False, exist_ok=False):
        missing = [folder for folder in (self, *self.parents) if not os.path.lexists(folder)]
        super().mkdir(mode, parents, exist_ok)
        for folder in reversed(missing):
            owner = os.stat(folder.parent, follow_symlinks=False)
            if owner.st_uid != os.geteuid():
                os.chown(folder, owner.st_uid, owner.st_gid, follow_symlinks=False)


class OutputTail:
    """Drains what the student's process prints, keeping only the end."""

    def __init__(self, fd: int):
        self.total_bytes = 0
        self._tail = bytearray()
        self._done = threading.Event()
        threading.Thread(target=self._drain, args=(fd,), daemon=True).start()

    def _drain(self, fd: int) -> None:
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                self.total_bytes += len(chunk)
                self._tail += chunk
                del self._tail[:-_OUTPUT_TAIL_BYTES]
        self._done.set()

    def text(self, wait: float = 0.0) -> str:
        self._done.wait(wait)
        return self._tail.decode("utf-8", "replace")


@dataclass
class StudentProcess:
    """One running student process and the channel to it."""

    zygote: Zygote
    pid: int
    channel: Channel
    output: OutputTail
    work_dir: Path
    box: Path  # the work folder's parent, removed at close
    guards: list[str] = field(default_factory=list)
    alive: bool = True

    def wait_ready(self, timeout: float) -> None:
        reply, _ = self._receive(time.monotonic() + timeout)
        self.guards = list(reply.get("ready", []))

    def request(self, header: dict, blobs: list[bytes], deadline: float, on_callback) -> tuple[dict, list[bytes]]:
        """Sends one request and returns its reply, serving callbacks meanwhile."""
        if not self.alive:
            raise StudentCrashed("the student's process has already stopped")
        try:
            self.channel.send(header, blobs)
        except OSError:
            raise self._crashed() from None
        while True:
            reply, reply_blobs = self._receive(deadline)
            if "callback" not in reply:
                return reply, reply_blobs
            answer, answer_blobs = on_callback(reply, reply_blobs)
            try:
                self.channel.send(answer, answer_blobs)
            except OSError:
                raise self._crashed() from None

    def _receive(self, deadline: float):
        try:
            return self.channel.receive(deadline)
        except TimeoutError:
            self.kill()
            raise StudentTimeout("did not finish in time and was stopped") from None
        except (EOFError, OSError):
            raise self._crashed() from None
        except FrameError as error:
            self.kill()
            raise StudentCrashed(f"sent a reply the grader cannot read ({error})") from None

    def _crashed(self) -> StudentCrashed:
        status = self.zygote.wait_exit(self.pid, timeout=2.0)
        self.kill()
        return StudentCrashed(f"ended the process ({_describe_status(status)})")

    def kill(self) -> None:
        """Ends the process tree and removes its folder (a replaced process is never closed: this is its end)."""
        if not self.alive:
            return
        self.alive = False
        for send in (os.killpg, os.kill):
            try:
                send(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.channel.sock.close()
        self.zygote.wait_exit(self.pid, timeout=10.0)  # the launcher has then unmounted the work folder
        shutil.rmtree(self.box, ignore_errors=True)

    def close(self) -> None:
        self.kill()


def _describe_status(status: int | None) -> str:
    if status is None:
        return "no exit status"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        hint = {"SIGXFSZ": " (a file grew past the size limit)", "SIGKILL": " (killed: out of memory or by another process)"}
        return f"killed by {name}{hint.get(name, '')}"
    code = os.WEXITSTATUS(status)
    return f"exit code {code}: sys.exit, os._exit and quit() end the process, do not call them"
