"""Activation functions built from elementary operations (lecture Part 02)."""

import torch
import torch.nn.modules.activation

from autograder.testkit import (
    ban, expect_right_value, expect_tensor, expect_unmodified, expect_values, graded, seeded, watch,
)

SECTION = "Part 02 · Activation functions"
ACTIVATIONS = ban(
    "a built-in activation",
    torch.sigmoid, torch.sigmoid_, torch.Tensor.sigmoid, torch.Tensor.sigmoid_, torch.special.expit,
    torch.tanh, torch.tanh_, torch.Tensor.tanh, torch.Tensor.tanh_,
    torch.relu, torch.relu_, torch.Tensor.relu, torch.Tensor.relu_, torch.threshold, torch.threshold_,
    torch.selu, torch.celu, torch.rrelu, torch.prelu, torch.hardshrink, torch.Tensor.hardshrink,
    torch.nn.functional, torch.nn.modules.activation,
)
RULE = "build it from elementary operations (exp, arithmetic, comparisons, where, clamp) instead"
EXTREMES = [-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0]


def random_input(dtype=torch.float64, seed=1):
    return torch.randn(6, 4, 3, dtype=dtype, generator=seeded(seed)) * 4


def sigmoid_formula(x):
    return 1 / (1 + torch.exp(-x))


def tanh_formula(x):
    return (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x))


@graded(points=1, exercise="sigmoid", section=SECTION, visible=True)
def test_sigmoid_matches_the_formula(student, submitted_cells):
    """sigmoid matches 1 / (1 + e^-x) on random float64 inputs"""
    x = random_input()
    sigmoid = watch(student, submitted_cells, "sigmoid", ACTIVATIONS)
    expect_tensor(sigmoid(x), sigmoid_formula(x), "sigmoid(x)", rtol=1e-10)


@graded(points=1, exercise="sigmoid", section=SECTION)
def test_sigmoid_keeps_float32_and_stays_finite(student, submitted_cells):
    """sigmoid keeps float32 and stays finite at +-100 and +-1000"""
    x = torch.tensor(EXTREMES, dtype=torch.float32)
    sigmoid = watch(student, submitted_cells, "sigmoid", ACTIVATIONS)
    expect_tensor(sigmoid(x), torch.sigmoid(x), "sigmoid(x) for large |x| in float32", atol=1e-6)


@graded(points=1, exercise="sigmoid", section=SECTION)
def test_sigmoid_uses_elementary_operations(student, submitted_cells):
    """sigmoid does not call a built-in activation"""
    x = random_input(seed=5)
    sigmoid = watch(student, submitted_cells, "sigmoid", ACTIVATIONS)
    result = sigmoid(x)
    expect_right_value(lambda: expect_tensor(result, sigmoid_formula(x), "sigmoid(x)", rtol=1e-10))
    sigmoid.expect_not_used(RULE)


@graded(points=1, exercise="tanh", section=SECTION, visible=True)
def test_tanh_matches_the_formula(student, submitted_cells):
    """tanh matches (e^x - e^-x) / (e^x + e^-x) on random float64 inputs"""
    x = random_input(seed=2)
    tanh = watch(student, submitted_cells, "tanh", ACTIVATIONS)
    expect_tensor(tanh(x), tanh_formula(x), "tanh(x)", rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="tanh", section=SECTION)
def test_tanh_has_no_nan_for_large_inputs(student, submitted_cells):
    """tanh gives -1 and 1, not NaN, at +-100 and +-1000 in float32"""
    x = torch.tensor(EXTREMES, dtype=torch.float32)
    tanh = watch(student, submitted_cells, "tanh", ACTIVATIONS)
    expect_tensor(tanh(x), torch.tanh(x), "tanh(x) for large |x| in float32", atol=1e-6)


@graded(points=1, exercise="tanh", section=SECTION)
def test_tanh_uses_elementary_operations(student, submitted_cells):
    """tanh does not call a built-in activation"""
    x = random_input(seed=6)
    tanh = watch(student, submitted_cells, "tanh", ACTIVATIONS)
    result = tanh(x)
    expect_right_value(lambda: expect_tensor(result, tanh_formula(x), "tanh(x)", rtol=1e-9, atol=1e-12))
    tanh.expect_not_used(RULE)


@graded(points=1, exercise="relu", section=SECTION, visible=True)
def test_relu_zeroes_negatives_and_keeps_positives(student, submitted_cells):
    """relu matches max(0, x) and keeps the dtype, in float32 and float64"""
    relu = watch(student, submitted_cells, "relu", ACTIVATIONS)
    for dtype in (torch.float64, torch.float32):
        x = random_input(dtype, seed=3)
        expect_tensor(relu(x), torch.clamp(x, min=0), f"relu(x) for {dtype}")


@graded(points=1, exercise="relu", section=SECTION)
def test_relu_leaves_its_input_unchanged(student, submitted_cells):
    """relu does not modify its input in place"""
    x = random_input(seed=4)
    relu = watch(student, submitted_cells, "relu", ACTIVATIONS)
    result, (x_after,) = relu.inputs_after(x.clone())
    expect_right_value(lambda: expect_tensor(result, torch.clamp(x, min=0), "relu(x)"))
    expect_unmodified(student, submitted_cells, "relu", {0: "x"})
    expect_values(x_after, x, "x after calling relu(x)")


@graded(points=1, exercise="relu", section=SECTION)
def test_relu_uses_elementary_operations(student, submitted_cells):
    """relu does not call a built-in activation"""
    x = random_input(seed=7)
    relu = watch(student, submitted_cells, "relu", ACTIVATIONS)
    result = relu(x)
    expect_right_value(lambda: expect_tensor(result, torch.clamp(x, min=0), "relu(x)"))
    relu.expect_not_used(RULE)
