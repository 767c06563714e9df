"""Binary and multi-class cross-entropy, built from elementary operations (lecture Part 04)."""

import torch
import torch.nn.functional as F

from autograder.testkit import ban, expect_right_value, expect_tensor, graded, seeded, watch

BCE_SECTION = "Part 04 · Loss functions for training"
CE_SECTION = "Part 04 · Cross-entropy Loss"
BCE_BUILT_IN = ban("a built-in binary cross-entropy", F.binary_cross_entropy, F.binary_cross_entropy_with_logits,
                   torch.binary_cross_entropy_with_logits, torch.nn.BCELoss, torch.nn.BCEWithLogitsLoss)
CE_BUILT_IN = ban("a built-in cross-entropy, nll_loss, log_softmax or logsumexp", F.cross_entropy, torch.nn.CrossEntropyLoss,
                  F.nll_loss, torch.nn.NLLLoss, F.log_softmax, torch.log_softmax, torch.Tensor.log_softmax, torch.nn.LogSoftmax,
                  torch.special.log_softmax, torch.logsumexp, torch.Tensor.logsumexp, torch.special.logsumexp)


def probabilities(seed, *shape, dtype=torch.float64):
    return torch.rand(*shape, dtype=dtype, generator=seeded(seed)) * 0.98 + 0.01


def hard_labels(seed, *shape, dtype=torch.float64):
    return (torch.rand(*shape, generator=seeded(seed)) > 0.5).to(dtype)


def watched_bce(student, cells):
    return watch(student, cells, "binary_cross_entropy", BCE_BUILT_IN)


@graded(points=1, exercise="binary_cross_entropy", section=BCE_SECTION, visible=True)
def test_binary_cross_entropy_matches_torch(student, submitted_cells):
    """binary_cross_entropy equals F.binary_cross_entropy for 0/1 labels and for soft labels"""
    binary_cross_entropy = watched_bce(student, submitted_cells)
    p, y = probabilities(11, 5, 3), hard_labels(12, 5, 3)
    expect_tensor(binary_cross_entropy(p, y), F.binary_cross_entropy(p, y),
                  "binary_cross_entropy(p, y) for p [5, 3] and 0/1 labels", rtol=1e-9)
    p, y = probabilities(13, 7, dtype=torch.float32), torch.rand(7, generator=seeded(14))
    expect_tensor(binary_cross_entropy(p, y), F.binary_cross_entropy(p, y),
                  "binary_cross_entropy(p, y) for float32 p [7] and soft labels in [0, 1]", rtol=1e-5, atol=1e-7)


@graded(points=1, exercise="binary_cross_entropy", section=BCE_SECTION)
def test_binary_cross_entropy_is_finite_at_0_and_1(student, submitted_cells):
    """binary_cross_entropy stays finite at p = 0 and p = 1 (each log clamped at -100, like BCELoss)"""
    p = torch.tensor([0.0, 1.0, 0.0, 1.0, 1e-30, 0.5])
    y = torch.tensor([0.0, 0.0, 1.0, 1.0, 1.0, 0.25])
    expect_tensor(watched_bce(student, submitted_cells)(p, y), F.binary_cross_entropy(p, y),
                  "binary_cross_entropy for p = [0, 1, 0, 1, 1e-30, 0.5] and y = [0, 0, 1, 1, 1, 0.25]", rtol=1e-5)


@graded(points=1, exercise="binary_cross_entropy", section=BCE_SECTION)
def test_binary_cross_entropy_is_built_by_hand(student, submitted_cells):
    """binary_cross_entropy does not call F.binary_cross_entropy or nn.BCELoss"""
    binary_cross_entropy = watched_bce(student, submitted_cells)
    p, y = probabilities(15, 4), hard_labels(16, 4)
    result = binary_cross_entropy(p, y)
    expect_right_value(lambda: expect_tensor(result, F.binary_cross_entropy(p, y), "binary_cross_entropy(p, y) for p [4]", rtol=1e-9))
    binary_cross_entropy.expect_not_used("write the formula with torch.log, torch.clamp and arithmetic")


def logits_and_targets(seed, n, classes, scale=1.0, dtype=torch.float64):
    generator = seeded(seed)
    logits = torch.randn(n, classes, dtype=dtype, generator=generator) * scale
    return logits, torch.randint(0, classes, (n,), generator=generator)


def watched_cross_entropy(student, cells):
    return watch(student, cells, "cross_entropy", CE_BUILT_IN)


@graded(points=1, exercise="cross_entropy", section=CE_SECTION, visible=True)
def test_cross_entropy_matches_torch(student, submitted_cells):
    """cross_entropy equals F.cross_entropy for a batch of 7 samples with 4 classes, and for a single sample"""
    cross_entropy = watched_cross_entropy(student, submitted_cells)
    for n, classes, seed in ((7, 4, 21), (1, 5, 22)):
        logits, targets = logits_and_targets(seed, n, classes, scale=3.0)
        expect_tensor(cross_entropy(logits, targets), F.cross_entropy(logits, targets),
                      f"cross_entropy for logits [{n}, {classes}]", rtol=1e-9)


@graded(points=1, exercise="cross_entropy", section=CE_SECTION)
def test_cross_entropy_is_stable_for_large_scores(student, submitted_cells):
    """cross_entropy stays exact for scores in the thousands (float32)"""
    logits, targets = logits_and_targets(23, 6, 3, scale=1000.0, dtype=torch.float32)
    logits[0] = torch.tensor([-3000.0, -2000.0, -2500.0])
    targets[0] = 0
    expect_tensor(watched_cross_entropy(student, submitted_cells)(logits, targets), F.cross_entropy(logits, targets),
                  "cross_entropy for float32 scores in the thousands", rtol=1e-5)


@graded(points=1, exercise="cross_entropy", section=CE_SECTION)
def test_cross_entropy_is_built_by_hand(student, submitted_cells):
    """cross_entropy does not call a built-in cross-entropy, nll_loss, log_softmax or logsumexp"""
    cross_entropy = watched_cross_entropy(student, submitted_cells)
    logits, targets = logits_and_targets(24, 5, 3)
    result = cross_entropy(logits, targets)
    expect_right_value(lambda: expect_tensor(result, F.cross_entropy(logits, targets), "cross_entropy for logits [5, 3]", rtol=1e-9))
    cross_entropy.expect_not_used("write the log-sum-exp trick with max, exp, log and sum")
