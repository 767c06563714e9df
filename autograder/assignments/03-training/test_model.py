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


@graded(points=1, exercise="MNISTModel", section=SECTION, visible=True)
def test_mnist_model_gives_ten_scores_per_image(student):
    """MNISTModel maps a batch [N, 1, 28, 28] to scores [N, 10], for N = 1 and N = 5"""
    model = student.MNISTModel()
    for n in (1, 5):
        x = torch.randn(n, 1, 28, 28, generator=seeded(30 + n))
        expect_scores(model, x, f"MNISTModel()(x) for a batch of {n} image{'s' if n > 1 else ''} [{n}, 1, 28, 28]")
    expect_scores(model, torch.randn(3, 784, generator=seeded(33)), "MNISTModel()(x) for an already flat batch [3, 784]")


@graded(points=1, exercise="MNISTModel", section=SECTION)
def test_mnist_model_has_the_lecture_layers(student):
    """MNISTModel has fc1 (784 -> 512) and fc2 (512 -> 10): 407 050 parameters"""
    model = student.MNISTModel()
    shapes = {name: list(tensor.shape) for name, tensor in model.state_dict().items()}
    expect(shapes == LAYERS, f"expected the layers {LAYERS} (names from the state_dict), got {shapes}")
    count = sum(parameter.numel() for parameter in model.parameters())
    expect(count == N_PARAMETERS, f"MNISTModel should have {N_PARAMETERS} parameters, got {count}")


@graded(points=1, exercise="MNISTModel", section=SECTION)
def test_mnist_model_computes_fc2_relu_fc1(student):
    """MNISTModel computes fc2(relu(fc1(x flattened))) and returns raw scores (no softmax)"""
    generator = seeded(34)
    weights = {name: torch.randn(*shape, generator=generator) * 0.05 for name, shape in LAYERS.items()}
    weights["fc1.bias"] = torch.randn(512, generator=generator) * 0.5  # about half the hidden units negative before the ReLU
    model = student.MNISTModel()
    model.load_state_dict(weights)
    x = torch.randn(4, 1, 28, 28, generator=generator)
    hidden = torch.clamp(x.flatten(1) @ weights["fc1.weight"].T + weights["fc1.bias"], min=0)
    expected = hidden @ weights["fc2.weight"].T + weights["fc2.bias"]
    expect_tensor(expect_scores(model, x, "MNISTModel with known weights"), expected,
                  "the scores of MNISTModel with known weights", rtol=1e-4, atol=1e-5)
