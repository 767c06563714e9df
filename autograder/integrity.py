"""Things in a notebook a TA should look at: code that reaches for the grader, the process or the system.

The sandbox already stops these from changing a grade; the flags make an
attempt visible in the report instead of silent. The scan reads the code
(it never runs it) and errs on the side of naming too much.
"""

from __future__ import annotations

import ast

SUSPICIOUS_MODULES = {
    "ctypes": "loads native code (ctypes)",
    "socket": "opens network sockets",
    "subprocess": "starts other programs",
    "signal": "sends or handles signals",
    "inspect": "inspects the call stack",
    "gc": "walks the garbage collector's objects",
    "importlib": "imports modules by name",
    "builtins": "changes Python's builtins",
    "autograder": "imports the grader",
    "pytest": "imports the test runner",
    "_pytest": "imports the test runner",
    "nbgrader": "imports nbgrader",
}
SUSPICIOUS_CALLS = {
    "os._exit": "ends the process (os._exit)",
    "sys.exit": "ends the process (sys.exit)",
    "exit": "ends the process (exit)",
    "quit": "ends the process (quit)",
    "os.kill": "sends signals (os.kill)",
    "os.killpg": "sends signals (os.killpg)",
    "os.fork": "forks the process",
    "os.setsid": "detaches from its session (os.setsid)",
    "os.system": "runs shell commands (os.system)",
    "os.popen": "runs shell commands (os.popen)",
    "os.remove": "deletes files",
    "os.unlink": "deletes files",
    "shutil.rmtree": "deletes folders",
    "os.symlink": "makes links (os.symlink)",
    "os.link": "makes links (os.link)",
    "os.mkfifo": "makes special files (os.mkfifo)",
    "os.mknod": "makes special files (os.mknod)",
    "os.memfd_create": "holds memory in anonymous files (os.memfd_create)",
    "os.sched_setscheduler": "changes its scheduling priority",
    "os.setpriority": "changes its scheduling priority",
    "os.nice": "changes its scheduling priority",
    "os.setpgid": "moves processes to new process groups (os.setpgid)",
}
NOT_EXCEPTIONS = {"KeyboardInterrupt", "SystemExit", "BaseException", "GeneratorExit"}
PATCHABLE_ROOTS = {"torch", "np", "numpy", "builtins", "sys", "os", "pytest", "math", "F", "nn"}


def scan(sources: list[str]) -> list[str]:
    """Flags for the given cell sources, each once, in order of appearance."""
    flags: list[str] = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            for flag in _flags_of(node):
                if flag not in flags:
                    flags.append(flag)
    return flags


def _flags_of(node: ast.AST) -> list[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        return [SUSPICIOUS_MODULES[name.split(".")[0]] for name in names if name.split(".")[0] in SUSPICIOUS_MODULES]
    if isinstance(node, ast.Call):
        name = _dotted(node.func)
        if name in SUSPICIOUS_CALLS:
            return [SUSPICIOUS_CALLS[name]]
        if name == "open" and node.args and _is_outside_path(node.args[0]):
            return [f"opens a file outside its folder ({ast.literal_eval(node.args[0])!r})"]
        return []
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        flags = [f"replaces {_dotted(target)}" for target in targets if _is_library_attribute(target)]
        if any(isinstance(target, ast.Subscript) and _dotted(target.value) == "os.environ" for target in targets):
            flags.append("changes environment variables")
        return flags
    if isinstance(node, ast.ClassDef):
        return _class_flags(node)
    if isinstance(node, ast.Raise) and node.exc is not None:
        raised = _dotted(node.exc.func if isinstance(node.exc, ast.Call) else node.exc)
        return [f"raises {raised}, which is not an Exception"] if raised in NOT_EXCEPTIONS else []
    if isinstance(node, ast.Name) and node.id in ("__builtins__", "__import__"):
        return [f"uses {node.id}"]
    if isinstance(node, ast.Attribute) and node.attr == "modules" and _dotted(node.value) == "sys":
        return ["changes loaded modules (sys.modules)"]
    return []


def _class_flags(node: ast.ClassDef) -> list[str]:
    bases = {_dotted(base) for base in node.bases}
    flags = []
    if bases & {"torch.Tensor", "Tensor"}:
        flags.append("defines a torch.Tensor subclass")
    if bases & {"BaseException", "KeyboardInterrupt", "SystemExit"}:
        flags.append(f"defines {node.name}, an exception that is not an Exception")
    methods = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
    if methods & {"__eq__", "__ne__"}:
        flags.append(f"defines how {node.name} objects compare (__eq__)")
    return flags


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return "?"


def _is_library_attribute(target: ast.AST) -> bool:
    return isinstance(target, ast.Attribute) and _dotted(target).split(".")[0] in PATCHABLE_ROOTS


def _is_outside_path(argument: ast.AST) -> bool:
    if not isinstance(argument, ast.Constant) or not isinstance(argument.value, str):
        return False
    return argument.value.startswith(("/", "~")) or ".." in argument.value.split("/")
