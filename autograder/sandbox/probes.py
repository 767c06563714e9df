"""Generic instruments the hidden tests may run inside the student's process.

They observe how a student's function does its work (which torch functions it
calls) without carrying any test logic or expected values into the sandbox.
"""

from __future__ import annotations

from torch.overrides import TorchFunctionMode, resolve_name


class _CallRecorder(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.names: set[str] = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.add(resolve_name(func) or getattr(func, "__name__", repr(func)))
        return func(*args, **(kwargs or {}))


def torch_calls(function, *args, **kwargs):
    """Calls `function` and returns (its result, the sorted names of the torch functions it used)."""
    recorder = _CallRecorder()
    with recorder:
        result = function(*args, **kwargs)
    return result, sorted(recorder.names)


def inputs_after(function, *args, **kwargs):
    """Calls `function` and returns (its result, its positional arguments as they are afterwards)."""
    result = function(*args, **kwargs)
    return result, list(args)
