"""Per-channel statistics of a training set and the Normalize transform built from them (lecture Part 04)."""

import functools

import torch

from autograder import testkit
from autograder.testkit import Mismatch, describe, expect, expect_tensor, graded, seeded

SECTION = "Part 04 · Normalizing the data"
MAX_IMAGES = 3000  # the fixtures are smaller; the real data sets are cut to their first 3000 images
# Sample (n - 1) and population (n) standard deviations differ by a factor sqrt(n / (n - 1)):
# below 1e-6 on the data sets, 3e-4 on the small one. Real mistakes are off by percents.
RTOL = 1e-3


def student_training_images(student, data, name):
    """The training split of `name` with ToTensor, built in the student's process."""
    dataset = testkit.dataset(data, name, True, transform=student.lib("torchvision.transforms.ToTensor")(), student=student)
    if len(dataset) > MAX_IMAGES:
        dataset = student.lib("torch.utils.data.Subset")(dataset, list(range(MAX_IMAGES)))
    return dataset


@functools.cache  # the same for every submission: computed once per grading process
def reference_pixels(data, name) -> torch.Tensor:
    """The same images as float64 [N, C, H, W] in [0, 1], read from the raw arrays (what ToTensor gives)."""
    raw = torch.as_tensor(testkit.dataset(data, name, True).data[:MAX_IMAGES])
    images = raw.unsqueeze(1) if raw.dim() == 3 else raw.permute(0, 3, 1, 2)  # MNIST [N, H, W]; CIFAR [N, H, W, C]
    return images.to(torch.float64) / 255


def reference_stats(images: torch.Tensor):
    return images.mean(dim=(0, 2, 3)).float(), images.std(dim=(0, 2, 3)).float()


def small_rgb_set(seed=5):
    """12 non-square RGB images whose channels differ in level and spread, and whose images differ
    from each other: global statistics, a per-image average or a mixed-up reshape all give other numbers."""
    generator = seeded(seed)
    level = torch.tensor([0.2, -1.0, 3.0]).view(1, 3, 1, 1)
    image_offset = torch.randn(12, 3, 1, 1, generator=generator) * torch.tensor([0.5, 1.0, 2.0]).view(1, 3, 1, 1)
    noise = torch.randn(12, 3, 10, 14, generator=generator) * torch.tensor([0.1, 0.3, 1.0]).view(1, 3, 1, 1)
    return level + image_offset + noise, torch.arange(12)


def student_tensor_dataset(student, images, labels):
    return student.lib("torch.utils.data.TensorDataset")(images, labels)


def expect_stats(result, expected, what):
    expect(isinstance(result, (tuple, list)) and len(result) == 2, f"{what} should return a tuple (mean, std), got {describe(result)}")
    for name, actual, reference in zip(("mean", "std"), result, expected):
        expect_tensor(actual, reference, f"the {name} from {what}", rtol=RTOL, atol=1e-6, check_dtype=False)


@graded(points=1, exercise="channel_stats", section=SECTION, visible=True)
def test_channel_stats_are_per_channel(student):
    """channel_stats gives one mean and one std per channel of a small RGB data set"""
    images, labels = small_rgb_set()
    result = student.channel_stats(student_tensor_dataset(student, images, labels))
    expect_stats(result, reference_stats(images.double()), "channel_stats on 12 RGB images [3, 10, 14]")


@graded(points=1, exercise="channel_stats", section=SECTION, timeout=40)
def test_channel_stats_of_the_mnist_training_set(student, data):
    """channel_stats of the MNIST training images (ToTensor) match their mean and std"""
    result = student.channel_stats(student_training_images(student, data, "MNIST"))
    expect_stats(result, reference_stats(reference_pixels(data, "MNIST")), "channel_stats on the MNIST training set")


@graded(points=1, exercise="channel_stats", section=SECTION, timeout=40)
def test_channel_stats_of_the_cifar10_training_set(student, data):
    """channel_stats of the CIFAR10 training images (ToTensor) match each channel's mean and std"""
    result = student.channel_stats(student_training_images(student, data, "CIFAR10"))
    expect_stats(result, reference_stats(reference_pixels(data, "CIFAR10")), "channel_stats on the CIFAR10 training set")


def normalize_statistics(transform):
    """The mean and std a transforms.Normalize holds, read back as data (the grader compares them itself)."""
    type_name = getattr(transform, "type_name", type(transform).__name__)
    expect(type_name.endswith("Normalize"), f"make_normalize should return a transforms.Normalize, got {describe(transform)}")
    statistics = []
    for name in ("mean", "std"):
        value = getattr(transform, name)
        try:
            statistics.append(torch.as_tensor(value, dtype=torch.float64).flatten())
        except (TypeError, ValueError, RuntimeError):
            raise Mismatch(f"the Normalize's {name} should be numbers, one per channel, got {describe(value)}") from None
    return statistics


def expect_a_normalize_with(transform, expected, what):
    """`transform` holds the grader's per-channel mean and std, and applies them to an image the grader chose."""
    for name, actual, reference in zip(("mean", "std"), normalize_statistics(transform), expected):
        expect_tensor(actual, reference.double(), f"the {name} held by the Normalize from {what}", rtol=RTOL, atol=1e-6)
    mean, std = (value.view(-1, 1, 1) for value in expected)
    x = torch.randn(len(mean), 10, 14, generator=seeded(7)) * 2
    expect_tensor(transform(x), (x - mean) / std, f"the Normalize from {what} applied to an image [{len(mean)}, 10, 14]",
                  rtol=RTOL, atol=1e-4)


@graded(points=1, exercise="make_normalize", section=SECTION, visible=True)
def test_make_normalize_uses_the_statistics_of_its_dataset(student):
    """make_normalize returns a Normalize holding the per-channel mean and std of the given data"""
    images, labels = small_rgb_set(seed=6)
    transform = student.make_normalize(student_tensor_dataset(student, images, labels))
    expect_a_normalize_with(transform, reference_stats(images.double()), "make_normalize on 12 RGB images [3, 10, 14]")


@graded(points=1, exercise="make_normalize", section=SECTION, timeout=40)
def test_normalized_mnist_has_mean_0_and_std_1(student, data):
    """make_normalize on the MNIST training images holds their mean and std (they come out with mean 0 and std 1)"""
    transform = student.make_normalize(student_training_images(student, data, "MNIST"))
    expect_a_normalize_with(transform, reference_stats(reference_pixels(data, "MNIST")),
                            "make_normalize on the MNIST training set (compute the statistics from the dataset you are given, "
                            "not the usual MNIST constants)")
