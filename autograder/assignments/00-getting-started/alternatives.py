"""Correct solutions of 00-getting-started in other styles than the reference; each must earn full marks."""

from autograder.mutation import Mutant

ALTERNATIVES = [
    Mutant("first_tensor with torch.arange", "first_tensor", """
def first_tensor():
    return torch.arange(1, 4, dtype=torch.float32)
"""),
    Mutant("first_tensor from a list of ints with dtype=torch.float32", "first_tensor", """
def first_tensor():
    return torch.tensor([1, 2, 3], dtype=torch.float32)
"""),
    Mutant("first_tensor with torch.linspace", "first_tensor", """
def first_tensor():
    return torch.linspace(1.0, 3.0, steps=3)
"""),
    Mutant("first_tensor from a tuple with torch.as_tensor", "first_tensor", """
def first_tensor():
    return torch.as_tensor((1.0, 2.0, 3.0))
"""),
]
