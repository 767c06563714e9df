"""The L2 penalty, one SGD step with it, and the equivalent weight_decay (lecture Part 05)."""

import torch
import torch.nn.functional as F

from autograder.testkit import expect, expect_close, expect_tensor, graded, seeded

SECTION = "Part 05 · Keeping the parameters in check: weight penalties"

# A 4 -> 6 -> 3 network (nn.Sequential(Linear, Tanh, Linear)): different sizes on every axis.
MLP_SHAPES = {"0.weight": (6, 4), "0.bias": (6,), "2.weight": (3, 6), "2.bias": (3,)}
LINEAR_SHAPES = {"weight": (3, 5), "bias": (3,)}


def known_weights(shapes, seed):
    generator = seeded(seed)
    return {name: torch.randn(*shape, dtype=torch.float64, generator=generator) for name, shape in shapes.items()}


def student_linear(student, weights):
    """nn.Linear(5, 3) in float64, built in the student's process and set to `weights`."""
    model = student.lib("torch.nn.Linear")(5, 3, dtype=torch.float64)
    model.load_state_dict(weights)
    return model


def student_mlp(student, weights):
    """nn.Sequential(Linear(4, 6), Tanh(), Linear(6, 3)) in float64, built in the student's process."""
    linear = student.lib("torch.nn.Linear")
    model = student.lib("torch.nn.Sequential")(
        linear(4, 6, dtype=torch.float64), student.lib("torch.nn.Tanh")(), linear(6, 3, dtype=torch.float64))
    model.load_state_dict(weights)
    return model


def linear_forward(weights, x):
    return F.linear(x, weights["weight"], weights["bias"])


def mlp_forward(weights, x):
    hidden = torch.tanh(F.linear(x, weights["0.weight"], weights["0.bias"]))
    return F.linear(hidden, weights["2.weight"], weights["2.bias"])


def penalty(weights, l2_lambda):
    return l2_lambda * sum((p ** 2).sum() for p in weights.values())


def penalty_step(weights, forward, x, y, lr, l2_lambda):
    """The reference: one plain gradient descent step on cross-entropy + penalty. Returns (weights, loss)."""
    params = {name: value.clone().requires_grad_() for name, value in weights.items()}
    loss = F.cross_entropy(forward(params, x), y) + penalty(params, l2_lambda)
    grads = torch.autograd.grad(loss, list(params.values()))
    return {name: (p - lr * g).detach() for (name, p), g in zip(params.items(), grads)}, loss.item()


def batch(seed, n=7, features=5, classes=3):
    generator = seeded(seed)
    x = torch.randn(n, features, dtype=torch.float64, generator=generator)
    return x, torch.randint(0, classes, (n,), generator=generator)


def expect_weights(actual, expected, what):
    expect(sorted(actual) == sorted(expected), f"{what}: expected the parameters {sorted(expected)}, got {sorted(actual)}")
    for name, value in expected.items():
        expect_tensor(actual[name], value, f"{what}, {name}", rtol=1e-10, atol=1e-12)


# l2_penalty ------------------------------------------------------------------


@graded(points=1, exercise="l2_penalty", section=SECTION, visible=True)
def test_l2_penalty_sums_the_squares_of_all_parameters(student):
    """l2_penalty is lambda times the sum of the squares of every parameter"""
    weights = known_weights(MLP_SHAPES, seed=1)
    for l2_lambda in (0.1, 0.003):
        result = student.l2_penalty(student_mlp(student, weights), l2_lambda)
        expect_tensor(result, penalty(weights, l2_lambda).detach(), f"l2_penalty(model, {l2_lambda}) on a 4-6-3 network",
                      rtol=1e-10, atol=1e-12)


@graded(points=1, exercise="l2_penalty", section=SECTION)
def test_l2_penalty_includes_the_biases(student):
    """l2_penalty counts the biases too"""
    weights = {"weight": torch.zeros(3, 5, dtype=torch.float64), "bias": torch.tensor([1.5, -2.0, 0.5], dtype=torch.float64)}
    result = student.l2_penalty(student_linear(student, weights), 0.1)
    expect(isinstance(result, torch.Tensor), f"l2_penalty should return a 0-dim tensor, got {result!r}")
    expect(torch.isclose(result.detach().double(), torch.tensor(0.65, dtype=torch.float64), rtol=1e-10),
           f"for an nn.Linear with zero weights and bias [1.5, -2, 0.5], l2_penalty(model, 0.1) should be "
           f"0.1 * (2.25 + 4 + 0.25) = 0.65, got {result.item():.6g}: every parameter counts, biases included")


@graded(points=1, exercise="l2_penalty", section=SECTION)
def test_l2_penalty_stays_connected_to_the_parameters(student):
    """l2_penalty keeps the autograd graph, so that backward() reaches the parameters"""
    weights = known_weights(MLP_SHAPES, seed=2)
    result = student.l2_penalty(student_mlp(student, weights), 0.01)
    expect_tensor(result, penalty(weights, 0.01), "l2_penalty(model, 0.01) on a 4-6-3 network", rtol=1e-10, atol=1e-12)
    expect(result.requires_grad,
           "the penalty does not require grad, so adding it to the loss changes nothing in backward(): "
           "compute it from the parameters themselves, not from p.detach(), p.data, .item() or the state_dict")


@graded(points=1, exercise="l2_penalty", section=SECTION)
def test_l2_penalty_leaves_out_the_batch_norm_running_statistics(student):
    """l2_penalty sums the parameters only, not buffers such as BatchNorm's running statistics"""
    generator = seeded(3)
    weights = {
        "0.weight": torch.randn(4, 3, dtype=torch.float64, generator=generator),
        "0.bias": torch.randn(4, dtype=torch.float64, generator=generator),
        "1.weight": torch.randn(4, dtype=torch.float64, generator=generator),
        "1.bias": torch.randn(4, dtype=torch.float64, generator=generator),
    }
    buffers = {
        "1.running_mean": torch.randn(4, dtype=torch.float64, generator=generator) + 2,
        "1.running_var": torch.rand(4, dtype=torch.float64, generator=generator) + 3,
        "1.num_batches_tracked": torch.tensor(7),
    }
    model = student.lib("torch.nn.Sequential")(
        student.lib("torch.nn.Linear")(3, 4, dtype=torch.float64),
        student.lib("torch.nn.BatchNorm1d")(4, dtype=torch.float64))
    model.load_state_dict({**weights, **buffers})
    result = student.l2_penalty(model, 0.2)
    expect_tensor(result, penalty(weights, 0.2), "l2_penalty(model, 0.2) for Linear(3, 4) followed by BatchNorm1d(4) "
                  "(use model.parameters(): the running mean and variance are buffers, not parameters)",
                  rtol=1e-10, atol=1e-12)


# sgd_step_with_penalty ---------------------------------------------------------


def expect_total_loss(result, expected):
    expect_close(result, expected, "the value returned by sgd_step_with_penalty (cross-entropy + penalty before the step)", rel=1e-9)


@graded(points=1, exercise="sgd_step_with_penalty", section=SECTION, visible=True)
def test_sgd_step_with_penalty_takes_one_penalized_step(student):
    """sgd_step_with_penalty takes one plain gradient descent step on loss + penalty"""
    weights = known_weights(LINEAR_SHAPES, seed=11)
    x, y = batch(seed=12)
    model = student_linear(student, weights)
    result = student.sgd_step_with_penalty(model, student.lib("torch.nn.CrossEntropyLoss")(), x, y, 0.5, 0.05)
    expected, total = penalty_step(weights, linear_forward, x, y, lr=0.5, l2_lambda=0.05)
    expect_total_loss(result, total)
    expect_weights(model.state_dict(), expected,
                   "nn.Linear(5, 3) after sgd_step_with_penalty(model, CrossEntropyLoss(), x, y, lr=0.5, l2_lambda=0.05)")


@graded(points=1, exercise="sgd_step_with_penalty", section=SECTION)
def test_sgd_step_with_penalty_starts_each_step_from_zero_gradients(student):
    """two calls of sgd_step_with_penalty take two clean steps (no leftover gradients)"""
    weights = known_weights(MLP_SHAPES, seed=13)
    model = student_mlp(student, weights)
    loss_fn = student.lib("torch.nn.CrossEntropyLoss")()
    expected = weights
    for seed in (14, 15):
        x, y = batch(seed=seed, n=9, features=4)
        result = student.sgd_step_with_penalty(model, loss_fn, x, y, 0.3, 0.02)
        expected, total = penalty_step(expected, mlp_forward, x, y, lr=0.3, l2_lambda=0.02)
        expect_total_loss(result, total)
    expect_weights(model.state_dict(), expected,
                   "a 4-6-3 network after two calls of sgd_step_with_penalty (are the gradients zeroed before backward()?)")


@graded(points=1, exercise="sgd_step_with_penalty", section=SECTION)
def test_sgd_step_with_penalty_returns_the_total_loss(student):
    """sgd_step_with_penalty returns the loss plus the penalty, before the step"""
    weights = known_weights(LINEAR_SHAPES, seed=16)
    x, y = batch(seed=17)
    result = student.sgd_step_with_penalty(student_linear(student, weights), student.lib("torch.nn.CrossEntropyLoss")(),
                                           x, y, 0.5, 0.05)
    expect_total_loss(result, penalty_step(weights, linear_forward, x, y, lr=0.5, l2_lambda=0.05)[1])


# equivalent_weight_decay -------------------------------------------------------


def weight_decay_step(weights, x, y, lr, weight_decay):
    """One step of torch.optim.SGD with `weight_decay` on the data loss alone, in the grader."""
    model = torch.nn.Linear(5, 3, dtype=torch.float64)
    model.load_state_dict(weights)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimizer.step()
    return {name: value.detach() for name, value in model.state_dict().items()}


def expect_same_step(student, l2_lambda, seed):
    decay = student.equivalent_weight_decay(l2_lambda)
    if isinstance(decay, torch.Tensor) and decay.numel() == 1:
        decay = decay.item()
    expect(isinstance(decay, (int, float)) and not isinstance(decay, bool),
           f"equivalent_weight_decay({l2_lambda}) should return a number, got {decay!r}")
    weights = known_weights(LINEAR_SHAPES, seed=seed)
    x, y = batch(seed=seed + 1)
    expected, _ = penalty_step(weights, linear_forward, x, y, lr=0.5, l2_lambda=l2_lambda)
    expect(decay >= 0, f"equivalent_weight_decay({l2_lambda}) is {decay:g}; weight_decay must be >= 0 (it pulls the weights towards 0)")
    got = weight_decay_step(weights, x, y, lr=0.5, weight_decay=decay)
    expect_weights(got, expected, f"one SGD step with weight_decay=equivalent_weight_decay({l2_lambda}) = {decay:g}, "
                                  f"compared with the step on the loss + l2_penalty(model, {l2_lambda}) (compare the gradient of "
                                  "lambda * p ** 2 with SGD's update p - lr * (grad + weight_decay * p))")


@graded(points=1, exercise="equivalent_weight_decay", section=SECTION, visible=True)
def test_weight_decay_gives_the_same_step_as_the_penalty(student):
    """SGD with equivalent_weight_decay(lambda) takes the same step as the L2 penalty"""
    expect_same_step(student, 0.05, seed=21)


@graded(points=1, exercise="equivalent_weight_decay", section=SECTION)
def test_weight_decay_matches_the_penalty_for_other_lambdas(student):
    """equivalent_weight_decay works for other values of lambda"""
    for l2_lambda, seed in ((0.3, 23), (1e-3, 25)):
        expect_same_step(student, l2_lambda, seed=seed)
