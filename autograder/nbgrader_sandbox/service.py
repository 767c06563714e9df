"""The grading process behind `nbgrader autograde`: a fresh Python, never a copy of nbgrader's process.

nbgrader's process opens the gradebook, which holds every solution and hidden
test cell in plain text, so no student process may start as a copy of it.
`GradingService` therefore starts this module with `subprocess` (fork and
exec: a new program, nothing of nbgrader's memory survives), once per
assignment and `autograde` run. Here the sandbox launcher starts first,
before anything secret is read (launcher.py checks it), and then grades each
notebook sent to it:

  nbgrader -> service (stdin):   {"notebook": "<path of the notebook to grade>"}
  service -> nbgrader (its own descriptor, once fd 1 went to stderr): Report.to_dict()

one JSON line each. Everything else the service or pytest prints goes to
stderr, so it can never be mistaken for a reply.

    python -m autograder.nbgrader_sandbox.service ASSIGNMENT [CELL_SECONDS]
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

from .. import manifest
from ..results import Report

# Seconds a reply may take on top of the tests' own limits: loading the notebook (session.LOAD_BUDGET, 120 s),
# the launcher's start and the pytest run. This module is imported by nbgrader's process, which imports no torch.
REPLY_MARGIN = 300.0


class GradingService:
    """The nbgrader side: one grading process for `assignment`, started on first use, replaced if it dies."""

    def __init__(self, assignment: str, cell_seconds: float):
        self.assignment, self.cell_seconds = assignment, cell_seconds
        planned, _ = manifest.load(assignment).plan()
        self._reply_seconds = REPLY_MARGIN + sum(test.timeout for test in planned) + REPLY_MARGIN
        self._process: subprocess.Popen | None = None
        self._pending = b""

    def grade(self, notebook: Path) -> Report:
        """The sandboxed report of `notebook`; a notebook the service fails on is reported, never raised."""
        if self._process is None or self._process.poll() is not None:
            self._start()
        try:
            self._process.stdin.write(json.dumps({"notebook": str(notebook)}).encode() + b"\n")
            self._process.stdin.flush()
            return Report.from_dict(json.loads(self._read_reply()))
        except (OSError, ValueError, TimeoutError) as error:
            self.close()  # the next notebook gets a fresh process
            problem = f"the grading process failed on this notebook ({type(error).__name__}: {error}); please tell your TA"
            return manifest.ungradable(self.assignment, str(notebook), problem)

    def _start(self) -> None:
        self._pending = b""
        self._process = subprocess.Popen([sys.executable, "-m", __name__, self.assignment, f"{self.cell_seconds:g}"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def _read_reply(self) -> bytes:
        deadline = time.monotonic() + self._reply_seconds
        reply_fd = self._process.stdout.fileno()
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([reply_fd], [], [], left)[0]:
                raise TimeoutError(f"no reply within {self._reply_seconds:.0f} s")
            chunk = os.read(reply_fd, 1 << 20)
            if not chunk:
                raise OSError(f"the grading process ended (exit status {self._process.wait()})")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line

    def close(self) -> None:
        """Ends the grading process: it stops when its input closes (and is killed if it does not)."""
        if self._process is None:
            return
        process, self._process = self._process, None
        try:
            process.stdin.close()
            process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        process.stdout.close()


def serve(assignment: str, cell_seconds: float) -> int:
    """The grading process's life: start the launcher, then grade each requested notebook until stdin closes."""
    from .. import launcher
    from ..sandbox.process import Limits

    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with launcher.start([assignment]) as zygote:  # before this process reads a hidden test or a notebook
        print(f"autograder: the grading process for {assignment} started (pid {os.getpid()})", file=sys.stderr, flush=True)
        for line in sys.stdin:
            report = grade_requested(json.loads(line)["notebook"], assignment, zygote, Limits(cell_seconds=cell_seconds))
            replies.write(json.dumps(report.to_dict()) + "\n")
            replies.flush()
    return 0


def grade_requested(notebook: str, assignment: str, zygote, limits) -> Report:
    from ..grading import grade

    try:
        return grade(Path(notebook), assignment, zygote=zygote, limits=limits)
    except Exception as error:  # this notebook's alone: the service goes on with the next
        return manifest.ungradable(assignment, notebook, f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    raise SystemExit(serve(sys.argv[1], float(sys.argv[2])))
