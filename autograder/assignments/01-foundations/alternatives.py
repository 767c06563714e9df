"""Correct solutions of 01-foundations in other styles than the reference; each must earn full marks."""

from autograder.mutation import Mutant

ALTERNATIVES = [
    # sigmoid
    Mutant("sigmoid on inputs clamped to [-80, 80]", "sigmoid", """
def sigmoid(x):
    z = torch.clamp(x, -80, 80)
    return 1 / (1 + torch.exp(-z))
"""),
    Mutant("sigmoid through exp(-softplus(-x)) written with logaddexp", "sigmoid", """
def sigmoid(x):
    return torch.exp(-torch.logaddexp(torch.zeros_like(x), -x))
"""),
    # tanh
    Mutant("tanh with the textbook formula on inputs clamped to [-20, 20]", "tanh", """
def tanh(x):
    x = torch.clamp(x, -20, 20)
    return (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x))
"""),
    Mutant("tanh as 2 sigmoid(2x) - 1, the sigmoid written with logaddexp", "tanh", """
def tanh(x):
    return 2 * torch.exp(-torch.logaddexp(torch.zeros_like(x), -2 * x)) - 1
"""),
    # relu
    Mutant("relu with torch.where", "relu", """
def relu(x):
    return torch.where(x > 0, x, torch.zeros_like(x))
"""),
    Mutant("relu with Tensor.clamp", "relu", """
def relu(x):
    return x.clamp(min=0)
"""),
    Mutant("relu with torch.maximum against a 0-dim zero", "relu", """
def relu(x):
    return torch.maximum(x, torch.tensor(0.0, dtype=x.dtype))
"""),
    Mutant("relu as (x + |x|) / 2", "relu", """
def relu(x):
    return (x + x.abs()) / 2
"""),
    Mutant("relu on a clone, zeroing the negatives by indexing", "relu", """
def relu(x):
    result = x.clone()
    result[result < 0] = 0
    return result
"""),
    Mutant("relu multiplying by the mask x > 0", "relu", """
def relu(x):
    return x * (x > 0)
"""),
    # empirical_risk
    Mutant("empirical_risk stacking the losses and taking the mean", "empirical_risk", """
def empirical_risk(loss, f, X, Y):
    return torch.stack([loss(y, f(x)) for x, y in zip(X, Y)]).mean()
"""),
    Mutant("empirical_risk with Python's sum over a generator", "empirical_risk", """
def empirical_risk(loss, f, X, Y):
    return sum(loss(Y[i], f(X[i])) for i in range(len(X))) / len(X)
"""),
    # gradient_descent
    Mutant("gradient_descent into a preallocated path", "gradient_descent", """
def gradient_descent(grad, theta0, step_size, n_steps, decay=1.0):
    path = torch.empty((n_steps + 1, *theta0.shape), dtype=theta0.dtype)
    path[0] = theta0
    for k in range(n_steps):
        path[k + 1] = path[k] - step_size * decay**k * grad(path[k])
    return path
"""),
    Mutant("gradient_descent decaying the step size by multiplication, in place on a clone", "gradient_descent", """
def gradient_descent(grad, theta0, step_size, n_steps, decay=1.0):
    theta = theta0.clone()
    path = [theta.clone()]
    alpha = step_size
    for _ in range(n_steps):
        theta -= alpha * grad(theta)
        path.append(theta.clone())
        alpha *= decay
    return torch.stack(path)
"""),
    Mutant("gradient_descent with torch.cat of unsqueezed steps", "gradient_descent", """
def gradient_descent(grad, theta0, step_size, n_steps, decay=1.0):
    steps = [theta0.detach().unsqueeze(0)]
    for k in range(n_steps):
        current = steps[-1][0]
        steps.append((current - step_size * decay**k * grad(current)).unsqueeze(0))
    return torch.cat(steps, dim=0)
"""),
    # h_prime
    Mutant("h_prime expanded to 8x - 4", "h_prime", """
def h_prime(x):
    return 8 * x - 4
"""),
    Mutant("h_prime as the chain rule's two factors", "h_prime", """
def h_prime(x):
    u = 2 * x - 1
    outer = 2 * u
    inner = 2 * torch.ones_like(x)
    return outer * inner
"""),
    # composite_derivative
    Mutant("composite_derivative with the factors the other way round", "composite_derivative", """
def composite_derivative(f, f_prime, g, g_prime, x):
    return f_prime(x) * g_prime(f(x))
"""),
    Mutant("composite_derivative naming the inner value, with torch.mul", "composite_derivative", """
def composite_derivative(f, f_prime, g, g_prime, x):
    u = f(x)
    return torch.mul(g_prime(u), f_prime(x))
"""),
    # backprop_by_hand
    Mutant("backprop_by_hand with torch.einsum", "backprop_by_hand", """
def backprop_by_hand(X, Y, W1, W2):
    N = X.shape[0]
    H = torch.sigmoid(torch.einsum("nd,hd->nh", X, W1))
    O = torch.einsum("nh,ch->nc", H, W2)
    dO = (O - Y) / N
    dW2 = torch.einsum("nc,nh->ch", dO, H)
    dZ = torch.einsum("nc,ch->nh", dO, W2) * H * (1 - H)
    dW1 = torch.einsum("nh,nd->hd", dZ, X)
    return dW1, dW2
"""),
    Mutant("backprop_by_hand with torch.mm and its own sigmoid, returning a list", "backprop_by_hand", """
def backprop_by_hand(X, Y, W1, W2):
    H = 1 / (1 + torch.exp(-torch.mm(X, W1.t())))
    O = torch.mm(H, W2.t())
    dO = (O - Y) / len(X)
    dZ = torch.mm(dO, W2) * H * (1 - H)
    return [torch.mm(dZ.t(), X), torch.mm(dO.t(), H)]
"""),
    Mutant("backprop_by_hand summing per-sample outer products in a loop", "backprop_by_hand", """
def backprop_by_hand(X, Y, W1, W2):
    dW1 = torch.zeros_like(W1)
    dW2 = torch.zeros_like(W2)
    for x, y in zip(X, Y):
        h = torch.sigmoid(W1 @ x)
        o = W2 @ h
        do = (o - y) / len(X)
        dW2 += torch.outer(do, h)
        dW1 += torch.outer((W2.T @ do) * h * (1 - h), x)
    return dW1, dW2
"""),
    Mutant("backprop_by_hand under torch.no_grad with matmul", "backprop_by_hand", """
def backprop_by_hand(X, Y, W1, W2):
    with torch.no_grad():
        H = torch.sigmoid(torch.matmul(X, W1.T))
        dO = (torch.matmul(H, W2.T) - Y) / X.shape[0]
        dW2 = torch.matmul(dO.T, H)
        dW1 = torch.matmul((torch.matmul(dO, W2) * H * (1 - H)).T, X)
    return dW1, dW2
"""),
    # backprop_with_autograd
    Mutant("backprop_with_autograd with torch.autograd.grad", "backprop_with_autograd", """
def backprop_with_autograd(X, Y, W1, W2):
    W1 = W1.detach().clone().requires_grad_(True)
    W2 = W2.detach().clone().requires_grad_(True)
    return torch.autograd.grad(two_layer_loss(X, Y, W1, W2), (W1, W2))
"""),
    Mutant("backprop_with_autograd with torch.func.grad over both weights", "backprop_with_autograd", """
def backprop_with_autograd(X, Y, W1, W2):
    return torch.func.grad(two_layer_loss, argnums=(2, 3))(X, Y, W1, W2)
"""),
    Mutant("backprop_with_autograd with clone().detach() and a list", "backprop_with_autograd", """
def backprop_with_autograd(X, Y, W1, W2):
    copies = [W.clone().detach().requires_grad_() for W in (W1, W2)]
    two_layer_loss(X, Y, *copies).backward()
    return [copy.grad for copy in copies]
"""),
]
