"""Creating tensors with a given shape, dtype and device (lecture Part 03)."""

import torch

from autograder.testkit import describe, expect, expect_right_value, expect_tensor, expect_type, graded

SECTION = "Part 03 · Basic Tensor operations"
KEYS = ("ones", "zeros_column", "zeros_like", "counting", "counting_t")
META = torch.device("meta")


def lecture_tensors(rows, cols, dtype, device):
    counting = torch.arange(rows * cols, device=device).reshape(rows, cols).to(dtype)
    return {
        "ones": torch.ones(rows, cols, dtype=dtype, device=device),
        "zeros_column": torch.zeros(rows, 1, dtype=dtype, device=device),
        "zeros_like": torch.zeros(rows, cols, dtype=dtype, device=device),
        "counting": counting,
        "counting_t": counting.t().contiguous(),
    }


def expect_the_keys(made, call):
    expect(isinstance(made, dict), f"{call} should return a dict, got {describe(made)}")
    missing = [key for key in KEYS if key not in made]
    expect(not missing, f"{call} returned a dict without the keys {', '.join(map(repr, missing))}")


def expect_lecture_tensors(made, call, rows, cols, dtype, device):
    expect_the_keys(made, call)
    for key, expected in lecture_tensors(rows, cols, dtype, device).items():
        expect_tensor(made[key], expected, f"{call}[{key!r}]")




@graded(points=1, exercise="make_tensors", section=SECTION, visible=True)
def test_make_tensors_builds_the_lecture_tensors(student, device):
    """make_tensors(3, 5, float64) gives ones, a zero column, zeros_like, the count and its transpose"""
    made = student.make_tensors(3, 5, torch.float64, device)
    expect_lecture_tensors(made, f"make_tensors(3, 5, torch.float64, {str(device)!r})", 3, 5, torch.float64, device)


@graded(points=1, exercise="make_tensors", section=SECTION)
def test_make_tensors_honours_the_dtype(student, device):
    """every tensor has the requested dtype (int64), and float32 when none is given"""
    made = student.make_tensors(4, 2, dtype=torch.int64, device=device)
    expect_lecture_tensors(made, f"make_tensors(4, 2, dtype=torch.int64, device={str(device)!r})", 4, 2, torch.int64, device)
    made = student.make_tensors(1, 6)
    expect_lecture_tensors(made, "make_tensors(1, 6)", 1, 6, torch.float32, torch.device("cpu"))


@graded(points=1, exercise="make_tensors", section=SECTION)
def test_make_tensors_creates_every_tensor_on_the_requested_device(student):
    """every tensor is created on the device passed in (checked with PyTorch's data-less "meta" device)"""
    made = student.make_tensors(2, 3, torch.float64, "cpu")
    expect_right_value(lambda: expect_lecture_tensors(made, "make_tensors(2, 3, torch.float64, 'cpu')", 2, 3, torch.float64, "cpu"))
    call = "make_tensors(2, 3, torch.float64, torch.device('meta'))"
    made = student.make_tensors(2, 3, torch.float64, META)
    expect_the_keys(made, call)
    for key, expected in lecture_tensors(2, 3, torch.float64, "cpu").items():
        value = made[key]
        expect_type(value, torch.Tensor, f"{call}[{key!r}]")
        expect(value.device == META,
               f"{call}[{key!r}] is on {value.device}, expected meta. The grader asks for PyTorch's \"meta\" device "
               "(tensors with a shape but no data) to test device handling without a GPU: pass device= to every "
               "tensor you create, or move it there with .to(device)")
        expect(tuple(value.shape) == tuple(expected.shape),
               f"{call}[{key!r}] has shape {list(value.shape)}, expected {list(expected.shape)}")
        expect(value.dtype == torch.float64, f"{call}[{key!r}] has dtype {value.dtype}, expected torch.float64")
