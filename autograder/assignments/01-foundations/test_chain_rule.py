"""The chain rule by hand, checked against autograd (lecture Part 02)."""

import torch

from autograder.testkit import (
    AUTOGRAD, expect_right_value, expect_tensor, graded, seeded, watch,
)

SECTION = "Part 02 · Chain rule and backpropagation"
BY_HAND = "work the derivative out by hand with the chain rule; autograd is for checking it"


def autograd_derivative(function, x):
    x = x.detach().clone().requires_grad_()
    (gradient,) = torch.autograd.grad(function(x).sum(), x)
    return gradient


def h(x):
    return (2 * x - 1) ** 2


@graded(points=1, exercise="h_prime", section=SECTION, visible=True)
def test_h_prime_matches_autograd(student, submitted_cells):
    """h_prime(x) equals the derivative of (2x - 1)^2 from autograd"""
    x = torch.randn(5, 2, dtype=torch.float64, generator=seeded(31)) * 3
    h_prime = watch(student, submitted_cells, "h_prime", AUTOGRAD)
    expect_tensor(h_prime(x), autograd_derivative(h, x), "h_prime(x)", rtol=1e-10)


@graded(points=1, exercise="h_prime", section=SECTION)
def test_h_prime_is_worked_out_by_hand(student, submitted_cells):
    """h_prime does not use autograd"""
    x = torch.linspace(-2, 2, 9, dtype=torch.float64)
    h_prime = watch(student, submitted_cells, "h_prime", AUTOGRAD)
    result = h_prime(x)
    expect_right_value(lambda: expect_tensor(result, autograd_derivative(h, x), "h_prime(x)", rtol=1e-10))
    h_prime.expect_not_used(BY_HAND)


COMPOSITES = {
    "g(u) = exp(u / 2), f(x) = x^3 + x": (
        lambda x: x**3 + x, lambda x: 3 * x**2 + 1, lambda u: torch.exp(u / 2), lambda u: torch.exp(u / 2) / 2),
    "g(u) = sin(u), f(x) = 2x - 1": (
        lambda x: 2 * x - 1, lambda x: 2 * torch.ones_like(x), torch.sin, torch.cos),
}


@graded(points=2, exercise="composite_derivative", section=SECTION, visible=True)
def test_composite_derivative_matches_autograd(student):
    """composite_derivative(f, f', g, g', x) equals the derivative of g(f(x)) from autograd"""
    x = torch.linspace(-1.5, 1.5, 7, dtype=torch.float64)
    for name, (f, f_prime, g, g_prime) in COMPOSITES.items():
        expected = autograd_derivative(lambda t: g(f(t)), x)
        expect_tensor(student.composite_derivative(f, f_prime, g, g_prime, x), expected, f"composite_derivative for {name}", rtol=1e-10)
