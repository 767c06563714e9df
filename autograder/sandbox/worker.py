"""The student's side of the channel: runs notebook cells and answers requests.

This module runs inside the sandboxed process, after the guards are in place.
It knows nothing about tests or expected values: it executes the student's
cells, then serves generic requests (look up a name, get an attribute, call
something, import a library object) and sends back plain data or references.
"""

from __future__ import annotations

import builtins
import importlib
import linecache
import sys
import traceback
import types

from . import probes
from .audit import Audit
from .channel import Channel
from .protocol import CallbackRef, Decoder, Encoder, ProtocolError

_MAX_TEXT = 4000
_GRADER_OPS = ("lib", "probe", "audit")  # requests whose failure is the grader's, not the student's


# Stands in for get_ipython() so converted magics and shell lines do nothing. Compiled in a namespace of
# its own: its functions' __globals__ lead nowhere (not to this module, whose globals reach the channel).
_IPYTHON_STUB = """
class IPython:
    def run_line_magic(self, *args, **kwargs):
        return None

    run_cell_magic = system = getoutput = run_line_magic

    def __getattr__(self, name):
        return lambda *args, **kwargs: None
"""


def _ipython_stub() -> type:
    namespace = {"__name__": "IPython"}
    exec(_IPYTHON_STUB, namespace)
    return namespace["IPython"]


class Worker:
    def __init__(self, channel: Channel, audit: Audit):
        self.channel = channel
        self.audit = audit
        self.objects: dict[int, object] = {}
        self.namespace = self._main_namespace()

    @staticmethod
    def _main_namespace() -> dict:
        main = types.ModuleType("__main__")
        main.__dict__.update({"get_ipython": _ipython_stub(), "display": print})
        sys.modules["__main__"] = main
        return main.__dict__

    def serve(self) -> None:
        while True:
            try:
                header, blobs = self.channel.receive()
            except EOFError:
                return
            self.channel.send(*self._answer(header, blobs))

    def _answer(self, header, blobs):
        try:
            op = header["op"]
            handler = getattr(self, "_op_" + op)
            result = handler(header, Decoder(blobs, self._resolve_ref, self._make_callback))
            encoder = Encoder(self._store)
            return {"value": encoder.encode(result)}, encoder.blobs
        except BaseException as error:  # noqa: B036 - student code may raise anything, SystemExit included
            return {"error": _describe(error, "grader" if header.get("op") in _GRADER_OPS else "student")}, []

    # Requests ---------------------------------------------------------------

    def _op_exec(self, header, decoder):
        name = f"<cell {header['index']}>"
        source = header["source"]
        linecache.cache[name] = (len(source), None, source.splitlines(keepends=True), name)
        exec(compile(source, name, "exec"), self.namespace)

    def _op_audit(self, header, decoder):
        return list(self.audit.events)

    def _op_get(self, header, decoder):
        name = header["name"]
        if name not in self.namespace:
            raise NameError(f"name '{name}' is not defined")
        return self.namespace[name]

    def _op_lib(self, header, decoder):
        return import_path(header["path"])

    def _op_probe(self, header, decoder):
        return getattr(probes, header["name"])

    def _op_getattr(self, header, decoder):
        return getattr(self._resolve_id(header["ref"]), header["name"])

    def _op_call(self, header, decoder):
        target = self._resolve_id(header["ref"])
        args = decoder.decode(header["args"])
        kwargs = decoder.decode(header["kwargs"])
        return target(*args, **kwargs)

    # References ---------------------------------------------------------------

    def _store(self, obj):
        self.objects[id(obj)] = obj
        return {"$ref": {"id": id(obj), "type": _type_name(obj), "text": _safe_repr(obj)}}

    def _resolve_id(self, ref_id):
        try:
            return self.objects[ref_id]
        except (KeyError, TypeError):
            raise ProtocolError(f"unknown reference {ref_id!r}") from None

    def _resolve_ref(self, ref):
        return self._resolve_id(ref.id)

    def _make_callback(self, callback: CallbackRef):
        return _GraderCallback(self.channel, callback.id, self._store)


class _GraderCallback:
    """A callable whose body runs in the grader; arguments cross as plain data."""

    def __init__(self, channel: Channel, callback_id: int, store):
        self._channel = channel
        self._id = callback_id
        self._store = store

    def __call__(self, *args, **kwargs):
        encoder = Encoder(self._store)
        header = {"callback": self._id, "args": encoder.encode(list(args)), "kwargs": encoder.encode(kwargs)}
        self._channel.send(header, encoder.blobs)
        reply, blobs = self._channel.receive()
        if "error" in reply:
            raise RuntimeError(str(reply["error"])[:_MAX_TEXT])
        return Decoder(blobs, lambda ref: None).decode(reply["value"])


def import_path(path: str):
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(f"cannot import {path}")


def _describe(error: BaseException, origin: str) -> dict:
    """The error for the grader: the student's own frames only (their source comes from linecache)."""
    frames = traceback.StackSummary.extract(traceback.walk_tb(error.__traceback__), lookup_lines=False)
    cell_frames = traceback.StackSummary.from_list([frame for frame in frames if frame.filename.startswith("<cell ")])
    return {
        "type": type(error).__name__,
        "message": _safe_str(error),
        "traceback": "".join(cell_frames.format())[-_MAX_TEXT:],
        "origin": origin,
    }


def _type_name(obj) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else kind.__qualname__


def _safe_repr(obj) -> str:
    try:
        return builtins.repr(obj)[:300]
    except BaseException:  # noqa: B036 - a student's __repr__ may raise anything
        return f"<{_type_name(obj)}>"


def _safe_str(error: BaseException) -> str:
    try:
        return str(error)[:_MAX_TEXT]
    except BaseException:  # noqa: B036
        return f"<{type(error).__name__}>"
