"""Generic instruments the hidden tests may run inside the student's process.

They observe how a student's function does its work (which torch functions it
calls) without carrying any test logic or expected values into the sandbox.
What they report comes from the student's process, so it is only ever a second
opinion: a rule such as "no built-in activation" is decided from the submitted
source on the grader's side (autograder/bans.py), and the probe can only add a
failure.
"""

from __future__ import annotations

from torch.overrides import TorchFunctionMode, resolve_name

MAX_NAMES = 2000


class _CallRecorder(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.names: set[str] = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if len(self.names) < MAX_NAMES:
            self.names.add(qualified_name(func))
        return func(*args, **(kwargs or {}))


def qualified_name(func) -> str:
    """torch's public name for `func` ("torch.Tensor.sigmoid"), else its module and qualified name
    ("torch.autograd.grad"), so that a ban can resolve it to the object itself."""
    name = resolve_name(func)
    if name:
        return name
    module, qualname = getattr(func, "__module__", None), getattr(func, "__qualname__", None)
    return f"{module}.{qualname}" if module and qualname else repr(func)[:200]


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
