"""Realistic wrong solutions of 00-getting-started; each must lose points (see autograder/mutation.py)."""

from autograder.mutation import Mutant

MUTANTS = [
    Mutant("first_tensor writes whole numbers, so the tensor is int64", "first_tensor", """
def first_tensor():
    return torch.tensor([1, 2, 3])
"""),
    Mutant("first_tensor returns a Python list instead of a tensor", "first_tensor", """
def first_tensor():
    return [1.0, 2.0, 3.0]
"""),
    Mutant("first_tensor counts from 0 with torch.arange(3.0)", "first_tensor", """
def first_tensor():
    return torch.arange(3.0)
"""),
    Mutant("first_tensor returns a row of shape [1, 3] instead of a 1-D tensor", "first_tensor", """
def first_tensor():
    return torch.tensor([[1.0, 2.0, 3.0]])
"""),
    Mutant("first_tensor asks for float64", "first_tensor", """
def first_tensor():
    return torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
"""),
]
