"""Limits the student's process puts on itself before it runs any student code.

- resource limits: address space (memory), file size, no core dumps, and a
  number of processes (RLIMIT_NPROC, or a pids cgroup when running as root);
- dies with its parent (PR_SET_PDEATHSIG);
- a network namespace of its own where the kernel allows one (no network);
- Landlock (Linux >= 5.13): reads only system and Python folders and the
  data folder, writes only its work folder, cannot connect or bind TCP
  (ABI >= 4), cannot signal processes outside its sandbox (ABI >= 6).

Each guard that the kernel refuses is reported, not fatal: the report names
what held, so the threat model can be checked on any machine.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
import sysconfig

_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000

_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1

# Landlock filesystem rights, by the ABI version that introduced them.
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_ALL_FS_V1 = (1 << 13) - 1
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_READ_ONLY = _EXECUTE | _READ_FILE | _READ_DIR
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1

PIDS_CGROUP_ROOTS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")  # cgroup v1, then v2
_SYSTEM_READ_PATHS = ("/usr", "/lib", "/lib64", "/bin", "/etc", "/proc", "/sys", "/opt")

_libc = ctypes.CDLL(None, use_errno=True)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def apply(work_dir: str, read_dirs: list[str], memory_bytes: int, file_bytes: int, max_processes: int) -> list[str]:
    """Applies every guard; returns the names of those that held."""
    held = []
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    held.append(_limit_resources(memory_bytes, file_bytes))
    processes = _limit_processes(max_processes)
    if processes:
        held.append(processes)
    if _own_network():
        held.append("no network")
    landlock = _landlock(work_dir, read_dirs)
    if landlock:
        held.append(landlock)
    return held


def _limit_resources(memory_bytes: int, file_bytes: int) -> str:
    mapped_now = _virtual_memory_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (mapped_now + memory_bytes,) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return f"memory {memory_bytes >> 20} MiB, files {file_bytes >> 20} MiB"


def _limit_processes(max_processes: int) -> str | None:
    """At most `max_processes` more processes: RLIMIT_NPROC, or for root (whom it exempts) a pids cgroup."""
    if os.geteuid() != 0:
        running = sum(1 for entry in os.scandir("/proc") if entry.name.isdigit() and _owner(entry.path) == os.geteuid())
        resource.setrlimit(resource.RLIMIT_NPROC, (running + max_processes,) * 2)
        return f"processes {max_processes}"
    for controller in PIDS_CGROUP_ROOTS:
        group = os.path.join(controller, f"autograder-{os.getpid()}")
        try:
            os.mkdir(group)
            with open(os.path.join(group, "pids.max"), "w") as limit:
                limit.write(str(max_processes))
            with open(os.path.join(group, "cgroup.procs"), "w") as members:
                members.write(str(os.getpid()))
            return f"processes {max_processes} (cgroup)"
        except OSError:
            remove_cgroup(group)
    return None


def remove_cgroup(group: str) -> bool:
    """True once `group` is gone (removed now, or never there)."""
    try:
        os.rmdir(group)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def _owner(path: str) -> int:
    try:
        return os.stat(path).st_uid
    except OSError:
        return -1


def _virtual_memory_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _own_network() -> bool:
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if _libc.unshare(flags) == 0:
            return True
    return False


def _landlock(work_dir: str, read_dirs: list[str]) -> str | None:
    abi = _libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, 0, _LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 1:
        return None
    all_fs = _ALL_FS_V1 | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0) | (_IOCTL_DEV if abi >= 5 else 0)
    attr = _RulesetAttr(
        handled_access_fs=all_fs,
        handled_access_net=(_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
        scoped=(_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0,
    )
    size = ctypes.sizeof(attr) if abi >= 6 else ctypes.sizeof(ctypes.c_uint64) * (2 if abi >= 4 else 1)
    ruleset = _libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return None
    try:
        for path in _python_dirs() + list(_SYSTEM_READ_PATHS) + list(read_dirs):
            _allow(ruleset, path, _READ_ONLY)
        _allow(ruleset, "/dev", _READ_ONLY | _WRITE_FILE | (_IOCTL_DEV if abi >= 5 else 0))
        _allow(ruleset, work_dir, all_fs)
        _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if _libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            return None
    finally:
        os.close(ruleset)
    return f"landlock ABI {abi}"


def _python_dirs() -> list[str]:
    """Python's own folders, without the grader's source tree (hidden tests live there)."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    grader_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    candidates = set(prefixes) | set(sysconfig.get_paths().values()) | {p for p in sys.path if p}
    return sorted(
        path for path in candidates
        if os.path.isdir(path)
        and not _is_within(grader_root, path)
        and (not _is_within(path, grader_root) or any(_is_within(path, p) for p in prefixes))
    )


def _is_within(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _allow(ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            access &= _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV
        rule = _PathBeneathAttr(allowed_access=access, parent_fd=fd)
        _libc.syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, _LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0)
    finally:
        os.close(fd)
