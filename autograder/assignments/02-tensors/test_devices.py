"""Choosing a device and moving a batch to it (lecture Part 03, "Moving tensors to the GPU").

There is no GPU where most grading runs. pick_device is tested by telling the
student's process that CUDA is (or is not) available; move_batch_to is tested
with PyTorch's "meta" device, which keeps shapes and dtypes but no data, so a
tensor that was not moved shows up on the CPU. Tests marked gpu repeat both on
a real GPU.
"""

from contextlib import contextmanager

import pytest
import torch

from autograder.testkit import (
    describe, expect, expect_right_value, expect_tensor, expect_type, expect_unmodified, graded, inputs_after, seeded,
)

SECTION = "Part 03 · Moving tensors to the GPU"
META = torch.device("meta")
META_NOTE = ("The grader moves batches to PyTorch's \"meta\" device (tensors with a shape but no data) "
             "to test device handling without a GPU.")


@contextmanager
def cuda_reported_as(student, available: bool):
    """Makes torch.cuda.is_available() answer `available` in the student's process."""
    patcher = student.lib("unittest.mock.patch")("torch.cuda.is_available", return_value=available)
    patcher.start()
    try:
        yield
    finally:
        patcher.stop()


def expect_a_device(chosen, what):
    expect(isinstance(chosen, torch.device),
           f"{what} should be a torch.device, got {describe(chosen)}: return torch.device(\"cuda\") or torch.device(\"cpu\")")


# pick_device ----------------------------------------------------------------------------


def picked_with_cuda(student, available: bool):
    with cuda_reported_as(student, available):
        chosen = student.pick_device()
    expect_a_device(chosen, f"pick_device() when torch.cuda.is_available() is {available}")
    return chosen


def expect_picked(chosen, available: bool):
    if available:
        expect(chosen.type == "cuda" and chosen.index in (None, 0),
               f"pick_device() should return torch.device('cuda') when torch.cuda.is_available() is True, got {chosen!r}")
    else:
        expect(chosen == torch.device("cpu"),
               f"pick_device() should return torch.device('cpu') when torch.cuda.is_available() is False, got {chosen!r}")


@graded(points=1, exercise="pick_device", section=SECTION, visible=True)
def test_pick_device_falls_back_to_the_cpu(student):
    """pick_device() returns torch.device("cpu") without a CUDA GPU, and torch.device("cuda") with one"""
    for available in (False, True):
        expect_picked(picked_with_cuda(student, available), available)


@graded(points=1, exercise="pick_device", section=SECTION)
def test_pick_device_asks_on_every_call(student):
    """pick_device() asks torch.cuda.is_available() on every call: cuda, cpu, cuda as the answer changes"""
    for available in (True, False, True):
        expect_picked(picked_with_cuda(student, available), available)


@pytest.mark.gpu
@graded(points=1, exercise="pick_device", section=SECTION)
def test_pick_device_finds_the_gpu(student, device):
    """on a machine with a CUDA GPU, pick_device() returns a cuda device"""
    chosen = student.pick_device()
    expect_a_device(chosen, "pick_device() on a GPU machine")
    expect(chosen.type == "cuda", f"pick_device() should return a cuda device on a GPU machine, got {chosen!r}")


# move_batch_to --------------------------------------------------------------------------


def tuple_batch(seed, n=4):
    generator = seeded(seed)
    samples = torch.randn(n, 3, 5, 7, generator=generator)
    labels = torch.randint(0, 10, (n,), generator=generator)
    return samples, labels


def dict_batch(seed, n=3):
    generator = seeded(seed)
    return {
        "images": torch.randn(n, 1, 6, 4, generator=generator),
        "labels": torch.randint(0, 10, (n,), generator=generator),
        "weights": torch.rand(n, dtype=torch.float64, generator=generator),
    }




def expect_moved_sequence(moved, original, device, call):
    expect(isinstance(moved, (tuple, list)), f"{call} should return a tuple or a list, got {describe(moved)}")
    expect(len(moved) == len(original), f"{call} should return {len(original)} tensors, got {len(moved)} items")
    for index, (value, tensor) in enumerate(zip(moved, original)):
        expect_tensor(value, tensor.to(device), f"item {index} of {call}")


def expect_moved_dict(moved, original, device, call):
    expect(isinstance(moved, dict), f"{call} should return a dict, got {describe(moved)}")
    expect(set(moved) == set(original), f"{call} should keep the keys {sorted(original)}, got {sorted(map(str, moved))}")
    for key, tensor in original.items():
        expect_tensor(moved[key], tensor.to(device), f"{call}[{key!r}]")


def expect_dict_on_meta(moved, original, call):
    expect(isinstance(moved, dict), f"{call} should return a dict, got {describe(moved)}")
    expect(set(moved) == set(original), f"{call} should keep the keys {sorted(original)}, got {sorted(map(str, moved))}")
    for key, tensor in original.items():
        expect_on_meta(moved[key], tensor, f"{call}[{key!r}]")


def expect_sequence_on_meta(moved, original, call):
    expect(isinstance(moved, (tuple, list)) and len(moved) == len(original),
           f"{call} should return a tuple or a list of {len(original)} tensors, got {describe(moved)}")
    for index, (value, tensor) in enumerate(zip(moved, original)):
        expect_on_meta(value, tensor, f"item {index} of {call}")


def expect_on_meta(value, original, what):
    expect_type(value, torch.Tensor, f"{what}")
    expect(value.device == META,
           f"{what} is on {value.device}, expected meta. {META_NOTE} Remember that t.to(device) returns the moved "
           "tensor and leaves t where it was: use the result")
    expect(tuple(value.shape) == tuple(original.shape) and value.dtype == original.dtype,
           f"{what} should keep shape {list(original.shape)} and dtype {original.dtype}, "
           f"got shape {list(value.shape)} and dtype {value.dtype}")


@graded(points=1, exercise="move_batch_to", section=SECTION, visible=True)
def test_move_batch_to_moves_samples_and_labels(student, device):
    """a (samples, labels) tuple, or a [samples, labels] list as a DataLoader gives it, comes back moved, values in order"""
    batch = tuple_batch(seed=1)
    moved = student.move_batch_to(batch, device)
    expect_moved_sequence(moved, batch, device, f"move_batch_to((samples, labels), {str(device)!r})")
    batch = list(tuple_batch(seed=2, n=1))
    moved = student.move_batch_to(batch, str(device))
    expect_moved_sequence(moved, batch, device, f"move_batch_to([samples, labels], {str(device)!r}) for a batch of one")
    expect_sequence_on_meta(student.move_batch_to(batch, META), batch, "move_batch_to([samples, labels], torch.device('meta'))")


@graded(points=1, exercise="move_batch_to", section=SECTION)
def test_move_batch_to_moves_every_tensor_to_the_requested_device(student):
    """every tensor of a tuple and of a dict batch ends up on the requested device"""
    batch = dict_batch(seed=4)
    moved = student.move_batch_to(batch, "cpu")
    expect_right_value(lambda: expect_moved_dict(moved, batch, torch.device("cpu"), "move_batch_to(batch, 'cpu') for a dict batch"))
    tuple_of_tensors = tuple_batch(seed=3)
    expect_sequence_on_meta(student.move_batch_to(tuple_of_tensors, META), tuple_of_tensors,
                            "move_batch_to((samples, labels), torch.device('meta'))")
    expect_dict_on_meta(student.move_batch_to(batch, META), batch, "move_batch_to(batch, torch.device('meta')) for a dict batch")


@graded(points=1, exercise="move_batch_to", section=SECTION)
def test_move_batch_to_leaves_the_original_batch_where_it_was(student, submitted_cells):
    """the dict passed in keeps its own tensors, on their device, after the call"""
    batch = dict_batch(seed=5)
    on_cpu = student.move_batch_to(batch, "cpu")
    on_meta, (after, _) = inputs_after(student, student.move_batch_to, batch, META)

    def moved_right():
        expect_moved_dict(on_cpu, batch, torch.device("cpu"), "move_batch_to(batch, 'cpu')")
        expect_dict_on_meta(on_meta, batch, "move_batch_to(batch, torch.device('meta'))")

    expect_right_value(moved_right)
    expect_unmodified(student, submitted_cells, "move_batch_to", {0: "batch"})
    expect(isinstance(after, dict) and set(after) == set(batch),
           f"move_batch_to changed the keys of the dict it was given: it now has {sorted(map(str, after))}")
    for key, tensor in batch.items():
        value = after[key]
        expect(isinstance(value, torch.Tensor) and value.device == tensor.device,
               f"after move_batch_to(batch, torch.device('meta')), batch[{key!r}] should still be on the cpu, "
               f"but it is now {describe(value) if not isinstance(value, torch.Tensor) else 'on ' + str(value.device)}: build a new dict "
               "instead of assigning into the one you were given")
        expect_tensor(value, tensor, f"batch[{key!r}] after calling move_batch_to(batch, torch.device('meta'))")


@pytest.mark.gpu
@graded(points=1, exercise="move_batch_to", section=SECTION)
def test_move_batch_to_copies_a_batch_to_the_gpu(student, device):
    """a CPU batch is copied to the GPU, and the original stays on the CPU"""
    batch = dict_batch(seed=6)
    moved, (after, _) = inputs_after(student, student.move_batch_to, batch, device)
    call = f"move_batch_to(batch, {str(device)!r})"
    expect(isinstance(moved, dict) and set(moved) == set(batch), f"{call} should return a dict with the keys {sorted(batch)}")
    for key, tensor in batch.items():
        expect_tensor(moved[key], tensor.to(device), f"{call}[{key!r}]")
        expect_tensor(after[key], tensor, f"batch[{key!r}] after calling {call}")
