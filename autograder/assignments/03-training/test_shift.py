"""Shifting images along the width (lecture Part 04 · Limits of going fully connected)."""

import torch

from autograder.testkit import (
    expect_right_value, expect_tensor, expect_unmodified, expect_values, graded, inputs_after, seeded,
)

SECTION = "Part 04 · Limits of going fully connected"


def images(seed, *shape):
    return torch.randn(*shape, generator=seeded(seed))


@graded(points=1, exercise="shift_pixels", section=SECTION, visible=True)
def test_shift_pixels_rolls_a_batch_to_the_right(student):
    """shift_pixels moves every image of a batch [N, C, H, W] to the right along the width, wrapping around"""
    x = images(80, 2, 3, 5, 7)
    expect_tensor(student.shift_pixels(x, 2), torch.roll(x, 2, dims=-1), "shift_pixels(x, 2) for a batch [2, 3, 5, 7]")


@graded(points=1, exercise="shift_pixels", section=SECTION)
def test_shift_pixels_works_on_one_image_and_any_shift(student):
    """shift_pixels works on one image [C, H, W], for negative shifts and shifts wider than the image"""
    x = images(81, 3, 4, 6)
    for shift in (1, -1, 8, 0):
        expect_tensor(student.shift_pixels(x, shift), torch.roll(x, shift, dims=-1), f"shift_pixels(x, {shift}) for an image [3, 4, 6]")


@graded(points=1, exercise="shift_pixels", section=SECTION)
def test_shift_pixels_leaves_its_input_unchanged(student, submitted_cells):
    """shift_pixels returns a new tensor and leaves the input unchanged"""
    x = images(82, 2, 1, 4, 6)
    result, (x_after, _) = inputs_after(student, student.shift_pixels, x.clone(), 3)
    expect_right_value(lambda: expect_tensor(result, torch.roll(x, 3, dims=-1), "shift_pixels(x, 3) for a batch [2, 1, 4, 6]"))
    expect_unmodified(student, submitted_cells, "shift_pixels", {0: "x"})
    expect_values(x_after, x, "the input after calling shift_pixels(x, 3)")
