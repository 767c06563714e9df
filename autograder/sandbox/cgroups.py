"""Control groups for one student's process tree: its process and memory limits, and how the tree is ended.

Each group is made fresh under the grader's own group in a real cgroup
filesystem (v1 controllers or the v2 unified tree), with a name nobody else
uses; a limit counts only once it reads back. The launcher kills every member
when the student ends and removes the groups.
"""

from __future__ import annotations

import os
import secrets
import signal
import time

_CGROUP_MAGICS = {0x27E0EB, 0x63677270}  # cgroup v1, cgroup v2
_LIMIT_FILES = {  # controller: (v1 file, v2 file)
    "pids": ("pids.max", "pids.max"),
    "memory": ("memory.limit_in_bytes", "memory.max"),
}


def unique_name(launcher_pid: int) -> str:
    """A group name no other grader, launcher or earlier student uses (the launcher's pid, then random)."""
    return f"autograder-{launcher_pid}-{secrets.token_hex(6)}"


def launcher_of(name: str) -> int | None:
    """The launcher pid in a name made by unique_name, else None."""
    parts = name.split("-")
    return int(parts[1]) if len(parts) == 3 and parts[0] == "autograder" and parts[1].isdigit() else None


def hierarchies() -> dict[str, str]:
    """{controller: the folder of this process's own group}, for the controllers we use, on real cgroup filesystems."""
    mounts: dict[str, str] = {}
    unified = None
    with open("/proc/self/mounts") as table:
        for line in table:
            _, mountpoint, kind, options = line.split()[:4]
            if kind == "cgroup":
                for controller in set(options.split(",")) & set(_LIMIT_FILES):
                    mounts.setdefault(controller, mountpoint)
            elif kind == "cgroup2" and unified is None:
                unified = mountpoint
    own = _own_groups()
    found = {controller: mountpoint + own.get(controller, "/") for controller, mountpoint in mounts.items()}
    if unified and "" in own:
        for controller in set(_LIMIT_FILES) - set(found):
            if controller in _read(os.path.join(unified + own[""], "cgroup.controllers")).split():
                found[controller] = unified + own[""]
    return {controller: path for controller, path in found.items() if on_cgroup_filesystem(path)}


def groups_of(pid: int) -> dict[str, str]:
    """{controller: group folder} of process `pid`, for the controllers we use."""
    own, theirs = _own_groups(), _own_groups(pid)
    return {controller: path[: len(path) - len(own.get(controller, ""))] + theirs[controller]
            for controller, path in hierarchies().items() if controller in theirs}


def _own_groups(pid: int | str = "self") -> dict[str, str]:
    groups = {}
    with open(f"/proc/{pid}/cgroup") as table:
        for line in table:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                groups[controller] = path.rstrip("/")
    return groups


def on_cgroup_filesystem(path: str) -> bool:
    try:
        return _statfs_magic(path) in _CGROUP_MAGICS
    except OSError:
        return False


def _statfs_magic(path: str) -> int:
    import ctypes

    buffer = ctypes.create_string_buffer(256)  # struct statfs; f_type is its first field
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.statfs(os.fsencode(path), buffer) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), path)
    return int.from_bytes(buffer.raw[:8], "little")


def join(name: str, limits: dict[str, int]) -> tuple[dict[str, str], list[str]]:
    """Puts this process into a new group `name` per controller with `limits` ({controller: value}).

    Returns ({controller: group folder} that hold, [why each other one does not]).
    """
    joined, failures = {}, []
    available = hierarchies()
    for controller, value in limits.items():
        if controller not in available:
            failures.append(f"{controller}: no {controller} cgroup this process may use")
            continue
        group = os.path.join(available[controller], name)
        try:
            os.mkdir(group, 0o700)  # FileExistsError if the name is taken: another's group is never reused or removed
        except OSError as error:
            failures.append(f"{controller}: {error.strerror or error}")
            continue
        try:
            _limit_and_enter(group, controller, value)
            joined[controller] = group
        except OSError as error:
            remove(group)
            failures.append(f"{controller}: {error.strerror or error}")
    return joined, failures


def _limit_and_enter(group: str, controller: str, value: int) -> None:
    v1_file, v2_file = _LIMIT_FILES[controller]
    limit_file = os.path.join(group, v1_file if os.path.exists(os.path.join(group, v1_file)) else v2_file)
    _write(limit_file, str(value))
    if controller == "memory" and os.path.exists(os.path.join(group, "memory.memsw.limit_in_bytes")):
        _write(os.path.join(group, "memory.memsw.limit_in_bytes"), str(value))  # swap is memory too
    if controller == "memory" and os.path.exists(os.path.join(group, "memory.swap.max")):
        _write(os.path.join(group, "memory.swap.max"), "0")
    read_back = _read(limit_file).strip()
    if not read_back.isdigit() or abs(int(read_back) - value) > 1 << 16:  # memory limits round to pages
        raise OSError(0, f"the limit reads back as {read_back!r}, not {value}")
    _write(os.path.join(group, "cgroup.procs"), str(os.getpid()))
    if str(os.getpid()) not in _read(os.path.join(group, "cgroup.procs")).split():
        raise OSError(0, "this process is not listed in its new group")


def members(group: str) -> list[int]:
    return [int(pid) for pid in _read(os.path.join(group, "cgroup.procs")).split()]


def end(group: str, timeout: float = 5.0) -> bool:
    """Kills every process in `group` (until none is left) and removes it; True once it is gone."""
    deadline = time.monotonic() + timeout
    while os.path.isdir(group) and time.monotonic() < deadline:
        if os.path.exists(os.path.join(group, "cgroup.kill")):
            _write(os.path.join(group, "cgroup.kill"), "1")
        for pid in members(group):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if remove(group):
            return True
        time.sleep(0.01)
    return not os.path.isdir(group)


def remove(group: str) -> bool:
    """True once `group` is gone (removed now, or never there)."""
    try:
        os.rmdir(group)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def _read(path: str) -> str:
    try:
        with open(path) as file:
            return file.read()
    except OSError:
        return ""


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)
