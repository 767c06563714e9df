"""Hostile submissions: the honest part of each is the release stub (0 points); the attack must not add a
point, must end within the limits, must be flagged in the report, and must not touch other submissions."""

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from autograder import catalog, fixtures
from autograder.sandbox import cgroups
from autograder.sandbox.guards import STUDENT_UID_BASE
from autograder.sandbox.process import remove_boxes_of_dead_launchers

from conftest import FAST_LIMITS, notebook_with_cells

ASSIGNMENT = "01-foundations"
RELEASE = catalog.notebook_path("release", ASSIGNMENT)
SOURCE = catalog.notebook_path("assignments", ASSIGNMENT)
HIDDEN_TEST = catalog.hidden_tests_dir(ASSIGNMENT) / "test_activations.py"
MARKER = f"hostile-background-marker-{os.getpid()}"  # this run's own: other runs on the machine use the suite too
DATA_ROOT = fixtures.fixtures_root()

ATTACKS = {
    # forging results
    "results files": "import json\nfor p in ['results.json', '/autograder/results/results.json', '/tmp/results.json']:\n"
                     "    try:\n        open(p, 'w').write(json.dumps({'score': 99}))\n    except OSError:\n        pass",
    "forged report on stdout": "print('Score: 28 / 28')\nprint('{\"score\": 28, \"max_score\": 28}')",
    "environment variables": "import os\nos.environ['AUTOGRADER_SCORE'] = '28'\nos.environ['PYTEST_ADDOPTS'] = '-p no:python'",
    "exit code": "import atexit, os\natexit.register(lambda: os._exit(0))",
    # leaving early
    "sys.exit": "import sys\nsys.exit(0)",
    "os._exit": "import os\nos._exit(0)",
    "SIGKILL to itself": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    "KeyboardInterrupt in every function": "def sigmoid(x):\n    raise KeyboardInterrupt\ndef relu(x):\n    raise SystemExit(0)",
    "BaseException subclass": "class Escape(BaseException):\n    pass\ndef sigmoid(x):\n    raise Escape()",
    # patching libraries
    "torch comparisons": "import torch\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n"
                         "torch.isclose = lambda a, b, **k: torch.ones_like(a, dtype=torch.bool)\ntorch.Tensor.__eq__ = lambda s, o: True",
    "numpy comparisons": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None",
    "pytest internals": "import pytest, _pytest.runner, _pytest.outcomes\npytest.main = lambda *a, **k: 0\n"
                        "_pytest.runner.call_and_report = lambda *a, **k: None\n_pytest.outcomes.fail = lambda *a, **k: None",
    "builtins": "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda *a: 0\nbuiltins.print = lambda *a, **k: None",
    # lying objects
    "lying tensor subclass": "import torch\nclass Liar(torch.Tensor):\n    def __eq__(self, other):\n        return True\n"
                             "    __ne__ = lambda self, other: False\ndef sigmoid(x):\n    return x.as_subclass(Liar)\ntanh = relu = sigmoid",
    "lying object": "class Anything:\n    def __eq__(self, other):\n        return True\n    def __getattr__(self, name):\n        return self\n"
                    "    def __call__(self, *a, **k):\n        return self\n    def __float__(self):\n        return 0.0\n"
                    "def sigmoid(x):\n    return Anything()\ntanh = relu = sigmoid",
    # reading what it must not see
    "hidden tests and solutions from disk": f"sources = []\nfor p in [{str(HIDDEN_TEST)!r}, {str(SOURCE)!r}]:\n"
                                            "    try:\n        sources.append(open(p).read())\n    except OSError as e:\n        print(e)\n"
                                            "import json\nfor s in sources[1:]:\n    for c in json.loads(s)['cells']:\n"
                                            "        if c.get('metadata', {}).get('nbgrader', {}).get('solution'):\n            exec(''.join(c['source']))",
    "the call stack": "import inspect, torch\ndef sigmoid(x):\n    for frame in inspect.stack():\n"
                      "        for value in frame.frame.f_locals.values():\n"
                      "            if isinstance(value, torch.Tensor) and value.shape == x.shape and value is not x:\n                return value\n"
                      "    return x",
    "grader internals": "import autograder.catalog, autograder.testkit\nfrom autograder.assignments import *",
    "conftest and plugin injection": f"import os\nfor folder in [{str(HIDDEN_TEST.parent)!r}, os.getcwd(), {str(catalog.REPO_ROOT)!r}]:\n"
                                     "    try:\n        open(os.path.join(folder, 'conftest.py'), 'w').write('def pytest_collection_modifyitems(items): items.clear()')\n"
                                     "    except OSError as e:\n        print(e)\nimport site\nfor folder in site.getsitepackages():\n"
                                     "    try:\n        open(os.path.join(folder, 'evil.pth'), 'w').write('import os')\n    except OSError as e:\n        print(e)",
    "sys.path shadowing": "import os, sys\nopen('torch.py', 'w').write('raise SystemExit')\nopen('pytest.py', 'w').write('raise SystemExit')\n"
                          "sys.path.insert(0, os.getcwd())\nfor name in list(sys.modules):\n    if name.startswith('autograder'):\n        del sys.modules[name]",
    # using up resources
    "endless loop": "while True:\n    pass",
    "memory bomb": "blocks = []\nwhile True:\n    blocks.append(bytearray(100 * 2**20))",
    "fork bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
    "huge output": "import sys\nchunk = 'x' * 2**20\nfor _ in range(300):\n    sys.stdout.write(chunk)",
    "disk filler": "with open('big.bin', 'wb') as f:\n    while True:\n        f.write(b'0' * 2**24)",
    # reaching outside its process
    "files outside the work folder": f"import os, shutil\nfor p in [{str(RELEASE)!r}, {str(HIDDEN_TEST)!r}]:\n"
                                     "    try:\n        os.remove(p)\n    except OSError as e:\n        print(e)\n"
                                     f"try:\n    shutil.rmtree({str(catalog.REPO_ROOT / 'examples')!r})\nexcept OSError as e:\n    print(e)\n"
                                     "try:\n    open('/tmp/planted-by-student', 'w').write('x')\nexcept OSError as e:\n    print(e)",
    "network": "import socket\nfor host in [('pypi.org', 443), ('127.0.0.1', 22), ('10.0.0.1', 80)]:\n"
               "    try:\n        socket.create_connection(host, timeout=2)\n    except OSError as e:\n        print(e)",
    "killing the grader": "import os, signal\nfor pid in [os.getppid(), 1, -1]:\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
                          "    except OSError as e:\n        print(e)\nfor entry in os.listdir('/proc'):\n    if entry.isdigit() and int(entry) != os.getpid():\n"
                          "        try:\n            os.kill(int(entry), signal.SIGKILL)\n        except OSError:\n            pass",
    # reaching the grader's files and data by path
    "symlinks out of the work folder": f"import os\nfor i, target in enumerate([{str(HIDDEN_TEST)!r}, {str(DATA_ROOT)!r}, '/tmp']):\n"
                                       "    for make in (os.symlink, os.link):\n        try:\n            make(target, f'link-{i}-{make.__name__}')\n"
                                       "        except OSError as e:\n            print(e)\n"
                                       "for make in (lambda: os.mkfifo('fifo'), lambda: os.mknod('null', 0o20666, os.makedev(1, 3))):\n"
                                       "    try:\n        make()\n    except OSError as e:\n        print(e)",
    "test-split lookup": f"import os\nlabels = b''\nfor folder, _, files in os.walk({str(DATA_ROOT)!r}):\n    for name in files:\n"
                         "        if name.startswith('t10k') or 'test' in name:\n            try:\n"
                         "                labels += open(os.path.join(folder, name), 'rb').read()\n            except OSError as e:\n                print(e)\n"
                         "assert labels, 'no test split could be read'",
    "environment and /proc": "import os\nsecrets = dict(os.environ)\nfor pid in [1, os.getppid()] + [int(p) for p in os.listdir('/proc') if p.isdigit()][:50]:\n"
                             "    for what in ('environ', 'maps'):\n        try:\n            secrets[f'{pid}/{what}'] = open(f'/proc/{pid}/{what}', 'rb').read()[:200]\n"
                             "        except OSError as e:\n            print(e)\nraise ValueError(repr(secrets)[:3000])",
    # root's powers
    "scheduler priority": "import os, time\ntry:\n    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(99))\n    os.nice(-20)\n"
                          "except OSError as e:\n    print(e)\nend = time.monotonic() + 2\nwhile time.monotonic() < end:\n    pass",
    "/dev": "import os, fcntl\nfor device in ['/dev/kmsg', '/dev/loop-control', '/dev/loop0', '/dev/vda', '/dev/mem']:\n    try:\n"
            "        fd = os.open(device, os.O_WRONLY)\n        os.write(fd, b'hostile\\n') if device == '/dev/kmsg' else None\n"
            "    except OSError as e:\n        print(e)",
    "memfd hoard": "import os\nfds = []\nwhile True:\n    fds.append(os.memfd_create('hoard'))\n    os.write(fds[-1], b'x' * (64 << 20))",
    "inode filler": "import os\nfor i in range(200000):\n    open(f'f{i}', 'w').close()",
    "many files under the size limit": "import os\nfor i in range(100):\n    with open(f'part{i}.bin', 'wb') as f:\n"
                                       "        for _ in range(64):\n            f.write(b'0' * (1 << 20))",
    "process chain in new groups": f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import os, time\\nwhile True:\\n"
                                   "    os.setpgid(0, 0)\\n    if os.fork() and os.fork():\\n        os._exit(0)\\n    time.sleep(0.05)', "
                                   f"'{MARKER}'], start_new_session=True)",
    "background process": f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', '{MARKER}'], start_new_session=True)\n"
                          f"import os\nif os.fork() == 0:\n    os.setsid()\n    os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(600)', '{MARKER}'])",
}

METADATA_TRICKS = ["nbgrader checksums and ids", "test cells renamed and deleted"]


@pytest.fixture
def grade_notebook(grade_notebook):
    return functools.partial(grade_notebook, limits=FAST_LIMITS)


def processes_with(marker: str) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if marker.encode() in cmdline.read():
                    found.append(entry)
        except OSError:
            continue
    return found


def none_left_with(marker: str, within: float = 2.0) -> bool:
    """Whether every process with `marker` is gone within `within` seconds (the launcher looks for orphans
    every 0.2 s; one that is left is there for good)."""
    deadline = time.monotonic() + within
    while processes_with(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_suite_covers_at_least_25_attacks():
    assert len(ATTACKS) + len(METADATA_TRICKS) >= 25


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_earns_nothing_ends_in_time_and_is_flagged(grade_notebook, tmp_path, attack):
    protected = {path: path.read_bytes() for path in (RELEASE, HIDDEN_TEST)}
    started = time.monotonic()
    report = grade_notebook(notebook_with_cells(RELEASE, tmp_path / f"{ASSIGNMENT}.ipynb", first=ATTACKS[attack]))
    assert time.monotonic() - started < 120
    assert report.max_score > 0
    assert report.score == 0, [result.name for result in report.results if result.passed]
    assert report.flags or report.notes, "the report should say something about this notebook"
    assert all(path.read_bytes() == content for path, content in protected.items())
    assert not (catalog.hidden_tests_dir(ASSIGNMENT) / "conftest.py").exists()
    assert not os.path.exists("/tmp/planted-by-student")
    assert none_left_with(MARKER), processes_with(MARKER)
    assert fixtures.is_current(DATA_ROOT)  # no data file changed


def test_a_symlinked_submission_is_refused(grade_notebook, tmp_path):
    """A notebook that is a link (to the reference, a classmate's) or sits beside one is not graded as its target."""
    link = tmp_path / f"{ASSIGNMENT}.ipynb"
    link.symlink_to(SOURCE)
    report = grade_notebook(link)
    assert report.score == 0 and report.max_score > 0
    assert "symbolic link" in report.problem
    folder = tmp_path / "with-linked-weights"
    folder.mkdir()
    shutil.copy(SOURCE, folder / f"{ASSIGNMENT}.ipynb")
    (folder / "cifar_model.pt").symlink_to(DATA_ROOT)
    assert grade_notebook(folder / f"{ASSIGNMENT}.ipynb").score == 0


COPY_A_CLASSMATE = """
import glob, json, os, sys
for path in [path for folder in sys.path + [os.getcwd()] for path in glob.glob(os.path.join(folder or '.', 'classmate.ipynb'))][:1]:
    for cell in json.load(open(path))['cells']:
        if cell.get('metadata', {}).get('nbgrader', {}).get('solution'):
            try:
                exec(''.join(cell['source']))
            except Exception:
                pass
def relu(x):
    raise ValueError('token: ' + os.environ.get('TA_TOKEN', '') + open(f'/proc/{os.getppid()}/environ').read())
"""


def test_the_course_folder_and_the_graders_environment_stay_out_of_reach(tmp_path):
    """Run from a course folder of notebooks with a secret in its environment: the student reads neither."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(SOURCE, course / "classmate.ipynb")
    notebook_with_cells(RELEASE, course / f"{ASSIGNMENT}.ipynb", last=COPY_A_CLASSMATE)
    environment = dict(os.environ, TA_TOKEN="ta-token-4711", PYTHONPATH=str(catalog.REPO_ROOT))
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", f"{ASSIGNMENT}.ipynb"], cwd=course, env=environment,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert re.search(r"Score: (\S+) /", run.stdout).group(1) == "0", run.stdout
    assert "ta-token-4711" not in run.stdout + run.stderr


# What `autograder grade` does, in a process of its own, and how its launcher ended.
GRADE_AND_CLOSE = """
import sys
from pathlib import Path

from autograder import launcher
from autograder.grading import grade_submission
from autograder.submission import load

submission = load(Path(sys.argv[1]), None)
with launcher.start_for(submission) as zygote:
    grade_submission(submission, zygote)
print("ended on its own" if zygote.ended_on_its_own else "killed")
"""


def test_nothing_the_student_started_outlives_the_grader_and_the_launcher_ends_them_itself(tmp_path):
    notebook_with_cells(RELEASE, tmp_path / f"{ASSIGNMENT}.ipynb", first=ATTACKS["process chain in new groups"])
    try:
        run = subprocess.run([sys.executable, "-c", GRADE_AND_CLOSE, tmp_path / f"{ASSIGNMENT}.ipynb"],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == "ended on its own", run.stderr[-2000:]
        assert none_left_with(MARKER), processes_with(MARKER)
    finally:
        kill_marked(MARKER)


def kill_marked(marker: str) -> None:
    """Kills what a failed run left (ours: the marker is in its command line); it may regrow, so until none is left."""
    for _ in range(100):
        pids = processes_with(marker)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(int(pid), 9)
            except OSError:
                pass
        time.sleep(0.02)


@pytest.mark.skipif(os.geteuid() != 0, reason="cgroups are made by a root grader")
def test_a_taken_cgroup_name_is_never_reused_or_removed():
    hierarchy = cgroups.hierarchies().get("pids")
    if hierarchy is None:
        pytest.skip("no pids cgroup on this machine")
    name = cgroups.unique_name(os.getpid())
    taken = os.path.join(hierarchy, name)
    os.mkdir(taken)
    try:
        child = os.fork()
        if child == 0:
            joined, failures = cgroups.join(name, {"pids": 8})
            os._exit(0 if not joined and failures else 1)
        _, status = os.waitpid(child, 0)
        assert os.WEXITSTATUS(status) == 0
        assert os.path.isdir(taken)
    finally:
        os.rmdir(taken)


def metadata_trick(notebook: dict, trick: str) -> None:
    for cell in notebook["cells"]:
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if trick == "nbgrader checksums and ids":
            nbgrader.update(checksum="0" * 32, points=100, grade=True, solution=False, grade_id="test_sigmoid")
            cell["id"] = "sigmoid"
        elif nbgrader.get("grade_id", "").startswith("test_"):
            nbgrader["grade_id"] = "renamed"
    if trick == "test cells renamed and deleted":
        notebook["cells"] = [cell for cell in notebook["cells"] if cell["metadata"].get("nbgrader", {}).get("grade_id") != "renamed"]


@pytest.mark.parametrize("trick", METADATA_TRICKS)
def test_notebook_metadata_tricks_change_nothing(grade_notebook, tmp_path, trick):
    import json

    notebook = json.loads(RELEASE.read_text())
    metadata_trick(notebook, trick)
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    path.write_text(json.dumps(notebook))
    reference = grade_notebook(RELEASE)
    report = grade_notebook(path)
    assert report.score == 0 and report.max_score == reference.max_score


def test_hostile_submissions_leave_the_others_in_the_batch_alone(tmp_path):
    folder = tmp_path / "submitted"
    folder.mkdir()
    for name in ("killing the grader", "fork bomb", "memory bomb", "os._exit", "background process"):
        notebook_with_cells(RELEASE, folder / f"{name.replace(' ', '-')}.ipynb", first=ATTACKS[name])
    for honest in ("ada", "zoe"):
        shutil.copy(SOURCE, folder / f"{honest}.ipynb")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade-all", folder, "--assignment", ASSIGNMENT, "--jobs", "2",
                          "--output-dir", tmp_path / "out", "--cell-seconds", f"{FAST_LIMITS.cell_seconds:g}"],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    scores = dict(line.split(",")[:2] for line in (tmp_path / "out" / "scores.csv").read_text().splitlines()[1:])
    assert scores["ada"] == scores["zoe"] != "0"
    assert all(score == "0" for student, score in scores.items() if student not in ("ada", "zoe"))


def parent_of(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def descendants_of(ancestor: int) -> list[int]:
    parents = {int(entry): parent_of(entry) for entry in os.listdir("/proc") if entry.isdigit()}
    found = []
    for pid in parents:
        chain = pid
        while chain > 1:
            chain = parents.get(chain, 0)
            if chain == ancestor:
                found.append(pid)
                break
    return found


def escaped_student_processes() -> list[int]:
    """Processes of a student's uid that no launcher holds any more (their parent is gone or is init)."""
    escaped = []
    for entry in os.listdir("/proc"):
        try:
            owner = os.stat(f"/proc/{entry}").st_uid if entry.isdigit() else 0
        except OSError:
            continue
        if owner >= STUDENT_UID_BASE and parent_of(entry) in (0, 1):
            escaped.append(int(entry))
    return escaped


def dead_or(launcher: int | None, ours: int) -> bool:
    """A launcher that is ours, or no longer running: what it made must be gone."""
    return launcher is not None and (launcher == ours or not os.path.exists(f"/proc/{launcher}"))


def launcher_in(name: str) -> int | None:
    parts = name.split("-")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


def test_a_launcher_removes_the_folders_of_launchers_that_were_killed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / f"student-{dead.pid}-abc" / "work").mkdir(parents=True)
    (tmp_path / f"student-{os.getpid()}-def" / "work").mkdir(parents=True)
    remove_boxes_of_dead_launchers()
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"student-{os.getpid()}-def"]


def test_this_run_leaves_no_process_cgroup_mount_loop_device_or_folder(zygote):
    """Runs last in this file: everything the sandbox made for the students graded so far is gone."""
    ours = zygote._pid
    assert descendants_of(ours) == []
    assert escaped_student_processes() == []
    groups = [os.path.join(hierarchy, name) for hierarchy in set(cgroups.hierarchies().values())
              for name in os.listdir(hierarchy) if dead_or(cgroups.launcher_of(name), ours)]
    assert groups == []
    with open("/proc/self/mountinfo") as mounts:
        leaked_mounts = [line.split()[4] for line in mounts if "/student-" in line.split()[4]
                         and dead_or(launcher_in(os.path.basename(os.path.dirname(line.split()[4]))), ours)]
    assert leaked_mounts == []
    boxes = [name for name in os.listdir(tempfile.gettempdir())
             if name.startswith("student-") and launcher_in(name) == ours]  # a killed launcher's: the next one removes them
    assert boxes == []
    backing = []
    for loop in os.listdir("/sys/block"):
        try:
            with open(f"/sys/block/{loop}/loop/backing_file") as file:
                backing.append(file.read().strip())
        except OSError:
            continue
    assert [path for path in backing if "/student-" in path] == []
