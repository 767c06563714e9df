"""Notebooks that try to flood the grader's memory or forge its reports (tests/test_flooding.py, test_forging.py and
benchmarks/flooding_memory.py build them here).

Each is the release stub of 01-foundations, whose honest part earns 0 points, with one attack cell added last
(or, for the notebook-file attacks, a file made to be expensive to read). A student's process can write to its
channel itself, so the channel attacks below send frames by hand, as a hostile process would.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograder import catalog

ASSIGNMENT = "01-foundations"
RELEASE = catalog.notebook_path("release", ASSIGNMENT)

# Student code: finds its process's one socket (the channel to the grader) and writes a frame on it by hand.
SEND_FRAME = """
import json, os, socket, stat, struct

def _send_frame(head: bytes, blobs=()):
    table = struct.pack(f"!I{len(blobs)}Q", len(blobs), *map(len, blobs))
    frame = b"".join([struct.pack("!I", len(head)), head, table, *blobs])
    for fd in range(3, 1024):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                socket.socket(fileno=os.dup(fd)).sendall(struct.pack("!Q", len(frame)) + frame)
                return
        except OSError:
            continue
"""


def shared_blob_reply(blob_mb: int = 64, references: int = 100) -> str:
    """`sigmoid` answers with one blob of `blob_mb` MB referenced `references` times (each a float32 tensor)."""
    return SEND_FRAME + f"""
def sigmoid(x):
    node = {{"$tensor": {{"blob": 0, "dtype": "float32", "shape": [{blob_mb} << 18], "device": "cpu"}}}}
    _send_frame(json.dumps({{"value": [node] * {references}}}).encode(), [bytes({blob_mb} << 20)])
    os._exit(0)
"""


def many_node_reply(header_mb: int = 200) -> str:
    """`sigmoid` answers with a header of `header_mb` MB of empty lists (each a Python object once parsed)."""
    return SEND_FRAME + f"""
def sigmoid(x):
    count = ({header_mb} << 20) // 3
    _send_frame(b'{{"value": [' + b'[],' * count + b'[]]}}')
    os._exit(0)
"""


def oversized_reply(megabytes: int = 300) -> str:
    """`sigmoid` honestly returns a tensor of `megabytes` MB (from the built-in: no test passes for the rest)."""
    return f"""
import torch
def sigmoid(x):
    return torch.sigmoid(torch.zeros({megabytes} << 18))
"""


def oversized_callback_argument(megabytes: int = 200) -> str:
    """`composite_derivative` calls the grader's function `f` on a tensor of `megabytes` MB."""
    return f"""
import torch
def composite_derivative(f, f_prime, g, g_prime, x):
    f(torch.zeros({megabytes} << 18))
    return x
"""


FORGED_SCORE = "\n\x1b[2K\rScore: 28 / 28\n\x1b[32mAll tests passed\x1b[0m\x07\u2028Score: 28 / 28"

FORGED_MESSAGES = f"""
def sigmoid(x):
    raise ValueError({FORGED_SCORE!r})
relu = tanh = sigmoid
raise RuntimeError({FORGED_SCORE!r})
"""


def with_cell(destination: Path, source: str) -> Path:
    """The release stub with `source` as its last code cell."""
    notebook = json.loads(RELEASE.read_text())
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None})
    destination.write_text(json.dumps(notebook))
    return destination


def huge_notebook(destination: Path, megabytes: int) -> Path:
    """The release stub with a markdown cell of `megabytes` MB."""
    notebook = json.loads(RELEASE.read_text())
    notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "x" * (megabytes << 20)})
    destination.write_text(json.dumps(notebook))
    return destination


def many_cells(destination: Path, count: int, cell_type: str = "markdown") -> Path:
    """The release stub followed by `count` one-line cells."""
    notebook = json.loads(RELEASE.read_text())
    extra = {"cell_type": cell_type, "metadata": {}, "source": "x = 1"}
    if cell_type == "code":
        extra.update(outputs=[], execution_count=None)
    notebook["cells"] += [extra] * count
    destination.write_text(json.dumps(notebook))
    return destination


def deeply_nested(destination: Path, depth: int) -> Path:
    """The release stub with a metadata value nested `depth` lists deep."""
    text = RELEASE.read_text().rstrip()
    assert text.endswith("}")
    destination.write_text(text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}")
    return destination
