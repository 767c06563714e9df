"""Saving and loading a state_dict (lecture Part 05, Saving and loading the models)."""

import pytest
import torch

from autograder import testkit
from autograder.student import StudentError
from autograder.course_reference import lecture_cifar_net
from autograder.testkit import Mismatch, class_name, expect, expect_tensor, graded, seeded

SECTION = "Part 05 · Saving and loading the models"


def student_model_with_buffers(student, seed):
    """A small model with parameters and batch-norm buffers, in the student's process; returns it and its state."""
    model = student.lib("torch.nn.Sequential")(
        student.lib("torch.nn.Conv2d")(2, 3, 3), student.lib("torch.nn.BatchNorm2d")(3),
        student.lib("torch.nn.Flatten")(), student.lib("torch.nn.Linear")(12, 4))
    generator = seeded(seed)
    state = {name: torch.randn(tensor.shape, generator=generator).abs() + 0.1 if tensor.is_floating_point() else tensor + 7
             for name, tensor in model.state_dict().items()}
    model.load_state_dict(state)
    return model, state


def load_saved_file(path, what):
    """Loads what the student's save_model wrote, here in the grader, the safe way."""
    expect(path.is_file(), f"{what} wrote no file at the path it was given ({path.name}); save to exactly that path")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise Mismatch(
            f"the file written by {what} cannot be loaded with torch.load(path, weights_only=True) ({type(error).__name__}). "
            "It must hold model.state_dict(), a dict of tensors, not the model object") from None


def save_reference(student, name, seed, cuda_tags=False):
    """Saves a reference Net's state_dict into the student's folder; returns (path, reference net).

    cuda_tags: the file says its tensors were on cuda:0, as a file saved on a GPU machine does.
    """
    reference = lecture_cifar_net(seed)
    path = student.work_dir / name
    if not cuda_tags:
        torch.save(reference.state_dict(), path)
        return path, reference
    real_location_tag = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        torch.save(reference.state_dict(), path)
    finally:
        torch.serialization.location_tag = real_location_tag
    return path, reference




def expect_loaded_net(model, reference, device, what):
    kind = class_name(model)
    expect(kind == "Net", f"{what} should return a Net, got a {kind}")
    state = model.state_dict()
    for name, tensor in reference.state_dict().items():
        expect(name in state, f"the Net returned by {what} has no {name!r}")
        expect(state[name].device.type == device.type, f"{what}: {name} is on {state[name].device}, expected on {device}")
        expect_tensor(state[name], tensor.to(device), f"{name} of the Net returned by {what}", rtol=0, atol=0)
    x = torch.randn(3, 3, 32, 32, generator=seeded(41))
    with torch.no_grad():
        expected = reference(x)
    expect_tensor(model(x.to(device)), expected.to(device), f"the outputs of the Net returned by {what}", rtol=1e-4, atol=1e-5)


# save_model ---------------------------------------------------------------------


@graded(points=2, exercise="save_model", section=SECTION, visible=True)
def test_save_model_writes_a_state_dict(student):
    """save_model writes a file that torch.load(path, weights_only=True) reads as the model's state_dict"""
    model = student.lib("torch.nn.Linear")(7, 3)
    expected = model.state_dict()
    path = student.work_dir / "saved" / "linear.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    student.save_model(model, str(path))
    saved = load_saved_file(path, "save_model(model, path)")
    expect(isinstance(saved, dict), f"save_model should save model.state_dict(), a dict of tensors; the file holds {testkit.describe(saved)}")
    expect(sorted(saved) == sorted(expected), f"the saved state_dict should have the entries {sorted(expected)}, it has {sorted(saved)}")
    for name, tensor in expected.items():
        expect_tensor(saved[name], tensor, f"saved {name}", rtol=0, atol=0)


@graded(points=1, exercise="save_model", section=SECTION)
def test_save_model_keeps_the_buffers(student):
    """save_model also saves buffers, such as the running statistics of batch norm"""
    model, state = student_model_with_buffers(student, seed=42)
    path = student.work_dir / "saved-with-buffers.pt"
    student.save_model(model, str(path))
    saved = load_saved_file(path, "save_model(model, path)")
    expect(isinstance(saved, dict), f"save_model should save model.state_dict(), a dict of tensors; the file holds {testkit.describe(saved)}")
    missing = sorted(set(state) - set(saved))
    expect(not missing, f"the saved state_dict lacks {missing}: save model.state_dict(), which holds the buffers too, not only the parameters")
    for name, tensor in state.items():
        expect_tensor(saved[name], tensor, f"saved {name}", rtol=0, atol=0)


# load_model ---------------------------------------------------------------------


@graded(points=2, exercise="load_model", section=SECTION, visible=True)
def test_load_model_restores_the_saved_weights(student):
    """load_model returns a Net with the saved weights, giving the same outputs as the saved network"""
    path, reference = save_reference(student, "reference-net.pt", seed=43)
    model = student.load_model(str(path), torch.device("cpu"))
    expect_loaded_net(model, reference, torch.device("cpu"), "load_model(path, cpu)")


@graded(points=1, exercise="load_model", section=SECTION)
def test_load_model_returns_the_net_in_eval_mode(student):
    """load_model returns the Net in evaluation mode (model.eval(), with parentheses)"""
    path, reference = save_reference(student, "reference-net-eval.pt", seed=44)
    model = student.load_model(str(path), torch.device("cpu"))
    expect_loaded_net(model, reference, torch.device("cpu"), "load_model(path, cpu)")
    expect(model.training is False, "the Net returned by load_model is in training mode: call model.eval() before returning it")


@graded(points=1, exercise="load_model", section=SECTION)
def test_load_model_maps_gpu_weights_to_the_cpu(student):
    """load_model loads a file saved on a GPU machine onto the CPU (map_location=device)"""
    path, reference = save_reference(student, "saved-on-gpu.pt", seed=45, cuda_tags=True)
    try:
        model = student.load_model(str(path), torch.device("cpu"))
    except (StudentError, RuntimeError) as error:  # StudentError: the student's process; RuntimeError: nbgrader's kernel
        if "cuda" not in str(error).lower():
            raise
        raise Mismatch(
            f"load_model could not load a file saved on a GPU machine ({str(error).rstrip('.')}). "
            "Pass map_location=device to torch.load so the tensors go to the requested device") from None
    expect_loaded_net(model, reference, torch.device("cpu"), "load_model(file saved on cuda, cpu)")


@graded(points=1, exercise="load_model", section=SECTION)
@pytest.mark.gpu
def test_load_model_puts_the_net_on_the_requested_device(student, device):
    """load_model puts the Net on the GPU when asked, and brings GPU weights back to the CPU"""
    reference = lecture_cifar_net(46)
    path = student.work_dir / "reference-net-gpu.pt"
    torch.save({name: tensor.to(device) for name, tensor in reference.state_dict().items()}, path)
    expect_loaded_net(student.load_model(str(path), device), reference, device, f"load_model(path, {device})")
    expect_loaded_net(student.load_model(str(path), torch.device("cpu")), reference, torch.device("cpu"), "load_model(file saved on cuda, cpu)")
