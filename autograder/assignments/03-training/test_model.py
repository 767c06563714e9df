"""The fully connected MNIST model (lecture Part 04 · A fully connected model)."""

import torch

from autograder.testkit import describe, expect, expect_tensor, graded, seeded

SECTION = "Part 04 · A fully connected model"
LAYERS = {"fc1.weight": [512, 784], "fc1.bias": [512], "fc2.weight": [10, 512], "fc2.bias": [10]}
N_PARAMETERS = 784 * 512 + 512 + 512 * 10 + 10


def expect_scores(model, x, what):
    out = model(x)
    expect(isinstance(out, torch.Tensor), f"{what} should return a tensor, got {describe(out)}")
    expect(list(out.shape) == [x.shape[0], 10],
           f"{what} should give scores of shape [{x.shape[0]}, 10] (one row per image), got {list(out.shape)}")
    return out


def known_weights(seed, hidden_bias=0.05):
    generator = seeded(seed)
    weights = {name: torch.randn(*shape, generator=generator) * 0.05 for name, shape in LAYERS.items()}
    weights["fc1.bias"] = torch.randn(512, generator=generator) * hidden_bias
    return weights


def reference_scores(weights, x):
    hidden = torch.clamp(x.flatten(1) @ weights["fc1.weight"].T + weights["fc1.bias"], min=0)
    return hidden @ weights["fc2.weight"].T + weights["fc2.bias"]


def student_model_with(student, weights):
    """The student's MNISTModel holding the grader's weights: what it computes with them decides the points."""
    model = student.MNISTModel()
    shapes = {name: list(tensor.shape) for name, tensor in model.state_dict().items()}
    expect(shapes == LAYERS, f"expected the layers {LAYERS} (names from the state_dict), got {shapes}")
    model.load_state_dict(weights)
    return model


def expect_known_scores(model, weights, x, what):
    expect_tensor(expect_scores(model, x, what), reference_scores(weights, x), f"the scores of {what}", rtol=1e-4, atol=1e-5)


@graded(points=1, exercise="MNISTModel", section=SECTION, visible=True)
def test_mnist_model_gives_ten_scores_per_image(student):
    """MNISTModel maps a batch [N, 1, 28, 28] to scores [N, 10], for N = 1 and N = 5"""
    weights = known_weights(30)
    model = student_model_with(student, weights)
    for n in (1, 5):
        x = torch.randn(n, 1, 28, 28, generator=seeded(30 + n))
        expect_known_scores(model, weights, x, f"MNISTModel()(x) for a batch of {n} image{'s' if n > 1 else ''} [{n}, 1, 28, 28]")
    expect_known_scores(model, weights, torch.randn(3, 784, generator=seeded(33)), "MNISTModel()(x) for an already flat batch [3, 784]")


@graded(points=1, exercise="MNISTModel", section=SECTION)
def test_mnist_model_has_the_lecture_layers(student):
    """MNISTModel has fc1 (784 -> 512) and fc2 (512 -> 10): 407 050 parameters"""
    model = student.MNISTModel()
    count = sum(parameter.numel() for parameter in model.parameters())
    expect(count == N_PARAMETERS, f"MNISTModel should have {N_PARAMETERS} parameters, got {count}")
    weights = known_weights(35)
    model = student_model_with(student, weights)
    x = torch.randn(4, 784, generator=seeded(36))
    expect_tensor(model.fc1(x), x @ weights["fc1.weight"].T + weights["fc1.bias"], "model.fc1(x) with known weights",
                  rtol=1e-4, atol=1e-5)
    hidden = torch.randn(4, 512, generator=seeded(37))
    expect_tensor(model.fc2(hidden), hidden @ weights["fc2.weight"].T + weights["fc2.bias"], "model.fc2(h) with known weights",
                  rtol=1e-4, atol=1e-5)
    expect_known_scores(model, weights, x.view(4, 1, 28, 28), "MNISTModel with known weights")


@graded(points=1, exercise="MNISTModel", section=SECTION)
def test_mnist_model_computes_fc2_relu_fc1(student):
    """MNISTModel computes fc2(relu(fc1(x flattened))) and returns raw scores (no softmax)"""
    weights = known_weights(34, hidden_bias=0.5)  # about half the hidden units negative before the ReLU
    model = student_model_with(student, weights)
    expect_known_scores(model, weights, torch.randn(4, 1, 28, 28, generator=seeded(38)), "MNISTModel with known weights")
