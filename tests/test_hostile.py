"""Hostile submissions: the honest part of each is the release stub (0 points); the attack must not add a
point, must end within the limits, must be flagged in the report, and must not touch other submissions."""

import functools
import os
import shutil
import subprocess
import sys
import time

import pytest

from autograder import catalog

from conftest import FAST_LIMITS, notebook_with_cells

ASSIGNMENT = "01-foundations"
RELEASE = catalog.notebook_path("release", ASSIGNMENT)
SOURCE = catalog.notebook_path("assignments", ASSIGNMENT)
HIDDEN_TEST = catalog.hidden_tests_dir(ASSIGNMENT) / "test_activations.py"
MARKER = "hostile-background-marker"

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
    time.sleep(0.5)  # the launcher reaps orphans every 0.2 s
    assert not processes_with(MARKER)


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
    run = subprocess.run([sys.executable, "-m", "autograder", "grade-all", folder, "--assignment", ASSIGNMENT,
                          "--jobs", "2", "--output-dir", tmp_path / "out"], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    scores = dict(line.split(",")[:2] for line in (tmp_path / "out" / "scores.csv").read_text().splitlines()[1:])
    assert scores["ada"] == scores["zoe"] != "0"
    assert all(score == "0" for student, score in scores.items() if student not in ("ada", "zoe"))
