"""The rule "this function does not modify its argument", decided from the submitted source.

`check_unmodified` reads the notebook's code cells on the grader's side, as
bans.check_source does, and follows what the graded function does with the
arguments it must leave alone: which names may hold the caller's object or a
view of its data (`y = x`, `x[0]`, `x.view(...)`, `x.detach()`, a loop over
`batch.values()`, ...), and whether any of them is written: `y[...] = v`,
`y += v`, `y.add_(v)` and every other in-place method (a name ending in one
`_`), `out=y`, `inplace=True`, `setattr`, `del y[k]`, a dict's or list's own
mutators (`update`, `pop`, `append`, ...), or a notebook function that does
one of these to the argument it is handed. The analysis follows the body in
order, so `x = x.clone()` makes later writes to `x` harmless, and a branch or
a loop counts if any path through it leaves an alias.

Whatever hides what the code does (exec, computed getattr, `__dict__`, frames)
is reported by bans.check_source's walker with nothing banned. What the source
cannot show (an alias made inside a library) is left to the run-time probe
(`probes.inputs_after`), which can only add a failure.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field

from .bans import Finding, _attribute_chain, _bound_names, _local_names, ban, check_source, parse_cells

NOTHING = ban("nothing")
# How a name reaches a protected argument: it may be the object itself, a view of its data, or a new
# container (a list, a dict) that holds one of those.
SAME, VIEW, HOLDS = "the object itself", "a view of its data", "a container holding it"
# Methods and attributes whose result shares the receiver's data (or is the receiver).
VIEW_METHODS = {
    "view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "t",
    "permute", "expand", "expand_as", "narrow", "select", "unbind", "split", "chunk", "tensor_split", "hsplit",
    "vsplit", "detach", "diagonal", "movedim", "moveaxis", "swapaxes", "swapdims", "unfold", "as_strided",
    "contiguous", "to", "type", "type_as", "float", "double", "half", "bfloat16", "int", "long", "bool", "cpu",
    "cuda", "numpy", "values", "items", "get", "real", "imag", "view_as_real", "view_as_complex", "__getitem__",
}
VIEW_ATTRIBUTES = {"T", "mT", "H", "mH", "data", "grad", "real", "imag"}
TORCH_VIEW_FUNCTIONS = VIEW_METHODS | {"as_tensor", "asarray", "from_numpy", "atleast_1d", "atleast_2d", "atleast_3d"}
# Mutators of dicts, lists and tensors that do not end in "_".
CONTAINER_MUTATORS = {"update", "pop", "popitem", "clear", "setdefault", "append", "extend", "insert", "remove",
                      "sort", "reverse", "__setitem__", "__delitem__", "__iadd__", "__isub__", "__imul__",
                      "__itruediv__", "__ior__", "__iand__"}
# In-place methods that change the object itself rather than its data: harmless on a view such as x.detach().
CONTAINER_BUILDERS = {"iter", "next", "reversed", "zip", "enumerate", "dict", "list", "tuple", "set", "sorted",
                      "map", "filter"}
OBJECT_MUTATORS = {"requires_grad_", "retain_grad", "share_memory_"}
OPERATOR_MUTATORS = {"setitem", "delitem", "iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow",
                     "imatmul", "iand", "ior", "ixor", "ilshift", "irshift", "iconcat"}

STATEMENT_BUDGET = 100_000  # statement visits per graded name; reference solutions need a few hundred
State = dict  # name -> SAME, VIEW or HOLDS, for the names that may reach the caller's argument
CLOSENESS = [HOLDS, VIEW, SAME]


def check_unmodified(sources: list[tuple[str, str]], name: str, arguments: dict[int, str]) -> list[Finding]:
    """What in the notebook breaks "`name` leaves these positional arguments as it got them", or hides it.

    `arguments` maps positions to the names the rule gives them ({0: "x"}); a finding is "banned"
    (it writes to one) or "opaque" (the grader cannot read whether it does)."""
    notebook = parse_cells(sources)
    checker = _Checker(notebook)
    for node, label in notebook.bindings.get(name, []):
        try:
            checker.callable(node, label, arguments)
        except _TooComplex as error:
            checker.findings.append(Finding("opaque", "its loops nest too deeply for the grader to follow",
                                            f"{label}, line {error.args[0].lineno}"))
    return list(dict.fromkeys(checker.findings + check_source(sources, name, NOTHING)))


def is_in_place_name(name: str) -> bool:
    """`add_`, `relu_`, `normal_`: torch's in-place spelling (one trailing underscore, not a dunder)."""
    return name.endswith("_") and not name.endswith("__") and not name.startswith("_")


class _TooComplex(Exception):
    pass


@dataclass
class _Checker:
    notebook: object
    findings: list[Finding] = field(default_factory=list)
    budget: int = STATEMENT_BUDGET
    _seen: set = field(default_factory=set)

    def callable(self, node: ast.AST, label: str, arguments: dict[int, str]) -> None:
        """`node` binds the graded name: a def, a lambda, or another value (a library function)."""
        key = (id(node), frozenset(arguments))
        if key in self._seen:
            return
        self._seen.add(key)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            _Function(self, label, node, arguments).run()
        elif isinstance(node, (ast.Name, ast.Attribute)) and _last_name(node) and is_in_place_name(_last_name(node)):
            self.report(f"is `{ast.unparse(node)}`, which changes its first argument in place", label, node)

    def report(self, text: str, label: str, node: ast.AST) -> None:
        self.findings.append(Finding("banned", text, f"{label}, line {getattr(node, 'lineno', '?')}"))

    def spend(self, statement: ast.stmt) -> None:
        """Loops are followed to a fixed point, so deeply nested ones could cost much: beyond a budget the
        code counts as code the grader cannot follow."""
        self.budget -= 1
        if self.budget < 0:
            raise _TooComplex(statement)


def _last_name(node: ast.AST) -> str | None:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None


class _Function:
    """One function body, followed in order with the names that may reach the protected arguments."""

    def __init__(self, checker: _Checker, label: str, node, arguments: dict[int, str], state: State | None = None):
        self.checker, self.label, self.node = checker, label, node
        parameters = [argument.arg for argument in [*node.args.posonlyargs, *node.args.args]]
        self.origin = {parameters[position]: shown for position, shown in arguments.items() if position < len(parameters)}
        if node.args.vararg and any(position >= len(parameters) for position in arguments):
            self.origin[node.args.vararg.arg] = ", ".join(shown for position, shown in arguments.items()
                                                          if position >= len(parameters))
        self.state: State = {**(state or {}), **{parameter: SAME for parameter in self.origin}}
        self.local = _local_names(node)
        self.in_place_functions: set[str] = set()  # local names bound to an in-place function: `op = torch.Tensor.div_`

    def run(self) -> None:
        body = self.node.body
        if isinstance(body, list):
            self.block(body, self.state)
        else:
            self.expression(body, self.state)

    # statements ----------------------------------------------------------------------------------------------
    def block(self, statements: list[ast.stmt], state: State) -> State:
        for statement in statements:
            self.checker.spend(statement)
            state = self.statement(statement, state)
        return state

    def statement(self, node: ast.stmt, state: State) -> State:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = {name: kind for name, kind in state.items() if name not in _parameter_names(node)}
            _Nested(self, node, inner).run()
            state = {name: kind for name, kind in state.items() if name != node.name}
        elif isinstance(node, ast.Assign):
            self.expression(node.value, state)
            kind = self.kind(node.value, state)
            if self.in_place_reference(node.value, state):
                self.in_place_functions.update(_bound_names(node.targets))
            for target in node.targets:
                state = self.assign(target, kind, state)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.expression(node.value, state)
                state = self.assign(node.target, self.kind(node.value, state), state)
        elif isinstance(node, ast.AugAssign):
            self.expression(node.value, state)
            self.written(node.target, state, f"`{ast.unparse(node)}` changes {{what}} in place")
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, (ast.Subscript, ast.Attribute)):
                    self.written(target, state, f"`{ast.unparse(node)}` deletes from {{what}}")
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.expression(node.iter, state)
            state = self.loop(node, state)
        elif isinstance(node, ast.While):
            self.expression(node.test, state)
            state = self.loop(node, state)
        elif isinstance(node, ast.If):
            self.expression(node.test, state)
            state = _union(self.block(node.body, dict(state)), self.block(node.orelse, dict(state)))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.expression(item.context_expr, state)
                if item.optional_vars is not None:
                    state = self.assign(item.optional_vars, self.kind(item.context_expr, state), state)
            state = self.block(node.body, state)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            after_body = self.block(node.body, dict(state))
            paths = [after_body, *(self.block(handler.body, _union(state, after_body)) for handler in node.handlers)]
            state = self.block(node.finalbody, self.block(node.orelse, _union(*paths)))
        elif isinstance(node, ast.Match):
            self.expression(node.subject, state)
            state = _union(state, *(self.block(case.body, dict(state)) for case in node.cases))
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expression(child, state)
        return state

    def loop(self, node, state: State) -> State:
        """A loop body runs any number of times: followed until the aliases stop growing."""
        before = None
        while before != state:
            before = dict(state)
            if isinstance(node, (ast.For, ast.AsyncFor)):
                state = self.assign(node.target, _element(self.kind(node.iter, state)), state)
            state = _union(before, self.block(node.body, dict(state)))
        return self.block(node.orelse, state)

    def assign(self, target: ast.AST, kind: str | None, state: State) -> State:
        """`target = value` where the value is an alias of `kind` (or None): the names it binds afterwards."""
        if isinstance(target, ast.Name):
            return {**state, target.id: kind} if kind else {name: k for name, k in state.items() if name != target.id}
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                state = self.assign(element, _element(kind), state)
            return state
        if isinstance(target, ast.Starred):
            return self.assign(target.value, HOLDS if kind else None, state)
        self.expression(target, state)
        self.written(target, state, f"`{ast.unparse(target)} = ...` writes into {{what}}")
        if kind:
            self.holds_alias(target.value, state)
        return state

    def holds_alias(self, container: ast.AST, state: State) -> None:
        """`moved[key] = x[0]`, `kept.append(x)`: the container now reaches the argument's data."""
        root = _root_name(container)
        if root and root not in state:
            state[root] = HOLDS

    def written(self, target: ast.AST, state: State, text: str) -> None:
        """`target` is written to: a finding when it is an alias (a name), an item of one, or an attribute of
        the argument object itself (`x.data = ...`; not of a view such as `x.detach()`)."""
        if isinstance(target, ast.Name):
            touched = state.get(target.id) in (SAME, VIEW)
        elif isinstance(target, ast.Subscript):
            touched = self.kind(target.value, state) in (SAME, VIEW)
        elif isinstance(target, ast.Attribute):
            touched = self.kind(target.value, state) == SAME
        else:
            touched = False
        if touched:
            self.report(text.format(what=self.shown(_root_name(target))), target)

    # expressions ---------------------------------------------------------------------------------------------
    def expression(self, node: ast.AST, state: State) -> None:
        """Every write hidden in an expression: calls, walrus, lambdas and comprehensions."""
        if isinstance(node, ast.Lambda):
            _Nested(self, node, {name: k for name, k in state.items() if name not in _parameter_names(node)}).run()
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = dict(state)
            for generator in node.generators:
                self.expression(generator.iter, inner)
                inner = self.assign(generator.target, _element(self.kind(generator.iter, inner)), inner)
                for condition in generator.ifs:
                    self.expression(condition, inner)
            for element in ([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]):
                self.expression(element, inner)
            return
        if isinstance(node, ast.NamedExpr):
            self.expression(node.value, state)
            if self.kind(node.value, state):
                state[node.target.id] = self.kind(node.value, state)
            return
        if isinstance(node, ast.Attribute) and is_in_place_name(node.attr) and _changes(node.attr, self.kind(node.value, state)):
            self.report(f"`{ast.unparse(node)}` is an in-place method of {self.shown(_root_name(node.value))}", node)
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.Call):
            self.call(node, state)
            if isinstance(node.func, ast.Attribute) and self.kind(node.func.value, state):  # judged by call()
                children = [node.func.value, *node.args, *node.keywords]
        for child in children:
            self.expression(child, state)

    def call(self, node: ast.Call, state: State) -> None:
        aliased = [argument for argument in node.args if self.kind(argument, state)]
        for keyword in node.keywords:
            if keyword.arg == "out" and self.kind(keyword.value, state):
                self.report(f"`{ast.unparse(node)}` writes its result into {self.shown(_root_name(keyword.value))}", node)
            if keyword.arg == "inplace" and aliased and not _is_false(keyword.value):
                self.report(f"`{ast.unparse(node)}` changes {self.shown(_root_name(aliased[0]))} in place", node)
        function = node.func
        if isinstance(function, ast.Attribute) and self.kind(function.value, state) in (SAME, VIEW):
            if _changes(function.attr, self.kind(function.value, state)):
                self.report(f"`{ast.unparse(node)}` changes {self.shown(_root_name(function.value))} in place", node)
            return
        if isinstance(function, ast.Attribute) and function.attr in CONTAINER_MUTATORS and aliased:
            self.holds_alias(function.value, state)
        path = self.path(function) if _root_name(function) not in self.local else None  # a module's function
        if aliased and ((path and self.mutates_first_argument(path)) or (
                isinstance(function, ast.Name) and function.id in self.in_place_functions)):
            self.report(f"`{ast.unparse(node)}` changes {self.shown(_root_name(node.args[0]))} in place", node)
        elif aliased and any(self.in_place_reference(argument, state) for argument in node.args):
            self.report(f"`{ast.unparse(node)}` hands {self.shown(_root_name(aliased[0]))} to an in-place function", node)
        if isinstance(function, ast.Name) and (aliased or any(self.kind(k.value, state) for k in node.keywords)):
            self.into_notebook_function(function.id, node, state)

    def in_place_reference(self, node: ast.AST, state: State) -> bool:
        """`torch.Tensor.div_`, `torch.relu_`, or a local name bound to one, used as a value."""
        if isinstance(node, ast.Name):
            return node.id in self.in_place_functions
        return (isinstance(node, ast.Attribute) and is_in_place_name(node.attr) and not self.kind(node.value, state)
                and _root_name(node) not in self.local)

    def mutates_first_argument(self, path: str) -> bool:
        last = path.rsplit(".", 1)[-1]
        return is_in_place_name(last) or path in {"setattr", "delattr"} or (
            path.startswith("operator.") and last in OPERATOR_MUTATORS) or last in CONTAINER_MUTATORS

    def into_notebook_function(self, name: str, node: ast.Call, state: State) -> None:
        """An alias handed to a function of the notebook's: that function must leave it alone too."""
        positions = {position: self.argument_shown(_root_name(argument))
                     for position, argument in enumerate(node.args) if self.kind(argument, state)}
        if name in self.local_functions:
            self.checker.callable(self.local_functions[name], self.label, positions)
            return
        for definition, label in self.checker.notebook.bindings.get(name, []):
            self.checker.callable(definition, label, positions)

    @functools.cached_property
    def local_functions(self) -> dict:
        """The functions defined inside this body, by name (walked once per body)."""
        body = self.node.body if isinstance(self.node.body, list) else []
        return {statement.name: statement for statement in ast.walk(ast.Module(body=body, type_ignores=[]))
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def path(self, function: ast.AST) -> str | None:
        """The dotted name a call's function has after the notebook's imports (`F.relu_` -> torch.nn.functional.relu_)."""
        if isinstance(function, ast.Name):
            return self.checker.notebook.aliases.get(function.id, function.id)
        if isinstance(function, ast.Attribute):
            chain, root = _attribute_chain(function)
            if isinstance(root, ast.Name):
                return ".".join([self.checker.notebook.aliases.get(root.id, root.id), *chain])
        return None

    def kind(self, node: ast.AST, state: State) -> str | None:
        """SAME or VIEW when the value of `node` may be the protected argument or share its data, else None."""
        if isinstance(node, ast.Name):
            return state.get(node.id)
        if isinstance(node, ast.Subscript):
            return _element(self.kind(node.value, state))
        if isinstance(node, ast.Attribute):
            return VIEW if node.attr in VIEW_ATTRIBUTES and self.kind(node.value, state) else None
        if isinstance(node, ast.Starred):
            return self.kind(node.value, state)
        if isinstance(node, ast.NamedExpr):
            return self.kind(node.value, state)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return HOLDS if any(self.kind(element, state) for element in node.elts) else None
        if isinstance(node, ast.Dict):
            return HOLDS if any(self.kind(value, state) for value in node.values) else None
        if isinstance(node, ast.IfExp):
            return self.kind(node.body, state) or self.kind(node.orelse, state)
        if isinstance(node, ast.BoolOp):
            return next((kind for kind in map(lambda value: self.kind(value, state), node.values) if kind), None)
        if isinstance(node, ast.Call):
            return self.call_kind(node, state)
        return None

    def call_kind(self, node: ast.Call, state: State) -> str | None:
        function = node.func
        if isinstance(function, ast.Attribute) and self.kind(function.value, state):
            receiver = self.kind(function.value, state)
            if is_in_place_name(function.attr):  # returns the receiver
                return receiver
            return (receiver if receiver == HOLDS else VIEW) if function.attr in VIEW_METHODS else None
        last = (self.path(function) or "").rsplit(".", 1)[-1]
        aliased = any(self.kind(argument, state) for argument in [*node.args, *(k.value for k in node.keywords)])
        if last in TORCH_VIEW_FUNCTIONS:
            return VIEW if aliased else None
        return HOLDS if aliased and last in CONTAINER_BUILDERS else None

    def argument_shown(self, name: str | None) -> str:
        """The rule's name for the argument that `name` reaches ("x")."""
        return self.origin.get(name) or ", ".join(dict.fromkeys(self.origin.values()))

    def shown(self, name: str | None) -> str:
        """`name` as a message shows it: "the caller's `x`", "`y` (it shares data with the caller's `x`)"."""
        caller = f"the caller's `{self.argument_shown(name)}`"
        if name in self.origin:
            return caller if self.origin[name] == name else f"{caller} (your `{name}`)"
        return f"`{name}` (it shares data with {caller})" if name else caller

    def report(self, text: str, node: ast.AST) -> None:
        self.checker.report(text, self.label, node)


class _Nested(_Function):
    """A function or lambda defined inside the body: it sees the enclosing aliases it does not shadow."""

    def __init__(self, outer: _Function, node, state: State):
        self.checker, self.label, self.node, self.origin = outer.checker, outer.label, node, outer.origin
        self.state = state
        self.local = outer.local | _local_names(node)
        self.in_place_functions = set(outer.in_place_functions)


def _root_name(node: ast.AST) -> str | None:
    """`x` in `x[0].data`, `x.view(2, 3)[1]`; None when the chain does not start at a name."""
    while isinstance(node, (ast.Subscript, ast.Attribute, ast.Call, ast.Starred)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _changes(method: str, receiver: str | None) -> bool:
    """Whether calling `method` on a value that reaches an argument this way changes the argument."""
    if receiver not in (SAME, VIEW):
        return False
    if method in OBJECT_MUTATORS:
        return receiver == SAME
    return is_in_place_name(method) or method in CONTAINER_MUTATORS


def _element(kind: str | None) -> str | None:
    """What an item of such a value is: an item of the argument or of a container holding it may be
    the argument's own object (a dict's tensors), an item of a view is a view."""
    return {SAME: SAME, HOLDS: SAME, VIEW: VIEW}.get(kind)


def _parameter_names(node) -> set[str]:
    arguments = node.args
    return {argument.arg for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                           *filter(None, [arguments.vararg, arguments.kwarg])]}


def _union(*states: State) -> State:
    """Each name at the closest it comes to the argument on any path (so that loops reach a fixed point)."""
    merged: State = {}
    for state in states:
        for name, kind in state.items():
            merged[name] = max(kind, merged.get(name, kind), key=CLOSENESS.index)
    return merged


def _is_false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and not node.value
