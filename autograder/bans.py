"""Rules of the form "this exercise must not use X", decided from the submitted source.

A Ban is the set of things an exercise must not use, written as the objects
themselves (functions, methods, classes, whole modules: a module bans
everything reached through it and every function and class it defines, e.g.
`torch.nn.modules.activation` bans `torch.nn.ReLU`). Names are matched exactly: a dotted name
such as `torch.functional.einsum` is resolved, on the grader's side, to the
object it names, and that object (or a module it passes through) must be one
of the ban's. No substring ever decides: `torch.func` bans `torch.func.grad`,
not `torch.functional.einsum`.

`check_source` reads the notebook's code cells on the grader's side (the
student's process never sees this), finds the definitions of the graded name,
follows the top-level names they use into other cells, and reports:
  - every reference to a banned object (a call or not: `f = torch.sigmoid`
    counts), by module path (`torch.sigmoid`, `F.relu` after
    `import torch.nn.functional as F`, `from torch import sigmoid`) or as a
    method of an unknown value that a tensor has (`x.sigmoid()`);
  - code whose calls cannot be read from the source, anywhere in the
    notebook's top-level code or in what the graded name reaches: computed
    `getattr`, `exec`, `eval`, `compile`, `__import__`, `globals()`, `vars()`,
    importlib, pickle, `operator.methodcaller`, `sys.modules`, `__dict__` and
    other dunders that reach namespaces, frames; and, in what the graded name reaches,
    dunders that reach other objects (`__class__`, `__mro__`, ...), torch's
    private internals (`torch._C`, `torch.ops`) and code loaded by name
    (`torch.load`, `torch.hub`, `torch.jit.CompilationUnit`);
  - assignments into a module (`torch.exp = ...`, `setattr(torch, ...)`)
    whose value reaches a banned object.
It does not see a banned object reached through values the source cannot
name (a tensor subclass handed in by the caller, objects built by a library),
which the run-time probe (`probes.torch_calls`) reports as a second opinion.
"""

from __future__ import annotations

import ast
import sys
import types
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ban:
    """What an exercise must not use. `what` names it for the student ("a built-in activation")."""

    what: str
    targets: tuple

    def forbids(self, path: str) -> bool:
        """True when the dotted name `path` resolves, here, to a banned object or passes through one."""
        return any(_is_banned(obj, self.targets) for obj in _objects_along(path))


def ban(what: str, *targets) -> Ban:
    return Ban(what, tuple(targets))


def _is_banned(obj, targets) -> bool:
    home = getattr(obj, "__module__", None) if isinstance(obj, (type, types.FunctionType)) else None
    return any(obj is target or (isinstance(target, types.ModuleType) and home == target.__name__) for target in targets)


def _objects_along(path: str) -> list:
    """The objects that `a`, `a.b`, `a.b.c` name in this process, without importing anything; [] if unknown.

    Only modules and classes are walked into, and never through private names, so a name the
    student wrote cannot make the grader run anything but a plain attribute lookup."""
    parts = path.split(".")
    obj = sys.modules.get(parts[0])
    if obj is None or not _walkable(obj):
        return []
    found = [obj]
    for index, part in enumerate(parts[1:], start=1):
        if part.startswith("_") or not _walkable(obj):
            break
        child = sys.modules.get(".".join(parts[:index + 1]))
        if child is None:
            try:
                child = getattr(obj, part)
            except Exception:  # a module's __getattr__ may raise anything for a name it does not know
                break
        found.append(child)
        obj = child
    return found


def _walkable(obj) -> bool:
    return isinstance(obj, (types.ModuleType, type))


DYNAMIC_BUILTINS = {"eval", "exec", "compile", "__import__", "globals", "vars", "locals", "breakpoint"}
DYNAMIC_MODULES = {"importlib", "builtins", "inspect", "ctypes", "gc", "pickle", "marshal", "types", "copyreg", "dill"}
# Reach code or namespaces the source does not show, wherever they are used.
HIDING_ATTRIBUTES = {"__dict__", "__globals__", "__builtins__", "__code__", "__closure__", "__getattr__",
                     "__traceback__", "tb_frame", "tb_next", "f_back", "f_globals", "f_locals", "f_builtins",
                     "gi_frame", "cr_frame", "ag_frame"}  # frames: the caller's (a probe's) variables
HIDING_PATHS = {"sys.modules", "sys._getframe", "operator.attrgetter", "operator.methodcaller"}
# Ruled out only in what the graded name runs: they load code by name, or are torch's internals.
LOADING_PATHS = {"torch.load", "torch.hub", "torch.jit.CompilationUnit", "torch.ops"}
# Reach objects the source does not name; ruled out only in what the graded name runs.
INDIRECT_ATTRIBUTES = {"__class__", "__getattribute__", "__subclasses__", "__mro__", "__bases__", "__base__", "__self__",
                       "__func__", "__wrapped__"}


@dataclass(frozen=True)
class Finding:
    """One thing the source check found, with where: "cell 5, line 3"."""

    kind: str  # "banned" or "opaque"
    text: str
    where: str

    def describe(self) -> str:
        return f"{self.text} ({self.where})"


@dataclass
class _Cell:
    label: str
    tree: ast.Module


@dataclass
class _Notebook:
    """The top-level bindings of all cells: name -> the nodes that bind it, and import aliases."""

    cells: list[_Cell]
    bindings: dict[str, list[tuple[ast.AST, str]]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    star_modules: list[str] = field(default_factory=list)


def parse_cells(sources: list[tuple[str, str]]) -> _Notebook:
    """`sources`: (label, Python source) per code cell, in the order they run."""
    notebook = _Notebook(cells=[])
    for label, source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):  # such a cell never runs, so it defines nothing
            continue
        notebook.cells.append(_Cell(label, tree))
        for statement in tree.body:
            _bind(notebook, statement, label)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                _add_aliases(notebook, node)
    return notebook


def _bind(notebook: _Notebook, statement: ast.stmt, label: str) -> None:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        notebook.bindings.setdefault(statement.name, []).append((statement, label))
    elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and statement.value is not None:
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        for name in _bound_names(targets):
            notebook.bindings.setdefault(name, []).append((statement.value, label))
    elif isinstance(statement, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
        for child in ast.iter_child_nodes(statement):
            if isinstance(child, ast.stmt):
                _bind(notebook, child, label)
            elif isinstance(child, ast.ExceptHandler):
                for handler_statement in child.body:
                    _bind(notebook, handler_statement, label)


def _local_names(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> frozenset[str]:
    """The names a function binds for itself: its parameters and what its own body assigns or defines
    (not inside nested functions, classes or comprehensions), less those it declares global. Imports
    inside it stay resolvable as imports."""
    arguments = function.args
    names = {argument.arg for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                           *filter(None, [arguments.vararg, arguments.kwarg])]}
    declared_global: set[str] = set()
    pending = list(function.body) if isinstance(function.body, list) else [function.body]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            pending += [*getattr(node, "decorator_list", []), *getattr(node, "bases", [])]
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            continue
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared_global.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        pending += ast.iter_child_nodes(node)
    return frozenset(names - declared_global)


def _stored_names(target: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(target) if isinstance(node, ast.Name)}


def _bound_names(targets) -> list[str]:
    """The names an assignment binds: `a`, `a, (b, *c)`; not `a.b` or `a[i]`."""
    names = []
    for target in targets:
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            names += _bound_names(target.elts)
        elif isinstance(target, ast.Starred):
            names += _bound_names([target.value])
    return names


def _add_aliases(notebook: _Notebook, node: ast.Import | ast.ImportFrom) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                notebook.aliases[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                notebook.aliases[root] = root
        return
    if node.level or not node.module:
        return
    for alias in node.names:
        if alias.name == "*":
            notebook.star_modules.append(node.module)
        else:
            notebook.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def check_source(sources: list[tuple[str, str]], name: str, banned: Ban) -> list[Finding]:
    """What in the notebook breaks "`name` does not use `banned`", or hides whether it does."""
    notebook = parse_cells(sources)
    findings = []
    exercise = _Walker(notebook, banned, in_exercise=True)
    for node, label in notebook.bindings.get(name, []):
        exercise.walk(node, label)
    if name in notebook.aliases:
        exercise.path(notebook.aliases[name], "an import")
    elif name not in notebook.bindings:
        findings.append(Finding("opaque", f"no `def {name}` or `{name} = ...` at the top level of a cell", "the notebook"))
    top_level = _Walker(notebook, banned, in_exercise=False)
    for cell in notebook.cells:
        for statement in cell.tree.body:
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                top_level.top_level_statements.add(id(statement))
                top_level.walk(statement, cell.label)
    return _unique(findings + exercise.findings + top_level.findings)


def _unique(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


class _Walker:
    """Visits code and the top-level definitions it names, once each, collecting findings."""

    def __init__(self, notebook: _Notebook, banned: Ban, in_exercise: bool):
        self.notebook = notebook
        self.banned = banned
        self.in_exercise = in_exercise  # banned objects count only in what the graded name runs
        self.top_level_statements: set[int] = set()
        self.findings: list[Finding] = []
        self._seen: set[int] = set()

    def walk(self, root: ast.AST, label: str, local: frozenset[str] = frozenset()) -> None:
        """Visits `root` once; `local` holds the names local to the functions around it."""
        if id(root) in self._seen:
            return
        self._seen.add(id(root))
        self._visit(root, label, local)

    def _visit(self, node: ast.AST, label: str, local: frozenset[str]) -> None:
        where = f"{label}, line {getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            outside = [*getattr(node, "decorator_list", []), *node.args.defaults, *filter(None, node.args.kw_defaults)]
            for child in outside:
                self._visit(child, label, local)
            inside = local | _local_names(node)
            for child in node.body if isinstance(node.body, list) else [node.body]:
                self._visit(child, label, inside)
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            local = local | {name for generator in node.generators for name in _stored_names(generator.target)}
        elif isinstance(node, ast.Attribute):
            self._attribute(node, label, where, local)
            _, root = _attribute_chain(node)
            if not isinstance(root, ast.Name):
                self._visit(root, label, local)
            return
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id not in local:
                self._name(node, label, where)
            return
        elif isinstance(node, ast.Call):
            self._call(node, label, where, local)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            self._assignment(node, label, where)
        for child in ast.iter_child_nodes(node):
            self._visit(child, label, local)

    def _name(self, node: ast.Name, label: str, where: str) -> None:
        if node.id in self.notebook.bindings:
            for definition, definition_label in self.notebook.bindings[node.id]:
                self.walk(definition, definition_label)
        elif node.id in self.notebook.aliases:
            self.path(self.notebook.aliases[node.id], where)
        elif node.id in DYNAMIC_BUILTINS:
            self._opaque(f"`{node.id}` runs code or reaches names the grader cannot read", where)
        else:
            for module in self.notebook.star_modules:
                self.path(f"{module}.{node.id}", where)

    def _attribute(self, node: ast.Attribute, label: str, where: str, local: frozenset[str]) -> None:
        chain, root = _attribute_chain(node)
        for attribute in chain:
            if attribute in HIDING_ATTRIBUTES or (self.in_exercise and attribute in INDIRECT_ATTRIBUTES):
                self._opaque(f"`.{attribute}` reaches objects the grader cannot follow", where)
        is_global = isinstance(root, ast.Name) and root.id not in local
        if is_global and root.id in self.notebook.aliases and root.id not in self.notebook.bindings:
            self.path(".".join([self.notebook.aliases[root.id], *chain]), where)
            return
        if is_global:
            self._name(root, label, where)
        for attribute in chain:  # a method or attribute of a value the source cannot name, e.g. x.sigmoid()
            self.path(f"torch.Tensor.{attribute}", where, method=True)

    def _call(self, node: ast.Call, label: str, where: str, local: frozenset[str]) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "setattr" and len(node.args) == 3:
            self._replaced(node.args[0], node.args[2], label, where)
        if isinstance(node.func, ast.Name) and node.func.id == "getattr" and node.func.id not in self.notebook.bindings:
            if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                receiver = node.args[0]
                if isinstance(receiver, (ast.Name, ast.Attribute)):
                    self._attribute(ast.Attribute(value=receiver, attr=node.args[1].value, ctx=ast.Load(),
                                                  lineno=node.lineno), label, where, local)
            else:
                self._opaque("`getattr` with a computed name hides what it reaches", where)

    def _assignment(self, node, label: str, where: str) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and node.value is not None:
                self._replaced(target.value, node.value, label, where, anywhere=id(node) in self.top_level_statements)

    def _replaced(self, owner: ast.AST, value: ast.AST, label: str, where: str, anywhere: bool = False) -> None:
        """An attribute of `owner` set to `value`: when `owner` is a module (or the statement is at the top
        level of a cell), a banned object reached by `value` counts wherever the attribute is then used."""
        _, root = _attribute_chain(owner) if isinstance(owner, ast.Attribute) else ([], owner)
        if not anywhere and not (isinstance(root, ast.Name) and root.id in self.notebook.aliases):
            return
        inner = _Walker(self.notebook, self.banned, in_exercise=True)
        inner.walk(value, label)
        self.findings += [Finding(finding.kind, f"an attribute is replaced by code that {finding.text}", where)
                          for finding in inner.findings if finding.kind == "banned"]

    def path(self, path: str, where: str, method: bool = False) -> None:
        parts = path.split(".")
        prefixes = {".".join(parts[:length]) for length in range(1, len(parts) + 1)}
        if not method and (parts[0] in DYNAMIC_MODULES or prefixes & HIDING_PATHS):
            self._opaque(f"`{path}` reaches code or names the grader cannot read", where)
        elif not method and self.in_exercise and (prefixes & LOADING_PATHS or _torch_internal(parts)):
            self._opaque(f"`{path}` loads or reaches code inside torch that the grader cannot see through", where)
        elif self.in_exercise and self.banned.forbids(path):
            self.findings.append(Finding("banned", f"uses {'.' + parts[-1] + '()' if method else path}", where))

    def _opaque(self, text: str, where: str) -> None:
        self.findings.append(Finding("opaque", text, where))


def _torch_internal(parts: list[str]) -> bool:
    """torch._C, torch._refs, torch.Tensor._base ...: private names (not dunders) under torch."""
    return parts[0] == "torch" and any(part.startswith("_") and not part.endswith("__") for part in parts[1:])


def _attribute_chain(node: ast.Attribute) -> tuple[list[str], ast.AST]:
    """`a.b.c` -> (["b", "c"], Name a)."""
    chain = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    return chain[::-1], node


def _autograd_ban() -> Ban:
    import functorch  # torch's older name for torch.func, still importable
    import torch

    return ban("autograd", torch.autograd, torch.func, functorch, torch.Tensor.backward)


AUTOGRAD = _autograd_ban()
