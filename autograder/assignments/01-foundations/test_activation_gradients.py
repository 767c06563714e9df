"""The activations' autograd derivatives: right at 0 and finite at the extremes (lecture Part 02).

A network trains on the derivatives autograd takes of the formula as written, so an
activation whose value is right can still teach the network nothing (a derivative of
0 where it should be 1) or poison it (NaN). The gradient is taken in the student's
process, as the notebook's demo does: the gradient of act(x).sum() with respect to x.
"""

import torch

from autograder.testkit import expect, expect_tensor, expect_values, graded

SECTION = "Part 02 · Activation functions"
POINTS = [-1000.0, -100.0, -20.0, -2.0, -0.5, 0.0, 0.5, 2.0, 20.0, 100.0, 1000.0]


def value_and_gradient(student, function, x):
    """(function(x), the gradient of function(x).sum() with respect to x), computed by the student's autograd."""
    return student.lib("torch.autograd.functional.vjp")(function, x, torch.ones_like(x))


def expect_value_then_gradient(student, function, expected_value, expected_gradient, name: str, x: torch.Tensor):
    value, gradient = value_and_gradient(student, function, x)
    expect_tensor(value, expected_value, f"{name}(x) for x = {x.tolist()} in float32", atol=1e-6)
    expect_values(gradient, expected_gradient, f"the autograd derivative of your {name} at x = {x.tolist()} (float32)",
                  rtol=1e-4, atol=1e-6)


@graded(points=1, exercise="sigmoid", section=SECTION)
def test_sigmoid_has_the_right_gradient_everywhere(student):
    """sigmoid's autograd derivative is sigma(x)(1 - sigma(x)): 0.25 at 0, and 0 (not NaN) at +-100 and +-1000"""
    x = torch.tensor(POINTS)
    exact = torch.sigmoid(x.double())
    expect_value_then_gradient(student, student.sigmoid, torch.sigmoid(x), (exact * (1 - exact)).float(), "sigmoid", x)


@graded(points=1, exercise="tanh", section=SECTION)
def test_tanh_has_the_right_gradient_everywhere(student):
    """tanh's autograd derivative is 1 - tanh(x)^2: 1 at 0, and 0 (not NaN) at +-100 and +-1000"""
    x = torch.tensor(POINTS)
    exact = torch.tanh(x.double())
    expect_value_then_gradient(student, student.tanh, torch.tanh(x), (1 - exact**2).float(), "tanh", x)


@graded(points=1, exercise="relu", section=SECTION)
def test_relu_has_the_right_gradient(student):
    """relu's autograd derivative is 0 for x < 0 and 1 for x > 0; at 0 any value from 0 to 1 will do"""
    x = torch.tensor(POINTS)
    value, gradient = value_and_gradient(student, student.relu, x)
    expect_tensor(value, torch.clamp(x, min=0), f"relu(x) for x = {POINTS}", atol=0)
    expect(isinstance(gradient, torch.Tensor) and gradient.shape == x.shape,
           "autograd gave no gradient of the right shape for your relu")
    away_from_zero = x != 0
    expect_values(gradient[away_from_zero], (x[away_from_zero] > 0).float(),
                  f"the autograd derivative of your relu at x = {x[away_from_zero].tolist()} (0 means autograd cannot see "
                  "your computation: build relu from torch operations on x itself, not from x.detach(), .data or NumPy)")
    at_zero = gradient[~away_from_zero].item()
    expect(0 <= at_zero <= 1, f"the autograd derivative of your relu at 0 is {at_zero}; any value from 0 to 1 will do")
