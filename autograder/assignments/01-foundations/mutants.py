"""Realistic wrong solutions of 01-foundations; each must lose points (see autograder/mutation.py)."""

from autograder.mutation import Mutant

MUTANTS = [
    # sigmoid
    Mutant("sigmoid calls torch.sigmoid", "sigmoid", """
def sigmoid(x):
    return torch.sigmoid(x)
"""),
    Mutant("sigmoid loses the minus sign in the exponent", "sigmoid", """
def sigmoid(x):
    return 1 / (1 + torch.exp(x))
"""),
    Mutant("sigmoid written as e^x / (1 + e^x), NaN for large x", "sigmoid", """
def sigmoid(x):
    return torch.exp(x) / (1 + torch.exp(x))
"""),
    Mutant("sigmoid always returns float64", "sigmoid", """
def sigmoid(x):
    x = x.double()
    return 1 / (1 + torch.exp(-x))
"""),
    Mutant("sigmoid from the built-in tanh", "sigmoid", """
def sigmoid(x):
    return (1 + torch.tanh(x / 2)) / 2
"""),
    Mutant("sigmoid typed in literally: right values, but a NaN derivative at -1000", "sigmoid", """
def sigmoid(x):
    return 1 / (1 + torch.exp(-x))
"""),
    Mutant("sigmoid with torch.where whose unchosen branch overflows: a NaN derivative at +-1000", "sigmoid", """
def sigmoid(x):
    return torch.where(x >= 0, 1 / (1 + torch.exp(-x)), torch.exp(x) / (1 + torch.exp(x)))
"""),
    Mutant("sigmoid typed in literally in float64: still a NaN derivative at -1000", "sigmoid", """
def sigmoid(x):
    wide = x.to(torch.float64)
    return (1.0 / (1.0 + torch.exp(-wide))).to(x.dtype)
"""),
    # tanh
    Mutant("tanh calls torch.tanh", "tanh", """
def tanh(x):
    return torch.tanh(x)
"""),
    Mutant("tanh uses the naive formula, inf / inf for large |x|", "tanh", """
def tanh(x):
    return (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x))
"""),
    Mutant("tanh as 2 sigmoid(x) - 1, forgetting the 2x", "tanh", """
def tanh(x):
    return 2 / (1 + torch.exp(-x)) - 1
"""),
    Mutant("tanh with the sign flipped", "tanh", """
def tanh(x):
    e = torch.exp(-2 * x.abs())
    return -torch.sign(x) * (1 - e) / (1 + e)
"""),
    Mutant("tanh from the built-in sigmoid", "tanh", """
def tanh(x):
    return 2 * torch.sigmoid(2 * x) - 1
"""),
    Mutant("tanh with torch.sign and torch.abs: right values, but a derivative of 0 at 0", "tanh", """
def tanh(x):
    e = torch.exp(-2 * torch.abs(x))
    return torch.sign(x) * (1 - e) / (1 + e)
"""),
    Mutant("tanh as 2 / (1 + e^-2x) - 1: a NaN derivative at -1000", "tanh", """
def tanh(x):
    return 2 / (1 + torch.exp(-2 * x)) - 1
"""),
    Mutant("tanh from e^(-2|x|) with torch.abs and torch.where: a derivative of 0 at 0", "tanh", """
def tanh(x):
    e = torch.exp(-2 * torch.abs(x))
    magnitude = (1 - e) / (1 + e)
    return torch.where(x < 0, -magnitude, magnitude)
"""),
    # relu
    Mutant("relu calls torch.nn.functional.relu", "relu", """
def relu(x):
    return torch.nn.functional.relu(x)
"""),
    Mutant("relu zeroes the negatives of x in place", "relu", """
def relu(x):
    x[x < 0] = 0
    return x
"""),
    Mutant("relu uses torch.max(x, 0), a reduction over dim 0", "relu", """
def relu(x):
    return torch.max(x, 0).values
"""),
    Mutant("relu returns the absolute value", "relu", """
def relu(x):
    return torch.abs(x)
"""),
    Mutant("relu reaches torch.relu through getattr", "relu", """
def relu(x):
    return getattr(torch, "re" + "lu")(x)
"""),
    Mutant("relu with an nn.ReLU module", "relu", """
import torch.nn as nn

def relu(x):
    return nn.ReLU()(x)
"""),
    Mutant("relu computed in NumPy, out of autograd's sight", "relu", """
def relu(x):
    import numpy as np
    return torch.from_numpy(np.maximum(x.detach().numpy(), 0))
"""),
    # empirical_risk
    Mutant("empirical_risk sums instead of averaging", "empirical_risk", """
def empirical_risk(loss, f, X, Y):
    return sum(loss(Y[i], f(X[i])) for i in range(len(X)))
"""),
    Mutant("empirical_risk passes the prediction first to the loss", "empirical_risk", """
def empirical_risk(loss, f, X, Y):
    return sum(loss(f(X[i]), Y[i]) for i in range(len(X))) / len(X)
"""),
    Mutant("empirical_risk divides by n - 1", "empirical_risk", """
def empirical_risk(loss, f, X, Y):
    return sum(loss(Y[i], f(X[i])) for i in range(len(X))) / (len(X) - 1)
"""),
    Mutant("empirical_risk skips the last sample", "empirical_risk", """
def empirical_risk(loss, f, X, Y):
    n = len(X)
    return sum(loss(Y[i], f(X[i])) for i in range(n - 1)) / n
"""),
    # gradient_descent
    Mutant("gradient_descent climbs the gradient", "gradient_descent", """
def gradient_descent(grad, theta0, step_size, n_steps, decay=1.0):
    path = [theta0.clone()]
    for k in range(n_steps):
        path.append(path[-1] + step_size * decay**k * grad(path[-1]))
    return torch.stack(path)
"""),
    Mutant("gradient_descent decays the step before the first step", "gradient_descent", """
def gradient_descent(grad, theta0, step_size, n_steps, decay=1.0):
    path = [theta0.clone()]
    for k in range(n_steps):
        path.append(path[-1] - step_size * decay**(k + 1) * grad(path[-1]))
    return torch.stack(path)
"""),
    Mutant("gradient_descent updates theta in place and stacks the same tensor", "gradient_descent", """
def gradient_descent(grad, theta0, step_size, n_steps, decay=1.0):
    theta = theta0
    path = [theta]
    for k in range(n_steps):
        theta -= step_size * decay**k * grad(theta)
        path.append(theta)
    return torch.stack(path)
"""),
    Mutant("gradient_descent leaves theta_0 out of the path", "gradient_descent", """
def gradient_descent(grad, theta0, step_size, n_steps, decay=1.0):
    path, theta = [], theta0.clone()
    for k in range(n_steps):
        theta = theta - step_size * decay**k * grad(theta)
        path.append(theta)
    return torch.stack(path)
"""),
    Mutant("gradient_descent ignores the decay", "gradient_descent", """
def gradient_descent(grad, theta0, step_size, n_steps, decay=1.0):
    path = [theta0.clone()]
    for k in range(n_steps):
        path.append(path[-1] - step_size * grad(path[-1]))
    return torch.stack(path)
"""),
    # h_prime
    Mutant("h_prime forgets the inner derivative", "h_prime", """
def h_prime(x):
    return 2 * (2 * x - 1)
"""),
    Mutant("h_prime differentiates the outside only at x", "h_prime", """
def h_prime(x):
    return 4 * x
"""),
    Mutant("h_prime uses autograd", "h_prime", """
def h_prime(x):
    x = x.detach().clone().requires_grad_()
    ((2 * x - 1) ** 2).sum().backward()
    return x.grad
"""),
    Mutant("h_prime uses torch.func.grad", "h_prime", """
from torch.func import grad

def h_prime(x):
    return torch.vmap(grad(lambda t: (2 * t - 1) ** 2))(x.reshape(-1)).reshape(x.shape)
"""),
    # composite_derivative
    Mutant("composite_derivative evaluates g' at x instead of f(x)", "composite_derivative", """
def composite_derivative(f, f_prime, g, g_prime, x):
    return g_prime(x) * f_prime(x)
"""),
    Mutant("composite_derivative adds the derivatives", "composite_derivative", """
def composite_derivative(f, f_prime, g, g_prime, x):
    return g_prime(f(x)) + f_prime(x)
"""),
    Mutant("composite_derivative multiplies by f(x) instead of f'(x)", "composite_derivative", """
def composite_derivative(f, f_prime, g, g_prime, x):
    return g_prime(f(x)) * f(x)
"""),
    Mutant("composite_derivative swaps the roles of f and g", "composite_derivative", """
def composite_derivative(f, f_prime, g, g_prime, x):
    return f_prime(g(x)) * g_prime(x)
"""),
    # backprop_by_hand
    Mutant("backprop_by_hand forgets the sigmoid's derivative", "backprop_by_hand", """
def backprop_by_hand(X, Y, W1, W2):
    H = torch.sigmoid(X @ W1.T)
    dO = (H @ W2.T - Y) / X.shape[0]
    return (dO @ W2).T @ X, dO.T @ H
"""),
    Mutant("backprop_by_hand forgets the 1/N of the mean", "backprop_by_hand", """
def backprop_by_hand(X, Y, W1, W2):
    H = torch.sigmoid(X @ W1.T)
    dO = H @ W2.T - Y
    dZ = (dO @ W2) * H * (1 - H)
    return dZ.T @ X, dO.T @ H
"""),
    Mutant("backprop_by_hand returns dW2 transposed", "backprop_by_hand", """
def backprop_by_hand(X, Y, W1, W2):
    H = torch.sigmoid(X @ W1.T)
    dO = (H @ W2.T - Y) / X.shape[0]
    dZ = (dO @ W2) * H * (1 - H)
    return dZ.T @ X, H.T @ dO
"""),
    Mutant("backprop_by_hand calls backward", "backprop_by_hand", """
def backprop_by_hand(X, Y, W1, W2):
    W1 = W1.detach().clone().requires_grad_()
    W2 = W2.detach().clone().requires_grad_()
    two_layer_loss(X, Y, W1, W2).backward()
    return W1.grad, W2.grad
"""),
    Mutant("backprop_by_hand calls torch.autograd.grad", "backprop_by_hand", """
def backprop_by_hand(X, Y, W1, W2):
    W1, W2 = W1.clone().requires_grad_(), W2.clone().requires_grad_()
    return torch.autograd.grad(two_layer_loss(X, Y, W1, W2), (W1, W2))
"""),
    # backprop_with_autograd
    Mutant("backprop_with_autograd sets requires_grad on the caller's weights", "backprop_with_autograd", """
def backprop_with_autograd(X, Y, W1, W2):
    W1.requires_grad_()
    W2.requires_grad_()
    two_layer_loss(X, Y, W1, W2).backward()
    return W1.grad, W2.grad
"""),
    Mutant("backprop_with_autograd returns the gradients in the wrong order", "backprop_with_autograd", """
def backprop_with_autograd(X, Y, W1, W2):
    W1 = W1.detach().clone().requires_grad_()
    W2 = W2.detach().clone().requires_grad_()
    two_layer_loss(X, Y, W1, W2).backward()
    return W2.grad, W1.grad
"""),
    Mutant("backprop_with_autograd copies the weights without requires_grad", "backprop_with_autograd", """
def backprop_with_autograd(X, Y, W1, W2):
    W1 = W1.detach().clone()
    W2 = W2.detach().clone()
    return W1.grad, W2.grad
"""),
    Mutant("backprop_with_autograd backpropagates the summed loss", "backprop_with_autograd", """
def backprop_with_autograd(X, Y, W1, W2):
    W1 = W1.detach().clone().requires_grad_()
    W2 = W2.detach().clone().requires_grad_()
    hidden = torch.sigmoid(X @ W1.T)
    (0.5 * ((hidden @ W2.T - Y) ** 2).sum()).backward()
    return W1.grad, W2.grad
"""),
]
