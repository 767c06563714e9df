"""The one way to start the sandbox launcher and to load a submission into a student process.

The launcher (sandbox/process.py `Zygote`) starts as a copy of this process,
so it must start before this process reads anything a student must not see.
That rule is checked here, not left to where imports sit: reading hidden tests
is recorded (`note_secret_read`), and starting a launcher after it refuses.
"""

from __future__ import annotations

from typing import Iterable

from . import catalog, manifest
from .sandbox.process import Limits, Zygote
from .session import StudentSession
from .submission import Submission

_secrets_read: list[str] = []


class LauncherTooLate(RuntimeError):
    """A launcher was asked for after this process read a hidden test or a solution."""


def note_secret_read(what: str) -> None:
    if what not in _secrets_read:
        _secrets_read.append(what)


def start(assignments: Iterable[str] | None = None, modules: Iterable[str] = ()) -> Zygote:
    """A launcher that preloads what `assignments` (default: all) and `modules` import."""
    if _secrets_read:
        raise LauncherTooLate(f"the sandbox launcher must start before this process reads {_secrets_read[0]}")
    ids = catalog.assignment_ids() if assignments is None else list(assignments)
    return Zygote(set(modules).union(*(manifest.load(assignment).preload for assignment in ids)))


def start_for(submission: Submission) -> Zygote:
    """A launcher for one submission: its assignment's modules and the notebook's own imports."""
    return start([submission.assignment] if submission.assignment else [], submission.imports)


def open_session(submission: Submission, zygote: Zygote, limits: Limits) -> StudentSession:
    """A student process with the notebook loaded; `session.problem` says why when it could not start."""
    session = StudentSession(submission, zygote, limits)
    session.load()
    return session
