"""Limits the student's process is put under before it runs any student code.

As root (the grader runs so on Gradescope and in many containers), in this order:
- a pids and a memory cgroup of its own (memory counts shared and anonymous
  files too), each read back after it is set;
- a work folder that is a tmpfs of a fixed size and number of files;
- its own mount, PID, network, IPC and UTS namespaces: the process becomes
  PID 1 of a namespace whose every process dies with it;
- a private root with only system and Python install prefixes, the training
  data and its work folder (rootfs.py); only /dev/null, /dev/zero, /dev/urandom;
- then it becomes an unprivileged user of its own, with no capabilities and an
  empty bounding set.

For every grader, root or not:
- an allowlisted environment;
- resource limits: address space, file size, no core dumps, no real-time
  priority (RLIMIT_RTPRIO 0), processes (RLIMIT_NPROC where it counts);
- no new privileges, and a seccomp filter: no links, device nodes or FIFOs,
  no new namespaces, mounts, io_uring, ptrace, BPF or perf;
- dies with its parent (PR_SET_PDEATHSIG);
- Landlock where the kernel has it (it may be turned off for testing with
  AUTOGRADER_LANDLOCK=off in the grader's environment): the same read set,
  writes only to its work folder, no links, no TCP, no signals outside.

Each guard is reported as held or NOT HELD, so a report says what protected
that grading; `required_missing` names the missing ones the threat model
relies on (docs/threat-model.md).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
import sysconfig

from . import cgroups, rootfs

NOT_HELD = "NOT HELD: "
# The guards docs/threat-model.md relies on; --require-guards refuses to grade without any of them.
REQUIRED = ("read set", "no links", "own user", "no capabilities", "own PID namespace", "process limit", "memory",
            "work folder quota", "devices", "environment")

ALLOWED_VARIABLES = frozenset({"PATH", "HOME", "TMPDIR", "MPLCONFIGDIR", "MPLBACKEND", "LANG", "LC_ALL",
                               "OMP_NUM_THREADS", "PYTHONDONTWRITEBYTECODE"})
SYSTEM_READ_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
STUDENT_UID_BASE = 1_500_000_000  # students run as STUDENT_UID_BASE + a random offset: a uid of their own

_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP = 1, 4, 24, 38, 22
_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC = 0x20000, 0x04000000, 0x08000000
_CLONE_NEWUSER, _CLONE_NEWPID, _CLONE_NEWNET, _CLONE_NEWCGROUP = 0x10000000, 0x20000000, 0x40000000, 0x02000000

_SYS_LANDLOCK_CREATE_RULESET, _SYS_LANDLOCK_ADD_RULE, _SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
# Landlock filesystem rights, by the ABI version that introduced them.
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_MAKE_CHAR, _MAKE_SOCK, _MAKE_FIFO, _MAKE_BLOCK, _MAKE_SYM = 1 << 6, 1 << 9, 1 << 10, 1 << 11, 1 << 12
_ALL_FS_V1 = (1 << 13) - 1
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_READ_ONLY = _EXECUTE | _READ_FILE | _READ_DIR
_NO_LINKS_OR_NODES = _MAKE_CHAR | _MAKE_FIFO | _MAKE_BLOCK | _MAKE_SYM
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1

_libc = ctypes.CDLL(None, use_errno=True)


class Report:
    """Guards held and not held, in the order they were tried."""

    def __init__(self):
        self.entries: list[str] = []

    def held(self, guard: str, how: str) -> None:
        self.entries.append(f"{guard}: {how}")

    def missing(self, guard: str, why: str) -> None:
        self.entries.append(f"{NOT_HELD}{guard}: {why}")


def not_held(entries: list[str]) -> list[str]:
    return [entry.removeprefix(NOT_HELD) for entry in entries if entry.startswith(NOT_HELD)]


def required_missing(entries: list[str]) -> list[str]:
    """The guards in REQUIRED that `entries` (a student process's report) does not show as held."""
    held = {entry.split(":", 1)[0] for entry in entries if not entry.startswith(NOT_HELD)}
    return [guard for guard in REQUIRED if guard not in held]


def is_test_split(name: str) -> bool:
    """A data file the student may not read: a test split (MNIST's t10k-*, CIFAR's test_batch) or an archive holding one."""
    return name.startswith("t10k") or "test" in name.lower() or name.endswith((".gz", ".tar", ".tgz", ".zip", ".xz"))


def data_files(read_dirs: list[str]) -> list[tuple[str, bool]]:
    """(path, readable) for every file under the data folders; test splits are not readable."""
    found = []
    for folder in read_dirs:
        for parent, _, names in os.walk(folder):
            found += [(os.path.join(parent, name), not is_test_split(name)) for name in sorted(names)]
    return found


# In the launcher ------------------------------------------------------------------


def scrub_environment() -> None:
    """Empties the environment the launcher inherited from the grader, its copy in memory included.

    The initial environment block stays in every forked process's memory (and in
    /proc/PID/environ): it is overwritten with zeros, not only unset.
    """
    kept = {name: value for name, value in os.environ.items() if name in ALLOWED_VARIABLES}
    os.environ.clear()
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    env_start, env_end = int(fields[47]), int(fields[48])  # fields 50 and 51 of proc(5); fields[0] is field 3
    if 0 < env_start < env_end:
        ctypes.memset(env_start, 0, env_end - env_start)
    os.environ.update(kept)  # copied anew, out of the zeroed block


# In the student's process ----------------------------------------------------------


def apply(config: dict) -> list[str]:
    """Applies every guard (see the module's docstring); returns the report's entries.

    As root this forks: the caller continues in the child, PID 1 of its own
    namespace; the parent waits for it and ends with its status.
    """
    report = Report()
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.geteuid() == 0:
        _isolate_as_root(config, report)
    else:
        _isolate_unprivileged(config, report)
    _set_environment(config)
    report.held("environment", f"only {', '.join(sorted(ALLOWED_VARIABLES & set(os.environ)))}")
    _limit_resources(config, report)
    _filter_system_calls(report)
    if config.get("landlock", True):
        _landlock(config, report)
    else:
        report.missing("landlock", "turned off (AUTOGRADER_LANDLOCK=off)")
    _report_capabilities(report)
    return report.entries


def _isolate_as_root(config: dict, report: Report) -> None:
    work_dir, uid = config["work_dir"], config["uid"]
    groups, failures = cgroups.join(config["cgroup"], {
        "pids": config["max_processes"], "memory": config["memory_bytes"] + config["work_bytes"]})
    _report_cgroup(report, "process limit", "pids", groups, failures, f"{config['max_processes']} processes (pids cgroup, read back)")
    _report_cgroup(report, "memory", "memory", groups, failures,
                   f"{(config['memory_bytes'] + config['work_bytes']) >> 20} MiB with shared memory and files (memory cgroup, read back)")
    try:
        rootfs.mount_work_folder(work_dir, config["work_bytes"], config["work_inodes"], uid)
        report.held("work folder quota", f"tmpfs of {config['work_bytes'] >> 20} MiB and {config['work_inodes']} files")
    except OSError as error:
        os.chown(work_dir, uid, uid)
        report.missing("work folder quota", str(error))
    namespaces = _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS | _CLONE_NEWCGROUP
    if _libc.unshare(namespaces) != 0:
        _report_missing_isolation(report, f"unshare: {os.strerror(ctypes.get_errno())}")
        return
    _become_pid_one()
    report.held("own PID namespace", "PID 1 of a namespace that dies with it; no other process exists for it")
    report.held("network", "a network namespace of its own (no interfaces)")
    report.held("signals", "no process outside its namespace exists for it")
    try:
        rootfs.enter_private_root(config["root_dir"], read_paths(), data_files(config["read_dirs"]),
                                  [grader_package()], work_dir)
    except OSError as error:
        for guard in ("read set", "devices", "own user"):  # as another user it could not read Python under /root
            report.missing(guard, f"no private root ({error})")
        return
    os.chdir(work_dir)
    report.held("read set", "a private root: system and Python prefixes, training data, its work folder")
    report.held("devices", "/dev holds only " + ", ".join(rootfs.devices()))
    _become_student_user(uid, report)


def _report_cgroup(report: Report, guard: str, controller: str, groups: dict, failures: list[str], how: str) -> None:
    if controller in groups:
        report.held(guard, how)
    else:
        report.missing(guard, "; ".join(failure for failure in failures if failure.startswith(controller)))


def _report_missing_isolation(report: Report, why: str) -> None:
    for guard in ("own PID namespace", "network", "read set", "devices", "own user"):
        report.missing(guard, why)


def _become_pid_one() -> None:
    """Forks into the new PID namespace; the parent stays outside, waits, and ends as the child ended."""
    pid = os.fork()
    if pid == 0:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        return
    os.closerange(0, 1 << 16)  # the channel and output belong to the child: EOF reaches the grader when it ends
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)


def _become_student_user(uid: int, report: Report) -> None:
    for capability in range(64):
        _libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)  # its own /proc/self stays its own (changing uid made it root's)
    if os.getresuid() == (uid, uid, uid) and os.getgroups() == []:
        report.held("own user", f"uid {uid}, no groups")
    else:
        report.missing("own user", "the switch to an unprivileged uid did not hold")


def _isolate_unprivileged(config: dict, report: Report) -> None:
    report.missing("own user", "the grader is not root: the student runs as the grader's user")
    for guard in ("own PID namespace", "memory", "work folder quota", "devices"):
        report.missing(guard, "needs a root grader")
    if _libc.unshare(_CLONE_NEWNET) == 0 or _libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
        report.held("network", "a network namespace of its own")
    else:
        report.missing("network", "no network namespace")


def _set_environment(config: dict) -> None:
    work_dir = config["work_dir"]
    os.environ.clear()
    os.environ.update(PATH="/usr/local/bin:/usr/bin:/bin", HOME=work_dir, TMPDIR=work_dir, MPLCONFIGDIR=work_dir,
                      MPLBACKEND="Agg", LANG="C.UTF-8", OMP_NUM_THREADS=str(config["threads"]))


def _limit_resources(config: dict, report: Report) -> None:
    mapped_now = _virtual_memory_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (mapped_now + config["memory_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (config["file_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_RTPRIO, (0, 0))
    report.held("address space", f"{config['memory_bytes'] >> 20} MiB (RLIMIT_AS), files {config['file_bytes'] >> 20} MiB each")
    report.held("scheduler", "no real-time priority (RLIMIT_RTPRIO 0)")
    if os.getuid() == config.get("uid"):
        resource.setrlimit(resource.RLIMIT_NPROC, (config["max_processes"],) * 2)  # its uid runs nothing else
        report.held("process limit", f"{config['max_processes']} processes of its own uid (RLIMIT_NPROC)")
    elif os.getuid() != 0:
        running = sum(1 for entry in os.scandir("/proc") if entry.name.isdigit() and _owner(entry.path) == os.getuid())
        resource.setrlimit(resource.RLIMIT_NPROC, (running + config["max_processes"],) * 2)
        report.held("process limit", f"{config['max_processes']} more processes of the grader's user (RLIMIT_NPROC)")


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


def _report_capabilities(report: Report) -> None:
    """None permitted, effective or ambient; with no new privileges an exec cannot gain any (a root grader also empties the bounding set)."""
    with open("/proc/self/status") as status:
        sets = {line.split(":")[0]: int(line.split()[1], 16) for line in status if line.startswith(("Cap", "NoNewPrivs"))}
    held = [name for name in ("CapPrm", "CapEff", "CapAmb") if sets.get(name)]
    if held or not sets.get("NoNewPrivs"):
        report.missing("no capabilities", ", ".join(f"{name} {sets[name]:x}" for name in held) or "new privileges allowed")
    else:
        bounding = "an empty bounding set" if not sets.get("CapBnd") else "the bounding set of the grader's user"
        report.held("no capabilities", f"none permitted, effective or ambient, no new privileges, {bounding}")


# seccomp ------------------------------------------------------------------------

_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000
_DENIED_SYSCALLS_X86_64 = {
    86: "link", 88: "symlink", 133: "mknod", 259: "mknodat", 265: "linkat", 266: "symlinkat",
    272: "unshare", 308: "setns", 165: "mount", 166: "umount2", 155: "pivot_root", 161: "chroot",
    101: "ptrace", 321: "bpf", 298: "perf_event_open", 323: "userfaultfd", 310: "process_vm_readv",
    311: "process_vm_writev", 248: "add_key", 249: "request_key", 250: "keyctl",
    425: "io_uring_setup", 426: "io_uring_enter", 427: "io_uring_register",
    428: "open_tree", 429: "move_mount", 430: "fsopen", 431: "fsconfig", 432: "fsmount", 433: "fspick",
    442: "mount_setattr",
}
_CLONE, _CLONE3 = 56, 435
_NEW_NAMESPACE_FLAGS = _CLONE_NEWNS | _CLONE_NEWUTS | _CLONE_NEWIPC | _CLONE_NEWUSER | _CLONE_NEWPID | _CLONE_NEWNET | _CLONE_NEWCGROUP
_RET_ALLOW, _RET_ERRNO, _RET_KILL = 0x7FFF0000, 0x00050000, 0x80000000
_EPERM, _ENOSYS = 1, 38


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


def _seccomp_program() -> list[tuple[int, int, int, int]]:
    load, jump_equal, jump_set, ret = 0x20, 0x15, 0x45, 0x06
    program = [(load, 0, 0, 4), (jump_equal, 1, 0, _AUDIT_ARCH_X86_64), (ret, 0, 0, _RET_KILL), (load, 0, 0, 0),
               (jump_set, 0, 1, _X32_BIT), (ret, 0, 0, _RET_ERRNO | _EPERM)]
    for number in sorted(_DENIED_SYSCALLS_X86_64):
        program += [(jump_equal, 0, 1, number), (ret, 0, 0, _RET_ERRNO | _EPERM)]
    program += [(jump_equal, 0, 1, _CLONE3), (ret, 0, 0, _RET_ERRNO | _ENOSYS)]  # glibc falls back to clone
    program += [(jump_equal, 0, 3, _CLONE), (load, 0, 0, 16), (jump_set, 0, 1, _NEW_NAMESPACE_FLAGS),
                (ret, 0, 0, _RET_ERRNO | _EPERM)]
    return program + [(ret, 0, 0, _RET_ALLOW)]


def _filter_system_calls(report: Report) -> None:
    _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if os.uname().machine != "x86_64":
        report.missing("no links", f"the system call filter is written for x86_64, not {os.uname().machine}")
        return
    program = _seccomp_program()
    instructions = (_SockFilter * len(program))(*[_SockFilter(*instruction) for instruction in program])
    prog = _SockFprog(len(program), instructions)
    if _libc.prctl(_PR_SET_SECCOMP, 2, ctypes.byref(prog), 0, 0) != 0:
        report.missing("no links", f"seccomp: {os.strerror(ctypes.get_errno())}")
        return
    report.held("no links", "seccomp: no links, device nodes, FIFOs, namespaces, mounts, io_uring, ptrace")


# Landlock -----------------------------------------------------------------------


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _landlock(config: dict, report: Report) -> None:
    abi = _libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, 0, _LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 1:
        report.missing("landlock", "the kernel has no Landlock")
        return
    all_fs = _ALL_FS_V1 | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0) | (_IOCTL_DEV if abi >= 5 else 0)
    attr = _RulesetAttr(
        handled_access_fs=all_fs,
        handled_access_net=(_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
        scoped=(_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0,
    )
    size = ctypes.sizeof(attr) if abi >= 6 else ctypes.sizeof(ctypes.c_uint64) * (2 if abi >= 4 else 1)
    ruleset = _libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        report.missing("landlock", os.strerror(ctypes.get_errno()))
        return
    try:
        for path in read_paths():
            _allow(ruleset, path, _READ_ONLY)
        for path, readable in data_files(config["read_dirs"]):
            if readable:
                _allow(ruleset, path, _READ_FILE)
        for device in rootfs.devices():
            _allow(ruleset, f"/dev/{device}", _READ_FILE | _WRITE_FILE | (_IOCTL_DEV if abi >= 5 else 0))
        _allow(ruleset, "/proc", _READ_FILE | _READ_DIR)
        _allow(ruleset, "/dev", _READ_DIR)
        _allow(ruleset, config["work_dir"], all_fs & ~_NO_LINKS_OR_NODES)
        if _libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            report.missing("landlock", os.strerror(ctypes.get_errno()))
            return
    finally:
        os.close(ruleset)
    report.held("landlock", f"ABI {abi}: reads its read set, writes its work folder, no links" + (", no TCP" if abi >= 4 else "")
                + (", no signals outside" if abi >= 6 else ""))
    if os.geteuid() != 0 and "read set" not in {entry.split(":")[0] for entry in report.entries}:
        report.held("read set", "Landlock: system and Python prefixes, training data, its work folder")


def read_paths() -> list[str]:
    """The system folders and Python's install prefixes, without the grader's source tree (hidden tests live there).

    Never sys.path or the current folder: either may be the course folder, with every student's notebook.
    """
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths = sysconfig.get_paths()
    candidates = prefixes | {paths[name] for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    grader_root = os.path.dirname(grader_package())
    python = sorted(
        path for path in candidates
        if os.path.isdir(path) and not _is_within(grader_root, path)
        and (not _is_within(path, grader_root) or any(_is_within(path, prefix) for prefix in prefixes)))
    return [*SYSTEM_READ_PATHS, *python]


def grader_package() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
