"""Activation functions built from elementary operations (lecture Part 02)."""

import torch

from autograder.testkit import expect_no_calls, expect_tensor, expect_values, graded, inputs_after, seeded, torch_calls

SECTION = "Part 02 · Activation functions"
BUILT_IN = ("sigmoid", "tanh", "relu", "expit", "functional", "logistic", "hardtanh", "softplus")
RULE = "build it from elementary operations (exp, arithmetic, comparisons, where, clamp) instead"
EXTREMES = [-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0]


def random_input(dtype=torch.float64, seed=1):
    return torch.randn(6, 4, 3, dtype=dtype, generator=seeded(seed)) * 4


@graded(points=1, exercise="sigmoid", section=SECTION, visible=True)
def test_sigmoid_matches_the_formula(student):
    """sigmoid matches 1 / (1 + e^-x) on random float64 inputs"""
    x = random_input()
    expect_tensor(student.sigmoid(x), 1 / (1 + torch.exp(-x)), "sigmoid(x)", rtol=1e-10)


@graded(points=1, exercise="sigmoid", section=SECTION)
def test_sigmoid_keeps_float32_and_stays_finite(student):
    """sigmoid keeps float32 and stays finite at +-100 and +-1000"""
    x = torch.tensor(EXTREMES, dtype=torch.float32)
    expect_tensor(student.sigmoid(x), torch.sigmoid(x), "sigmoid(x) for large |x| in float32", atol=1e-6)


@graded(points=1, exercise="sigmoid", section=SECTION)
def test_sigmoid_uses_elementary_operations(student):
    """sigmoid does not call a built-in activation"""
    _, names = torch_calls(student, student.sigmoid, random_input())
    expect_no_calls(names, BUILT_IN, "sigmoid", RULE)


@graded(points=1, exercise="tanh", section=SECTION, visible=True)
def test_tanh_matches_the_formula(student):
    """tanh matches (e^x - e^-x) / (e^x + e^-x) on random float64 inputs"""
    x = random_input(seed=2)
    expected = (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x))
    expect_tensor(student.tanh(x), expected, "tanh(x)", rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="tanh", section=SECTION)
def test_tanh_has_no_nan_for_large_inputs(student):
    """tanh gives -1 and 1, not NaN, at +-100 and +-1000 in float32"""
    x = torch.tensor(EXTREMES, dtype=torch.float32)
    expect_tensor(student.tanh(x), torch.tanh(x), "tanh(x) for large |x| in float32", atol=1e-6)


@graded(points=1, exercise="tanh", section=SECTION)
def test_tanh_uses_elementary_operations(student):
    """tanh does not call a built-in activation"""
    _, names = torch_calls(student, student.tanh, random_input(seed=2))
    expect_no_calls(names, BUILT_IN, "tanh", RULE)


@graded(points=1, exercise="relu", section=SECTION, visible=True)
def test_relu_zeroes_negatives_and_keeps_positives(student):
    """relu matches max(0, x) and keeps the dtype, in float32 and float64"""
    for dtype in (torch.float64, torch.float32):
        x = random_input(dtype, seed=3)
        expect_tensor(student.relu(x), torch.clamp(x, min=0), f"relu(x) for {dtype}")


@graded(points=1, exercise="relu", section=SECTION)
def test_relu_leaves_its_input_unchanged(student):
    """relu does not modify its input in place"""
    _, (x_after,) = inputs_after(student, student.relu, random_input(seed=4))
    expect_values(x_after, random_input(seed=4), "x after calling relu(x)")


@graded(points=1, exercise="relu", section=SECTION)
def test_relu_uses_elementary_operations(student):
    """relu does not call a built-in activation"""
    _, names = torch_calls(student, student.relu, random_input(seed=3))
    expect_no_calls(names, BUILT_IN, "relu", RULE)
