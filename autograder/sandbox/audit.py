"""Attempts the student's process makes to reach beyond its sandbox, recorded as they happen.

A Python audit hook (it cannot be removed once added) watches for writes
outside the work folder, reads of the grader's own files, deletions, network
connections, signals and new programs. The guards already stop these; the
record lets the report name what was tried.
"""

from __future__ import annotations

import os
import sys

from .guards import is_test_split

_MAX_EVENTS = 50
_WRITABLE = {"/dev/null", "/dev/zero", "/dev/urandom"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class Audit:
    def __init__(self, work_dir: str, protected_dirs: list[str], data_dirs: list[str]):
        """`protected_dirs`: hidden tests and reference solutions: reading them is flagged, as is reading
        a test split under `data_dirs`.

        (Reading the sandbox's own modules is not: torch formats stack traces,
        which reads the source of every frame, ours included.)
        """
        self.events: list[str] = []
        self._work_dir = os.path.realpath(work_dir)
        self._protected = [os.path.realpath(folder) for folder in protected_dirs]
        self._data = [os.path.realpath(folder) for folder in data_dirs]
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple) -> None:
        try:
            description = self._describe(event, args)
        except Exception:  # an audit hook must never break the code it watches
            return
        if description and description not in self.events and len(self.events) < _MAX_EVENTS:
            self.events.append(description)

    def _describe(self, event: str, args: tuple) -> str | None:
        if event == "open" and isinstance(args[0], str):
            return self._open(args[0], args[1], args[2])
        if event in ("os.remove", "os.rmdir", "os.rename", "shutil.rmtree") and isinstance(args[0], str):
            return None if self._inside_work_dir(args[0]) else f"tried to delete or move {args[0]}"
        if event in ("os.symlink", "os.link"):
            return f"tried to make a link ({args[0]!r} -> {args[1]!r})"
        if event in ("socket.connect", "socket.bind"):
            return f"tried to open a network connection ({args[1]!r})"
        if event in ("os.kill", "os.killpg"):
            return None if args[0] == os.getpid() else f"tried to send signal {args[1]} to process {args[0]}"
        if event in ("subprocess.Popen", "os.exec", "os.posix_spawn", "os.system"):
            return f"tried to start a program ({str(args[0])[:80]})"
        return None

    def _open(self, path: str, mode, flags) -> str | None:
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & _WRITE_FLAGS)
        real = os.path.realpath(path)
        if writing and not self._inside_work_dir(real) and real not in _WRITABLE and not real.startswith(("/proc/self/fd/", "pipe:")):
            return f"tried to write {path}"
        if any(_within(real, folder) for folder in self._protected):
            return f"tried to read the grader's files ({path})"
        if is_test_split(os.path.basename(real)) and any(_within(real, folder) for folder in self._data):
            return f"tried to read a test split ({path})"
        return None

    def _inside_work_dir(self, path: str) -> bool:
        return _within(os.path.realpath(path), self._work_dir)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + os.sep)
