"""Two gates beside the mutation gate: wrong code earns nothing, correct code in any style earns everything.

Free points: for every top-level function and class of every solution cell,
trivially wrong bodies are generated from the reference cell's AST (that one
definition's body replaced, the cell's other definitions kept) and graded on
the cell's exercise; each must earn 0 points. For a class, the body of its
`forward` is replaced.

Alternatives: `<id>/alternatives.py` lists correct solutions in other styles
(ALTERNATIVES = [Mutant(name, exercise, source), ...]); each must earn full
marks, and every exercise needs MIN_ALTERNATIVES_PER_EXERCISE of them.
"""

from __future__ import annotations

import ast
from pathlib import Path

from . import manifest, mutation
from .mutation import Variant, VariantResult

MIN_ALTERNATIVES_PER_EXERCISE = 2

# A value shaped like the right answer but holding one constant: what the "like the right output" bodies return.
CONSTANT_LIKE = '''
def _constant_like(value, fill):
    if isinstance(value, torch.Tensor):
        return torch.full_like(value, fill)
    if isinstance(value, bool):
        return bool(fill)
    if isinstance(value, (int, float)):
        return type(value)(fill)
    if isinstance(value, dict):
        return {key: _constant_like(item, fill) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_constant_like(item, fill) for item in value)
    if isinstance(value, torch.device):
        return torch.device("cpu")
    return None
'''


def trivial_bodies(parameters: list[str], reference_call: str | None) -> dict[str, str]:
    """What each trivially wrong body returns, by name; `reference_call` calls the reference with the same
    arguments (None for a function that returns nothing: a constant like its output would be its right answer)."""
    bodies = {"returns None": "return None"}
    if parameters:
        bodies["returns its first argument"] = f"return {parameters[0]}"
        bodies["returns zeros like its first tensor argument"] = (
            f"return next((torch.zeros_like(v) for v in ({', '.join(parameters)},) if isinstance(v, torch.Tensor)), None)")
    if reference_call is not None:
        bodies["returns zeros like the right output"] = f"return _constant_like({reference_call}, 0)"
        bodies["returns ones like the right output"] = f"return _constant_like({reference_call}, 1)"
    return bodies


def trivial_variants(assignment: str) -> list[Variant]:
    """The trivially wrong bodies of every graded definition of `assignment`, as variants of its solution cells."""
    return variants_of_cells(mutation.solution_cells(assignment))


def variants_of_cells(cells: dict[str, str]) -> list[Variant]:
    """`cells`: exercise -> solution cell source."""
    variants = []
    for exercise, source in cells.items():
        tree = ast.parse(source)
        for index, statement in enumerate(tree.body):
            target = _replaceable(statement)
            if target is not None:
                variants += _variants_of(exercise, source, index, target)
    return variants


def _replaceable(statement: ast.stmt) -> ast.FunctionDef | None:
    """The function whose body the variants replace: a top-level function, or a class's forward."""
    if isinstance(statement, ast.FunctionDef):
        return statement
    if isinstance(statement, ast.ClassDef):
        return next((item for item in statement.body if isinstance(item, ast.FunctionDef) and item.name == "forward"), None)
    return None


def _variants_of(exercise: str, source: str, index: int, function: ast.FunctionDef) -> list[Variant]:
    definition = ast.parse(source).body[index]
    is_method = isinstance(definition, ast.ClassDef)
    parameters = _positional_parameters(function, is_method)
    reference_call = (f"{'self.' if is_method else ''}_reference_{function.name}({_forwarded_arguments(function, is_method)})"
                      if _returns_a_value(function) else None)
    what = f"{definition.name}.forward" if is_method else function.name
    return [Variant(f"{what} {kind}", exercise, _replaced_cell(source, index, body))
            for kind, body in trivial_bodies(parameters, reference_call).items()]


def _returns_a_value(function: ast.FunctionDef) -> bool:
    """Whether `function` itself (not a function nested in it) has a `return` with a value."""
    pending, found = list(function.body), False
    while pending and not found:
        node = pending.pop()
        found = isinstance(node, ast.Return) and node.value is not None
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            pending += ast.iter_child_nodes(node)
    return found


def _positional_parameters(function: ast.FunctionDef, is_method: bool) -> list[str]:
    """The names of the positional parameters, without a method's self."""
    return [argument.arg for argument in [*function.args.posonlyargs, *function.args.args]][int(is_method):]


def _forwarded_arguments(function: ast.FunctionDef, is_method: bool) -> str:
    """The arguments of `function` passed on as they came: `a, b, *args, c=c, **kwargs`."""
    arguments = function.args
    parts = _positional_parameters(function, is_method) + ([f"*{arguments.vararg.arg}"] if arguments.vararg else [])
    parts += [f"{argument.arg}={argument.arg}" for argument in arguments.kwonlyargs]
    parts += [f"**{arguments.kwarg.arg}"] if arguments.kwarg else []
    return ", ".join(parts)


def _replaced_cell(source: str, index: int, body: str) -> str:
    """The cell with one function's body replaced by `body`; the reference stays, renamed, for the constants."""
    tree = ast.parse(source)
    statement = tree.body[index]
    container = statement.body if isinstance(statement, ast.ClassDef) else tree.body
    function = _replaceable(statement)
    position = container.index(function)
    reference = ast.parse(ast.unparse(function)).body[0]
    reference.name = f"_reference_{function.name}"
    function.body = ast.parse(body).body
    container.insert(position, reference)
    prelude = ast.parse("import torch\n" + CONSTANT_LIKE).body
    tree.body[:0] = prelude
    return ast.unparse(tree) + "\n"


def run_trivial(assignment: str, zygote, scratch: Path) -> list[VariantResult]:
    return mutation.grade_variants(assignment, trivial_variants(assignment), zygote, scratch)


def run_alternatives(assignment: str, zygote, scratch: Path) -> list[VariantResult]:
    return mutation.grade_variants(assignment, mutation.load_catalog(assignment, "alternatives"), zygote, scratch)


def free_points_table(assignment: str, results: list[VariantResult]) -> str:
    """Per exercise: trivially wrong bodies tried and the most points one earned; then every body that earned any."""
    free = [result for result in results if result.points > 0]
    lines = [f"{assignment}: free points: {len(free)} of {len(results)} trivially wrong bodies earn points",
             f"  {'exercise':<28} {'bodies':>6} {'most free points':>16}"]
    for exercise, group in _by_exercise(results).items():
        most = max(result.points for result in group)
        lines.append(f"  {exercise:<28} {len(group):>6} {f'{most:g} of {group[0].possible:g}':>16}")
    lines += [f"  free: {r.variant.exercise}: {r.variant.name}: {r.points:g} of {r.possible:g}" for r in free]
    return "\n".join(lines)


def alternatives_table(assignment: str, results: list[VariantResult]) -> str:
    full = sum(result.full_marks for result in results)
    lines = [f"{assignment}: alternatives: {full} of {len(results)} full marks",
             f"  {'exercise':<28} {'tried':>5} {'full marks':>10}"]
    for exercise, group in _by_exercise(results).items():
        lines.append(f"  {exercise:<28} {len(group):>5} {sum(r.full_marks for r in group):>10}")
    lines += [f"  short: {r.variant.exercise}: {r.variant.name}: {r.points:g} of {r.possible:g}"
              for r in results if not r.full_marks]
    return "\n".join(lines)


def _by_exercise(results: list[VariantResult]) -> dict[str, list[VariantResult]]:
    groups: dict[str, list[VariantResult]] = {}
    for result in results:
        groups.setdefault(result.variant.exercise, []).append(result)
    return groups


def free_points_gate(results: list[VariantResult], exercises: list[str]) -> list[str]:
    problems = [f"{exercise} has no trivially wrong body" for exercise in exercises
                if not any(result.variant.exercise == exercise for result in results)]
    return problems + [f"{r.variant.exercise}: {r.variant.name} earns {r.points:g} of {r.possible:g}"
                       for r in results if r.points > 0]


def alternatives_gate(results: list[VariantResult], exercises: list[str]) -> list[str]:
    problems = []
    for exercise in exercises:
        count = sum(result.variant.exercise == exercise for result in results)
        if count < MIN_ALTERNATIVES_PER_EXERCISE:
            problems.append(f"{exercise} has {count} alternatives, fewer than {MIN_ALTERNATIVES_PER_EXERCISE}")
    return problems + [f"{r.variant.exercise}: {r.variant.name} earns {r.points:g} of {r.possible:g}"
                       for r in results if not r.full_marks]


def gates(assignment: str, zygote, scratch: Path) -> tuple[list[str], list[str]]:
    """(printable tables, problems) of both gates for one assignment."""
    exercises = manifest.load(assignment).exercises
    trivial = run_trivial(assignment, zygote, scratch / "trivial")
    alternatives = run_alternatives(assignment, zygote, scratch / "alternatives")
    tables = [free_points_table(assignment, trivial), alternatives_table(assignment, alternatives)]
    problems = free_points_gate(trivial, exercises) + alternatives_gate(alternatives, exercises)
    return tables, [f"{assignment}: {problem}" for problem in problems]
