"""From a score matrix [N, num_classes] to predictions and an accuracy (lecture Part 04, "Representing the scores")."""

import torch

from autograder.testkit import describe, expect, expect_close, expect_tensor, graded, seeded

SECTION = "Part 04 · Representing the scores"


def scores(n, classes, seed):
    return torch.randn(n, classes, generator=seeded(seed))


def reference_predictions(score_matrix):
    return torch.tensor([max(range(len(row)), key=lambda k: row[k].item()) for row in score_matrix], dtype=torch.int64)


# predict_classes ------------------------------------------------------------------------


@graded(points=1, exercise="predict_classes", section=SECTION, visible=True)
def test_predict_classes_takes_the_best_class_of_every_sample(student):
    """scores of 7 samples and 10 classes give 7 predicted classes (argmax over the classes)"""
    s = scores(7, 10, seed=1)
    expect_tensor(student.predict_classes(s), reference_predictions(s), "predict_classes(scores) for scores of shape [7, 10]")


@graded(points=1, exercise="predict_classes", section=SECTION)
def test_predict_classes_keeps_the_batch_dimension(student):
    """a single sample gives a prediction tensor of shape [1]; the lecture's 3-class example predicts class 1"""
    s = scores(1, 10, seed=2)
    expect_tensor(student.predict_classes(s), reference_predictions(s), "predict_classes(scores) for scores of shape [1, 10]")
    lecture = torch.tensor([[0.5, 0.9, -0.5]])
    expect_tensor(student.predict_classes(lecture), torch.tensor([1]), "predict_classes(tensor([[0.5, 0.9, -0.5]]))")
    s = scores(5, 3, seed=3)
    expect_tensor(student.predict_classes(s), reference_predictions(s), "predict_classes(scores) for scores of shape [5, 3]")


# accuracy -------------------------------------------------------------------------------


def predictions_and_labels(n, n_right, seed, classes=10):
    """n predictions of which exactly n_right are right."""
    generator = seeded(seed)
    labels = torch.randint(0, classes, (n,), generator=generator)
    wrong = torch.randperm(n, generator=generator)[n_right:]
    predictions = labels.clone()
    predictions[wrong] = (labels[wrong] + torch.randint(1, classes, (len(wrong),), generator=generator)) % classes
    return predictions, labels


@graded(points=1, exercise="accuracy", section=SECTION, visible=True)
def test_accuracy_is_the_fraction_of_right_predictions(student):
    """3 right predictions out of 8 give an accuracy of 0.375"""
    predictions, labels = predictions_and_labels(8, 3, seed=4)
    expect_close(student.accuracy(predictions, labels), 0.375, "accuracy(predictions, labels) with 3 of 8 right", rel=1e-6)
    predictions, labels = predictions_and_labels(50, 41, seed=5)
    expect_close(student.accuracy(predictions, labels), 0.82, "accuracy(predictions, labels) with 41 of 50 right", rel=1e-6)


@graded(points=1, exercise="accuracy", section=SECTION)
def test_accuracy_is_a_python_float_between_zero_and_one(student):
    """accuracy returns a Python float: 1.0 when all are right, 0.0 when none is, also for one sample"""
    for n, n_right, expected in [(6, 6, 1.0), (6, 0, 0.0), (1, 1, 1.0), (5, 2, 0.4)]:
        predictions, labels = predictions_and_labels(n, n_right, seed=10 + n + n_right)
        result = student.accuracy(predictions, labels)
        what = f"accuracy(predictions, labels) with {n_right} of {n} right"
        hint = ": .item() turns a 0-dim tensor into a Python number" if isinstance(result, torch.Tensor) else ""
        expect(isinstance(result, float),
               f"{what} should be a Python float (the fraction of right predictions), got {describe(result)}{hint}")
        expect_close(result, expected, what, rel=1e-6)
