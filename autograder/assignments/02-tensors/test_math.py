"""Reductions along a dimension, broadcasting and the matrix product (lecture Part 03)."""

import torch

from autograder.testkit import (
    expect_right_value, expect_tensor, expect_unmodified, expect_values, graded, inputs_after, seeded,
)

SECTION = "Part 03 · Basic Tensor operations"


def data_matrix(n, f, seed, dtype=torch.float64):
    """N samples as rows, F features as columns, with negative entries and no all-zero row."""
    generator = seeded(seed)
    return (torch.randn(n, f, dtype=torch.float64, generator=generator) * 3 + 0.5).to(dtype)


# column_means ---------------------------------------------------------------------------


@graded(points=1, exercise="column_means", section=SECTION, visible=True)
def test_column_means_averages_every_column_over_the_samples(student):
    """column_means of a [5, 3] matrix is the [3] vector of its column means"""
    x = data_matrix(5, 3, seed=1)
    expect_tensor(student.column_means(x), x.sum(dim=0) / 5, "column_means(x) for x of shape [5, 3]", rtol=1e-10)


@graded(points=1, exercise="column_means", section=SECTION)
def test_column_means_keeps_the_dtype_and_handles_a_single_sample(student):
    """column_means keeps float32, and the mean of a single row is that row"""
    x = data_matrix(7, 2, seed=2, dtype=torch.float32)
    expect_tensor(student.column_means(x), x.mean(dim=0), "column_means(x) for a float32 x of shape [7, 2]", rtol=1e-5)
    row = data_matrix(1, 4, seed=3)
    expect_tensor(student.column_means(row), row[0], "column_means(x) for x of shape [1, 4] (one sample)", rtol=1e-10)


# normalize_rows -------------------------------------------------------------------------


def l1_normalized(x):
    return torch.stack([row / row.abs().sum() for row in x])


@graded(points=1, exercise="normalize_rows", section=SECTION, visible=True)
def test_normalize_rows_divides_every_row_by_its_l1_norm(student):
    """normalize_rows divides each row of a [4, 6] matrix by the sum of its absolute values"""
    x = data_matrix(4, 6, seed=4)
    expect_tensor(student.normalize_rows(x), l1_normalized(x), "normalize_rows(x) for x of shape [4, 6]", rtol=1e-10)
    x = data_matrix(1, 5, seed=5, dtype=torch.float32)
    expect_tensor(student.normalize_rows(x), l1_normalized(x), "normalize_rows(x) for a float32 x of shape [1, 5]", rtol=1e-5)


@graded(points=1, exercise="normalize_rows", section=SECTION)
def test_normalize_rows_leaves_its_input_unchanged(student, submitted_cells):
    """normalize_rows returns a new tensor and does not modify x in place"""
    x = data_matrix(6, 4, seed=6)
    result, (x_after,) = inputs_after(student, student.normalize_rows, x)
    expect_right_value(lambda: expect_tensor(result, l1_normalized(x), "normalize_rows(x) for x of shape [6, 4]", rtol=1e-10))
    expect_unmodified(student, submitted_cells, "normalize_rows", {0: "x"})
    expect_values(x_after, x, "x after calling normalize_rows(x)")


# linear_scores --------------------------------------------------------------------------


def linear_problem(n, f, c, seed, dtype=torch.float64):
    generator = seeded(seed)
    x = torch.randn(n, f, dtype=torch.float64, generator=generator)
    weight = torch.randn(c, f, dtype=torch.float64, generator=generator)
    bias = torch.randn(c, dtype=torch.float64, generator=generator)
    expected = torch.stack([weight @ sample + bias for sample in x])
    return x.to(dtype), weight.to(dtype), bias.to(dtype), expected.to(dtype)


@graded(points=1, exercise="linear_scores", section=SECTION, visible=True)
def test_linear_scores_is_x_times_w_transposed_plus_b(student):
    """linear_scores of N=5 samples with F=4 features and C=3 classes is the [5, 3] matrix x W^T + b"""
    x, weight, bias, expected = linear_problem(5, 4, 3, seed=7)
    expect_tensor(student.linear_scores(x, weight, bias), expected,
                  "linear_scores(x, weight, bias) with x [5, 4], weight [3, 4], bias [3]", rtol=1e-10)


@graded(points=1, exercise="linear_scores", section=SECTION)
def test_linear_scores_of_a_single_sample_in_float32(student):
    """a batch of one sample gives a [1, C] score matrix, in float32"""
    x, weight, bias, expected = linear_problem(1, 6, 4, seed=8, dtype=torch.float32)
    expect_tensor(student.linear_scores(x, weight, bias), expected,
                  "linear_scores(x, weight, bias) with x [1, 6], weight [4, 6], bias [4] in float32", rtol=1e-5, atol=1e-6)
    x, weight, bias, expected = linear_problem(2, 3, 7, seed=9, dtype=torch.float32)
    expect_tensor(student.linear_scores(x, weight, bias), expected,
                  "linear_scores(x, weight, bias) with x [2, 3], weight [7, 3], bias [7] in float32", rtol=1e-5, atol=1e-6)
