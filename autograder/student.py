"""What a hidden test holds: the student's notebook, as an object.

`student.sigmoid(x)` calls the student's `sigmoid`. On the CLI path it runs in
the sandboxed process (RemoteStudent): arguments cross as plain data, results
come back as plain data or as RemoteObject proxies, and grader-side callables
passed as arguments run in the grader when the student calls them. On the
nbgrader path the tests run inside the student's kernel (LocalStudent) and the
same test code works on the real objects: both are a `Student`.

`student.lib("torch.optim.SGD")` reaches a library object inside the student's
process (so a test can hand the student's code an optimizer or a DataLoader),
and `student.probe("torch_calls")` one of the instruments in sandbox/probes.py.
`student.work_dir` is a folder the student's code may write to and the grader
can read (TensorBoard logs, saved weights).
"""

from __future__ import annotations

import itertools
import tempfile
import time
from pathlib import Path

from .sandbox import probes
from .sandbox.channel import MAX_FRAME_BYTES, TooLarge
from .sandbox.process import StudentProcessError
from .sandbox.protocol import Decoder, Encoder, ProtocolError, Ref
from .sandbox.worker import import_path

MAX_REPLY_BYTES = MAX_FRAME_BYTES  # what one reply may decode to in the grader
MAX_CALLBACK_BYTES = 32 << 20  # what the arguments of one call to a grader-side function may decode to


class StudentError(Exception):
    """The student's code raised; carries their exception and their own traceback."""

    def __init__(self, type_name: str, message: str, traceback: str = ""):
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.message = message
        self.traceback = traceback


class GraderError(Exception):
    """Something the hidden test asked of the student's process failed for reasons of the grader's own."""


class ReplyTooLarge(StudentProcessError):
    """The student's process sent more than the grader reads in one reply; the process was stopped."""


class ForgedReply(StudentProcessError):
    """The student's process sent a reply that its sandbox never sends (it wrote to its channel itself); it was stopped."""


def missing_name(name: str) -> StudentError:
    return StudentError(
        "NameError",
        f"`{name}` is not defined in your notebook. Check the spelling, and that the cell defining it runs without errors.",
    )


class Student:
    """What a hidden test holds, wherever the notebook runs.

    `student.NAME` is the notebook's NAME (a NameError for the student when it is missing),
    `lib(path)` a library object beside the student's code, `probe(name)` an instrument of
    sandbox/probes.py, `work_dir` a folder both sides can read, `time_left()` the test's seconds.
    A student's exception reaches the test as StudentError on every path.
    """

    work_dir: Path

    def lib(self, path: str):
        raise NotImplementedError

    def probe(self, name: str):
        raise NotImplementedError

    def time_left(self) -> float:
        raise NotImplementedError


class LocalStudent(Student):
    """The student's namespace in this very process (the in-kernel path of `nbgrader validate`)."""

    def __init__(self, namespace: dict):
        self._namespace = namespace
        self.work_dir = Path(tempfile.mkdtemp(prefix="grading-"))

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self._namespace:
            raise missing_name(name)
        value = self._namespace[name]
        return _raising_student_errors(value) if callable(value) and not isinstance(value, type) else value

    def lib(self, path: str):
        return import_path(path)

    def probe(self, name: str):
        return getattr(probes, name)

    def time_left(self) -> float:
        return float("inf")


def _raising_student_errors(function):
    """`function` with its exceptions turned into StudentError, as the sandboxed path reports them."""

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:
            raise StudentError(type(error).__name__, str(error)) from error

    return call


class Connection:
    """The grader's end of one student process's channel, for requests that must finish by `deadline`.

    A reply is decoded within MAX_REPLY_BYTES and the arguments of a callback within MAX_CALLBACK_BYTES. A reply
    over its limit or one the sandbox never sends stops the process (ReplyTooLarge, ForgedReply: the test fails
    with the reason, the next test gets a fresh process); `flag` records a forged one for the TA."""

    def __init__(self, process, deadline: float, flag=lambda text: None):
        self._process = process
        self.deadline = deadline
        self.work_dir = process.work_dir  # the student's process writes here; the grader can read it
        self._flag = flag
        self._callbacks: dict[int, object] = {}
        self._callback_ids = itertools.count(1)

    def run_cell(self, index: int, source: str) -> None:
        self.request({"op": "exec", "index": index, "source": source})

    def audit(self) -> list:
        events = self.request({"op": "audit"})
        return events if isinstance(events, list) else []

    def request(self, header: dict, args=None, kwargs=None):
        encoder = Encoder(self._outgoing_ref)
        if args is not None:
            header = dict(header, args=encoder.encode(list(args)), kwargs=encoder.encode(dict(kwargs or {})))
        try:
            reply, blobs = self._process.request(header, encoder.blobs, self.deadline, self._serve_callback)
            return self._unwrap(reply, blobs)
        except TooLarge as error:
            self._process.kill()
            raise ReplyTooLarge(f"returned {error} to the grader in one reply, over its limit, and was stopped; "
                                "return only what the exercise asks for") from None
        except ProtocolError as error:
            self._process.kill()
            self._flag(f"the notebook's process wrote to the grader's channel itself ({error})")
            raise ForgedReply(f"sent the grader a reply that its sandbox never sends ({error}) and was stopped") from None

    def _unwrap(self, reply: dict, blobs: list):
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            type_name, message = str(error.get("type", "Error"))[:100], str(error.get("message", ""))[:4000]
            if error.get("origin") == "grader":
                raise GraderError(f"{type_name}: {message}")
            raise StudentError(type_name, message, str(error.get("traceback", ""))[:4000])
        if "value" not in reply:
            raise ProtocolError("reply without a value")
        return Decoder(blobs, self._incoming_ref, max_bytes=MAX_REPLY_BYTES).decode(reply["value"])

    def _incoming_ref(self, ref: Ref) -> RemoteObject:
        return RemoteObject(self, ref)

    def _outgoing_ref(self, value):
        if isinstance(value, RemoteObject) and value._connection is self:
            return {"$ref": {"id": value._ref.id}}
        if callable(value):
            callback_id = next(self._callback_ids)
            self._callbacks[callback_id] = value
            return {"$callback": callback_id}
        raise TypeError(f"cannot send a {type(value).__name__} to the student's process")

    def _serve_callback(self, message: dict, blobs: list):
        """Runs a grader-side callable that the student's code called; the student's code gets any error."""
        try:
            function = self._callbacks[message["callback"]]
            decoder = Decoder(blobs, self._incoming_ref, max_bytes=MAX_CALLBACK_BYTES)
            result = function(*decoder.decode(message["args"]), **decoder.decode(message["kwargs"]))
            encoder = Encoder(self._outgoing_ref)
            return {"value": encoder.encode(result)}, encoder.blobs
        except TooLarge as error:
            return {"error": f"the grader's function was called with {error} of arguments, over its limit; "
                             "call it on data the size of the test's"}, []
        except ProtocolError as error:
            self._flag(f"the notebook's process wrote to the grader's channel itself ({error})")
            return {"error": f"ProtocolError: {error}"}, []
        except Exception as error:  # the student passed something the callable cannot take
            return {"error": f"{type(error).__name__}: {error}"}, []


class RemoteStudent(Student):
    """The student's namespace in the sandboxed process."""

    def __init__(self, connection: Connection):
        self._connection = connection
        self.work_dir = connection.work_dir

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._connection.request({"op": "get", "name": name})
        except StudentError as error:
            if error.type_name == "NameError":
                raise missing_name(name) from None
            raise

    def lib(self, path: str):
        return self._connection.request({"op": "lib", "path": path})

    def probe(self, name: str):
        return self._connection.request({"op": "probe", "name": name})

    def time_left(self) -> float:
        return self._connection.deadline - time.monotonic()


class RemoteObject:
    """A proxy for an object that lives in the student's process."""

    __slots__ = ("_connection", "_ref")

    def __init__(self, connection: Connection, ref: Ref):
        object.__setattr__(self, "_connection", connection)
        object.__setattr__(self, "_ref", ref)

    @property
    def type_name(self) -> str:
        return self._ref.type_name

    def __getattr__(self, name: str):
        return self._connection.request({"op": "getattr", "ref": self._ref.id, "name": name})

    def __call__(self, *args, **kwargs):
        return self._connection.request({"op": "call", "ref": self._ref.id}, args, kwargs)

    def __getitem__(self, key):
        return self._library("operator.getitem")(self, key)

    def __len__(self) -> int:
        try:
            return self._library("builtins.len")(self)
        except StudentError as error:
            if error.type_name == "TypeError":  # no len(): list() and friends then just iterate
                raise TypeError(error.message) from None
            raise

    def __iter__(self):
        return iter(self._library("builtins.list")(self))

    def _library(self, path: str):
        return self._connection.request({"op": "lib", "path": path})

    def __repr__(self) -> str:
        return f"<{self._ref.type_name} in the student's process: {self._ref.text}>"
