"""What a student's process can reach on this machine, tried directly from inside it.

Each attack is a cell that runs in a fresh student process and sets `escaped`
to the list of what got through; the sandbox holds when that list is empty.
The attacks read the sandbox's code (as the threat model allows) and go for
its seams: links the grader would follow, data it must not see, the grader's
environment, root's powers, memory and disk outside the address-space limit,
processes that outlive grading. See docs/threat-model.md.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from autograder import fixtures
from autograder.sandbox import cgroups, guards
from autograder.sandbox.process import Limits, StudentCrashed, guard_flags, missing_guards, with_training_data
from autograder.student import Connection, RemoteStudent

CHAIN_MARKER = f"containment-chain-marker-{os.getpid()}"
SMALL = Limits(memory_bytes=512 << 20, file_bytes=64 << 20, work_bytes=96 << 20, work_inodes=2000, max_processes=16)

ATTACKS = {
    "links and special files": """
import os, stat
escaped = []
for name, make in [
    ("symlink", lambda: os.symlink(OUTSIDE, "link")),
    ("hard link", lambda: os.link(OUTSIDE, "hard")),
    ("fifo", lambda: os.mkfifo("fifo")),
    ("device node", lambda: os.mknod("null", stat.S_IFCHR | 0o666, os.makedev(1, 3))),
]:
    try:
        make()
        escaped.append(name)
    except OSError:
        pass
""",
    "test splits": """
import os
escaped = []
for folder, _, files in os.walk(DATA_ROOT):
    for name in files:
        if TEST_SPLIT(name):
            try:
                with open(os.path.join(folder, name), "rb") as split:
                    if split.read(16):
                        escaped.append(name)
            except OSError:
                pass
""",
    "grader's folders": """
escaped = []
for path in GRADER_FILES:
    try:
        with open(path, "rb") as file:
            file.read(1)
        escaped.append(path)
    except OSError:
        pass
""",
    "environment and /proc": """
import os
escaped = [f"variable {name}" for name in os.environ if name not in ALLOWED_VARIABLES]
with open("/proc/self/environ", "rb") as environ:
    escaped += [f"initial variable {entry.split(b'=')[0].decode()}" for entry in environ.read().split(b"\\0")
                if entry and entry.split(b"=")[0].decode() not in ALLOWED_VARIABLES]
for what in ("environ", "maps", "cmdline"):
    try:
        with open(f"/proc/{GRADER_PID}/{what}", "rb") as file:
            if file.read(1):
                escaped.append(f"the grader's {what}")
    except OSError:
        pass
others = [entry for entry in os.listdir("/proc") if entry.isdigit() and int(entry) not in (os.getpid(), 1)]
if len(others) > 3:
    escaped.append(f"{len(others)} other processes visible")
""",
    "root powers": """
import os, resource
escaped = []
if os.geteuid() == 0:
    escaped.append("runs as root")
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith(("CapEff:", "CapPrm:", "CapBnd:")) and int(line.split()[1], 16):
            escaped.append(line.split(":")[0])
if resource.getrlimit(resource.RLIMIT_RTPRIO)[1] != 0:
    escaped.append("RLIMIT_RTPRIO above 0")
try:
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    escaped.append("SCHED_FIFO")
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
except OSError:
    pass
try:
    os.setpriority(os.PRIO_PROCESS, 0, -5)
    escaped.append("negative nice")
except OSError:
    pass
""",
    "/dev": """
import os
escaped = [f"/dev/{name}" for name in os.listdir("/dev") if name not in ("null", "zero", "urandom", "fd", "stdin", "stdout", "stderr")]
for device in ("/dev/kmsg", "/dev/loop-control", "/dev/loop0", "/dev/mem", "/dev/tty"):
    try:
        os.close(os.open(device, os.O_WRONLY))
        escaped.append(f"opened {device} for writing")
    except OSError:
        pass
""",
    "memory in memfds": """
import os
escaped = []
written = 0
hoard = []
chunk = b"x" * (16 << 20)
try:
    while written < 2 * MEMORY_BYTES:
        hoard.append(os.memfd_create("hoard"))
        os.write(hoard[-1], chunk)
        written += len(chunk)
except OSError:
    pass
for fd in hoard:
    os.close(fd)
if written > MEMORY_BYTES:
    escaped.append(f"{written >> 20} MiB held in a memfd")
""",
    "disk and inodes": """
import os
escaped = []
made = 0
try:
    for index in range(3 * WORK_INODES):
        open(f"f{index}", "w").close()
        made += 1
except OSError:
    pass
if made > WORK_INODES:
    escaped.append(f"{made} files")
for index in range(made):
    os.remove(f"f{index}")
written = 0
try:
    for index in range(3 * WORK_BYTES // FILE_BYTES):
        with open(f"big{index}", "wb") as big:
            for _ in range(FILE_BYTES >> 20):
                big.write(b"0" * (1 << 20))
                written += 1 << 20
except OSError:
    pass
if written > WORK_BYTES:
    escaped.append(f"{written >> 20} MiB written")
""",
    "worker internals through the IPython stub": """
reachable = set()
for function in (get_ipython.run_line_magic, get_ipython.__getattr__, get_ipython().anything):
    reachable |= set(getattr(function, "__globals__", {}))
escaped = sorted(reachable - {"__name__", "__builtins__", "IPython"})
""",
    "processes": """
import os, time
escaped = []
children = []
try:
    for _ in range(4 * MAX_PROCESSES):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
except OSError:
    pass
if len(children) > MAX_PROCESSES:
    escaped.append(f"{len(children)} processes")
for pid in children:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
""",
}


@pytest.fixture(scope="module")
def data_root():
    return fixtures.ensure_fixtures()


@pytest.fixture
def outside(tmp_path):
    canary = tmp_path / "outside.txt"
    canary.write_text("the grader's file")
    canary.chmod(0o666)
    return canary


def grader_files():
    from autograder import catalog

    return [str(catalog.hidden_tests_dir("01-foundations") / "test_activations.py"),
            str(catalog.notebook_path("assignments", "01-foundations")), str(catalog.REPO_ROOT / "README.md")]


def run_attack(zygote, code: str, limits: Limits, **names):
    """Runs `code` in a new student process with `names` defined; returns (escaped, guards held)."""
    process = zygote.spawn(limits)
    try:
        process.wait_ready(60)
        connection = Connection(process, time.monotonic() + 120)
        prelude = "".join(f"{name} = {value!r}\n" for name, value in names.items() if not callable(value))
        try:
            connection.run_cell(0, prelude + CELL_HELPERS + code)
        except StudentCrashed:
            if zygote.wait_exit(process.pid, timeout=30) == signal.SIGKILL:  # killed: out of memory, the limit held
                return [], process.guards
            raise
        return RemoteStudent(connection).escaped, process.guards
    finally:
        process.close()


CELL_HELPERS = "def TEST_SPLIT(name):\n    return name.startswith('t10k') or 'test' in name.lower()\n"


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_gets_nothing_through(zygote, data_root, outside, attack):
    limits = with_training_data(SMALL, data_root)
    escaped, held = run_attack(
        zygote, ATTACKS[attack], limits, OUTSIDE=str(outside), DATA_ROOT=str(data_root), GRADER_FILES=grader_files(),
        ALLOWED_VARIABLES=sorted(guards.ALLOWED_VARIABLES), GRADER_PID=os.getpid(), MEMORY_BYTES=SMALL.memory_bytes,
        FILE_BYTES=SMALL.file_bytes, WORK_BYTES=SMALL.work_bytes, WORK_INODES=SMALL.work_inodes,
        MAX_PROCESSES=SMALL.max_processes)
    assert escaped == [], f"got through: {escaped}; guards held: {held}"
    assert outside.read_text() == "the grader's file"


CHAIN = f"""
import os, subprocess, sys
subprocess.Popen([sys.executable, "-c", '''
import os, time
while True:
    os.setpgid(0, 0) if os.getpid() != os.getpgid(0) else None
    if os.fork():
        os._exit(0)
    time.sleep(0.02)
''', {CHAIN_MARKER!r}], start_new_session=True)
escaped = []
"""


def marked_processes(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if marker.encode() in cmdline.read():
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def test_a_regrowing_process_chain_dies_with_its_student(zygote):
    try:
        run_attack(zygote, CHAIN, SMALL)
        time.sleep(1.0)
        survivors = marked_processes(CHAIN_MARKER)
        assert survivors == []
    finally:
        for _ in range(50):  # the chain regrows: kill until none is left (these are ours, started above)
            pids = marked_processes(CHAIN_MARKER)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.05)


def test_the_process_limit_is_real(zygote):
    """The limit the report names is read back from a real cgroup filesystem, and holds."""
    process = zygote.spawn(SMALL)
    try:
        process.wait_ready(60)
        if os.geteuid() != 0:
            pytest.skip("the pids cgroup is for root; RLIMIT_NPROC holds otherwise")
        groups = cgroups.groups_of(process.pid)
        assert "pids" in groups, groups
        assert cgroups.on_cgroup_filesystem(groups["pids"])
        with open(os.path.join(groups["pids"], "pids.max")) as limit:
            assert int(limit.read()) == SMALL.max_processes
    finally:
        process.close()


def test_guards_that_did_not_hold_get_one_line_and_refuse_grading():
    entries = ["read set: a private root", f"{guards.NOT_HELD}memory: no memory cgroup", f"{guards.NOT_HELD}landlock: off"]
    assert guard_flags(entries) == ["GUARDS NOT HELD on this grader (see docs/threat-model.md): memory: no memory cgroup"]
    assert "memory" in guards.required_missing(entries) and "read set" not in guards.required_missing(entries)


@pytest.mark.skipif(os.geteuid() != 0, reason="a non-root grader lacks the root-only guards (docs/threat-model.md)")
def test_every_guard_the_threat_model_relies_on_holds_here(zygote):
    assert missing_guards(zygote, SMALL) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="a non-root grader lacks the root-only guards (docs/threat-model.md)")
def test_grading_with_require_guards_goes_ahead_where_they_hold():
    from autograder import catalog

    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "--require-guards",
                          catalog.notebook_path("release", "01-foundations")], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "Score: 0 /" in run.stdout and "GUARDS NOT HELD" not in run.stdout


def test_a_changed_or_added_fixture_file_is_rebuilt_before_use(data_root, tmp_path):
    root = tmp_path / "fixtures"
    shutil.copytree(data_root, root)
    assert fixtures.is_current(root)
    assert all(not path.stat().st_mode & 0o222 for path in root.rglob("*")), "fixtures are read only"
    labels = root / "MNIST" / "raw" / "train-labels-idx1-ubyte"
    original = labels.read_bytes()
    labels.chmod(0o644)
    labels.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    assert not fixtures.is_current(root)
    fixtures.ensure_fixtures(root)
    assert labels.read_bytes() == original and fixtures.is_current(root)
    (root / "MNIST").chmod(0o755)
    (root / "MNIST" / "planted").symlink_to("/etc/passwd")
    assert not fixtures.is_current(root)
