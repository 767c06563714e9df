"""Batch normalization by hand: batch statistics, running statistics, train vs eval (lecture Part 05)."""

import torch
import torch.nn.functional as F

from autograder.testkit import (ban, expect_right_value, expect_tensor, graded, seeded,
                                watch)

SECTION = "Part 05 · Keeping activation in check: Batch Normalization"
NORM_CALLS = ban("a built-in normalization", F.batch_norm, F.instance_norm, F.layer_norm, F.group_norm, torch.batch_norm,
                 torch.native_batch_norm, torch.instance_norm, torch.layer_norm, torch.group_norm, torch.nn.modules.batchnorm,
                 torch.nn.modules.instancenorm, torch.nn.modules.normalization)


def case(seed, shape):
    """Inputs with a different mean and spread per channel, and running statistics far from them."""
    generator = seeded(seed)
    channels = shape[1]
    scale = (torch.rand(channels, dtype=torch.float64, generator=generator) * 3 + 0.5).view(1, -1, *[1] * (len(shape) - 2))
    shift = (torch.randn(channels, dtype=torch.float64, generator=generator) * 4).view(1, -1, *[1] * (len(shape) - 2))
    x = torch.randn(*shape, dtype=torch.float64, generator=generator) * scale + shift
    running_mean = torch.randn(channels, dtype=torch.float64, generator=generator)
    running_var = torch.rand(channels, dtype=torch.float64, generator=generator) + 0.5
    return x, running_mean, running_var


def watched(student, cells):
    return watch(student, cells, "batch_norm", NORM_CALLS)


def reference(x, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    """(output, running_mean after, running_var after), from PyTorch's own batch norm."""
    mean, var = running_mean.clone(), running_var.clone()
    out = F.batch_norm(x, mean, var, training=training, momentum=momentum, eps=eps)
    return out, mean, var


@graded(points=1, exercise="batch_norm", section=SECTION, visible=True)
def test_batch_norm_normalizes_each_feature_over_the_batch(student, submitted_cells):
    """in training, batch_norm normalizes each column of [N, C] with the batch mean and biased variance"""
    batch_norm = watched(student, submitted_cells)
    x, running_mean, running_var = case(seed=1, shape=(6, 4))
    expected, _, _ = reference(x, running_mean, running_var, training=True)
    expect_tensor(batch_norm(x, running_mean, running_var, True),
                  expected, "batch_norm(x, running_mean, running_var, training=True) for x of shape [6, 4]", rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="batch_norm", section=SECTION)
def test_batch_norm_normalizes_each_channel_of_feature_maps(student, submitted_cells):
    """in training, batch_norm normalizes each channel of [N, C, H, W] over N, H and W together"""
    batch_norm = watched(student, submitted_cells)
    x, running_mean, running_var = case(seed=2, shape=(5, 3, 4, 7))
    expected, _, _ = reference(x, running_mean, running_var, training=True, momentum=0.1, eps=0.01)
    expect_tensor(batch_norm(x, running_mean, running_var, True, 0.1, 0.01), expected,
                  "batch_norm(x, running_mean, running_var, training=True, momentum=0.1, eps=0.01) for x of shape [5, 3, 4, 7]",
                  rtol=1e-9, atol=1e-12)


@graded(points=2, exercise="batch_norm", section=SECTION)
def test_batch_norm_updates_the_running_statistics_in_place(student, submitted_cells):
    """in training, batch_norm moves running_mean and running_var towards the batch statistics, in place"""
    batch_norm = watched(student, submitted_cells)
    for seed, shape, momentum in ((3, (5, 3, 4, 7), 0.3), (4, (9, 2), 0.1)):
        x, running_mean, running_var = case(seed=seed, shape=shape)
        expected, expected_mean, expected_var = reference(x, running_mean, running_var, training=True, momentum=momentum)
        result, after = batch_norm.inputs_after(x, running_mean, running_var, True, momentum, 1e-5)
        call = f"batch_norm(x, running_mean, running_var, training=True, momentum={momentum}) for x of shape {list(shape)}"
        expect_right_value(lambda: expect_tensor(result, expected, call, rtol=1e-9, atol=1e-12))
        expect_tensor(after[1], expected_mean, f"the caller's running_mean after {call} "
                      "((1 - momentum) * running_mean + momentum * batch mean, updated in place)", rtol=1e-9, atol=1e-12)
        expect_tensor(after[2], expected_var, f"the caller's running_var after {call} "
                      "((1 - momentum) * running_var + momentum * UNBIASED batch variance, updated in place)", rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="batch_norm", section=SECTION)
def test_batch_norm_in_evaluation_uses_the_running_statistics(student, submitted_cells):
    """in evaluation, batch_norm uses the running statistics, keeps them, and treats each sample on its own"""
    batch_norm = watched(student, submitted_cells)
    x, running_mean, running_var = case(seed=5, shape=(4, 3, 5, 6))
    expected, _, _ = reference(x, running_mean, running_var, training=False)
    original_mean, original_var = running_mean.clone(), running_var.clone()
    result, after = batch_norm.inputs_after(x, running_mean, running_var, False)
    expect_tensor(result, expected, "batch_norm(x, running_mean, running_var, training=False) "
                  "((x - running_mean) / sqrt(running_var + eps), per channel)", rtol=1e-9, atol=1e-12)
    expect_tensor(after[1], original_mean, "running_mean after a call with training=False (it must not change)", rtol=0, atol=0)
    expect_tensor(after[2], original_var, "running_var after a call with training=False (it must not change)", rtol=0, atol=0)
    alone = batch_norm(x[2:3], original_mean.clone(), original_var.clone(), False)
    expect_tensor(alone, expected[2:3], "batch_norm(x[2:3], ..., training=False): in evaluation one sample alone gives "
                  "its row of the batch's result", rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="batch_norm", section=SECTION)
def test_batch_norm_is_written_by_hand(student, submitted_cells):
    """batch_norm does not call PyTorch's batch norm"""
    batch_norm = watched(student, submitted_cells)
    x, running_mean, running_var = case(seed=6, shape=(4, 3, 2, 5))
    result = batch_norm(x, running_mean, running_var, True)
    expect_right_value(lambda: expect_tensor(result, reference(x, running_mean, running_var, training=True)[0],
                                             "batch_norm(x, running_mean, running_var, training=True) for x of shape [4, 3, 2, 5]",
                                             rtol=1e-9, atol=1e-12))
    batch_norm.expect_not_used("compute the mean and variance yourself (x.mean, x.var)")
