"""One submission's student process: start it, load the notebook into it, restart it.

Loading runs the chosen cells one at a time under a time limit. A cell that
raises is noted and loading goes on (later cells may still define graded
functions). A cell that hangs or ends the process is noted, the process is
replaced and that cell is left out of every later load.
"""

from __future__ import annotations

import time

from .results import looks_like_grade
from .sandbox.process import Limits, StudentProcess, StudentProcessError, Zygote
from .student import Connection, RemoteStudent, StudentError
from .submission import Submission

LOAD_BUDGET = 120.0
READY_TIMEOUT = 60.0
PRINTED_BYTES_NOTED = 1 << 20


class StudentSession:
    def __init__(self, submission: Submission, zygote: Zygote, limits: Limits):
        self.submission = submission
        self.notes: list[str] = list(submission.notes)
        self.attempts: list[str] = []  # seen at run time: flags for the report
        self.guards: list[str] = []
        self._zygote = zygote
        self._limits = limits
        self.problem: str | None = None  # why the student process could not start at all
        self._process: StudentProcess | None = None
        self._bad_cells: set[int] = set()

    @property
    def submission_dir(self):
        return self.submission.path.parent

    def submitted_cells(self) -> list[tuple[str, str]]:
        return [(f"cell {cell.index}", cell.source) for cell in self.submission.cells]

    def load(self) -> None:
        """Starts the student's process and runs the notebook in it (again, after a test ended it)."""
        budget_end = time.monotonic() + LOAD_BUDGET
        try:
            while not self._load(budget_end):
                pass
        except (StudentProcessError, OSError) as error:  # OSError: the launcher's socket is gone
            self.problem = f"the sandbox could not start ({error}); this is not your fault, please tell your TA"

    def student(self, timeout: float) -> RemoteStudent:
        """A handle for one test, its calls limited to `timeout` seconds in all (or the limits' cap)."""
        if self._process is None or not self._process.alive:
            self.load()
        cap = self._limits.test_seconds_cap
        return RemoteStudent(self._connection(timeout if cap is None else min(timeout, cap)))

    def _connection(self, seconds: float) -> Connection:
        return Connection(self._process, time.monotonic() + seconds, flag=self._flag)

    def _load(self, budget_end: float) -> bool:
        """Runs the cells in a new process; False when a cell ended it and loading must restart."""
        self._process = self._zygote.spawn(self._limits)
        self._process.wait_ready(READY_TIMEOUT)
        self.guards = self._process.guards
        for cell in self.submission.cells:
            if cell.index in self._bad_cells:
                continue
            left = budget_end - time.monotonic()
            if left <= 0:
                self._note(f"loading took over {LOAD_BUDGET:.0f} s; cells from {cell.index} on were not run")
                return True
            try:
                self._connection(min(self._limits.cell_seconds, left)).run_cell(cell.index, cell.source)
            except StudentError as error:
                self._note(f"cell {cell.index} raised {error.type_name}: {error.message}")
            except StudentProcessError as error:
                self._bad_cells.add(cell.index)
                self._note(f"cell {cell.index} {error}; it was skipped")
                return False
        printed = self._process.output.total_bytes
        if printed > PRINTED_BYTES_NOTED:
            self._note(f"the notebook printed {printed / 2**20:.0f} MB while loading; only the end was kept")
        self._collect_attempts()
        return True

    def _collect_attempts(self) -> None:
        """What the student's process tried beyond its sandbox (sandbox/audit.py), and output posing as a grade."""
        try:
            events = self._connection(5).audit()
        except (StudentError, StudentProcessError):
            events = []
        for event in events if isinstance(events, list) else []:
            self._flag(str(event)[:200])
        if looks_like_grade(self._process.output.text()):
            self._flag("printed something that looks like a grade")

    def _flag(self, text: str) -> None:
        if text not in self.attempts:
            self.attempts.append(text)

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def close(self) -> None:
        if self._process is not None:
            if self._process.alive:
                self._collect_attempts()
            self._process.close()
