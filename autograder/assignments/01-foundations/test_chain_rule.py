"""The chain rule by hand, checked against autograd (lecture Part 02)."""

import torch

from autograder.testkit import expect_no_calls, expect_tensor, graded, seeded, torch_calls

SECTION = "Part 02 · Chain rule and backpropagation"
AUTOGRAD = ("backward", "autograd", "torch.func", "vjp", "jacobian")
BY_HAND = "work the derivative out by hand with the chain rule; autograd is for checking it"


def autograd_derivative(function, x):
    x = x.detach().clone().requires_grad_()
    (gradient,) = torch.autograd.grad(function(x).sum(), x)
    return gradient


def h(x):
    return (2 * x - 1) ** 2


@graded(points=1, exercise="h_prime", section=SECTION, visible=True)
def test_h_prime_matches_autograd(student):
    """h_prime(x) equals the derivative of (2x - 1)^2 from autograd"""
    x = torch.randn(5, 2, dtype=torch.float64, generator=seeded(31)) * 3
    expect_tensor(student.h_prime(x), autograd_derivative(h, x), "h_prime(x)", rtol=1e-10)


@graded(points=1, exercise="h_prime", section=SECTION)
def test_h_prime_is_worked_out_by_hand(student):
    """h_prime does not use autograd"""
    x = torch.linspace(-2, 2, 9, dtype=torch.float64)
    _, names = torch_calls(student, student.h_prime, x)
    expect_no_calls(names, AUTOGRAD, "h_prime", BY_HAND)


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
