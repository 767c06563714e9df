"""A 2D convolution by hand (lecture Part 05, Convolutions)."""

import scipy
import torch
import torch.nn.functional as F

from autograder.testkit import (Mismatch, ban, expect_right_value, expect_tensor, graded, seeded,
                                watch)

SECTION = "Part 05 · Convolutions"
BUILT_IN = ban("a built-in convolution or unfold", F.conv1d, F.conv2d, F.conv3d, F.conv_transpose2d, torch.conv2d,
               torch.convolution, torch.nn.Conv2d, F.unfold, torch.nn.Unfold, torch.Tensor.unfold, scipy)
RULE = "compute the weighted sums yourself (slicing, *, .sum()), without a built-in convolution or unfold"

LECTURE_IMAGE = torch.tensor([
    [0, 0, 0, 0, 0, 0],
    [0, 255, 255, 255, 255, 0],
    [0, 0, 0, 0, 255, 0],
    [0, 0, 0, 255, 0, 0],
    [0, 0, 255, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
], dtype=torch.float64)
MEAN_FILTER = torch.full((3, 3), 1 / 9, dtype=torch.float64)

# (H, W, kH, kW, stride, padding): non-square images and kernels, strides 1-3, paddings 0-2,
# sizes that do not divide evenly by the stride
CASES = [
    (7, 9, 3, 3, 1, 0),
    (8, 5, 2, 3, 1, 1),
    (9, 11, 3, 2, 2, 0),
    (10, 7, 3, 3, 2, 1),
    (6, 13, 1, 4, 3, 2),
    (11, 8, 5, 3, 3, 1),
    (5, 6, 4, 4, 1, 2),
]


def reference(image, kernel, stride=1, padding=0):
    return F.conv2d(image[None, None], kernel[None, None], stride=stride, padding=padding)[0, 0]


def random_case(seed, H, W, kH, kW, dtype=torch.float64):
    generator = seeded(seed)
    return torch.randn(H, W, dtype=dtype, generator=generator), torch.randn(kH, kW, dtype=dtype, generator=generator)


def watched(student, cells):
    return watch(student, cells, "conv2d_single", BUILT_IN)


@graded(points=1, exercise="conv2d_single", section=SECTION, visible=True)
def test_conv2d_single_applies_the_mean_filter(student, submitted_cells):
    """conv2d_single gives the lecture's mean-filter result on its 6x6 example, with and without padding"""
    conv2d_single = watched(student, submitted_cells)
    for padding in (0, 1):
        expect_tensor(conv2d_single(LECTURE_IMAGE, MEAN_FILTER, 1, padding), reference(LECTURE_IMAGE, MEAN_FILTER, padding=padding),
                      f"conv2d_single(6x6 example, 3x3 mean filter, stride=1, padding={padding})", rtol=1e-10)


@graded(points=2, exercise="conv2d_single", section=SECTION, visible=True)
def test_conv2d_single_matches_conv2d_on_random_inputs(student, submitted_cells):
    """conv2d_single equals F.conv2d for non-square images and kernels, strides 1-3 and paddings 0-2"""
    conv2d_single = watched(student, submitted_cells)
    for seed, (H, W, kH, kW, stride, padding) in enumerate(CASES, start=100):
        image, kernel = random_case(seed, H, W, kH, kW)
        result = conv2d_single(image, kernel, stride=stride, padding=padding)
        flipped = reference(image, kernel.flip(0, 1), stride, padding)
        if isinstance(result, torch.Tensor) and result.shape == flipped.shape and torch.allclose(result, flipped, rtol=1e-9, atol=1e-12):
            raise Mismatch(f"conv2d_single on a {H}x{W} image with a {kH}x{kW} kernel computes a convolution with the kernel flipped; "
                           "PyTorch (and this exercise) multiplies padded[i * stride + u, j * stride + v] with kernel[u, v], without flipping")
        expect_tensor(result, reference(image, kernel, stride, padding),
                      f"conv2d_single on a {H}x{W} image with a {kH}x{kW} kernel, stride={stride}, padding={padding}", rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="conv2d_single", section=SECTION)
def test_conv2d_single_uses_defaults_and_keeps_float32(student, submitted_cells):
    """conv2d_single defaults to stride 1 and padding 0 and keeps float32 inputs in float32"""
    image, kernel = random_case(7, 9, 6, 3, 2, dtype=torch.float32)
    expect_tensor(watched(student, submitted_cells)(image, kernel), reference(image, kernel),
                  "conv2d_single(image, kernel) for float32 inputs", rtol=1e-4, atol=1e-5)


@graded(points=1, exercise="conv2d_single", section=SECTION)
def test_conv2d_single_does_not_call_a_convolution(student, submitted_cells):
    """conv2d_single does not call a built-in convolution or unfold"""
    conv2d_single = watched(student, submitted_cells)
    image, kernel = random_case(8, 7, 8, 3, 3)
    result = conv2d_single(image, kernel, 2, 1)
    expect_right_value(lambda: expect_tensor(result, reference(image, kernel, 2, 1),
                                             "conv2d_single on a 7x8 image with a 3x3 kernel, stride=2, padding=1", rtol=1e-9, atol=1e-12))
    conv2d_single.expect_not_used(RULE)
