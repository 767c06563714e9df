"""Every assignment: trivially wrong bodies earn nothing, alternative correct solutions earn full marks;
bans are matched by exact name and see through the ways to hide a call."""

import pytest
import torch

from autograder import bans, catalog, fairness, mutation
from autograder.mutation import Mutant

from conftest import MUTATION_TABLES

ASSIGNMENTS = catalog.assignment_ids()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_trivially_wrong_bodies_earn_no_points(zygote, tmp_path, assignment):
    results = fairness.run_trivial(assignment, zygote, tmp_path)
    MUTATION_TABLES.append(fairness.free_points_table(assignment, results))
    assert not fairness.free_points_gate(results, catalog.solution_exercises(assignment))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_alternative_solutions_earn_full_marks(zygote, tmp_path, assignment):
    results = fairness.run_alternatives(assignment, zygote, tmp_path)
    MUTATION_TABLES.append(fairness.alternatives_table(assignment, results))
    assert not fairness.alternatives_gate(results, catalog.solution_exercises(assignment))


def test_a_trivial_body_replaces_one_definition_and_keeps_the_others():
    source = "import torch\n\n\ndef helper(x):\n    return x + 1\n\n\ndef graded(x, y=2):\n    return helper(x) * y\n"
    cells = {"graded": source}
    variants = fairness.variants_of_cells(cells)
    graded = [variant for variant in variants if variant.name == "graded returns its first argument"]
    assert len(graded) == 1
    namespace = {}
    exec(graded[0].source, namespace)
    assert namespace["helper"](1) == 2 and namespace["graded"](5) == 5
    zeros = next(variant for variant in variants if variant.name == "graded returns zeros like the right output")
    exec(zeros.source, namespace)
    assert namespace["graded"](3.0, y=4) == 0.0 and namespace["helper"](1) == 2


SETUP = ("cell 1", "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n")
SIGMOIDS = bans.ban("a built-in sigmoid", torch.sigmoid, torch.Tensor.sigmoid, torch.nn.functional, torch.nn.Sigmoid)


def found(source: str, name: str, ban) -> list[str]:
    return [finding.text for finding in bans.check_source([SETUP, ("cell 2", source)], name, ban)]


@pytest.mark.parametrize("body", [
    "1 / (1 + torch.exp(-x))",
    "torch.where(x >= 0, 1 / (1 + (-x).exp()), x.exp() / (1 + x.exp()))",
])
def test_a_ban_accepts_code_that_does_not_name_a_banned_object(body):
    assert found(f"def sigmoid(x):\n    return {body}\n", "sigmoid", SIGMOIDS) == []


@pytest.mark.parametrize("source", [
    "def sigmoid(x):\n    return torch.sigmoid(x)\n",
    "def sigmoid(x):\n    return x.sigmoid()\n",
    "def sigmoid(x):\n    return F.softplus(x)\n",
    "def sigmoid(x):\n    return nn.Sigmoid()(x)\n",
    "from torch import sigmoid as s\ndef sigmoid(x):\n    return s(x)\n",
    "def helper(x):\n    return torch.Tensor.sigmoid(x)\ndef sigmoid(x):\n    return helper(x)\n",
    "def sigmoid(x):\n    return getattr(torch, 'sigmoid')(x)\n",
])
def test_a_ban_finds_every_way_to_name_a_banned_object(source):
    assert any(text.startswith("uses ") for text in found(source, "sigmoid", SIGMOIDS))


@pytest.mark.parametrize("source", [
    "def sigmoid(x):\n    return getattr(torch, 'sig' + 'moid')(x)\n",
    "exec('def sigmoid(x): return torch.sigmoid(x)')\ndef sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n",
    "def sigmoid(x):\n    return torch._C._VariableFunctions.sigmoid(x)\n",
    "def sigmoid(x):\n    return torch.ops.aten.sigmoid(x)\n",
    "torch.exp = lambda t: torch.sigmoid(-t)\ndef sigmoid(x):\n    return torch.exp(-x)\n",
    "def sigmoid(x):\n    return vars(torch)['sigmoid'](x)\n",
])
def test_a_ban_refuses_code_that_hides_what_it_calls(source):
    assert found(source, "sigmoid", SIGMOIDS)


def test_the_autograd_ban_is_matched_by_exact_name():
    by_hand = "def grads(X, W):\n    return torch.einsum('nd,hd->hn', X, W), torch.functional.einsum('i,i', X[0], X[0])\n"
    assert found(by_hand, "grads", bans.AUTOGRAD) == []
    for call in ("torch.autograd.grad(W.sum(), W)", "W.sum().backward()", "torch.func.grad(torch.sum)(W)",
                 "torch.autograd.backward(W.sum())", "torch.autograd.functional.jacobian(torch.sum, W)",
                 "__import__('functorch').grad(torch.sum)(W)"):
        assert found(f"def grads(X, W):\n    return {call}\n", "grads", bans.AUTOGRAD), call


def test_run_time_names_are_resolved_to_the_banned_objects():
    assert bans.AUTOGRAD.forbids("torch.autograd.grad") and bans.AUTOGRAD.forbids("torch.Tensor.backward")
    assert not bans.AUTOGRAD.forbids("torch.functional.einsum") and not bans.AUTOGRAD.forbids("torch.no_grad")
    assert SIGMOIDS.forbids("torch.nn.functional.relu") and not SIGMOIDS.forbids("torch.exp")


WATCHED_ATTACKS = [
    Mutant("sigmoid calls torch.sigmoid only while the run-time recorder is off", "sigmoid", """
def sigmoid(x):
    if torch._C._is_torch_function_mode_enabled():
        return 1 / (1 + torch.exp(-x))
    return torch.sigmoid(x)
"""),
    Mutant("sigmoid calls torch.sigmoid and replaces the recorder with one that sees nothing", "sigmoid", """
import sys

sys.modules["autograder.sandbox.probes"].torch_calls = lambda function, *args, **kwargs: (function(*args, **kwargs), [])

def sigmoid(x):
    return torch.sigmoid(x)
"""),
    Mutant("sigmoid returns a wrong value while watched", "sigmoid", """
def sigmoid(x):
    if torch._C._is_torch_function_mode_enabled():
        return torch.zeros_like(x)
    return 1 / (1 + torch.exp(-x))
"""),
]


@pytest.mark.parametrize("attack", WATCHED_ATTACKS, ids=lambda attack: attack.name)
def test_code_that_behaves_differently_when_watched_earns_no_rule_point(zygote, tmp_path, attack):
    [result] = mutation.grade_variants("01-foundations", [attack], zygote, tmp_path)
    assert result.points <= result.possible - 1, result
    if "wrong value" in attack.name:
        assert result.points == 0


def test_a_local_name_is_not_the_top_level_name_it_shadows():
    notebook = [SETUP, ("cell 2", "def sigmoid(x):\n    s = 1 / (1 + torch.exp(-x))\n    return s\n"),
                ("cell 3", "s = torch.sigmoid(torch.zeros(1))\n"), ("cell 4", "def broken(:\n")]
    assert bans.check_source(notebook, "sigmoid", SIGMOIDS) == []
    outer = "s = torch.sigmoid\ndef sigmoid(x):\n    def inner():\n        s = 1\n        return s\n    return s(x)\n"
    assert found(outer, "sigmoid", SIGMOIDS)
