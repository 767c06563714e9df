"""The course's first exercise: return a small tensor (lecture Part 03)."""

import torch

from autograder.testkit import expect_tensor, graded

SECTION = "Part 03 · Tensors in PyTorch"


@graded(points=1, exercise="first_tensor", section=SECTION, visible=True)
def test_first_tensor_holds_one_two_three_in_float32(student):
    """first_tensor() returns the 1-D float32 tensor [1.0, 2.0, 3.0]"""
    expect_tensor(student.first_tensor(), torch.tensor([1.0, 2.0, 3.0]), "first_tensor()", rtol=0, atol=0)
