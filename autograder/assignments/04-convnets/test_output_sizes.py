"""Output sizes of convolutions and max pooling (lecture Part 05, Convolution parameters and downsampling)."""

import functools
import itertools

import torch
from torch import nn

from autograder.testkit import Mismatch, expect, graded

CONV_SECTION = "Part 05 · Convolution parameters"
POOL_SECTION = "Part 05 · From large to small: downsampling"

# input sizes that divide evenly and unevenly by every stride
CONV_CASES = [
    (size, kernel, stride, padding)
    for size, kernel, stride, padding in itertools.product((5, 6, 7, 13, 28, 32), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2))
    if size + 2 * padding >= kernel
]
POOL_CASES = [
    (size, kernel, stride, padding)
    for size, kernel, stride, padding in itertools.product((5, 7, 8, 15, 16, 31), (2, 3, 4), (None, 1, 2, 3), (0, 1, 2))
    if padding <= kernel // 2
]


def conv_output(size, kernel, stride, padding):
    """The height of what nn.Conv2d really returns for an input of height `size`."""
    conv = nn.Conv2d(1, 1, kernel_size=(kernel, 1), stride=(stride, 1), padding=(padding, 0))
    with torch.no_grad():
        return conv(torch.zeros(1, 1, size, 1)).shape[2]


def pool_output(size, kernel, stride, padding):
    """The height of what nn.MaxPool2d really returns for an input of height `size`."""
    pool = nn.MaxPool2d(kernel_size=(kernel, 1), stride=None if stride is None else (stride, 1), padding=(padding, 0))
    return pool(torch.zeros(1, 1, size, 1)).shape[2]


@functools.cache  # the same for every submission: computed once per grading process
def expected_sizes(kind: str) -> list[int]:
    cases, output = (CONV_CASES, conv_output) if kind == "conv" else (POOL_CASES, pool_output)
    return [output(*case) for case in cases]


def student_sizes(student, name: str, cases) -> list:
    """The student's function on every case, in one call into the student's process."""
    return student.lib("builtins.list")(student.lib("builtins.map")(getattr(student, name), *(list(column) for column in zip(*cases))))


def expect_int(value, expected, what):
    if type(value) is not int:
        kind = "a float" if isinstance(value, float) else f"a {type(value).__name__}"
        raise Mismatch(f"{what} should be the int {expected}, got {kind} {value!r}; use integer division // (it rounds down)")
    expect(value == expected, f"{what} should be {expected}, got {value}")


@graded(points=1, exercise="conv_output_size", section=CONV_SECTION, visible=True)
def test_conv_output_size_of_the_lectures_layers(student):
    """conv_output_size gives 32 for the lecture's conv1 (K=3, P=1) and 4 for the 6x6 mean-filter example"""
    expect_int(student.conv_output_size(32, 3, 1, 1), 32, "conv_output_size(32, kernel_size=3, stride=1, padding=1)")
    expect_int(student.conv_output_size(6, 3), 4, "conv_output_size(6, kernel_size=3)")


@graded(points=2, exercise="conv_output_size", section=CONV_SECTION)
def test_conv_output_size_matches_conv2d(student):
    """conv_output_size matches the output of nn.Conv2d for many sizes, kernels, strides and paddings"""
    results = student_sizes(student, "conv_output_size", CONV_CASES)
    for (size, kernel, stride, padding), result, expected in zip(CONV_CASES, results, expected_sizes("conv")):
        expect_int(result, expected,
                   f"conv_output_size(input_size={size}, kernel_size={kernel}, stride={stride}, padding={padding}) (what nn.Conv2d gives)")


@graded(points=1, exercise="pool_output_size", section=POOL_SECTION, visible=True)
def test_pool_output_size_halves_with_the_default_stride(student):
    """pool_output_size(32, 2) is 16 and pool_output_size(7, 2) is 3, as nn.MaxPool2d(2) gives"""
    expect_int(student.pool_output_size(32, 2), 16, "pool_output_size(32, kernel_size=2)")
    expect_int(student.pool_output_size(7, 2), 3, "pool_output_size(7, kernel_size=2)")


@graded(points=2, exercise="pool_output_size", section=POOL_SECTION)
def test_pool_output_size_matches_maxpool2d(student):
    """pool_output_size matches the output of nn.MaxPool2d for many sizes, kernels, strides (None included) and paddings"""
    results = student_sizes(student, "pool_output_size", POOL_CASES)
    for (size, kernel, stride, padding), result, expected in zip(POOL_CASES, results, expected_sizes("pool")):
        arguments = f"input_size={size}, kernel_size={kernel}, stride={stride}, padding={padding}"
        expect_int(result, expected, f"pool_output_size({arguments}) (what nn.MaxPool2d gives)")
