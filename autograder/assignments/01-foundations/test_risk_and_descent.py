"""Empirical risk and gradient descent (lecture Part 02)."""

import torch

from autograder.testkit import (
    expect, expect_right_value, expect_tensor, expect_unmodified, expect_values, graded, inputs_after, seeded,
)

RISK = "Part 02 · How to find the best model?"
DESCENT = "Part 02 · Gradient descent"


def asymmetric_loss(y, prediction):
    """Depends on which argument is the label, and sums over a whole sample."""
    return ((y - prediction) ** 2).sum() + 0.1 * y.sum()


def linear_model(weights):
    return lambda x: weights @ x


def risk_problem(seed):
    generator = seeded(seed)
    X = torch.randn(7, 3, dtype=torch.float64, generator=generator)
    W = torch.randn(2, 3, dtype=torch.float64, generator=generator)
    Y = torch.randn(7, 2, dtype=torch.float64, generator=generator)
    f = linear_model(W)
    expected = torch.stack([asymmetric_loss(Y[i], f(X[i])) for i in range(len(X))]).mean()
    return f, X, Y, expected


@graded(points=2, exercise="empirical_risk", section=RISK, visible=True)
def test_empirical_risk_averages_the_loss_over_samples(student):
    """empirical_risk is the mean of loss(y_i, f(x_i)) over the samples"""
    f, X, Y, expected = risk_problem(seed=11)
    expect_tensor(student.empirical_risk(asymmetric_loss, f, X, Y), expected, "empirical_risk(loss, f, X, Y)", rtol=1e-10)


@graded(points=1, exercise="empirical_risk", section=RISK)
def test_empirical_risk_of_a_single_sample_is_its_loss(student):
    """with one sample, empirical_risk equals that sample's loss"""
    f, X, Y, _ = risk_problem(seed=12)
    expected = asymmetric_loss(Y[0], f(X[0]))
    expect_tensor(student.empirical_risk(asymmetric_loss, f, X[:1], Y[:1]), expected, "empirical_risk with one sample", rtol=1e-10)


def quadratic(seed):
    """f(theta) = 1/2 theta^T A theta - b^T theta with A positive definite; returns (grad, optimum)."""
    generator = seeded(seed)
    M = torch.randn(3, 3, dtype=torch.float64, generator=generator)
    A = M @ M.T + torch.eye(3, dtype=torch.float64)
    b = torch.randn(3, dtype=torch.float64, generator=generator)
    return (lambda theta: A @ theta - b), torch.linalg.solve(A, b), torch.linalg.eigvalsh(A).max().item()


def reference_descent(grad, theta0, step_size, n_steps, decay=1.0):
    path = [theta0.clone()]
    for k in range(n_steps):
        path.append(path[-1] - step_size * decay**k * grad(path[-1]))
    return torch.stack(path)


@graded(points=2, exercise="gradient_descent", section=DESCENT, visible=True)
def test_gradient_descent_returns_the_whole_path(student):
    """gradient_descent returns theta_0 .. theta_n, one step of -step_size * grad each"""
    grad, _, _ = quadratic(seed=21)
    theta0 = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    expected = reference_descent(grad, theta0, 0.05, 12)
    expect_tensor(student.gradient_descent(grad, theta0, 0.05, 12), expected, "gradient_descent(grad, theta0, 0.05, 12)", rtol=1e-10)


@graded(points=1, exercise="gradient_descent", section=DESCENT)
def test_gradient_descent_honours_the_decay(student):
    """step k uses step_size * decay**k"""
    grad, _, _ = quadratic(seed=22)
    theta0 = torch.tensor([2.0, 1.0, -1.0], dtype=torch.float64)
    expected = reference_descent(grad, theta0, 0.1, 10, decay=0.7)
    expect_tensor(student.gradient_descent(grad, theta0, 0.1, 10, decay=0.7), expected,
                  "gradient_descent(grad, theta0, 0.1, 10, decay=0.7)", rtol=1e-10)


@graded(points=1, exercise="gradient_descent", section=DESCENT)
def test_gradient_descent_converges_with_a_small_step_and_diverges_with_a_large_one(student):
    """a step below 2/L reaches the minimum, a step above 2/L runs away"""
    grad, optimum, largest_curvature = quadratic(seed=23)
    theta0 = torch.zeros(3, dtype=torch.float64)
    good = student.gradient_descent(grad, theta0, 1.0 / largest_curvature, 300)
    expect_right_value(lambda: expect_tensor(good, reference_descent(grad, theta0, 1.0 / largest_curvature, 300),
                                             "gradient_descent(grad, theta0, 1/L, 300)", rtol=1e-8))
    expect_values(good[-1], optimum, "the last point with step size 1/L (it should be the minimum)", rtol=1e-6, atol=1e-8)
    bad = student.gradient_descent(grad, theta0, 2.5 / largest_curvature, 30)
    distance = (bad[-1] - optimum).norm().item()
    expect(distance > 10 * optimum.norm().item(), f"with step size 2.5/L the path should diverge, but it ends {distance:.3g} from the minimum")


@graded(points=1, exercise="gradient_descent", section=DESCENT)
def test_gradient_descent_leaves_theta0_unchanged(student, submitted_cells):
    """gradient_descent does not modify theta0 in place"""
    grad, _, _ = quadratic(seed=24)
    theta0 = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float64)
    path, (_, theta0_after, *_) = inputs_after(student, student.gradient_descent, grad, theta0, 0.1, 5)
    expect_right_value(lambda: expect_tensor(path, reference_descent(grad, theta0, 0.1, 5), "gradient_descent(grad, theta0, 0.1, 5)",
                                             rtol=1e-10))
    expect_unmodified(student, submitted_cells, "gradient_descent", {1: "theta0"})
    expect_values(theta0_after, theta0, "theta0 after calling gradient_descent")
