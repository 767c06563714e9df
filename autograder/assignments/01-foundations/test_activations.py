import torch
from autograder.testkit import graded, expect_tensor

SECTION = "Part 02 · Activation functions"

@graded(points=2, exercise="sigmoid", section=SECTION, visible=True)
def test_sigmoid_matches_formula(student):
    """sigmoid matches 1 / (1 + e^-x) on random inputs"""
    x = torch.randn(7, 5, dtype=torch.float64)
    expect_tensor(student.sigmoid(x), 1 / (1 + torch.exp(-x)), what="sigmoid(x)")
