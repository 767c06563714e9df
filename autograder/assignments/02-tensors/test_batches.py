"""Batch-first image tensors [N, C, H, W] (lecture Part 04, "Datasets")."""

import torch
import torchvision
from torch.utils.data import default_collate

from autograder.testkit import dataset, expect_tensor, graded, seeded

SECTION = "Part 04 · Datasets"


def images(n, c=3, h=5, w=7, seed=0):
    """n different images of shape [c, h, w]: non-square, and c != n where it matters."""
    generator = seeded(seed)
    return [torch.randn(c, h, w, generator=generator) for _ in range(n)]


# stack_images ---------------------------------------------------------------------------


@graded(points=1, exercise="stack_images", section=SECTION, visible=True)
def test_stack_images_puts_the_batch_dimension_first(student):
    """4 images of shape [3, 5, 7] become one [4, 3, 5, 7] batch, and a single image a [1, 3, 5, 7] batch"""
    four = images(4, seed=1)
    expect_tensor(student.stack_images(four), torch.stack(four),
                  "stack_images(images) for 4 images of shape [3, 5, 7]")
    one = images(1, seed=2)
    expect_tensor(student.stack_images(one), one[0].unsqueeze(0),
                  "stack_images(images) for 1 image of shape [3, 5, 7]")


@graded(points=1, exercise="stack_images", section=SECTION)
def test_stack_images_builds_the_batch_a_dataloader_builds(student, data):
    """5 MNIST images ([1, 28, 28] each, after ToTensor) stack into the [5, 1, 28, 28] batch a DataLoader gives"""
    mnist = dataset(data, "MNIST", train=False, transform=torchvision.transforms.ToTensor())
    samples = [mnist[i][0] for i in range(5)]
    expected, _ = default_collate([mnist[i] for i in range(5)])
    expect_tensor(student.stack_images(samples), expected, "stack_images(images) for 5 MNIST images")
    two = images(2, c=2, h=3, w=4, seed=3)
    expect_tensor(student.stack_images([t.to(torch.float64) for t in two]), torch.stack(two).to(torch.float64),
                  "stack_images(images) for 2 float64 images of shape [2, 3, 4]")


# channels_last_to_first -----------------------------------------------------------------


def channels_last(n, h, w, c, seed):
    return torch.randn(n, h, w, c, generator=seeded(seed))


def reference_channels_first(batch):
    n, h, w, c = batch.shape
    result = torch.empty(n, c, h, w, dtype=batch.dtype)
    for channel in range(c):
        result[:, channel] = batch[..., channel]
    return result


@graded(points=1, exercise="channels_last_to_first", section=SECTION, visible=True)
def test_channels_last_to_first_moves_the_channels_before_height_and_width(student):
    """a [2, 5, 7, 3] batch (N, H, W, C) becomes [2, 3, 5, 7] (N, C, H, W), pixel for pixel"""
    batch = channels_last(2, 5, 7, 3, seed=4)
    expect_tensor(student.channels_last_to_first(batch), reference_channels_first(batch),
                  "channels_last_to_first(batch) for a batch of shape [2, 5, 7, 3]")
    batch = channels_last(1, 4, 6, 2, seed=5)
    expect_tensor(student.channels_last_to_first(batch), reference_channels_first(batch),
                  "channels_last_to_first(batch) for a batch of shape [1, 4, 6, 2]")


@graded(points=1, exercise="channels_last_to_first", section=SECTION)
def test_channels_last_to_first_reads_cifar10_pixels(student, data):
    """CIFAR-10's raw uint8 pixels [8, 32, 32, 3] become the [8, 3, 32, 32] images torchvision gives"""
    cifar = dataset(data, "CIFAR10", train=False)
    raw = torch.from_numpy(cifar.data[:8].copy())
    expected = torch.stack([torchvision.transforms.functional.pil_to_tensor(cifar[i][0]) for i in range(8)])
    expect_tensor(student.channels_last_to_first(raw), expected,
                  "channels_last_to_first(batch) for 8 CIFAR-10 images of shape [32, 32, 3], uint8")
