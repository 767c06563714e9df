"""Evaluating a model: mean loss per sample and accuracy (lecture Part 04 · Evaluating our model)."""

import pytest
import torch
import torch.nn.functional as F

from autograder.testkit import (describe, expect, expect_close, expect_right_value, expect_type, graded, seeded,
                                student_loader)

SECTION = "Part 04 · Evaluating our model"
SHAPE, CLASSES, N, BATCH = (1, 28, 28), 4, 21, 8  # MNIST-sized images, in batches of 8, 8 and 5 samples
CORRECT = {0, 5, 9, 14} | set(range(16, 21))   # 2 of 8, 2 of 8 and 5 of 5: 9 of 21 overall


def nn(student, name):
    return student.lib(f"torch.nn.{name}")


def reference_model(seed, dropout: bool):
    torch.manual_seed(seed)
    layers = [torch.nn.Flatten(), torch.nn.Linear(784, 16), torch.nn.ReLU()]
    layers += [torch.nn.Dropout(0.5)] if dropout else []
    return torch.nn.Sequential(*layers, torch.nn.Linear(16, CLASSES)).eval()


def student_twin(student, reference, device="cpu"):
    """The same layers and weights as `reference`, built in the student's process (in training mode)."""
    layers = [nn(student, "Flatten")(), nn(student, "Linear")(784, 16), nn(student, "ReLU")()]
    layers += [nn(student, "Dropout")(0.5)] if len(reference) == 5 else []
    model = nn(student, "Sequential")(*layers, nn(student, "Linear")(16, CLASSES))
    model.load_state_dict({name: tensor.detach() for name, tensor in reference.state_dict().items()})
    return model.to(device)


def problem(seed, dropout=False):
    """Images, a model, and labels chosen so that exactly the samples in CORRECT are predicted right."""
    model = reference_model(seed, dropout)
    x = torch.randn(N, *SHAPE, generator=seeded(seed))
    with torch.no_grad():
        predictions = model(x).argmax(dim=1)
    y = torch.tensor([p if i in CORRECT else (p + 1) % CLASSES for i, p in enumerate(predictions.tolist())])
    return x, y, model


def reference_result(model, x, y):
    with torch.no_grad():
        scores = model(x)
    return F.cross_entropy(scores, y).item(), (scores.argmax(dim=1) == y).double().mean().item()




def expect_pair(result):
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"evaluate should return a pair (mean_loss, accuracy), got {describe(result)}")
    loss, accuracy = result
    expect_type(loss, float, "the mean loss returned by evaluate (use .item())")
    expect_type(accuracy, float, "the accuracy returned by evaluate (a Python float, e.g. correct / total)")
    return loss, accuracy


def expect_result(loss, accuracy, expected_loss, expected_accuracy):
    expect_close(loss, expected_loss, "the mean loss per sample of the model you were given", rel=1e-5)
    expect_close(accuracy, expected_accuracy,
                 "the accuracy (9 of 21 samples are right: 2 of 8, 2 of 8 and 5 of 5 per batch)", rel=1e-9)


@graded(points=2, exercise="evaluate", section=SECTION, visible=True)
def test_evaluate_averages_over_samples_with_a_smaller_last_batch(student):
    """evaluate returns the mean loss per sample and the accuracy over all 21 samples (batches of 8, 8 and 5)"""
    x, y, model = problem(70)
    expected_loss, expected_accuracy = reference_result(model, x, y)
    loss, accuracy = expect_pair(student.evaluate(student_twin(student, model), student_loader(student, x, y, BATCH),
                                                  nn(student, "CrossEntropyLoss")(), "cpu"))
    expect_result(loss, accuracy, expected_loss, expected_accuracy)


@graded(points=1, exercise="evaluate", section=SECTION)
def test_evaluate_puts_the_model_in_evaluation_mode(student):
    """evaluate switches the model to evaluation mode (a model with dropout gives its eval-mode result)"""
    x, y, model = problem(71, dropout=True)
    expected_loss, expected_accuracy = reference_result(model, x, y)
    twin = student_twin(student, model)
    loss, accuracy = expect_pair(student.evaluate(twin, student_loader(student, x, y, BATCH), nn(student, "CrossEntropyLoss")(), "cpu"))
    expect_close(loss, expected_loss, "the mean loss of a model with dropout (dropout must be off: model.eval())", rel=1e-5)
    expect_close(accuracy, expected_accuracy, "the accuracy of a model with dropout (dropout must be off: model.eval())", rel=1e-9)
    expect(twin.training is False, "after evaluate the model is still in training mode: call model.eval() first")


@graded(points=1, exercise="evaluate", section=SECTION)
def test_evaluate_builds_no_autograd_graph(student):
    """evaluate runs the model under torch.no_grad(): the outputs it passes to loss_fn need no gradients"""
    x, y, model = problem(72)
    seen = []

    def loss_fn(outputs, labels):
        seen.append((bool(outputs.requires_grad), len(labels)))
        return F.cross_entropy(outputs.detach(), labels)

    loss, accuracy = expect_pair(student.evaluate(student_twin(student, model), student_loader(student, x, y, BATCH), loss_fn, "cpu"))
    expect_right_value(lambda: expect_result(loss, accuracy, *reference_result(model, x, y)))
    expect([size for _, size in seen] == [8, 8, 5], f"loss_fn should be called once per batch (8, 8 and 5 samples), got batches of {[size for _, size in seen]}")
    expect(not any(grad for grad, _ in seen),
           "the model's outputs require gradients, so autograd builds a graph during evaluation: wrap the loop in `with torch.no_grad():`")


@pytest.mark.gpu
@graded(points=1, exercise="evaluate", section=SECTION, timeout=30)
def test_evaluate_moves_each_batch_to_the_device(student, device):
    """evaluate moves each batch to the device of the model (CUDA)"""
    x, y, model = problem(73)
    expected_loss, expected_accuracy = reference_result(model, x, y)
    loss, accuracy = expect_pair(student.evaluate(student_twin(student, model, device), student_loader(student, x, y, BATCH),
                                                  nn(student, "CrossEntropyLoss")(), device))
    expect_close(loss, expected_loss, "the mean loss per sample on the GPU", rel=1e-4)
    expect_close(accuracy, expected_accuracy, "the accuracy on the GPU", rel=1e-9)
