"""A two-layer network's gradients, by hand and with autograd (lecture Part 02)."""

import torch

from autograder.testkit import (
    AUTOGRAD, expect, expect_right_value, expect_tensor, expect_unmodified, graded, inputs_after, seeded, watch,
)

BY_HAND = "Part 02 · Application in machine learning"
WITH_AUTOGRAD = "Part 02 · Autograd"
CHAIN_RULE = "apply the chain rule yourself, matrix by matrix"


def two_layer_loss(X, Y, W1, W2):
    hidden = torch.sigmoid(X @ W1.T)
    output = hidden @ W2.T
    return 0.5 * ((output - Y) ** 2).sum(dim=1).mean()


def network(seed, n=6, d=5, h=4, c=3):
    """Different sizes on every axis, so a transposed or misplaced product cannot pass."""
    generator = seeded(seed)
    return tuple(torch.randn(*shape, dtype=torch.float64, generator=generator) for shape in ((n, d), (n, c), (h, d), (c, h)))


def autograd_gradients(X, Y, W1, W2):
    W1, W2 = W1.clone().requires_grad_(), W2.clone().requires_grad_()
    return torch.autograd.grad(two_layer_loss(X, Y, W1, W2), (W1, W2))


def expect_gradients(result, expected, what):
    expect(isinstance(result, (tuple, list)) and len(result) == 2, f"{what} should return a tuple (dL/dW1, dL/dW2)")
    expect_tensor(result[0], expected[0], f"dL/dW1 from {what}", rtol=1e-9, atol=1e-12)
    expect_tensor(result[1], expected[1], f"dL/dW2 from {what}", rtol=1e-9, atol=1e-12)


@graded(points=2, exercise="backprop_by_hand", section=BY_HAND, visible=True)
def test_backprop_by_hand_matches_autograd(student, submitted_cells):
    """backprop_by_hand gives autograd's dL/dW1 and dL/dW2"""
    X, Y, W1, W2 = network(seed=41)
    backprop_by_hand = watch(student, submitted_cells, "backprop_by_hand", AUTOGRAD)
    expect_gradients(backprop_by_hand(X, Y, W1, W2), autograd_gradients(X, Y, W1, W2), "backprop_by_hand")


@graded(points=1, exercise="backprop_by_hand", section=BY_HAND)
def test_backprop_by_hand_works_for_a_single_sample(student, submitted_cells):
    """backprop_by_hand is right for N = 1 too"""
    X, Y, W1, W2 = network(seed=42, n=1)
    backprop_by_hand = watch(student, submitted_cells, "backprop_by_hand", AUTOGRAD)
    expect_gradients(backprop_by_hand(X, Y, W1, W2), autograd_gradients(X, Y, W1, W2), "backprop_by_hand with N = 1")


@graded(points=1, exercise="backprop_by_hand", section=BY_HAND)
def test_backprop_by_hand_does_not_use_autograd(student, submitted_cells):
    """backprop_by_hand does not use autograd"""
    weights = network(seed=43)
    backprop_by_hand = watch(student, submitted_cells, "backprop_by_hand", AUTOGRAD)
    result = backprop_by_hand(*weights)
    expect_right_value(lambda: expect_gradients(result, autograd_gradients(*weights), "backprop_by_hand"))
    backprop_by_hand.expect_not_used(CHAIN_RULE)


@graded(points=2, exercise="backprop_with_autograd", section=WITH_AUTOGRAD, visible=True)
def test_backprop_with_autograd_matches_autograd(student):
    """backprop_with_autograd gives the true dL/dW1 and dL/dW2"""
    X, Y, W1, W2 = network(seed=44)
    expect_gradients(student.backprop_with_autograd(X, Y, W1, W2), autograd_gradients(X, Y, W1, W2), "backprop_with_autograd")


@graded(points=1, exercise="backprop_with_autograd", section=WITH_AUTOGRAD)
def test_backprop_with_autograd_leaves_the_weights_alone(student, submitted_cells):
    """backprop_with_autograd does not set requires_grad or .grad on the caller's W1 and W2"""
    X, Y, W1, W2 = network(seed=45)
    result, (_, _, W1_after, W2_after) = inputs_after(student, student.backprop_with_autograd, X, Y, W1, W2)
    expect_right_value(lambda: expect_gradients(result, autograd_gradients(X, Y, W1, W2), "backprop_with_autograd"))
    expect_unmodified(student, submitted_cells, "backprop_with_autograd", {2: "W1", 3: "W2"})
    for name, weight in (("W1", W1_after), ("W2", W2_after)):
        expect(not weight.requires_grad and weight.grad is None,
               f"the caller's {name} now has requires_grad={weight.requires_grad} and a .grad; work on a copy (W.detach().clone().requires_grad_())")
        expect_tensor(weight, dict(W1=W1, W2=W2)[name], f"the caller's {name} after the call")
