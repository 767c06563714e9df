""""Does not modify its argument" is decided from the submitted source on the grader's side: every way to write
to an argument is found, a copy (or a rebinding) makes writes harmless, and a submission that fools the run-time
probe still loses the rule's point."""

import pytest

from autograder import catalog, in_place, mutation
from autograder.mutation import Mutant

SETUP = ("cell 1", "import functools\nimport torch\nimport torch.nn.functional as F\n")


def findings(source: str, name: str = "relu", arguments: dict | None = None) -> list[in_place.Finding]:
    return in_place.check_unmodified([SETUP, ("cell 2", source)], name, arguments or {0: "x"})


@pytest.mark.parametrize("source", [
    "def relu(x):\n    x[x < 0] = 0\n    return x\n",
    "def relu(x):\n    return x.clamp_(min=0)\n",
    "def relu(x):\n    y = x\n    y.mul_(2)\n    return y\n",
    "def relu(x):\n    flat = x.view(-1)\n    flat[flat < 0] = 0\n    return x\n",
    "def relu(x):\n    x /= 2\n    return x\n",
    "def relu(x):\n    return torch.clamp(x, min=0, out=x)\n",
    "def relu(x):\n    return F.relu(x, inplace=True)\n",
    "def relu(x):\n    return torch.relu_(x)\n",
    "def relu(x):\n    return torch.Tensor.clamp_(x, min=0)\n",
    "def zero(t):\n    t[t < 0] = 0\n    return t\ndef relu(x):\n    return zero(x)\n",
    "def relu(x):\n    def inner():\n        x.clamp_(min=0)\n    inner()\n    return x\n",
    "relu = lambda x: x.clamp_(min=0)\n",
    "relu = torch.relu_\n",
    "def relu(x):\n    f = x.clamp_\n    return f(min=0)\n",
    "def relu(x):\n    op = torch.Tensor.clamp_\n    return op(x, min=0)\n",
    "def relu(x):\n    return functools.partial(torch.Tensor.clamp_, x)(min=0)\n",
    "def relu(x):\n    setattr(x, 'data', x.clamp(min=0))\n    return x\n",
    "def relu(x):\n    parts = [x]\n    parts[0][parts[0] < 0] = 0\n    return x\n",
    "def relu(x):\n    y = None\n    for _ in range(2):\n        if y is not None:\n            y += 1\n        y = x\n    return x\n",
])
def test_every_way_to_write_to_the_argument_is_found(source):
    assert [finding.kind for finding in findings(source)] and all(f.kind == "banned" for f in findings(source)), source


@pytest.mark.parametrize("source", [
    "def relu(x):\n    y = x.clone()\n    y[y < 0] = 0\n    return y\n",
    "def relu(x):\n    x = x.clone()\n    x[x < 0] = 0\n    return x\n",
    "def relu(x):\n    y = x * 1\n    y.clamp_(min=0)\n    return y\n",
    "def relu(x):\n    op = torch.Tensor.clamp_\n    return op(x.clone(), min=0)\n",
    "def zero(t):\n    t[t < 0] = 0\n    return t\ndef relu(x):\n    return zero(x.clone())\n",
    "def relu(x):\n    steps = [x.detach().unsqueeze(0)]\n    last = steps[-1][0]\n    return torch.where(last > 0, last, 0)\n",
])
def test_writes_to_a_copy_are_allowed(source):
    assert findings(source) == []


def test_a_dict_argument_keeps_its_items():
    writes = "def move(batch, device):\n    for name in batch:\n        batch[name] = batch[name].to(device)\n    return batch\n"
    values = "def move(batch, device):\n    for value in batch.values():\n        value.add_(1)\n    return batch\n"
    copy = "def move(batch, device):\n    moved = {}\n    for key in batch:\n        moved[key] = batch[key].to(device)\n    return moved\n"
    assert findings(writes, "move", {0: "batch"}) and findings(values, "move", {0: "batch"})
    assert findings(copy, "move", {0: "batch"}) == []


def test_setting_requires_grad_on_a_detached_view_leaves_the_weight_alone():
    detached = "def grads(X, W):\n    W = W.detach().requires_grad_()\n    return W\n"
    direct = "def grads(X, W):\n    W.requires_grad_()\n    return W\n"
    assert findings(detached, "grads", {1: "W"}) == []
    assert "the caller's `W`" in findings(direct, "grads", {1: "W"})[0].text


def test_code_the_grader_cannot_follow_is_opaque():
    assert [f.kind for f in findings("def relu(x):\n    exec('x.clamp_(min=0)')\n    return x\n")] == ["opaque"]
    frames = "def relu(x):\n    try:\n        raise ValueError\n    except ValueError as e:\n        e.__traceback__.tb_frame.f_back\n    return x\n"
    assert "opaque" in [f.kind for f in findings(frames)]


# Every reference solution and alternative keeps its arguments; every in-place mutant is found.
RULES = [("01-foundations", "relu", {0: "x"}), ("01-foundations", "gradient_descent", {1: "theta0"}),
         ("01-foundations", "backprop_with_autograd", {2: "W1", 3: "W2"}), ("02-tensors", "normalize_rows", {0: "x"}),
         ("02-tensors", "move_batch_to", {0: "batch"}), ("03-training", "shift_pixels", {0: "x"}),
         ("05-deeper-models", "dropout", {0: "x"})]
IN_PLACE_MUTANTS = {
    "relu zeroes the negatives of x in place", "gradient_descent updates theta in place and stacks the same tensor",
    "backprop_with_autograd sets requires_grad on the caller's weights", "normalize_rows divides x in place",
    "move_batch_to assigns the moved tensors into the dict it was given", "shift_pixels writes the result into its input",
    "dropout zeroes x in place",
}


@pytest.mark.parametrize("assignment, exercise, arguments", RULES, ids=lambda value: value if isinstance(value, str) else "")
def test_the_rule_tells_the_catalogs_apart(assignment, exercise, arguments):
    reference = mutation.solution_cells(assignment)

    def check(source: str) -> list:
        cells = [(f"cell {index}", source if name == exercise else text) for index, (name, text) in enumerate(reference.items())]
        return in_place.check_unmodified(cells, exercise, arguments)

    assert check(reference[exercise]) == []
    for alternative in mutation.load_catalog(assignment, "alternatives"):
        if alternative.exercise == exercise:
            assert check(alternative.source) == [], alternative.name
    mutants = [mutant for mutant in mutation.load_catalog(assignment) if mutant.exercise == exercise]
    flagged = {mutant.name for mutant in mutants if check(mutant.source)}
    assert flagged & IN_PLACE_MUTANTS == {mutant.name for mutant in mutants} & IN_PLACE_MUTANTS != set()


def test_every_in_place_rule_of_the_hidden_tests_is_covered_here():
    sources = "".join(path.read_text() for assignment in catalog.assignment_ids()
                      for path in catalog.hidden_tests_dir(assignment).glob("test_*.py"))
    assert sources.count("expect_unmodified(student") == len(RULES)


LYING_TO_THE_PROBE = Mutant("normalize_rows divides x in place and reports the arguments as they were", "normalize_rows", """
import sys

probes = sys.modules["autograder.sandbox.probes"]
probes.inputs_after = lambda function, *args, **kwargs: (lambda copies: (function(*args, **kwargs), copies))(
    [arg.clone() for arg in args])

def normalize_rows(x):
    x /= x.abs().sum(dim=1, keepdim=True)
    return x
""")


@pytest.mark.slow
def test_a_submission_that_fools_the_probe_loses_the_rule_point(zygote, tmp_path):
    [result] = mutation.grade_variants("02-tensors", [LYING_TO_THE_PROBE], zygote, tmp_path)
    assert result.points == result.possible - 1, result
